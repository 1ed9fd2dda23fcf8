"""Pooled word vectors of paragraphs, in numpy alone (the serving half of :mod:`stance.features.embeddings`).

:class:`PooledVectors` holds a word-vector table (words, one unit vector per
word, one pooling weight per word) and turns paragraphs into one dense row
each: the weighted mean of the vectors of their known words, L2-normalised.
It imports neither scikit-learn nor scipy, so the numpy
:class:`~stance.estimators.scoring.ScoringCore` can use it from a cold start. Files are
plain data: ``vectors.npz`` (float arrays, read with ``allow_pickle=False``)
and ``vocabulary.json``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..text.processing import preprocess, words
from .compiled import BlockRows, SparseRows

__all__ = ["PooledVectors", "VECTORS_FILE", "VOCABULARY_FILE", "WordVectorFeatures", "dense_rows", "same_vectors"]

#: The arrays of a saved word-vector table.
VECTORS_FILE = "vectors.npz"
#: The words (in row order) and the parameters of a saved table.
VOCABULARY_FILE = "vocabulary.json"
#: Format tag written into ``vocabulary.json``.
FORMAT = "stance-word-vectors/1"
#: Largest table accepted from a file (rows x dimensions).
MAX_CELLS = 50_000_000


class PooledVectors:
    """A word-vector table that pools the vectors of a paragraph's words.

    Parameters
    ----------
    vocabulary : sequence of str
        Words (as :func:`stance.text.words` yields them), one per row of ``vectors``.
    vectors : ndarray of shape (n_words, dim)
    weights : ndarray of shape (n_words,) or None, default=None
        Pooling weight of each word (``None``: all 1).

    Examples
    --------
    >>> pv = PooledVectors(["nato", "talks"], np.array([[1.0, 0.0], [0.0, 1.0]]))
    >>> pv.transform(["NATO talks", "nothing known"]).astype(float).round(3).tolist()
    [[0.707, 0.707], [0.0, 0.0]]
    """

    def __init__(self, vocabulary: Sequence[str], vectors, weights=None):
        self.vocabulary = [str(w) for w in vocabulary]
        self.vectors = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
        if self.vectors.ndim != 2 or self.vectors.shape[0] != len(self.vocabulary):
            raise ValueError(f"vectors must have shape ({len(self.vocabulary)}, dim), got {self.vectors.shape}")
        n = len(self.vocabulary)
        self.weights = (np.ones(n, dtype=np.float32) if weights is None
                        else np.asarray(weights, dtype=np.float32).reshape(-1))
        if self.weights.shape != (n,):
            raise ValueError(f"weights must have shape ({n},), got {self.weights.shape}")
        self.index = {w: i for i, w in enumerate(self.vocabulary)}
        if len(self.index) != n:
            raise ValueError(f"the vocabulary has {n - len(self.index)} repeated word(s)")

    def __repr__(self) -> str:
        return f"PooledVectors(n_words={len(self.vocabulary)}, dim={self.dim})"

    @property
    def dim(self) -> int:
        """Number of dimensions of a pooled row."""
        return int(self.vectors.shape[1])

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Weighted mean vector of each text's known words, L2-normalised (zeros when none is known).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        ndarray of shape (len(texts), dim), float32
        """
        get = self.index.get
        ids, lengths = [], []
        for text in texts:
            row = [j for j in map(get, words(preprocess(text))) if j is not None]
            ids.extend(row)
            lengths.append(len(row))
        out = np.zeros((len(lengths), self.dim), dtype=np.float32)
        if not ids:
            return out
        ids_a = np.asarray(ids, dtype=np.int64)
        lengths_a = np.asarray(lengths, dtype=np.int64)
        contrib = self.vectors[ids_a] * self.weights[ids_a, None]
        filled = lengths_a > 0
        starts = np.concatenate([[0], np.cumsum(lengths_a)[:-1]])[filled]
        out[filled] = np.add.reduceat(contrib, starts, axis=0)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

    # -- plain-data files --------------------------------------------------------------
    def to_arrays(self, dtype=np.float16) -> dict[str, np.ndarray]:
        """The numeric arrays (``vectors`` in ``dtype``, ``weights`` float32)."""
        return {"vectors": self.vectors.astype(dtype), "weights": self.weights.astype(np.float32)}

    @classmethod
    def from_arrays(cls, vocabulary: Sequence[str], arrays: dict) -> PooledVectors:
        """Rebuild from :meth:`to_arrays` output and the vocabulary, checking shapes and values."""
        vectors, weights = arrays.get("vectors"), arrays.get("weights")
        if vectors is None or weights is None:
            raise ValueError("word vectors need the arrays 'vectors' and 'weights'")
        for name, a in (("vectors", vectors), ("weights", weights)):
            if a.dtype.kind != "f":
                raise ValueError(f"word vectors: '{name}' must be an array of floats, got dtype {a.dtype}")
            if not np.isfinite(a).all():
                raise ValueError(f"word vectors: '{name}' must hold finite numbers")
        if vectors.ndim != 2 or vectors.size > MAX_CELLS:
            raise ValueError(f"word vectors: 'vectors' must be a 2-d array of at most {MAX_CELLS:,} cells, "
                             f"got shape {vectors.shape}")
        if not isinstance(vocabulary, list) or not all(isinstance(w, str) and w for w in vocabulary):
            raise ValueError("word vectors: the vocabulary must be a list of non-empty strings")
        return cls(vocabulary, vectors, weights)

    def save(self, directory: str | os.PathLike, *, params: dict | None = None, dtype=np.float32) -> Path:
        """Write ``vectors.npz`` and ``vocabulary.json`` into ``directory`` (created if missing)."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / VECTORS_FILE, **self.to_arrays(dtype))
        meta = {"format": FORMAT, "params": params or {}, "dim": self.dim, "vocabulary": self.vocabulary}
        with open(directory / VOCABULARY_FILE, "w", encoding="utf-8") as fh:
            json.dump(meta, fh, ensure_ascii=False)
            fh.write("\n")
        return directory

    @classmethod
    def load(cls, directory: str | os.PathLike) -> tuple[PooledVectors, dict]:
        """Read a table written by :meth:`save`; returns it and its recorded parameters."""
        directory = Path(directory)
        if not (directory / VOCABULARY_FILE).is_file() or not (directory / VECTORS_FILE).is_file():
            raise FileNotFoundError(f"{directory} is not a word-vector directory: expected {VOCABULARY_FILE} "
                                    f"and {VECTORS_FILE} in it (write one with `stance embed`)")
        with open(directory / VOCABULARY_FILE, encoding="utf-8") as fh:
            meta = json.load(fh)
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ValueError(f"{directory / VOCABULARY_FILE}: field 'format' must be {FORMAT!r}, "
                             f"got {meta.get('format') if isinstance(meta, dict) else type(meta).__name__!r}")
        with np.load(directory / VECTORS_FILE, allow_pickle=False) as npz:
            arrays = {k: npz[k] for k in npz.files}
        try:
            table = cls.from_arrays(meta.get("vocabulary"), arrays)
        except ValueError as exc:
            raise ValueError(f"{directory}: {exc}") from None
        params = meta.get("params")
        return table, params if isinstance(params, dict) else {}


def dense_rows(dense: np.ndarray) -> SparseRows:
    """A dense matrix as :class:`SparseRows` (every cell stored), for a dense block beside sparse ones."""
    n, dim = dense.shape
    return SparseRows(np.arange(n + 1, dtype=np.int64) * dim, np.tile(np.arange(dim, dtype=np.int64), n),
                      np.ascontiguousarray(dense).reshape(-1), (n, dim))


def same_vectors(a: PooledVectors | None, b: PooledVectors | None) -> bool:
    """Whether two tables (or two ``None``) pool paragraphs the same way."""
    if a is None or b is None:
        return a is b
    return a is b or (a.vocabulary == b.vocabulary and np.array_equal(a.vectors, b.vectors)
                      and np.array_equal(a.weights, b.weights))


class WordVectorFeatures:
    """A feature source of the scoring core with the pooled word-vector block after its columns.

    Parameters
    ----------
    features : object
        A feature source (``transform_rows``, ``n_word``, ``n_features``, ``word_term``), e.g. a
        :class:`~stance.features.compiled.CompiledFeatures`.
    table : PooledVectors
    weight : float
        Scale of the block (each pooled row has unit length before it).

    Examples
    --------
    >>> from stance.features.compiled import CompiledFeatures
    >>> tfidf = CompiledFeatures(word_vocabulary=["nato", "talks"], word_idf=np.ones(2), word_ngram_range=(1, 1))
    >>> source = WordVectorFeatures(tfidf, PooledVectors(["nato"], np.array([[1.0, 0.0]])), 2.0)
    >>> source.n_features, source.transform_rows(["NATO talks"]).shape
    (4, (1, 4))
    """

    def __init__(self, features, table: PooledVectors, weight: float):
        self.features = features
        self.table = table
        self.weight = float(weight)
        self.n_word = features.n_word
        self.n_features = features.n_features + table.dim

    def word_term(self, column: int) -> str:
        return self.features.word_term(column)

    def transform_rows(self, texts: Sequence[str], targets=None) -> BlockRows:
        """The rows of the wrapped source, then the block (``weight`` x pooled vector)."""
        rows = self.features.transform_rows(texts) if targets is None else self.features.transform_rows(texts, targets)
        dense = self.table.transform(texts)
        dense *= np.float32(self.weight)
        blocks = rows.blocks if isinstance(rows, BlockRows) else [rows]
        return BlockRows([*blocks, dense_rows(dense)])
