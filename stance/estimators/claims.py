"""Stance of a text toward a claim or headline: unrelated, discuss, agree or disagree (FNC-1 style).

:class:`ClaimStanceClassifier` is linear throughout, in two stages over
claim-text pair features:

1. *related or unrelated*: logistic regression over similarity features
   (TF-IDF cosine of claim and text, of claim and the text's first three
   sentences, of word bigrams and of char 3-5 grams; LSA cosine; the best and
   top-3 claim-sentence cosines and the position of the best sentence;
   word-overlap fractions; lengths), each standardised and also one-hot binned
   by quantile so that the linear model can draw a piecewise-linear curve;
2. *agree, disagree or discuss* on related pairs: logistic regression over the
   same similarity block, refuting / hedging / confirming cue words (in the
   claim, the text and the three sentences most similar to the claim), TF-IDF
   of the claim (word 1-2), of the text (words) and of its first three sentences.

With ``word_vectors`` (learned from unlabelled text, :mod:`stance.features.embeddings`)
each claim, text and sentence is also pooled into one unit vector (SIF-weighted
mean of its words' vectors), and stage 2 gets a dense block (times
``word_vector_weight``): the text's pooled vector, the pooled vector of the
three sentences most similar to the claim, and their elementwise products with
the claim's vector. (Pooled-vector cosines in the similarity block were tried
as well and lowered the claim-disjoint CV score; see ``benchmarks/RESULTS.md``.)

A pair is ``unrelated`` when P(related) is below ``threshold``, else the
stage-2 label with the largest weighted probability.

Examples
--------
>>> from stance import ClaimStanceClassifier
>>> ClaimStanceClassifier().get_params()["threshold"]
0.3
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import KBinsDiscretizer, MaxAbsScaler, StandardScaler
from sklearn.preprocessing import normalize as l2_normalize
from sklearn.utils.validation import check_is_fitted

from .params import Interval, Options, validate_params
from ..exceptions import DataError, LabelError
from ..features.embeddings import resolve_word_vectors
from ..features.vectors import PooledVectors
from ..text.processing import check_texts, preprocess, split_sentences, words

__all__ = [
    "CLAIM_STANCE_LABELS",
    "ClaimPairFeatures",
    "ClaimStanceClassifier",
    "DEFAULT_CLAIM_DECISION_WEIGHTS",
    "DEFAULT_CLAIM_THRESHOLD",
    "DEFAULT_CLAIM_WORD_VECTOR_WEIGHT",
    "N_CUE_FEATURES",
    "QuantileOneHot",
    "SIM_NAMES",
    "VECTORIZER_NAMES",
    "drop_word_vectors",
    "subset_features",
]

#: The labels, in ``classes_`` order: the three related labels, then the unrelated one.
CLAIM_STANCE_LABELS = ("agree", "disagree", "discuss", "unrelated")
_RELATED = np.array(CLAIM_STANCE_LABELS[:3], dtype=object)
#: P(related) below which a pair is unrelated; chosen by claim-disjoint 3-fold cross-validation on
#: FNC-1 train + dev (``benchmarks/fnc1.py``), never on its test set.
DEFAULT_CLAIM_THRESHOLD = 0.3
#: Multipliers of the stage-2 probabilities of agree, disagree, discuss (same selection).
DEFAULT_CLAIM_DECISION_WEIGHTS = (1.0, 3.0, 1.0)
#: Inverse regularisation strength of each stage.
DEFAULT_CLAIM_C = 1.0
#: Quantile bins of each similarity feature.
DEFAULT_N_BINS = 20
#: Dimensions of the LSA space of the similarity features.
DEFAULT_N_SVD = 200
#: Sentences of the text most similar to the claim whose cue words are counted.
DEFAULT_N_TOP = 3
#: Sentences of the text that make its lead.
DEFAULT_N_LEAD = 3
#: Minimum document frequency of the word n-grams (character n-grams: one more).
DEFAULT_CLAIM_MIN_DF = 2
DEFAULT_CLAIM_MAX_ITER = 3000
DEFAULT_CLAIM_TOL = 1e-3
#: Scale of stage 2's word-vector block (its rows' parts have unit length, like the TF-IDF blocks' rows).
DEFAULT_CLAIM_WORD_VECTOR_WEIGHT = 1.0
#: The similarity features of every pair, in column order.
SIM_NAMES = ("cos_word", "cos_lead", "cos_bigram", "cos_char", "cos_lsa", "sent_max", "sent_top", "sent_first",
             "sent_best_pos", "overlap_frac", "overlap_log", "overlap_lead_frac", "headline_len", "body_len")
#: The TF-IDF vectorizers of :class:`ClaimPairFeatures` (attribute ``NAME_``), in this order.
VECTORIZER_NAMES = ("word", "bigram", "char", "head", "body", "lead")

# -- cue lexicons (hand-written, generic English; no corpus text) --------------------------------
_REFUTE = """fake fraud hoax false deny denies denied denial not despite nope doubt doubts bogus debunk debunked
debunks prank pranks retract retracted retraction untrue rumor rumors rumour rumours misleading fabricated falsely
satire satirical never no refute refuted refutes dismiss dismissed dismisses unfounded baseless lie lies incorrect
wrong contrary however but neither nor nothing none""".split()
_HEDGE = """reportedly allegedly alleged claim claims claimed according report reports reported may might could possibly
possible appears appear seems seem suggest suggests unconfirmed unverified purportedly purported apparently supposedly
rumored speculation speculate believed likely unclear uncertain if would whether say says said sources source
told""".split()
_CONFIRM = """confirm confirms confirmed confirmation official officially announced announces indeed verified true
proof evidence revealed reveals shows showed""".split()
_CUE_SETS = {"refute": sorted(set(_REFUTE)), "hedge": sorted(set(_HEDGE)), "confirm": sorted(set(_CONFIRM))}
_ALL_CUES = sorted(set(_REFUTE) | set(_HEDGE) | set(_CONFIRM))
_CUE_INDEX = {w: i for i, w in enumerate(_ALL_CUES)}
#: Columns of the cue block: cue words in the claim, the text and its top sentences, a question mark,
#: and per cue set (refute, hedge, confirm) the claim's, the text's and the top sentences' counts, and one flag.
N_CUE_FEATURES = 3 * len(_ALL_CUES) + 1 + 3 * len(_CUE_SETS) + 1

_stem_cache: dict[str, str] = {}


def _stem(w: str) -> str:
    s = _stem_cache.get(w)
    if s is None:
        from nltk.stem import PorterStemmer

        stemmer = _stem_cache.get("\0stemmer")
        if stemmer is None:
            stemmer = _stem_cache["\0stemmer"] = PorterStemmer()
        s = _stem_cache[w] = stemmer.stem(w)
    return s


def _tokens(text: str) -> list[str]:
    return words(preprocess(text))


def _content_stems(text: str) -> list[str]:
    return [_stem(w) for w in _tokens(text) if w not in ENGLISH_STOP_WORDS]


def _rowdot(A, B) -> np.ndarray:
    return np.asarray(A.multiply(B).sum(1)).ravel()


class _Texts:
    """Unique claims, unique texts, the texts' sentences and leads (first ``n_lead`` sentences)."""

    def __init__(self, claims: Sequence[str], texts: Sequence[str], n_lead: int):
        self.claims = list(dict.fromkeys(claims))
        self.c_index = {h: i for i, h in enumerate(self.claims)}
        self.texts = list(dict.fromkeys(texts))
        self.t_index = {b: i for i, b in enumerate(self.texts)}
        self.sents, owner = [], []
        for j, text in enumerate(self.texts):
            ss = [s for s in split_sentences(text) if s.strip()] or [text if text.strip() else "empty"]
            self.sents.extend(ss)
            owner.extend([j] * len(ss))
        self.owner = np.asarray(owner)
        self.start = np.searchsorted(self.owner, np.arange(len(self.texts)))
        self.end = np.searchsorted(self.owner, np.arange(len(self.texts)), side="right")
        self.lead = [" ".join(self.sents[self.start[j]:min(self.end[j], self.start[j] + n_lead)])
                     for j in range(len(self.texts))]


class ClaimPairFeatures:
    """Featurizer of claim-text pairs (fitted on the training pairs' texts only).

    :meth:`transform` returns a dict of blocks: ``"sim"`` (dense similarity
    features, names in ``"sim_names"``), ``"cue"``, ``"head"`` (claim TF-IDF),
    ``"body"`` (text TF-IDF) and ``"lead"`` (TF-IDF of the text's first sentences);
    with ``word_vectors`` (a :class:`~stance.features.vectors.PooledVectors`) also
    ``"vec"`` (dense, ``4 * dim`` columns: the pooled text, the pooled top sentences, and
    each times the pooled claim).
    """

    def __init__(self, *, n_svd: int = DEFAULT_N_SVD, n_top: int = DEFAULT_N_TOP, n_lead: int = DEFAULT_N_LEAD,
                 min_df: int = DEFAULT_CLAIM_MIN_DF, random_state=None, word_vectors: PooledVectors | None = None):
        self.n_svd, self.n_top, self.n_lead, self.random_state = n_svd, n_top, n_lead, random_state
        self.min_df = min_df
        self.word_vectors = word_vectors

    def make_vectorizers(self) -> dict[str, TfidfVectorizer]:
        """The unfitted TF-IDF vectorizers, by name (:data:`VECTORIZER_NAMES`); a saved model refills them."""
        kw = {"sublinear_tf": True, "dtype": np.float32}
        m = self.min_df
        lex = {"tokenizer": _tokens, "token_pattern": None, "lowercase": False, **kw}
        return {
            "word": TfidfVectorizer(analyzer=_content_stems, min_df=m, **kw),
            "bigram": TfidfVectorizer(tokenizer=_content_stems, token_pattern=None, lowercase=False,
                                      ngram_range=(2, 2), min_df=m, **kw),
            "char": TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=preprocess, min_df=m + 1,
                                    max_features=200_000, **kw),
            "head": TfidfVectorizer(ngram_range=(1, 2), min_df=m, **lex),
            "body": TfidfVectorizer(min_df=m, max_features=20_000, **lex),
            "lead": TfidfVectorizer(ngram_range=(1, 2), min_df=m, max_features=50_000, **lex),
        }

    def fit(self, claims: Sequence[str], texts: Sequence[str]) -> ClaimPairFeatures:
        tx = _Texts(claims, texts, self.n_lead)
        docs = tx.claims + tx.texts
        vec = self.make_vectorizers()
        self.word_ = vec["word"].fit(docs)
        self.bigram_ = vec["bigram"].fit(docs)
        self.char_ = vec["char"].fit(docs)
        W = self.word_.transform(docs)
        n_svd = max(1, min(self.n_svd, W.shape[1] - 1, W.shape[0] - 1))
        self.svd_ = TruncatedSVD(n_svd, random_state=self.random_state).fit(W)
        self.head_ = vec["head"].fit(tx.claims)
        self.body_ = vec["body"].fit(tx.texts)
        self.lead_ = vec["lead"].fit(tx.lead)
        for v in (self.word_, self.bigram_, self.char_, self.head_, self.body_, self.lead_):
            if hasattr(v, "stop_words_"):
                del v.stop_words_
        return self

    def transform(self, claims: Sequence[str], texts: Sequence[str]) -> dict:
        tx = _Texts(claims, texts, self.n_lead)
        hi = np.array([tx.c_index[h] for h in claims], dtype=np.intp)
        bi = np.array([tx.t_index[b] for b in texts], dtype=np.intp)
        n = len(hi)
        Hw, Bw, Lw = (self.word_.transform(x) for x in (tx.claims, tx.texts, tx.lead))
        Hs, Bs = (l2_normalize(self.svd_.transform(M)) for M in (Hw, Bw))
        sim = {
            "cos_word": _rowdot(Hw[hi], Bw[bi]),
            "cos_lead": _rowdot(Hw[hi], Lw[bi]),
            "cos_bigram": _rowdot(self.bigram_.transform(tx.claims)[hi], self.bigram_.transform(tx.texts)[bi]),
            "cos_char": _rowdot(self.char_.transform(tx.claims)[hi], self.char_.transform(tx.texts)[bi]),
            "cos_lsa": np.einsum("ij,ij->i", Hs[hi], Bs[bi]),
        }
        # claim-sentence similarities, text by text
        Sw = self.word_.transform(tx.sents)
        s_max, s_top, s_first, s_pos = (np.zeros(n) for _ in range(4))
        top_sents: list[np.ndarray] = [np.empty(0, int)] * n
        order = np.argsort(bi, kind="stable")
        uniq, first = np.unique(bi[order], return_index=True)
        for j, rows in zip(uniq, np.split(order, first[1:])):
            M = (Hw[hi[rows]] @ Sw[tx.start[j]:tx.end[j]].T).toarray()
            ordered = np.argsort(-M, axis=1, kind="stable")
            srt = np.take_along_axis(M, ordered, axis=1)
            s_max[rows], s_top[rows], s_first[rows] = srt[:, 0], srt[:, :self.n_top].mean(1), M[:, 0]
            s_pos[rows] = ordered[:, 0] / max(1, M.shape[1] - 1)
            for r, top in zip(rows, ordered[:, :self.n_top]):
                top_sents[r] = tx.start[j] + top
        sim.update({"sent_max": s_max, "sent_top": s_top, "sent_first": s_first, "sent_best_pos": s_pos})
        hset = [set(_content_stems(h)) for h in tx.claims]
        bset = [set(_content_stems(b)) for b in tx.texts]
        lset = [set(_content_stems(b)) for b in tx.lead]
        hlen = np.array([len(hset[a]) for a in hi], float)
        overlap = np.array([len(hset[a] & bset[b]) for a, b in zip(hi, bi)], float)
        sim["overlap_frac"] = overlap / np.maximum(hlen, 1)
        sim["overlap_log"] = np.log1p(overlap)
        sim["overlap_lead_frac"] = (np.array([len(hset[a] & lset[b]) for a, b in zip(hi, bi)], float)
                                    / np.maximum(hlen, 1))
        sim["headline_len"] = np.log1p(hlen)
        sim["body_len"] = np.log1p(np.array([len(tx.texts[b]) for b in bi], float))
        names = list(sim)
        S = np.column_stack([sim[k] for k in names]).astype(np.float64)

        def cue_counts(toks):
            v = np.zeros(len(_ALL_CUES), np.float32)
            for w in toks:
                k = _CUE_INDEX.get(w)
                if k is not None:
                    v[k] += 1
            return v

        Hc = np.array([cue_counts(_tokens(h)) > 0 for h in tx.claims], np.float32).reshape(-1, len(_ALL_CUES))[hi]
        Bc = np.log1p(np.array([cue_counts(_tokens(b)) for b in tx.texts], np.float32).reshape(-1, len(_ALL_CUES)))[bi]
        Sc = np.array([cue_counts(_tokens(s)) > 0 for s in tx.sents], np.float32).reshape(-1, len(_ALL_CUES))
        Tc = np.zeros((n, len(_ALL_CUES)), np.float32)
        for r in range(n):
            if len(top_sents[r]):
                Tc[r] = Sc[top_sents[r]].max(0)

        def by_set(M):
            return np.column_stack([M[:, [_CUE_INDEX[w] for w in ws]].sum(1) for ws in _CUE_SETS.values()])

        Hs_, Bs_, Ts_ = by_set(Hc), by_set(Bc), by_set(Tc)
        question = np.array(["?" in h for h in tx.claims], np.float32)[hi]
        cue = np.column_stack([Hc, Bc, Tc, question, Hs_, np.log1p(Bs_), np.log1p(Ts_),
                               (Hs_[:, 0] > 0) & (Ts_[:, 0] > 0)]).astype(np.float32)
        out = {
            "sim": S, "sim_names": names, "cue": sp.csr_matrix(cue),
            "head": self.head_.transform(tx.claims)[hi],
            "body": self.body_.transform(tx.texts)[bi],
            "lead": self.lead_.transform(tx.lead)[bi],
        }
        if self.word_vectors is not None:
            out["vec"] = self._vector_block(tx, hi, bi, top_sents)
        return out

    def _vector_block(self, tx: _Texts, hi: np.ndarray, bi: np.ndarray, top_sents: list) -> np.ndarray:
        """Stage 2's dense block: pooled text, pooled top sentences, and each times the pooled claim."""
        table = self.word_vectors
        Ph, Pb, Ps = (table.transform(x) for x in (tx.claims, tx.texts, tx.sents))
        n = len(hi)
        Pt = np.zeros((n, table.dim), np.float32)
        for r in range(n):
            if len(top_sents[r]):
                Pt[r] = Ps[top_sents[r]].sum(0)
        norms = np.linalg.norm(Pt, axis=1, keepdims=True)
        np.divide(Pt, norms, out=Pt, where=norms > 0)
        H, B = Ph[hi], Pb[bi]
        return np.hstack([B, Pt, H * B, H * Pt]).astype(np.float32)


class QuantileOneHot:
    """Quantile bins of each column, one-hot encoded, in numpy.

    The bins are those of scikit-learn's ``KBinsDiscretizer(strategy="quantile")``
    (:meth:`fit` delegates to it) and :meth:`transform` gives the same matrix as its
    ``encode="onehot"`` transform; only the edges are kept, so a saved model stores
    them as plain arrays.

    Parameters
    ----------
    bin_edges : sequence of 1-d arrays
        Each column's edges, the first and the last included (``n_bins + 1`` values).

    Examples
    --------
    >>> bins = QuantileOneHot([np.array([0.0, 1.0, 2.0])])
    >>> bins.transform(np.array([[0.5], [1.5]])).toarray().tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """

    def __init__(self, bin_edges):
        self.bin_edges_ = [np.asarray(e, dtype=np.float64).reshape(-1) for e in bin_edges]
        self.n_bins_ = np.array([len(e) - 1 for e in self.bin_edges_], dtype=np.int64)
        if (self.n_bins_ < 1).any():
            raise ValueError("every column needs 2 bin edges at least")
        self.n_features_in_ = len(self.bin_edges_)

    @classmethod
    def fit(cls, S: np.ndarray, n_bins: int) -> QuantileOneHot:
        """The quantile bins of each column of ``S`` (scikit-learn's, averaged inverted CDF).

        A constant column gets one bin and bins narrower than 1e-8 are merged, as
        ``KBinsDiscretizer`` does; its warnings about them are not passed on (on small
        training sets some similarity features are constant, and one bin is the right
        encoding for them).
        """
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"Feature \d+ is constant", category=UserWarning)
            warnings.filterwarnings("ignore", message=r"Bins whose width are too small", category=UserWarning)
            kbins = KBinsDiscretizer(n_bins=n_bins, encode="ordinal", strategy="quantile",
                                     quantile_method="averaged_inverted_cdf").fit(S)
        return cls(list(kbins.bin_edges_))

    def transform(self, S: np.ndarray) -> sp.csr_matrix:
        """One row per row of ``S`` with one 1.0 per column: the bin its value falls in."""
        S = np.asarray(S, dtype=np.float64)
        if S.ndim != 2 or S.shape[1] != self.n_features_in_:
            raise ValueError(f"expected an array of shape (n, {self.n_features_in_}), got {S.shape}")
        n, k = S.shape
        offsets = np.concatenate([[0], np.cumsum(self.n_bins_)[:-1]])
        cols = np.empty((n, k), dtype=np.int64)
        for j, edges in enumerate(self.bin_edges_):
            cols[:, j] = offsets[j] + np.searchsorted(edges[1:-1], S[:, j], side="right")
        return sp.csr_matrix((np.ones(n * k), cols.ravel(), np.arange(0, n * k + 1, k)),
                             shape=(n, int(self.n_bins_.sum())))


def subset_features(F: dict, idx) -> dict:
    """The rows ``idx`` of every block of a :meth:`ClaimPairFeatures.transform` result."""
    return {k: (v if k == "sim_names" else v[idx]) for k, v in F.items()}


def drop_word_vectors(F: dict) -> dict:
    """The blocks of a :meth:`ClaimPairFeatures.transform` result without the word-vector block ``"vec"``:
    what the same features give without ``word_vectors``."""
    return {k: v for k, v in F.items() if k != "vec"}


class ClaimStanceClassifier(ClassifierMixin, BaseEstimator):
    """Stance of a text toward a claim or headline: agree, disagree, discuss or unrelated.

    Two linear stages over claim-text pair features (see :mod:`stance.estimators.claims`):
    *is the text about the claim*, then, for related pairs, *does it agree,
    disagree or merely discuss*. The pair is ``unrelated`` when P(related) is
    below ``threshold``, else the related label whose probability times its
    decision weight is largest. The defaults are the FNC-1 model of
    ``benchmarks/fnc1.py`` (FNC score 82.1 on the competition test set).

    Parameters
    ----------
    threshold : float, default=0.3
        P(related) below which a pair is unrelated.
    decision_weights : tuple of 3 float, default=(1.0, 3.0, 1.0)
        Multipliers of the stage-2 probabilities of agree, disagree, discuss.
    related_C, stance_C : float, default=1.0
        Inverse regularisation strength of stage 1 and of stage 2.
    n_bins : int, default=20
        Quantile bins of each similarity feature (stage 1 and 2).
    n_svd : int, default=200
        Dimensions of the LSA similarity (capped by the vocabulary).
    n_top : int, default=3
        Sentences most similar to the claim whose cue words count.
    min_df : int, default=2
        Minimum document frequency of the word n-grams (character n-grams: ``min_df + 1``),
        counted over the distinct claims and texts.
    max_iter : int, default=3000
    tol : float, default=1e-3
        Stopping tolerance of the logistic regressions (lbfgs).
    random_state : int, RandomState or None, default=None
        Seeds the LSA (randomised SVD).
    word_vectors : str, path-like, WordVectors, PooledVectors or None, default=None
        Word vectors learned from unlabelled text (:mod:`stance.features.embeddings`): a
        directory written by ``stance embed``, a fitted ``WordVectors`` or its ``pooled()``
        table. Adds a dense block of pooled vectors to stage 2 (see
        :mod:`stance.estimators.claims`). ``None``: no word vectors, the model as without
        this parameter. The table (rounded to float16) is stored with the model.
    word_vector_weight : float, default=1.0
        Scale of stage 2's word-vector block.

    Attributes
    ----------
    classes_ : ndarray of str
        ``('agree', 'disagree', 'discuss', 'unrelated')``; the columns of :meth:`predict_proba`.
    features_ : ClaimPairFeatures
    related_model_, stance_model_ : sklearn.linear_model.LogisticRegression
        Stage 1 (related or not) and stage 2 (agree, disagree, discuss).
    word_vectors_ : PooledVectors or None
        The word-vector table used (``None`` without word vectors).

    See Also
    --------
    stance.StanceClassifier : stance of paragraphs toward one or several named targets.

    Examples
    --------
    >>> claims = ["Cat elected mayor of small town", "Cat elected mayor of small town",
    ...           "Moon made of cheese, scientists say", "Moon made of cheese, scientists say"] * 3
    >>> texts = ["The town confirmed the cat was elected mayor on Monday.",
    ...          "Officials denied that any cat was elected; the story is a hoax.",
    ...          "Scientists say the moon may be made of cheese, a report claims.",
    ...          "The football season starts next week in the capital."] * 3
    >>> y = ["agree", "disagree", "discuss", "unrelated"] * 3
    >>> clf = ClaimStanceClassifier(n_svd=2, n_bins=2, min_df=1, random_state=0).fit(texts, y, claims=claims)
    >>> clf.classes_.tolist()
    ['agree', 'disagree', 'discuss', 'unrelated']
    >>> clf.predict_proba(texts[:1], claims=claims[:1]).shape
    (1, 4)
    """

    _parameter_constraints: dict = {
        "threshold": [Interval(numbers.Real, 0, 1, closed="both")],
        "decision_weights": [Options.weights(3)],
        "related_C": [Interval(numbers.Real, 0, None, closed="neither")],
        "stance_C": [Interval(numbers.Real, 0, None, closed="neither")],
        "n_bins": [Interval(numbers.Integral, 2, None, closed="left")],
        "n_svd": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_top": [Interval(numbers.Integral, 1, None, closed="left")],
        "min_df": [Interval(numbers.Integral, 1, None, closed="left")],
        "max_iter": [Interval(numbers.Integral, 1, None, closed="left")],
        "tol": [Interval(numbers.Real, 0, None, closed="neither")],
        "random_state": ["random_state"],
        "word_vectors": ["word_vectors", None],
        "word_vector_weight": [Interval(numbers.Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        *,
        threshold: float = DEFAULT_CLAIM_THRESHOLD,
        decision_weights: tuple[float, float, float] = DEFAULT_CLAIM_DECISION_WEIGHTS,
        related_C: float = DEFAULT_CLAIM_C,
        stance_C: float = DEFAULT_CLAIM_C,
        n_bins: int = DEFAULT_N_BINS,
        n_svd: int = DEFAULT_N_SVD,
        n_top: int = DEFAULT_N_TOP,
        min_df: int = DEFAULT_CLAIM_MIN_DF,
        max_iter: int = DEFAULT_CLAIM_MAX_ITER,
        tol: float = DEFAULT_CLAIM_TOL,
        random_state=None,
        word_vectors=None,
        word_vector_weight: float = DEFAULT_CLAIM_WORD_VECTOR_WEIGHT,
    ):
        self.threshold = threshold
        self.decision_weights = decision_weights
        self.related_C = related_C
        self.stance_C = stance_C
        self.n_bins = n_bins
        self.n_svd = n_svd
        self.n_top = n_top
        self.min_df = min_df
        self.max_iter = max_iter
        self.tol = tol
        self.random_state = random_state
        self.word_vectors = word_vectors
        self.word_vector_weight = word_vector_weight

    # -- inputs ------------------------------------------------------------------------------------
    @staticmethod
    def _pairs(X, claims) -> tuple[list[str], list[str]]:
        texts = check_texts(X)
        if claims is None:
            raise ValueError("claims=... is required: one claim or headline per text (or one str for all)")
        claim_list = [claims] * len(texts) if isinstance(claims, str) else check_texts(claims)
        if len(claim_list) != len(texts):
            raise ValueError(f"claims must have one entry per text, got {len(claim_list)} for {len(texts)} texts")
        return texts, claim_list

    # -- the two stages ------------------------------------------------------------------------------
    def _sim(self, S: np.ndarray, fit: bool = False):
        if fit:
            self.scaler_ = StandardScaler().fit(S)
            self.bins_ = QuantileOneHot.fit(S, self.n_bins)
        return sp.hstack([sp.csr_matrix(self.scaler_.transform(S)), self.bins_.transform(S)], format="csr")

    def _stage2_design(self, F: dict, sim, fit: bool = False):
        if fit:
            self.cue_scaler_ = MaxAbsScaler().fit(F["cue"])
        blocks = [sim, self.cue_scaler_.transform(F["cue"]), F["head"], F["body"], F["lead"]]
        if "vec" in F:
            blocks.append(sp.csr_matrix(F["vec"] * np.float32(self.word_vector_weight)))
        return sp.hstack(blocks, format="csr")

    def fit_features(self, F: dict, y, *, sample_weight=None) -> ClaimStanceClassifier:
        """Fit both stages on the blocks of already fitted :attr:`features_` (for cross-validation).

        ``features_`` must be set; :meth:`fit` calls this after fitting it. A ``"vec"`` block in
        ``F`` (features with word vectors) enters stage 2 times ``word_vector_weight``.
        """
        validate_params(self)
        y = np.asarray(list(y), dtype=object)
        bad = sorted({str(v) for v in y} - set(CLAIM_STANCE_LABELS))
        if bad:
            raise LabelError(f"y: labels must be among {CLAIM_STANCE_LABELS!r}, got {bad!r}")
        related = y != "unrelated"
        if related.all() or not related.any():
            raise LabelError("y needs both unrelated and related (agree/disagree/discuss) pairs")
        sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        if sw is not None and sw.shape != (len(y),):
            raise ValueError(f"'sample_weight' must have shape ({len(y)},), got {sw.shape}")
        sim = self._sim(F["sim"], fit=True)
        self.related_model_ = LogisticRegression(C=self.related_C, max_iter=self.max_iter, tol=self.tol).fit(
            sim, related, sample_weight=sw)
        X2 = self._stage2_design(subset_features(F, related), sim[related], fit=True)
        self.stance_model_ = LogisticRegression(C=self.stance_C, max_iter=self.max_iter, tol=self.tol).fit(
            X2, y[related], sample_weight=None if sw is None else sw[related])
        self.classes_ = np.array(CLAIM_STANCE_LABELS, dtype=object)
        return self

    def fit(self, X, y, *, claims, sample_weight=None) -> ClaimStanceClassifier:
        """Fit the pair features and both stages.

        Parameters
        ----------
        X : list of str
            The texts (article bodies, paragraphs).
        y : list of str
            Label of each pair, among ``agree``, ``disagree``, ``discuss``, ``unrelated``.
        claims : str or list of str
            The claim or headline of each pair (one str: the same for all).
        sample_weight : array-like of shape (n_pairs,) or None, default=None
            Weight of each pair in both stages' loss.

        Returns
        -------
        self
        """
        validate_params(self)
        texts, claim_list = self._pairs(X, claims)
        y = list(y)
        if len(y) != len(texts):
            raise ValueError(f"X and y must have the same length, got {len(texts)} and {len(y)}")
        self.word_vectors_ = resolve_word_vectors(self.word_vectors, type(self).__name__)
        try:
            self.features_ = ClaimPairFeatures(n_svd=self.n_svd, n_top=self.n_top, min_df=self.min_df,
                                               random_state=self.random_state,
                                               word_vectors=self.word_vectors_).fit(claim_list, texts)
        except ValueError as exc:
            if "no terms remain" in str(exc) or "empty vocabulary" in str(exc):
                raise DataError(f"too few distinct claims or texts for min_df={self.min_df}: no n-gram occurs in "
                                f"{self.min_df} of them; give more pairs or lower min_df") from None
            raise
        return self.fit_features(self.features_.transform(claim_list, texts), y, sample_weight=sample_weight)

    def stage_proba_features(self, F: dict) -> tuple[np.ndarray, np.ndarray]:
        """P(related) and the stage-2 probabilities of agree, disagree, discuss, from feature blocks."""
        check_is_fitted(self, "stance_model_")
        sim = self._sim(F["sim"])
        p_related = self.related_model_.predict_proba(sim)[:, 1]
        p2 = self.stance_model_.predict_proba(self._stage2_design(F, sim))
        return p_related, p2[:, [list(self.stance_model_.classes_).index(c) for c in _RELATED]]

    @staticmethod
    def decide(p_related: np.ndarray, p2: np.ndarray, threshold: float, decision_weights) -> np.ndarray:
        """Labels from P(related), the stage-2 probabilities, a threshold and decision weights."""
        return np.where(p_related >= threshold,
                        _RELATED[np.argmax(p2 * np.asarray(decision_weights, dtype=np.float64), axis=1)],
                        "unrelated").astype(object)

    def transform_pairs(self, X, *, claims) -> dict:
        """The feature blocks of (claim, text) pairs."""
        check_is_fitted(self, "features_")
        texts, claim_list = self._pairs(X, claims)
        return self.features_.transform(claim_list, texts)

    def predict_proba(self, X, *, claims) -> np.ndarray:
        """Probability of each label: ``P(related) * P(label | related)`` and ``1 - P(related)``.

        Returns
        -------
        ndarray of shape (n_pairs, 4)
            Columns follow ``classes_``; rows sum to 1. (:meth:`predict` applies
            the threshold and decision weights, so it need not be the argmax.)
        """
        p_related, p2 = self.stage_proba_features(self.transform_pairs(X, claims=claims))
        return np.column_stack([p2 * p_related[:, None], 1.0 - p_related])

    def predict(self, X, *, claims) -> np.ndarray:
        """Label of each (claim, text) pair.

        Returns
        -------
        ndarray of str
        """
        return self.decide(*self.stage_proba_features(self.transform_pairs(X, claims=claims)),
                           self.threshold, self.decision_weights)

    def score(self, X, y, *, claims, sample_weight=None) -> float:
        """Accuracy of :meth:`predict` (weighted by ``sample_weight``)."""
        from sklearn.metrics import accuracy_score

        return float(accuracy_score(list(y), self.predict(X, claims=claims), sample_weight=sample_weight))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags
