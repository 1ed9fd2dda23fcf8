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

__all__ = ["BLOCK_MODES", "PooledVectors", "VECTORS_FILE", "VOCABULARY_FILE", "WordVectorFeatures", "dense_rows",
           "same_vectors"]

#: The arrays of a saved word-vector table.
VECTORS_FILE = "vectors.npz"
#: The words (in row order) and the parameters of a saved table.
VOCABULARY_FILE = "vocabulary.json"
#: Format tag written into ``vocabulary.json``.
FORMAT = "stance-word-vectors/1"
#: Largest table accepted from a file (rows x dimensions).
MAX_CELLS = 50_000_000
#: Most word clusters a table may hold.
MAX_CLUSTERS = 100_000
#: What the word-vector block of an estimator holds: the pooled vector, the bag of word clusters, or both.
BLOCK_MODES = ("pooled", "clusters", "both")


class PooledVectors:
    """A word-vector table that pools the vectors of a paragraph's words.

    Parameters
    ----------
    vocabulary : sequence of str
        Words (as :func:`stance.text.words` yields them), one per row of ``vectors``.
    vectors : ndarray of shape (n_words, dim)
    weights : ndarray of shape (n_words,) or None, default=None
        Pooling weight of each word (``None``: all 1).
    clusters : ndarray of shape (n_words,) or None, default=None
        Cluster id of each word (``0 .. n_clusters - 1``, ``-1`` for none), e.g. from k-means over the
        vectors (:meth:`stance.features.embeddings.WordVectors.fit_clusters`); ``None``: no clusters.

    Examples
    --------
    >>> pv = PooledVectors(["nato", "talks"], np.array([[1.0, 0.0], [0.0, 1.0]]), clusters=np.array([1, 0]))
    >>> pv.transform(["NATO talks", "nothing known"]).astype(float).round(3).tolist()
    [[0.707, 0.707], [0.0, 0.0]]
    >>> pv.cluster_bags(["NATO NATO", "talks"]).astype(float).round(3).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    >>> pv.block(["NATO talks"], "both").shape
    (1, 4)
    """

    #: class default, for tables pickled before clusters existed
    clusters: np.ndarray | None = None

    def __init__(self, vocabulary: Sequence[str], vectors, weights=None, clusters=None):
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
        self.clusters = None
        if clusters is not None:
            c = np.asarray(clusters)
            if c.shape != (n,) or c.dtype.kind not in "iu":
                raise ValueError(f"clusters must be an int array of shape ({n},), got {c.dtype} of shape {c.shape}")
            if n and (c.min() < -1 or c.max() >= MAX_CLUSTERS):
                raise ValueError(f"cluster ids must be from -1 to {MAX_CLUSTERS - 1}, got {c.min()} to {c.max()}")
            self.clusters = c.astype(np.int32)

    def __repr__(self) -> str:
        extra = "" if self.clusters is None else f", n_clusters={self.n_clusters}"
        return f"PooledVectors(n_words={len(self.vocabulary)}, dim={self.dim}{extra})"

    @property
    def dim(self) -> int:
        """Number of dimensions of a pooled row."""
        return int(self.vectors.shape[1])

    @property
    def n_clusters(self) -> int:
        """Number of word clusters (0 without clusters)."""
        return 0 if self.clusters is None or not self.clusters.size else int(self.clusters.max()) + 1

    def block_width(self, mode: str = "pooled") -> int:
        """Columns of :meth:`block` in ``mode``."""
        return {"pooled": self.dim, "clusters": self.n_clusters, "both": self.dim + self.n_clusters}[mode]

    def block(self, texts: Sequence[str], mode: str = "pooled") -> np.ndarray:
        """The feature block of each text: the pooled vector (``"pooled"``), the bag of word clusters
        (``"clusters"``), or both side by side (``"both"``); each part has unit length (or is zero).

        Raises
        ------
        ValueError
            If ``mode`` is not one of :data:`BLOCK_MODES`, or needs clusters the table does not have.
        """
        if mode not in BLOCK_MODES:
            raise ValueError(f"the word-vector block mode must be one of {BLOCK_MODES}, got {mode!r}")
        if mode == "pooled":
            return self.transform(texts)
        if mode == "clusters":
            return self.cluster_bags(texts)
        return np.hstack([self.transform(texts), self.cluster_bags(texts)])

    def cluster_bags(self, texts: Sequence[str]) -> np.ndarray:
        """Bag of word clusters of each text: sublinear counts ``1 + log(tf)`` of the clusters of its known
        words, L2-normalised (zeros when none is known).

        Returns
        -------
        ndarray of shape (len(texts), n_clusters), float32

        Raises
        ------
        ValueError
            If the table has no clusters.
        """
        if self.clusters is None:
            raise ValueError("these word vectors have no clusters: fit them with WordVectors(n_clusters=...) "
                             "or `stance embed --clusters K`")
        get, clusters = self.index.get, self.clusters
        rows, cols = [], []
        for r, text in enumerate(texts):
            ids = [j for j in map(get, words(preprocess(text))) if j is not None]
            found = clusters[np.asarray(ids, dtype=np.int64)] if ids else np.empty(0, np.int32)
            found = found[found >= 0]
            rows.append(np.full(found.size, r, dtype=np.int64))
            cols.append(found.astype(np.int64))
        out = np.zeros((len(texts), self.n_clusters), dtype=np.float32)
        if rows:
            np.add.at(out, (np.concatenate(rows), np.concatenate(cols)), 1.0)
        seen = out > 0
        out[seen] = 1.0 + np.log(out[seen])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out

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
        """The numeric arrays (``vectors`` in ``dtype``, ``weights`` float32, ``clusters`` int32 if any)."""
        out = {"vectors": self.vectors.astype(dtype), "weights": self.weights.astype(np.float32)}
        if self.clusters is not None:
            out["clusters"] = self.clusters.astype(np.int32)
        return out

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
        clusters = arrays.get("clusters")
        if clusters is not None and clusters.dtype.kind not in "iu":
            raise ValueError(f"word vectors: 'clusters' must be an array of ints, got dtype {clusters.dtype}")
        return cls(vocabulary, vectors, weights, clusters)

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
                      and np.array_equal(a.weights, b.weights)
                      and (a.clusters is None) == (b.clusters is None)
                      and (a.clusters is None or np.array_equal(a.clusters, b.clusters)))


class WordVectorFeatures:
    """A feature source of the scoring core with the word-vector block after its columns.

    Parameters
    ----------
    features : object
        A feature source (``transform_rows``, ``n_word``, ``n_features``, ``word_term``), e.g. a
        :class:`~stance.features.compiled.CompiledFeatures`.
    table : PooledVectors
    weight : float
        Scale of the block (each of its parts has unit length before it).
    mode : {"pooled", "clusters", "both"}, default="pooled"
        What the block holds (:meth:`PooledVectors.block`).

    Examples
    --------
    >>> from stance.features.compiled import CompiledFeatures
    >>> tfidf = CompiledFeatures(word_vocabulary=["nato", "talks"], word_idf=np.ones(2), word_ngram_range=(1, 1))
    >>> source = WordVectorFeatures(tfidf, PooledVectors(["nato"], np.array([[1.0, 0.0]])), 2.0)
    >>> source.n_features, source.transform_rows(["NATO talks"]).shape
    (4, (1, 4))
    """

    def __init__(self, features, table: PooledVectors, weight: float, mode: str = "pooled"):
        self.features = features
        self.table = table
        self.weight = float(weight)
        self.mode = mode
        self.n_word = features.n_word
        self.n_features = features.n_features + table.block_width(mode)

    def word_term(self, column: int) -> str:
        return self.features.word_term(column)

    def transform_rows(self, texts: Sequence[str], targets=None) -> BlockRows:
        """The rows of the wrapped source, then the block (``weight`` x :meth:`PooledVectors.block`)."""
        rows = self.features.transform_rows(texts) if targets is None else self.features.transform_rows(texts, targets)
        dense = self.table.block(texts, self.mode)
        dense *= np.float32(self.weight)
        blocks = rows.blocks if isinstance(rows, BlockRows) else [rows]
        return BlockRows([*blocks, dense_rows(dense)])
