"""Fast, exact TF-IDF transform of a fitted word + char_wb feature union, in numpy only.

:class:`CompiledFeatures` re-implements the ``transform`` of the union that
:func:`stance.features.tfidf.make_text_features` builds (word 1-2-grams of
:func:`stance.text.processing.words` and ``char_wb`` n-grams, sublinear tf, idf, L2 rows)
with batch-wide numpy operations:

- character n-grams are packed into exact 63-bit keys (12 bits per character
  over the vocabulary's alphabet, 3 bits of length) and looked up with one
  ``searchsorted`` per n-gram length, computed once per distinct word of a batch;
- word n-grams go through one dict lookup per token and packed bigram keys.

It imports neither scikit-learn nor scipy, so a model in the safe format can
be loaded and used in a fraction of a second. Tests check it against
scikit-learn's own transform.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..text.processing import preprocess, words

__all__ = ["CompiledFeatures", "SparseRows"]

_ALPHABET_BITS = 12
_MAX_ALPHABET = (1 << _ALPHABET_BITS) - 1  # id 0 means "character in no vocabulary n-gram"
_MAX_PACKED_N = 5  # 5 x 12 bits + 3 bits of length fit in 63 bits
_WORD_CACHE_SIZE = 200_000
# Joins a batch's documents. U+FB01 (the "fi" ligature) is a word character that NFKC
# always decomposes, so no preprocessed text contains it: it cannot be confused with a word.
_SEPARATOR_TOKEN = "\ufb01"
_SEPARATOR = f" {_SEPARATOR_TOKEN} "  # distinct words whose char n-gram columns are kept between batches


class SparseRows:
    """A CSR matrix as three numpy arrays (``indptr``, ``indices``, ``data``) and a shape."""

    __slots__ = ("indptr", "indices", "data", "shape")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, shape: tuple[int, int]):
        self.indptr, self.indices, self.data, self.shape = indptr, indices, data, shape

    def to_scipy(self):
        """The same matrix as :class:`scipy.sparse.csr_matrix`."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def dot(self, W: np.ndarray) -> np.ndarray:
        """``self @ W`` for a dense ``W`` of shape (n_features, k)."""
        n_rows = self.shape[0]
        out = np.zeros((n_rows, W.shape[1]), dtype=np.result_type(self.data.dtype, W.dtype))
        lengths = np.diff(self.indptr)
        filled = lengths > 0
        if not filled.any():
            return out
        contrib = W[self.indices]
        contrib *= self.data[:, None]
        out[filled] = np.add.reduceat(contrib, self.indptr[:-1][filled], axis=0)
        return out


class CompiledFeatures:
    """Exact, vectorised transform of a fitted word (+ char_wb) TF-IDF union.

    Parameters
    ----------
    word_vocabulary : list of str
        Word n-grams in column order.
    word_idf : array of float
    word_ngram_range : tuple of int
        ``(1, 1)`` or ``(1, 2)``.
    char_vocabulary : list of str or None
        Character n-grams in column order (after the word columns).
    char_idf : array of float or None
    char_ngram_range : tuple of int or None
        Up to 5 characters.
    dtype : numpy dtype, default=numpy.float32

    Raises
    ------
    ValueError
        If the configuration is not one this class reproduces exactly.

    Examples
    --------
    >>> from stance.features.tfidf import make_text_features
    >>> union = make_text_features(min_df=1).fit(["NATO expansion east", "arms control talks"])
    >>> fast = CompiledFeatures.from_union(union)
    >>> X = ["NATO talks", "east"]
    >>> bool(abs(fast.transform(X) - union.transform(X)).max() < 1e-6)
    True
    """

    def __init__(self, *, word_vocabulary, word_idf, word_ngram_range=(1, 2), char_vocabulary=None, char_idf=None,
                 char_ngram_range=None, dtype=np.float32):
        if tuple(word_ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"cannot compile word n-grams {tuple(word_ngram_range)}; expected (1, 1) or (1, 2)")
        self.dtype = np.dtype(dtype)
        self.word_vocabulary = list(word_vocabulary)
        self.n_word = len(self.word_vocabulary)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.use_bigrams = tuple(word_ngram_range) == (1, 2)
        self._compile_words()
        self.has_char = char_vocabulary is not None
        self.n_char = 0
        if self.has_char:
            min_n, max_n = char_ngram_range
            if min_n < 1 or max_n > _MAX_PACKED_N or min_n > max_n:
                raise ValueError(f"cannot compile this character block: n-grams {tuple(char_ngram_range)}")
            self.char_range = (int(min_n), int(max_n))
            self.char_idf = np.asarray(char_idf, dtype=np.float64)
            self._compile_chars(list(char_vocabulary))
        self.n_features = self.n_word + self.n_char
        self._word_cache: dict[str, np.ndarray] = {}

    @classmethod
    def from_union(cls, union) -> CompiledFeatures:
        """Compile a fitted union built by :func:`stance.features.tfidf.make_text_features`."""
        blocks = dict(union.transformer_list)
        names = [name for name, _ in union.transformer_list]
        if names not in (["word"], ["word", "char"]) or union.transformer_weights:
            raise ValueError(f"cannot compile a feature union with blocks {names}")
        word = blocks["word"]
        if word.preprocessor is not preprocess or word.tokenizer is not words:
            raise ValueError("cannot compile a word block that does not use stance's preprocess/words")
        kwargs = {}
        if "char" in blocks:
            char = blocks["char"]
            if char.analyzer != "char_wb" or char.preprocessor is not preprocess:
                raise ValueError("cannot compile this character block: it is not stance's char_wb block")
            _check_tfidf(char)
            kwargs = dict(char_vocabulary=_ordered(char.vocabulary_), char_idf=char.idf_,
                          char_ngram_range=char.ngram_range)
        _check_tfidf(word)
        return cls(word_vocabulary=_ordered(word.vocabulary_), word_idf=word.idf_,
                   word_ngram_range=word.ngram_range, dtype=word.dtype, **kwargs)

    # -- compilation --------------------------------------------------------------------
    def _compile_words(self) -> None:
        token_id: dict[str, int] = {}
        unigram_col: list[int] = []
        bigrams: list[tuple[int, int, int]] = []
        pending: list[tuple[str, str, int]] = []
        for col, term in enumerate(self.word_vocabulary):
            parts = term.split(" ")
            if len(parts) == 1:
                tid = token_id.setdefault(term, len(token_id))
                if tid == len(unigram_col):
                    unigram_col.append(col)
                else:
                    unigram_col[tid] = col
            else:
                pending.append((parts[0], parts[-1], col))
        for a, b, col in pending:
            for t in (a, b):
                if t not in token_id:
                    token_id[t] = len(token_id)
                    unigram_col.append(-1)
            bigrams.append((token_id[a], token_id[b], col))
        self.n_tokens = len(token_id)
        token_id[_SEPARATOR_TOKEN] = -2  # marks document boundaries in a joined batch
        self.token_id = token_id
        self.unigram_col = np.asarray(unigram_col, dtype=np.int64)
        keys = np.asarray([a * self.n_tokens + b for a, b, _ in bigrams], dtype=np.int64)
        cols = np.asarray([c for _, _, c in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self.bigram_keys, self.bigram_cols = keys[order], cols[order]

    def _compile_chars(self, vocabulary: list[str]) -> None:
        self.n_char = len(vocabulary)
        alphabet = sorted({ch for term in vocabulary for ch in term})
        if len(alphabet) > _MAX_ALPHABET:
            raise ValueError(f"cannot compile this character block: {len(alphabet)} distinct characters, "
                             f"more than {_MAX_ALPHABET}")
        alpha = {ord(ch): i + 1 for i, ch in enumerate(alphabet)}
        self.char_alpha_table = np.zeros(max(alpha, default=0) + 1, dtype=np.int64)
        for cp, i in alpha.items():
            self.char_alpha_table[cp] = i
        keys = np.empty(self.n_char, dtype=np.int64)
        for k, term in enumerate(vocabulary):
            key = 0
            for j, ch in enumerate(term):
                key |= alpha[ord(ch)] << (_ALPHABET_BITS * j)
            keys[k] = key | (len(term) << 60)
        order = np.argsort(keys)
        self.char_keys, self.char_cols = keys[order], order.astype(np.int64)

    # -- transform ------------------------------------------------------------------------
    def transform_rows(self, texts: Sequence[str]) -> SparseRows:
        """TF-IDF rows of ``texts`` (word columns, then character columns).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        SparseRows
        """
        prepared = [preprocess(t) for t in texts]
        n = len(prepared)
        w_ptr, w_col, w_val = _tfidf(*self._word_occurrences(prepared), n, self.n_word, self.word_idf)
        if not self.has_char:
            return SparseRows(w_ptr, w_col, w_val.astype(self.dtype), (n, self.n_features))
        c_ptr, c_col, c_val = _tfidf(*self._char_occurrences(prepared), n, self.n_char, self.char_idf)
        w_len, c_len = np.diff(w_ptr), np.diff(c_ptr)
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(w_len + c_len, out=indptr[1:])
        indices = np.empty(len(w_col) + len(c_col), dtype=np.int64)
        data = np.empty(len(indices), dtype=self.dtype)
        w_pos = np.repeat(indptr[:-1] - w_ptr[:-1], w_len) + np.arange(len(w_col))
        c_pos = np.repeat(indptr[:-1] + w_len - c_ptr[:-1], c_len) + np.arange(len(c_col))
        indices[w_pos], data[w_pos] = w_col, w_val
        indices[c_pos], data[c_pos] = c_col + self.n_word, c_val
        return SparseRows(indptr, indices, data, (n, self.n_features))

    def transform(self, texts: Sequence[str]):
        """TF-IDF matrix of ``texts`` as a :class:`scipy.sparse.csr_matrix`."""
        return self.transform_rows(texts).to_scipy()

    def _word_occurrences(self, prepared: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every vocabulary word n-gram occurrence, grouped by row."""
        get = self.token_id.get
        # One regex pass over the whole batch: documents are joined by a token that
        # preprocessing can never produce (see _SEPARATOR) and split apart again by it.
        tid = np.array([get(t, -1) for t in words(_SEPARATOR.join(prepared))], dtype=np.int64)
        is_sep = tid == -2  # the separator's id in token_id
        doc = np.cumsum(is_sep)[~is_sep]
        tid = tid[~is_sep]
        col = np.full(len(tid), -1, dtype=np.int64)
        known = tid >= 0
        col[known] = self.unigram_col[tid[known]]
        rows, cols = [doc], [col]
        if self.use_bigrams and len(tid) > 1 and len(self.bigram_keys):
            a, b = tid[:-1], tid[1:]
            ok = (doc[:-1] == doc[1:]) & (a >= 0) & (b >= 0)
            key = np.where(ok, a * self.n_tokens + b, -1)
            pos = np.searchsorted(self.bigram_keys, key)
            pos[pos == len(self.bigram_keys)] = 0
            rows.append(doc[:-1])
            cols.append(np.where(ok & (self.bigram_keys[pos] == key), self.bigram_cols[pos], -1))
        row, col = np.concatenate(rows), np.concatenate(cols)
        keep = col >= 0
        return row[keep], col[keep]

    def _char_occurrences(self, prepared: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every vocabulary char n-gram occurrence.

        The n-grams of each distinct word are computed once and kept in a
        bounded cache, so a stream of paragraphs pays for a word only the first
        time it appears.
        """
        uid_of: dict[str, int] = {_SEPARATOR_TOKEN: 0}  # word ids start at 1
        setdefault = uid_of.setdefault
        occ_all = np.array([setdefault(w, len(uid_of)) for w in _SEPARATOR.join(prepared).split()], dtype=np.int64)
        is_sep = occ_all == 0
        occ_doc = np.cumsum(is_sep)[~is_sep]
        occ = occ_all[~is_sep] - 1
        if not len(occ):
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        unique = list(uid_of)[1:]
        cache = self._word_cache
        missing = [w for w in unique if w not in cache]
        if missing:
            ptr, cols = self._ngrams_of_words(missing)
            fresh = {w: cols[ptr[k] : ptr[k + 1]] for k, w in enumerate(missing)}
            if len(cache) + len(fresh) <= _WORD_CACHE_SIZE:
                cache.update(fresh)
            lookup = {**fresh, **{w: cache[w] for w in unique if w not in fresh}}
        else:
            lookup = cache
        per_word = [lookup[w] for w in unique]
        word_cols = np.concatenate(per_word)
        word_ptr = np.zeros(len(unique) + 1, dtype=np.int64)
        np.cumsum([len(a) for a in per_word], out=word_ptr[1:])
        occ_uid = occ
        per_occ = np.diff(word_ptr)[occ_uid]
        # a ragged gather: each occurrence takes its word's column list
        total = int(per_occ.sum())
        first = np.repeat(word_ptr[occ_uid], per_occ)
        offset = np.arange(total) - np.repeat(np.cumsum(per_occ) - per_occ, per_occ)
        return np.repeat(occ_doc, per_occ), word_cols[first + offset]

    def _ngrams_of_words(self, unique_words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary columns of the char_wb n-grams of each word, as (indptr, columns)."""
        joined = " " + "  ".join(unique_words) + " "
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        table = self.char_alpha_table
        alpha = np.zeros(len(cp), dtype=np.int64)
        inside = cp < len(table)
        alpha[inside] = table[cp[inside]]
        is_space = cp == 32
        # Padded words " w1 ", " w2 " sit side by side and hold no inner space, so a
        # word starts at each space followed by a non-space; an n-gram is kept when
        # its first and last characters belong to the same padded word.
        starts = np.zeros(len(cp), dtype=bool)
        starts[:-1] = is_space[:-1] & ~is_space[1:]
        word_id = np.cumsum(starts) - 1
        min_n, max_n = self.char_range
        total = len(cp)
        owners, cols = [], []
        key = np.zeros(total, dtype=np.int64)
        valid = np.ones(total, dtype=bool)
        for n in range(1, max_n + 1):
            m = total - n + 1
            if m <= 0:
                break
            a = alpha[n - 1 : n - 1 + m]
            key = key[:m] | (a << (_ALPHABET_BITS * (n - 1)))
            valid = valid[:m] & (a > 0) & (word_id[:m] == word_id[n - 1 : n - 1 + m])
            if n < min_n:
                if n < 3:
                    continue
                # scikit-learn's char_wb keeps a padded word shorter than min_n whole (" a " for min_n=4)
                idx = np.flatnonzero(valid & starts[:m] & is_space[n - 1 : n - 1 + m])
            else:
                idx = np.flatnonzero(valid)
            k = key[idx] | (n << 60)
            pos = np.searchsorted(self.char_keys, k)
            pos[pos == len(self.char_keys)] = 0
            hit = self.char_keys[pos] == k
            owners.append(word_id[idx[hit]])
            cols.append(self.char_cols[pos[hit]])
        if not owners:  # every word is shorter than the smallest n-gram: no column at all
            return np.zeros(len(unique_words) + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
        owner, col = np.concatenate(owners), np.concatenate(cols)
        order = np.argsort(owner, kind="stable")
        indptr = np.zeros(len(unique_words) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(unique_words)), out=indptr[1:])
        return indptr, col[order]


def _check_tfidf(vectorizer) -> None:
    if not vectorizer.sublinear_tf or not vectorizer.use_idf or vectorizer.norm != "l2" or vectorizer.binary:
        raise ValueError("cannot compile a TF-IDF block without sublinear tf, idf and L2 norm")


def _ordered(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, j in vocabulary.items():
        terms[j] = term
    return terms


def _tfidf(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray):
    """CSR (indptr, indices, values) of sublinear-tf x idf with L2 rows, from (row, col) occurrences."""
    if len(rows) == 0:
        return np.zeros(n_rows + 1, dtype=np.int64), np.empty(0, dtype=np.int64), np.empty(0)
    # sort (row, col) keys, in 32 bits when they fit (half the memory traffic of int64)
    key_type = np.int32 if n_rows * n_cols < 2**31 else np.int64
    keys = np.sort((rows * n_cols + cols).astype(key_type))
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.diff(np.append(starts, len(keys)))
    keys = keys[starts].astype(np.int64)
    r, c = keys // n_cols, keys % n_cols
    values = (np.log(counts) + 1.0) * idf[c]
    norms = np.sqrt(np.bincount(r, weights=values * values, minlength=n_rows))
    values /= norms[r]
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n_rows), out=indptr[1:])
    return indptr, c, values
