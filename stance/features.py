"""Feature extraction: TF-IDF over word and character n-grams, and target crosses.

The building blocks are scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
and :class:`~sklearn.pipeline.FeatureUnion`, configured with this library's
normaliser and tokenizer (:mod:`stance.text`) rather than subclassed.

Examples
--------
>>> from stance.features import make_text_features
>>> features = make_text_features(min_df=1)
>>> X = features.fit_transform(["NATO expansion", "arms control talks"])
>>> X.shape[0]
2
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
from sklearn.pipeline import FeatureUnion

from .text import normalize, words

__all__ = [
    "DEFAULT_CHAR_NGRAM_RANGE",
    "DEFAULT_MAX_CHAR_FEATURES",
    "DEFAULT_MAX_WORD_FEATURES",
    "DEFAULT_MIN_DF",
    "DEFAULT_TARGET_HASH_FEATURES",
    "DEFAULT_WORD_NGRAM_RANGE",
    "CompiledFeatures",
    "make_text_features",
    "prune_vectorizers",
    "target_cross_features",
    "preprocess",
]

#: Word n-gram lengths of the word TF-IDF block.
DEFAULT_WORD_NGRAM_RANGE = (1, 2)
#: Character n-gram lengths (within word boundaries) of the character TF-IDF block.
DEFAULT_CHAR_NGRAM_RANGE = (2, 5)
#: Minimum document frequency of a kept n-gram.
DEFAULT_MIN_DF = 2
#: Vocabulary cap of the word block (most frequent n-grams are kept).
DEFAULT_MAX_WORD_FEATURES = 60_000
#: Vocabulary cap of the character block.
DEFAULT_MAX_CHAR_FEATURES = 60_000
#: Width of the hashed target x word cross-feature space.
DEFAULT_TARGET_HASH_FEATURES = 2**18


def preprocess(text: str) -> str:
    """Normalise and lower-case: the preprocessor of every TF-IDF block."""
    return normalize(text).lower()


def make_text_features(
    *,
    word_ngram_range: tuple[int, int] = DEFAULT_WORD_NGRAM_RANGE,
    char_ngram_range: tuple[int, int] | None = DEFAULT_CHAR_NGRAM_RANGE,
    min_df: int | float = DEFAULT_MIN_DF,
    max_word_features: int | None = DEFAULT_MAX_WORD_FEATURES,
    max_char_features: int | None = DEFAULT_MAX_CHAR_FEATURES,
    dtype: type = np.float32,
) -> FeatureUnion:
    """Build an unfitted word + character TF-IDF feature union (sublinear tf).

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(2, 5)
        ``None`` leaves out the character block.
    min_df : int or float, default=2
    max_word_features, max_char_features : int or None, default=60000
        Vocabulary caps that keep models small.
    dtype : numpy dtype, default=numpy.float32

    Returns
    -------
    sklearn.pipeline.FeatureUnion
        With transformers named ``"word"`` and (optionally) ``"char"``.

    Examples
    --------
    >>> union = make_text_features(char_ngram_range=None, min_df=1)
    >>> union.fit(["a b", "b c"]).get_feature_names_out().tolist()
    ['word__a', 'word__a b', 'word__b', 'word__b c', 'word__c']
    """
    blocks = [
        (
            "word",
            TfidfVectorizer(
                preprocessor=preprocess,
                tokenizer=words,
                token_pattern=None,
                lowercase=False,
                ngram_range=tuple(word_ngram_range),
                min_df=min_df,
                max_features=max_word_features,
                sublinear_tf=True,
                dtype=dtype,
            ),
        )
    ]
    if char_ngram_range is not None:
        blocks.append(
            (
                "char",
                TfidfVectorizer(
                    preprocessor=preprocess,
                    analyzer="char_wb",
                    lowercase=False,
                    ngram_range=tuple(char_ngram_range),
                    min_df=min_df,
                    max_features=max_char_features,
                    sublinear_tf=True,
                    dtype=dtype,
                ),
            )
        )
    return FeatureUnion(blocks)


def prune_vectorizers(union: FeatureUnion) -> FeatureUnion:
    """Drop the ``stop_words_`` that fitted vectorizers keep only for introspection.

    ``TfidfVectorizer`` remembers every n-gram that ``min_df``/``max_features``
    removed; on a news corpus that is megabytes of strings a model never uses.
    """
    for _, vectorizer in union.transformer_list:
        if hasattr(vectorizer, "stop_words_"):
            del vectorizer.stop_words_
    return union


def _cross_tokens(pair: tuple[str, str]) -> list[str]:
    target, text = pair
    key = preprocess(target).replace(" ", "_")
    return [f"{key}|{w}" for w in words(preprocess(text))] + [f"{key}|"]


_HASHER_CACHE: dict[int, HashingVectorizer] = {}


def target_cross_features(
    texts: Sequence[str],
    targets: Sequence[str],
    *,
    n_features: int = DEFAULT_TARGET_HASH_FEATURES,
) -> sp.csr_matrix:
    """Hashed target x word features: one column per (target, word) pair plus a target bias.

    Stateless (hashing), so the same function serves training and prediction,
    and a target never seen in training simply adds columns the model has no
    weight for.

    Parameters
    ----------
    texts : sequence of str
    targets : sequence of str
        Same length as ``texts``.
    n_features : int, default=2**18

    Returns
    -------
    scipy.sparse.csr_matrix of shape (len(texts), n_features), float32, rows L2-normalised.

    Examples
    --------
    >>> target_cross_features(["no to NATO"], ["NATO"]).shape
    (1, 262144)
    """
    hasher = _HASHER_CACHE.get(n_features)
    if hasher is None:
        hasher = HashingVectorizer(
            analyzer=_cross_tokens, n_features=n_features, alternate_sign=False, norm="l2", dtype=np.float32
        )
        _HASHER_CACHE[n_features] = hasher
    return hasher.transform(list(zip(targets, texts)))


# -- compiled transform ---------------------------------------------------------------------
# A fitted word + char_wb TF-IDF union, re-implemented for transform only with
# batch-wide numpy operations. It gives the same matrix as the union's own
# transform (tested to float32 rounding) several times faster, because
# character n-grams are packed into exact 64-bit keys and looked up with one
# searchsorted call per batch instead of building Python strings per n-gram.

_ALPHABET_BITS = 12
_MAX_ALPHABET = (1 << _ALPHABET_BITS) - 1  # id 0 means "character not in any vocabulary n-gram"
_MAX_PACKED_N = 5  # 5 x 12 bits + 3 bits of length fit in 63 bits


class CompiledFeatures:
    """Fast, exact transform of a fitted :func:`make_text_features` union.

    Parameters
    ----------
    union : sklearn.pipeline.FeatureUnion
        Fitted, as built by :func:`make_text_features`.

    Raises
    ------
    ValueError
        If the union is not one this class can reproduce exactly (other
        analyzers or preprocessors, char n-grams longer than 5, or more than
        4,095 distinct characters in the character vocabulary).

    Examples
    --------
    >>> union = make_text_features(min_df=1).fit(["NATO expansion east", "arms control talks"])
    >>> fast = CompiledFeatures(union)
    >>> X = ["NATO talks", "east"]
    >>> bool(abs(fast.transform(X) - union.transform(X)).max() < 1e-6)
    True
    """

    def __init__(self, union: FeatureUnion):
        blocks = dict(union.transformer_list)
        names = [name for name, _ in union.transformer_list]
        if names not in (["word"], ["word", "char"]) or union.transformer_weights:
            raise ValueError(f"cannot compile a feature union with blocks {names}")
        word = blocks["word"]
        if word.preprocessor is not preprocess or word.tokenizer is not words or not word.sublinear_tf:
            raise ValueError("cannot compile a word block that does not use stance's preprocess/words")
        if word.norm != "l2" or not word.use_idf or tuple(word.ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"cannot compile word n-grams {word.ngram_range} with norm={word.norm!r}")
        self.dtype = word.dtype
        self._compile_words(word)
        self.n_word = len(word.vocabulary_)
        self.char = None
        if "char" in blocks:
            char = blocks["char"]
            min_n, max_n = char.ngram_range
            if (char.analyzer != "char_wb" or char.preprocessor is not preprocess or not char.sublinear_tf
                    or char.norm != "l2" or not char.use_idf or max_n > _MAX_PACKED_N or min_n < 1):
                raise ValueError("cannot compile this character block")
            self._compile_chars(char)
            self.char = char

    # -- compilation --------------------------------------------------------------------
    def _compile_words(self, vectorizer) -> None:
        vocab = vectorizer.vocabulary_
        token_id: dict[str, int] = {}
        unigram_col: list[int] = []
        bigrams: list[tuple[str, str, int]] = []
        for term, col in vocab.items():
            parts = term.split(" ")
            if len(parts) == 1:
                tid = token_id.setdefault(term, len(token_id))
                if tid == len(unigram_col):
                    unigram_col.append(col)
                else:
                    unigram_col[tid] = col
            else:
                bigrams.append((parts[0], parts[1], col))
        for a, b, _ in bigrams:
            for t in (a, b):
                if t not in token_id:
                    token_id[t] = len(token_id)
                    unigram_col.append(-1)
        self.token_id = token_id
        self.n_tokens = len(token_id)
        self.unigram_col = np.asarray(unigram_col, dtype=np.int64)
        keys = np.asarray([token_id[a] * self.n_tokens + token_id[b] for a, b, _ in bigrams], dtype=np.int64)
        cols = np.asarray([c for _, _, c in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self.bigram_keys, self.bigram_cols = keys[order], cols[order]
        self.word_idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.use_bigrams = tuple(vectorizer.ngram_range) == (1, 2)

    def _compile_chars(self, vectorizer) -> None:
        vocab = vectorizer.vocabulary_
        alphabet = sorted({ch for term in vocab for ch in term})
        if len(alphabet) > _MAX_ALPHABET:
            raise ValueError(f"character vocabulary has {len(alphabet)} distinct characters, more than {_MAX_ALPHABET}")
        self.char_alpha = {ord(ch): i + 1 for i, ch in enumerate(alphabet)}
        self.char_alpha_table = np.zeros(max(self.char_alpha) + 1, dtype=np.int64)
        for cp, i in self.char_alpha.items():
            self.char_alpha_table[cp] = i
        keys = np.empty(len(vocab), dtype=np.int64)
        cols = np.empty(len(vocab), dtype=np.int64)
        for k, (term, col) in enumerate(vocab.items()):
            key = 0
            for j, ch in enumerate(term):
                key |= self.char_alpha[ord(ch)] << (_ALPHABET_BITS * j)
            keys[k] = key | (len(term) << 60)
            cols[k] = col
        order = np.argsort(keys)
        self.char_keys, self.char_cols = keys[order], cols[order]
        self.char_idf = np.asarray(vectorizer.idf_, dtype=np.float64)
        self.char_range = tuple(vectorizer.ngram_range)

    # -- transform ------------------------------------------------------------------------
    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """TF-IDF matrix of ``texts``, equal to the union's ``transform``.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        scipy.sparse.csr_matrix of shape (len(texts), n_features)
        """
        prepared = [preprocess(t) for t in texts]
        W = _tfidf(self._word_counts(prepared), self.word_idf, self.dtype)
        if self.char is None:
            return W
        C = _tfidf(self._char_counts(prepared), self.char_idf, self.dtype)
        return sp.hstack([W, C], format="csr", dtype=self.dtype)

    def _word_counts(self, prepared: list[str]) -> sp.csr_matrix:
        """Occurrences of vocabulary word n-grams: a CSR matrix with duplicate entries."""
        get = self.token_id.get
        ids: list[int] = []
        lengths = np.empty(len(prepared), dtype=np.int64)
        for i, text in enumerate(prepared):
            toks = words(text)
            lengths[i] = len(toks)
            ids.extend([get(t, -1) for t in toks])
        tid = np.asarray(ids, dtype=np.int64)
        doc = np.repeat(np.arange(len(prepared)), lengths)
        col = np.full(len(tid), -1, dtype=np.int64)
        known = tid >= 0
        col[known] = self.unigram_col[tid[known]]
        rows, cols = [doc], [col]
        if self.use_bigrams and len(tid) > 1 and len(self.bigram_keys):
            a, b = tid[:-1], tid[1:]
            ok = (doc[:-1] == doc[1:]) & (a >= 0) & (b >= 0)
            key = a * self.n_tokens + b
            key[~ok] = -1
            pos = np.searchsorted(self.bigram_keys, key)
            pos[pos == len(self.bigram_keys)] = 0
            bcol = np.where(ok & (self.bigram_keys[pos] == key), self.bigram_cols[pos], -1)
            rows.append(doc[:-1])
            cols.append(bcol)
        row, col = np.concatenate(rows), np.concatenate(cols)
        keep = col >= 0
        row, col = row[keep], col[keep]
        order = np.argsort(row, kind="stable")
        return _counts_csr(row[order], col[order], len(prepared), self.n_word)

    def _char_counts(self, prepared: list[str]) -> sp.csr_matrix:
        """Occurrences of vocabulary character n-grams, computed once per distinct word of the batch."""
        uid_of: dict[str, int] = {}
        occ: list[int] = []
        lengths = np.empty(len(prepared), dtype=np.int64)
        for i, text in enumerate(prepared):
            ws = text.split()
            lengths[i] = len(ws)
            occ.extend([uid_of.setdefault(w, len(uid_of)) for w in ws])
        n_cols = len(self.char_idf)
        if not occ:
            return sp.csr_matrix((len(prepared), n_cols), dtype=np.float64)
        word_ptr, word_cols = self._ngrams_of_words(list(uid_of))
        occ_uid = np.asarray(occ, dtype=np.int64)
        per_occ = np.diff(word_ptr)[occ_uid]
        # gather each occurrence's column list: a ragged take in three vector steps
        total = int(per_occ.sum())
        first = np.repeat(word_ptr[occ_uid], per_occ)
        offset = np.arange(total) - np.repeat(np.cumsum(per_occ) - per_occ, per_occ)
        cols = word_cols[first + offset]
        occ_doc = np.repeat(np.arange(len(prepared)), lengths)
        per_doc = np.bincount(occ_doc, weights=per_occ, minlength=len(prepared)).astype(np.int64)
        indptr = np.zeros(len(prepared) + 1, dtype=np.int64)
        np.cumsum(per_doc, out=indptr[1:])
        return _counts_csr_from_indptr(indptr, cols, n_cols)

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
                continue
            idx = np.flatnonzero(valid)
            k = key[idx] | (n << 60)
            pos = np.searchsorted(self.char_keys, k)
            pos[pos == len(self.char_keys)] = 0
            hit = self.char_keys[pos] == k
            owners.append(word_id[idx[hit]])
            cols.append(self.char_cols[pos[hit]])
        owner, col = np.concatenate(owners), np.concatenate(cols)
        order = np.argsort(owner, kind="stable")
        indptr = np.zeros(len(unique_words) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(unique_words)), out=indptr[1:])
        return indptr, col[order]


def _counts_csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int) -> sp.csr_matrix:
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n_rows), out=indptr[1:])
    return _counts_csr_from_indptr(indptr, cols, n_cols)


def _counts_csr_from_indptr(indptr: np.ndarray, cols: np.ndarray, n_cols: int) -> sp.csr_matrix:
    """Count matrix from row-grouped column occurrences (duplicates summed by scipy, row by row)."""
    m = sp.csr_matrix((np.ones(len(cols)), cols, indptr), shape=(len(indptr) - 1, n_cols))
    m.sum_duplicates()
    return m


def _tfidf(counts: sp.csr_matrix, idf: np.ndarray, dtype) -> sp.csr_matrix:
    """Sublinear tf x idf with L2-normalised rows, as TfidfVectorizer computes it."""
    data = (np.log(counts.data) + 1.0) * idf[counts.indices]
    row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=data * data, minlength=counts.shape[0]))
    data /= norms[row_of]
    return sp.csr_matrix((data.astype(dtype), counts.indices, counts.indptr), shape=counts.shape)
