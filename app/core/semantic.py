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
    """Word-piece vectors, summed with per-piece weights and normalised to unit length."""

    def __init__(self, vectors: Matrix, tokenizer: Tokenizer) -> None:
        self.vectors = vectors
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
            q = npz["vectors"].astype(np.float32)
            scale = npz["scale"].astype(np.float32)
        return cls(q * scale[:, None], Tokenizer.from_file(str(folder / "tokenizer.json")))

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

    def embed(self, texts: Sequence[str], weights: npt.NDArray[np.float32]) -> Matrix:
        out = np.zeros((len(texts), self.dims), dtype=np.float32)
        for row, ids in enumerate(self.pieces(texts)):
            if not ids:
                continue
            v = weights[ids] @ self.vectors[ids]
            norm = float(np.linalg.norm(v))
            if norm > 0:
                out[row] = v / norm
        return out


@lru_cache(maxsize=1)
def default_embedder() -> StaticEmbedder:
    """One table per process: it is read-only and every engine shares it."""
    return StaticEmbedder.load()
