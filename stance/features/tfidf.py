"""Feature extraction: TF-IDF over word and character n-grams, and target crosses.

The building blocks are scikit-learn's :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
and :class:`~sklearn.pipeline.FeatureUnion`, configured with this library's
normaliser and tokenizer (:mod:`stance.text.processing`) rather than subclassed.

Examples
--------
>>> from stance.features.tfidf import make_text_features
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

from ..features.compiled import CompiledFeatures
from ..text.processing import preprocess, words

__all__ = [
    "DEFAULT_BINARY",
    "DEFAULT_CHAR_NGRAM_RANGE",
    "DEFAULT_MAX_CHAR_FEATURES",
    "DEFAULT_MAX_WORD_FEATURES",
    "DEFAULT_MIN_DF",
    "DEFAULT_TARGET_HASH_FEATURES",
    "DEFAULT_WORD_NGRAM_RANGE",
    "CompiledFeatures",
    "augment_by_target",
    "fit_text_features",
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
#: Term frequency of the TF-IDF blocks: ``False`` is sublinear (``1 + log(count)``), ``True`` is binary
#: (1 for any count).
DEFAULT_BINARY = False
#: Width of the hashed target x word cross-feature space.
DEFAULT_TARGET_HASH_FEATURES = 2**18


def make_text_features(
    *,
    word_ngram_range: tuple[int, int] = DEFAULT_WORD_NGRAM_RANGE,
    char_ngram_range: tuple[int, int] | None = DEFAULT_CHAR_NGRAM_RANGE,
    min_df: int | float = DEFAULT_MIN_DF,
    max_word_features: int | None = DEFAULT_MAX_WORD_FEATURES,
    max_char_features: int | None = DEFAULT_MAX_CHAR_FEATURES,
    binary: bool = DEFAULT_BINARY,
    dtype: type = np.float32,
) -> FeatureUnion:
    """Build an unfitted word + character TF-IDF feature union (sublinear or binary tf).

    Parameters
    ----------
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(2, 5)
        ``None`` leaves out the character block.
    min_df : int or float, default=2
    max_word_features, max_char_features : int or None, default=60000
        Vocabulary caps that keep models small.
    binary : bool, default=False
        Term frequency of both blocks: ``False`` is sublinear (``1 + log(count)``),
        ``True`` is 1 for any count (presence); the idf weighting and the L2
        normalisation of each block's rows are the same either way.
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
                binary=bool(binary),
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
                    binary=bool(binary),
                    dtype=dtype,
                ),
            )
        )
    return FeatureUnion(blocks)


def fit_text_features(features: FeatureUnion, texts: list[str], *, min_df) -> sp.csr_matrix:
    """``features.fit_transform(texts)``, with a :class:`~stance.exceptions.DataError` for too little text.

    scikit-learn's "After pruning, no terms remain" becomes an error that says
    what to change.
    """
    try:
        return features.fit_transform(texts)
    except ValueError as exc:
        if "no terms remain" in str(exc) or "empty vocabulary" in str(exc):
            from ..exceptions import DataError

            raise DataError(
                f"no word or character n-gram occurs in at least min_df={min_df!r} of the {len(texts)} training "
                "paragraphs; give more (or longer) paragraphs, or lower min_df (CLI: --min-df 1)"
            ) from None
        raise


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



def augment_by_target(
    A: sp.spmatrix,
    targets: Sequence[str],
    target_set: Sequence[str],
    *,
    shared_weight: float = 0.5,
    per_target_weight: float = 1.0,
) -> sp.csr_matrix:
    """Shared plus per-target copies of a feature matrix (Daume's "frustratingly easy" augmentation).

    The result is ``[shared_weight * A | copy for target 1 | ... | copy for target k | target indicators]``
    where the copy for target ``t`` is ``per_target_weight * A`` on the rows whose
    target is ``t`` and zero elsewhere, and the last ``k`` columns are
    ``per_target_weight`` on the rows of each target (a bias per target). A
    linear model over it learns weights shared by every target plus a
    correction of its own for each target. A target outside ``target_set``
    gets the shared copy only.

    Parameters
    ----------
    A : sparse matrix of shape (n_rows, n_features)
    targets : sequence of str
        Target of each row.
    target_set : sequence of str
        The targets that have a copy, in column order.
    shared_weight, per_target_weight : float, default=0.5, 1.0

    Returns
    -------
    scipy.sparse.csr_matrix of shape (n_rows, (n_features + 1) * len(target_set) + n_features), float32

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> A = sp.csr_matrix([[1.0, 2.0], [3.0, 0.0]])
    >>> augment_by_target(A, ["b", "a"], ["a", "b"]).toarray().tolist()
    [[0.5, 1.0, 0.0, 0.0, 1.0, 2.0, 0.0, 1.0], [1.5, 0.0, 3.0, 0.0, 0.0, 0.0, 1.0, 0.0]]
    """
    A = sp.csr_matrix(A, dtype=np.float32)
    n_rows, n = A.shape
    index = {t: k for k, t in enumerate(target_set)}
    which = np.fromiter((index.get(t, -1) for t in targets), dtype=np.int64, count=n_rows)
    lengths = np.diff(A.indptr)
    keep = np.repeat(which >= 0, lengths)
    offsets = np.repeat(which * n, lengths)
    indptr = np.concatenate([[0], np.cumsum(np.where(which >= 0, lengths, 0))])
    own = sp.csr_matrix(
        ((A.data[keep] * np.float32(per_target_weight)).astype(np.float32), (A.indices[keep] + offsets[keep]), indptr),
        shape=(n_rows, n * len(target_set)),
    )
    bias = sp.csr_matrix((np.full(int((which >= 0).sum()), per_target_weight, dtype=np.float32),
                          (np.flatnonzero(which >= 0), which[which >= 0])), shape=(n_rows, len(target_set)))
    return sp.hstack([A * np.float32(shared_weight), own, bias], format="csr", dtype=np.float32)
