"""Word vectors learned from unlabelled text: positive PMI co-occurrence factorised by a truncated SVD.

The count-based recipe of Levy, Goldberg and Dagan (2015, "Improving
distributional similarity with lessons learned from word embeddings"):

1. count how often each pair of vocabulary words occurs within ``window``
   tokens of each other, nearer pairs weighing more (word2vec's dynamic window:
   a pair at distance ``d`` counts ``(window - d + 1) / window``);
2. turn the counts into positive pointwise mutual information, with the
   context distribution smoothed by ``context_smoothing`` (0.75) and an optional
   ``shift`` (``log k`` of word2vec's ``k`` negative samples);
3. keep ``dim`` dimensions of a randomized truncated SVD, ``U * S**eig`` with
   ``eig=0.5`` (symmetric weighting), rows L2-normalised.

A paragraph becomes the weighted mean of its words' vectors, each word weighing
``a / (a + p(word))`` ("smooth inverse frequency", Arora, Liang and Ma 2017),
so that function words count little. Tokens are those of the word TF-IDF block
(:func:`stance.text.words` after :func:`stance.text.preprocess`).

Optionally (``n_clusters``) the words are grouped by k-means over their unit
vectors (cosine), and a paragraph can also be read as a bag of word clusters,
indicators that generalise across wordings like Brown clusters (Turian, Ratinov
and Bengio 2010); see :meth:`PooledVectors.cluster_bags`.

Only numpy and scikit-learn (with its scipy) are used. A fitted table is saved
as plain arrays (``vectors.npz``) and JSON (``vocabulary.json``): no pickle.

Examples
--------
>>> from stance.features.embeddings import WordVectors
>>> texts = ["nato expansion to the east", "nato enlargement to the east",
...          "sanctions on russian banks", "new sanctions on banks"] * 20
>>> wv = WordVectors(dim=2, window=2, min_count=1, random_state=0).fit(texts)
>>> wv.transform(["nato expansion"]).shape
(1, 2)
>>> sorted(wv.vocabulary_)[:3]
['banks', 'east', 'enlargement']
"""

from __future__ import annotations

import numbers
import os
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.utils.validation import check_is_fitted

from .vectors import PooledVectors
from ..exceptions import DataError
from ..text.processing import check_texts, preprocess, words

__all__ = [
    "DEFAULT_DIM",
    "DEFAULT_MAX_VOCAB",
    "DEFAULT_MIN_COUNT",
    "DEFAULT_WINDOW",
    "WordVectors",
    "load_word_vectors",
    "resolve_word_vectors",
]

#: Dimensions kept by the SVD.
DEFAULT_DIM = 100
#: Words on each side of a word that count as its context.
DEFAULT_WINDOW = 5
#: Fewest occurrences of a kept word.
DEFAULT_MIN_COUNT = 5
#: Most words kept (the most frequent).
DEFAULT_MAX_VOCAB = 50_000
#: Exponent of the context counts in PMI (Levy et al. 2015: 0.75).
DEFAULT_CONTEXT_SMOOTHING = 0.75
#: Exponent of the singular values in the vectors (0.5: symmetric).
DEFAULT_EIG = 0.5
#: The ``a`` of the pooling weight ``a / (a + p(word))``.
DEFAULT_SIF_A = 1e-3
#: Batch size of the mini-batch k-means that clusters words.
KMEANS_BATCH = 4096
_CHUNK_TEXTS = 20_000  # texts counted per co-occurrence chunk (and per progress-bar step)


class _Progress:
    """A small stderr progress line: stage, texts done of total, elapsed seconds."""

    def __init__(self, enabled: bool, stream=None):
        self.enabled, self.stream, self.t0, self.drawn = enabled, stream or sys.stderr, time.monotonic(), False

    def show(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            return
        if total:
            frac = done / total
            bar = "#" * int(frac * 22) + "." * (22 - int(frac * 22))
            text = f"{stage}: {frac * 100:3.0f}% [{bar}] {done:,}/{total:,} texts"
        else:
            text = f"{stage}"
        self.stream.write(f"\r{text} {time.monotonic() - self.t0:.0f}s\x1b[K")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.stream.flush()


class WordVectors(TransformerMixin, BaseEstimator):
    """PPMI + truncated-SVD word vectors, and pooled paragraph vectors.

    Parameters
    ----------
    dim : int, default=100
        Dimensions of the vectors.
    window : int, default=5
        Context words on each side.
    min_count : int, default=5
        Words seen fewer times are left out.
    max_vocab : int or None, default=50000
        Keep at most this many words (the most frequent).
    context_smoothing : float, default=0.75
        Exponent of the context distribution in PMI.
    shift : float, default=1.0
        PMI is shifted by ``log(shift)`` before clipping at 0 (1: no shift).
    eig : float, default=0.5
        Vectors are ``U * S**eig``.
    sif_a : float, default=1e-3
        Pooling weight of a word: ``sif_a / (sif_a + p(word))``.
    n_iter : int, default=5
        Power iterations of the randomized SVD.
    n_clusters : int or None, default=None
        Also group the words into this many clusters (mini-batch k-means over the
        unit vectors, seeded by ``random_state``); ``None``: no clusters.
    progress : bool, default=False
        Draw the stages of :meth:`fit` on stderr.
    random_state : int, RandomState or None, default=None
        Seeds the randomized SVD and the k-means.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word -> row of ``vectors_``.
    vectors_ : ndarray of shape (n_words, dim), float32
        Unit-length word vectors.
    counts_ : ndarray of shape (n_words,)
        Occurrences of each word in the training text.
    weights_ : ndarray of shape (n_words,)
        Pooling weight of each word.
    n_tokens_ : int
        Tokens read in :meth:`fit` (all words, kept or not).
    clusters_ : ndarray of shape (n_words,) or None
        Cluster of each word (``n_clusters`` set), else ``None``.

    Examples
    --------
    >>> texts = ["troops at the border", "tanks at the border", "talks in geneva", "talks in vienna"] * 10
    >>> wv = WordVectors(dim=2, min_count=1, random_state=0).fit(texts)
    >>> wv.vectors_.shape
    (9, 2)
    >>> wv.transform(["troops and tanks"]).shape
    (1, 2)
    """

    def __init__(self, *, dim: int = DEFAULT_DIM, window: int = DEFAULT_WINDOW, min_count: int = DEFAULT_MIN_COUNT,
                 max_vocab: int | None = DEFAULT_MAX_VOCAB, context_smoothing: float = DEFAULT_CONTEXT_SMOOTHING,
                 shift: float = 1.0, eig: float = DEFAULT_EIG, sif_a: float = DEFAULT_SIF_A, n_iter: int = 5,
                 n_clusters: int | None = None, progress: bool = False, random_state=None):
        self.dim = dim
        self.window = window
        self.min_count = min_count
        self.max_vocab = max_vocab
        self.context_smoothing = context_smoothing
        self.shift = shift
        self.eig = eig
        self.sif_a = sif_a
        self.n_iter = n_iter
        self.n_clusters = n_clusters
        self.progress = progress
        self.random_state = random_state

    def _check_params(self) -> None:
        def positive(name, integer, allow_none=False, minimum=0):
            value = getattr(self, name)
            if allow_none and value is None:
                return
            kind = numbers.Integral if integer else numbers.Real
            if isinstance(value, bool) or not isinstance(value, kind) or value <= minimum:
                what = "an int" if integer else "a float"
                raise ValueError(f"The '{name}' parameter of WordVectors must be {what} greater than {minimum}"
                                 f"{' or None' if allow_none else ''}, got {value!r}")

        for name in ("dim", "window", "min_count", "n_iter"):
            positive(name, True)
        positive("max_vocab", True, allow_none=True)
        positive("n_clusters", True, allow_none=True, minimum=1)
        for name in ("context_smoothing", "sif_a"):
            positive(name, False)
        positive("shift", False)
        if isinstance(self.eig, bool) or not isinstance(self.eig, numbers.Real) or not 0 <= self.eig <= 1:
            raise ValueError(f"The 'eig' parameter of WordVectors must be a float from 0 to 1, got {self.eig!r}")

    def fit(self, X, y=None) -> WordVectors:
        """Learn word vectors from unlabelled texts.

        Parameters
        ----------
        X : iterable of str
            Texts (tweets, paragraphs); a text is a context boundary.
        y : None
            Ignored.

        Returns
        -------
        self

        Raises
        ------
        DataError
            If fewer than ``dim + 1`` words occur ``min_count`` times.
        """
        self._check_params()
        texts = check_texts(X)
        bar = _Progress(bool(self.progress))
        try:
            counts = Counter()
            n_tokens = 0
            for start in range(0, len(texts), _CHUNK_TEXTS):
                for text in texts[start:start + _CHUNK_TEXTS]:
                    toks = words(preprocess(text))
                    n_tokens += len(toks)
                    counts.update(toks)
                bar.show("counting words", min(start + _CHUNK_TEXTS, len(texts)), len(texts))
            kept = [(w, c) for w, c in counts.items() if c >= self.min_count]
            kept.sort(key=lambda wc: (-wc[1], wc[0]))
            if self.max_vocab is not None:
                kept = kept[: self.max_vocab]
            if len(kept) <= self.dim:
                raise DataError(f"only {len(kept)} distinct words occur at least min_count={self.min_count} times "
                                f"in the {len(texts):,} texts ({n_tokens:,} tokens); WordVectors(dim={self.dim}) "
                                f"needs more than {self.dim}: give more text or lower min_count or dim")
            vocab = [w for w, _ in kept]
            index = {w: i for i, w in enumerate(vocab)}
            V = len(vocab)
            M = sp.csr_matrix((V, V), dtype=np.float64)
            for start in range(0, len(texts), _CHUNK_TEXTS):
                M = M + self._cooccurrences(texts[start:start + _CHUNK_TEXTS], index, V)
                bar.show("counting co-occurrences", min(start + _CHUNK_TEXTS, len(texts)), len(texts))
            bar.show(f"PPMI + SVD of a {V:,} x {V:,} matrix with {M.nnz:,} cells")
            P = self._ppmi(M)
            svd = TruncatedSVD(n_components=self.dim, algorithm="randomized", n_iter=self.n_iter,
                               random_state=self.random_state)
            US = svd.fit_transform(P)
            S = np.maximum(svd.singular_values_, 1e-12)
            vectors = US * (S ** (self.eig - 1.0))
            norms = np.linalg.norm(vectors, axis=1, keepdims=True)
            vectors = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
        finally:
            bar.close()
        freq = np.asarray([c for _, c in kept], dtype=np.float64)
        self.vocabulary_ = index
        self.vectors_ = vectors.astype(np.float32)
        self.counts_ = freq.astype(np.int64)
        self.weights_ = (self.sif_a / (self.sif_a + freq / max(n_tokens, 1))).astype(np.float32)
        self.n_tokens_ = int(n_tokens)
        self.clusters_ = None
        self._pooled = None
        if self.n_clusters is not None:
            self.fit_clusters()
        return self

    def fit_clusters(self) -> WordVectors:
        """(Re)group the fitted words into ``n_clusters`` clusters: mini-batch k-means over the unit vectors.

        Sets ``clusters_``; a table loaded from a directory without clusters can get them this way.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            If ``n_clusters`` is None, or not smaller than the number of words.

        Examples
        --------
        >>> texts = ["troops at the border", "tanks at the border", "talks in geneva", "talks in vienna"] * 10
        >>> wv = WordVectors(dim=2, min_count=1, n_clusters=3, random_state=0).fit(texts)
        >>> wv.clusters_.shape, int(wv.clusters_.max()) < 3
        ((9,), True)
        """
        check_is_fitted(self, "vectors_")
        self._check_params()
        n_words = len(self.vocabulary_)
        if self.n_clusters is None or self.n_clusters >= n_words:
            raise ValueError(f"The 'n_clusters' parameter of WordVectors must be an int from 2 to {n_words - 1} "
                             f"(fewer than the {n_words:,} words) to cluster, got {self.n_clusters!r}")
        bar = _Progress(bool(self.progress))
        try:
            bar.show(f"k-means: {n_words:,} words into {self.n_clusters:,} clusters")
            km = MiniBatchKMeans(n_clusters=self.n_clusters, batch_size=KMEANS_BATCH, n_init=3,
                                 random_state=self.random_state).fit(self.vectors_)
            labels = km.labels_.astype(np.int32)
        finally:
            bar.close()
        # number the clusters 0..k-1 by first appearance (most frequent word first), none left empty
        _, first = np.unique(labels, return_index=True)
        order = np.argsort(first)
        renumber = np.full(self.n_clusters, -1, dtype=np.int32)
        renumber[np.unique(labels)[order]] = np.arange(order.size, dtype=np.int32)
        self.clusters_ = renumber[labels]
        self._pooled = None
        return self

    def _cooccurrences(self, texts: Sequence[str], index: dict[str, int], V: int) -> sp.csr_matrix:
        """Weighted symmetric co-occurrence counts of one chunk of texts."""
        get = index.get
        ids, docs = [], []
        for k, text in enumerate(texts):
            row = [get(t, -1) for t in words(preprocess(text))]
            ids.extend(row)
            docs.extend([k] * len(row))
        ids_a, docs_a = np.asarray(ids, dtype=np.int64), np.asarray(docs, dtype=np.int64)
        rows, cols, vals = [], [], []
        for d in range(1, self.window + 1):
            if len(ids_a) <= d:
                break
            a, b = ids_a[:-d], ids_a[d:]
            ok = (docs_a[:-d] == docs_a[d:]) & (a >= 0) & (b >= 0)
            a, b = a[ok], b[ok]
            w = np.full(len(a), (self.window - d + 1) / self.window)
            rows += [a, b]
            cols += [b, a]
            vals += [w, w]
        if not rows:
            return sp.csr_matrix((V, V), dtype=np.float64)
        return sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                             shape=(V, V)).tocsr()

    def _ppmi(self, M: sp.csr_matrix) -> sp.csr_matrix:
        """Positive (shifted) PMI of co-occurrence counts, context distribution smoothed."""
        M = M.tocoo()
        row_sum = np.asarray(M.sum(axis=1)).ravel()
        ctx = np.asarray(M.sum(axis=0)).ravel() ** self.context_smoothing
        ctx /= ctx.sum()
        pmi = np.log(M.data) - np.log(row_sum[M.row]) - np.log(ctx[M.col]) - np.log(self.shift)
        keep = pmi > 0
        return sp.csr_matrix((pmi[keep], (M.row[keep], M.col[keep])), shape=M.shape, dtype=np.float64)

    # -- use ----------------------------------------------------------------------------
    def pooled(self) -> PooledVectors:
        """The numpy-only table that :meth:`transform` uses (and models store)."""
        check_is_fitted(self, "vectors_")
        pooled = getattr(self, "_pooled", None)
        if pooled is None:
            vocab = [""] * len(self.vocabulary_)
            for w, i in self.vocabulary_.items():
                vocab[i] = w
            pooled = self._pooled = PooledVectors(vocab, self.vectors_, self.weights_,
                                                  getattr(self, "clusters_", None))
        return pooled

    def transform(self, X) -> np.ndarray:
        """Pooled vector of each text: SIF-weighted mean of its known words' vectors, unit length.

        Parameters
        ----------
        X : iterable of str

        Returns
        -------
        ndarray of shape (n_texts, dim), float32
            A text with no known word gets a row of zeros.
        """
        return self.pooled().transform(check_texts(X))

    def most_similar(self, word: str, k: int = 10) -> list[tuple[str, float]]:
        """The ``k`` words whose vectors have the largest cosine with ``word``'s.

        Raises
        ------
        KeyError
            If ``word`` is not in the vocabulary.
        """
        check_is_fitted(self, "vectors_")
        key = words(preprocess(word))
        if len(key) != 1 or key[0] not in self.vocabulary_:
            raise KeyError(f"{word!r} is not in the vocabulary of these word vectors")
        sims = self.vectors_ @ self.vectors_[self.vocabulary_[key[0]]]
        order = np.argsort(-sims)
        table = self.pooled().vocabulary
        return [(table[i], round(float(sims[i]), 4)) for i in order[: k + 1] if table[i] != key[0]][:k]

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_pooled", None)
        return state

    # -- files --------------------------------------------------------------------------
    def save(self, directory: str | os.PathLike) -> Path:
        """Write ``vectors.npz`` (float32 arrays) and ``vocabulary.json`` (words, parameters); no pickle.

        Returns
        -------
        pathlib.Path
        """
        check_is_fitted(self, "vectors_")
        params = {k: v for k, v in self.get_params().items() if k != "progress"}
        params["n_tokens"] = self.n_tokens_
        directory = self.pooled().save(directory, params=params)
        np.savez(directory / "counts.npz", counts=self.counts_)
        return directory

    @classmethod
    def _from_table(cls, table: PooledVectors, params: dict, counts=None) -> WordVectors:
        known = set(cls().get_params())
        est = cls(**{k: v for k, v in params.items() if k in known})
        est.vocabulary_ = dict(table.index)
        est.vectors_ = table.vectors
        est.weights_ = table.weights
        est.counts_ = np.zeros(len(table.vocabulary), dtype=np.int64) if counts is None else counts
        est.n_tokens_ = int(params.get("n_tokens", 0))
        est.clusters_ = table.clusters
        if table.clusters is not None:
            est.n_clusters = table.n_clusters
        est._pooled = table
        return est


def load_word_vectors(path: str | os.PathLike) -> WordVectors:
    """Read word vectors written by :meth:`WordVectors.save` (or ``stance embed``).

    Parameters
    ----------
    path : path-like
        The directory with ``vectors.npz`` and ``vocabulary.json``.

    Returns
    -------
    WordVectors
        Fitted.

    Examples
    --------
    >>> import tempfile
    >>> texts = ["nato troops", "nato tanks", "troops and tanks"] * 5
    >>> wv = WordVectors(dim=2, min_count=1, random_state=0).fit(texts)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     back = load_word_vectors(wv.save(d))
    >>> bool(np.allclose(back.transform(["nato"]), wv.transform(["nato"])))
    True
    """
    table, params = PooledVectors.load(path)
    counts = None
    counts_file = Path(path) / "counts.npz"
    if counts_file.is_file():
        with np.load(counts_file, allow_pickle=False) as npz:
            if "counts" in npz.files and npz["counts"].shape == (len(table.vocabulary),):
                counts = npz["counts"].astype(np.int64)
    return WordVectors._from_table(table, params, counts)


def resolve_word_vectors(value, owner: str = "the estimator") -> PooledVectors | None:
    """The table that an estimator's ``word_vectors`` parameter names, its vectors rounded to float16
    (as saved models store them).

    Parameters
    ----------
    value : str, path-like, WordVectors, PooledVectors or None
        A directory written by ``stance embed`` / :meth:`WordVectors.save`, a fitted
        :class:`WordVectors` (anything with ``pooled()``), a table, or ``None``.
    owner : str, default="the estimator"
        Class name for the error message.

    Returns
    -------
    PooledVectors or None

    Examples
    --------
    >>> table = resolve_word_vectors(PooledVectors(["nato"], np.array([[0.1, 0.2]])))
    >>> table.vectors.dtype.name, resolve_word_vectors(None)
    ('float32', None)
    """
    if value is None:
        return None
    if isinstance(value, (str, os.PathLike)):
        table = load_word_vectors(value).pooled()
    elif isinstance(value, PooledVectors):
        table = value
    elif hasattr(value, "pooled") and callable(value.pooled):
        table = value.pooled()
    else:
        raise ValueError(f"The 'word_vectors' parameter of {owner} must be None, a word-vector "
                         f"directory or a fitted WordVectors, got {type(value).__name__}")
    return PooledVectors(table.vocabulary, table.vectors.astype(np.float16).astype(np.float32), table.weights,
                         table.clusters)
