"""Sentence vectors from static word-piece embeddings distilled from all-MiniLM-L6-v2.

The lexicon knows the clinical words; these vectors know everyday English ("keep fit" is
near "exercise", "roused from sleep" near "wake up at night"), which is what paraphrases
the lexicon has never seen need. See packaging/build_static_embeddings.py for how the
table is made and docs/dialogue.md for how the engine mixes it with the lexical score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
from tokenizers import Tokenizer

from app.core.resources import data_dir

Matrix = npt.NDArray[np.float32]


def embeddings_dir() -> Path:
    return data_dir() / "embeddings"


class StaticEmbedder:
    """Word-piece vectors, summed with per-piece weights and normalised to unit length.

    The table stays as the package ships it, int8 with one scale per piece (6 MB): turned
    into float32 at load it took 23 MB for the whole life of the app, while a question or a
    phrasing only ever reads its own few rows.
    """

    def __init__(
        self,
        vectors: npt.NDArray[np.int8] | Matrix,
        tokenizer: Tokenizer,
        scale: npt.NDArray[np.float32] | None = None,
    ) -> None:
        # a piece's vector is vectors[i] * scale[i]
        self.vectors = vectors
        self.scale = np.ones(len(vectors), dtype=np.float32) if scale is None else scale
        self.tokenizer = tokenizer
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()
        self._special = {
            i for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]") if (i := tokenizer.token_to_id(t))
        }

    @classmethod
    def load(cls, directory: Path | None = None) -> StaticEmbedder:
        folder = directory or embeddings_dir()
        with np.load(folder / "minilm-static.npz") as npz:
            q = npz["vectors"]
            scale = npz["scale"].astype(np.float32)
        return cls(q, Tokenizer.from_file(str(folder / "tokenizer.json")), scale)

    @property
    def dims(self) -> int:
        return int(self.vectors.shape[1])

    def pieces(self, texts: Sequence[str]) -> list[list[int]]:
        encs = self.tokenizer.encode_batch(list(texts), add_special_tokens=False)
        return [[i for i in e.ids if i not in self._special] for e in encs]

    def piece_weights(self, corpus: Iterable[str]) -> npt.NDArray[np.float32]:
        """Inverse document frequency of each word piece over a corpus (unseen: the rarest)."""
        docs = list(dict.fromkeys(corpus))
        df: Counter[int] = Counter()
        for ids in self.pieces(docs):
            df.update(set(ids))
        n = max(len(docs), 1)
        w = np.full(self.vectors.shape[0], math.log(1 + n), dtype=np.float32)
        for i, d in df.items():
            w[i] = math.log(1 + n / (d + 1))
        return w

    EMBED_BATCH = 256  # texts whose pieces are gathered at once (a few MB of rows at most)

    def embed(self, texts: Sequence[str], weights: npt.NDArray[np.float32]) -> Matrix:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        pieces = self.pieces(texts)
        if len(pieces) < 8:  # a question and its parts: fewer numpy calls one by one
            for row, ids in enumerate(pieces):
                if not ids:
                    continue
                v = (weights[ids] * self.scale[ids]) @ self.vectors[ids].astype(np.float32)
                norm = float(np.linalg.norm(v))
                if norm > 0:
                    out[row] = v / norm
            return out
        for first in range(0, len(pieces), self.EMBED_BATCH):
            batch = pieces[first : first + self.EMBED_BATCH]
            rows = [first + i for i, ids in enumerate(batch) if ids]
            if not rows:
                continue
            flat = np.fromiter((p for ids in batch for p in ids), dtype=np.intp)
            starts = np.cumsum([0, *(len(ids) for ids in batch if ids)][:-1])
            weighted = self.vectors[flat].astype(np.float32)
            weighted *= (weights[flat] * self.scale[flat])[:, None]
            sums = np.add.reduceat(weighted, starts, axis=0)
            norms = np.linalg.norm(sums, axis=1)
            ok = norms > 0
            out[np.asarray(rows)[ok]] = sums[ok] / norms[ok, None]
        return out


@lru_cache(maxsize=1)
def default_embedder() -> StaticEmbedder:
    """One table per process: it is read-only and every engine shares it."""
    return StaticEmbedder.load()
