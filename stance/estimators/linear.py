"""Estimators: multi-label topics and calibrated stance, scikit-learn style.

Both estimators take raw paragraphs (a list of ``str``), own their TF-IDF
features (:func:`stance.features.tfidf.make_text_features`) and keep their linear
weights as one dense matrix (``coef_``), so scoring a batch is one sparse
matrix product per head.

Examples
--------
>>> from stance.estimators.linear import TopicClassifier, StanceClassifier
>>> texts = ["NATO expansion to Ukraine", "sanctions on banks", "NATO enlargement east",
...          "new sanctions package", "NATO membership for Georgia", "sanctions lifted"] * 3
>>> topics = [["nato_expansion"], ["sanctions"]] * 9
>>> clf = TopicClassifier(min_df=1, cv=3, random_state=0).fit(texts, topics)
>>> clf.predict_labels(["NATO expansion"])
[['nato_expansion']]
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, StratifiedGroupKFold, StratifiedKFold
from sklearn.utils.validation import check_is_fitted

from ..exceptions import InvalidInputError, LabelError
from ..features.vectors import BLOCK_MODES, WordVectorFeatures
from .params import Interval, Options, validate_params
from ..features.tfidf import (
    CompiledFeatures,
    augment_by_target,
    DEFAULT_CHAR_NGRAM_RANGE,
    DEFAULT_MAX_CHAR_FEATURES,
    DEFAULT_MAX_WORD_FEATURES,
    DEFAULT_MIN_DF,
    DEFAULT_TARGET_HASH_FEATURES,
    DEFAULT_WORD_NGRAM_RANGE,
    DEFAULT_BINARY,
    fit_text_features,
    make_text_features,
    prune_vectorizers,
    target_cross_features,
)
from .scoring import (
    DECISION_METRICS,
    HEAD_DESIGNS,
    TARGET_DESIGNS,
    Evidence,
    ScoringCore,
    as_rows,
    effective_class_weights,
    stance_head,
    stance_head_names,
    topic_head,
)
from ..text.processing import check_targets, check_texts

__all__ = [
    "DEFAULT_STANCE_C",
    "DEFAULT_TOPIC_C",
    "DEFAULT_WORD_VECTOR_WEIGHT",
    "StanceClassifier",
    "TopicClassifier",
    "balanced_sample_weight",
    "check_texts",
    "topics_to_indicator",
]

#: Inverse regularisation strength of the topic heads.
DEFAULT_TOPIC_C = 3.0
#: Inverse regularisation strength of the stance head (``C="auto"`` of StanceClassifier without targets).
DEFAULT_STANCE_C = 1.0
DEFAULT_HEADS = "ovr"
DEFAULT_TARGET_DESIGN = "augment"
#: Scale of the shared copy of the text features in the augmented target design.
DEFAULT_SHARED_WEIGHT = 0.5
#: Scale of each target's own copy of the text features in the augmented target design.
DEFAULT_PER_TARGET_WEIGHT = 2.0
DEFAULT_DECISION_METRIC = "auto"
#: Text-feature settings of StanceClassifier: ``"auto"`` is the shared defaults (``DEFAULT_MIN_DF``,
#: ``DEFAULT_MAX_*_FEATURES``) without targets and the values below with targets.
DEFAULT_STANCE_MIN_DF = "auto"
DEFAULT_STANCE_MAX_FEATURES = "auto"
#: ``min_df`` of ``"auto"`` with targets: every n-gram (short texts, one copy of the features per target).
TARGET_MIN_DF = 1
#: ``max_word_features`` / ``max_char_features`` of ``"auto"`` with targets: no vocabulary cap.
TARGET_MAX_FEATURES = None
#: ``C`` and ``binary`` of StanceClassifier: ``"auto"`` is ``DEFAULT_STANCE_C`` and sublinear tf without
#: targets, and the values below with targets.
DEFAULT_STANCE_C_CHOICE = "auto"
DEFAULT_STANCE_BINARY = "auto"
#: ``C`` of ``"auto"`` with targets.
TARGET_C = 2.0
#: ``binary`` of ``"auto"`` with targets: binary term frequencies (1 for any count).
TARGET_BINARY = True
#: The stance label of paragraphs that take no side.
DEFAULT_NEUTRAL_LABEL = "none"
#: Folds of the internal cross-validation (thresholds, calibration).
DEFAULT_CV = 5
#: Maximum solver iterations.
DEFAULT_MAX_ITER = 1000
#: Scale of the pooled word-vector block (a unit-length row) beside the TF-IDF blocks (each unit length).
DEFAULT_WORD_VECTOR_WEIGHT = 1.0
#: What the word-vector block holds by default (one of ``BLOCK_MODES``): the pooled vector.
DEFAULT_WORD_VECTOR_FEATURES = "pooled"
#: Evidence terms per decision reported by ``explain``.
DEFAULT_EVIDENCE_TERMS = 3
_THRESHOLD_GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
_WEIGHT_GRID = (0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0)


def _check_sample_weight(sample_weight, n: int) -> np.ndarray | None:
    """``None`` or a float array of ``n`` finite, non-negative weights with a positive sum."""
    if sample_weight is None:
        return None
    try:
        sw = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"'sample_weight' must be a sequence of numbers, got {type(sample_weight).__name__}") from None
    if sw.ndim != 1 or sw.shape[0] != n:
        raise ValueError(f"'sample_weight' must have shape ({n},), got {sw.shape}")
    if not np.all(np.isfinite(sw)) or np.any(sw < 0) or sw.sum() <= 0:
        raise ValueError("'sample_weight' must hold finite, non-negative numbers with a positive sum")
    return sw


def balanced_sample_weight(groups: Sequence, y: Sequence, *, power: float = 1.0) -> np.ndarray:
    """Weights that balance the cells of ``groups`` x ``y`` (e.g. source x stance).

    Each example gets ``count(cell) ** -power``, scaled so that the weights of
    each group sum to that group's size: within a group the labels weigh more
    equally (fully with ``power=1``, not at all with ``power=0``) while the
    groups keep their share of the data.

    Parameters
    ----------
    groups : sequence
        Group of each example (e.g. its source); ``None`` entries form one group.
    y : sequence
        Label of each example.
    power : float, default=1.0

    Returns
    -------
    ndarray of shape (n_examples,)

    Examples
    --------
    >>> balanced_sample_weight(["a", "a", "a", "b"], ["x", "x", "y", "x"]).round(2).tolist()
    [0.75, 0.75, 1.5, 1.0]
    """
    groups, y = list(groups), list(y)
    if len(groups) != len(y):
        raise ValueError(f"groups and y must have the same length, got {len(groups)} and {len(y)}")
    cells: dict = {}
    for g, v in zip(groups, y):
        cells[(g, v)] = cells.get((g, v), 0) + 1
    w = np.array([cells[(g, v)] ** -float(power) for g, v in zip(groups, y)])
    for g in set(groups):
        idx = np.array([i for i, h in enumerate(groups) if h == g])
        w[idx] *= len(idx) / w[idx].sum()
    return w


def _splitter(n: int, n_splits: int, y: np.ndarray | None, groups: Sequence | None, random_state) -> Iterable:
    """Folds for internal cross-validation: grouped, stratified or plain (shuffled) K-fold."""
    dummy = np.zeros(n)
    if groups is not None:
        return GroupKFold(n_splits=n_splits).split(dummy, None, groups)
    if y is not None:
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(dummy, y)
    return KFold(n_splits=n_splits, shuffle=True, random_state=random_state).split(dummy)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _best_threshold(proba: np.ndarray, truth: np.ndarray) -> float:
    """Threshold that maximises F1 on out-of-fold probabilities (ties: nearest 0.5)."""
    if truth.sum() == 0:
        return 0.5
    best, best_t = -1.0, 0.5
    for t in sorted(_THRESHOLD_GRID, key=lambda v: abs(v - 0.5)):
        pred = proba >= t
        tp = float(np.sum(pred & truth))
        f1 = 2 * tp / (pred.sum() + truth.sum()) if (pred.sum() + truth.sum()) else 0.0
        if f1 > best + 1e-9:
            best, best_t = f1, float(t)
    return best_t


#: Rules of the parameters both text estimators share (each class adds its own; see .params).
_POSITIVE_INT = Interval(numbers.Integral, 1, None, closed="left")
_SHARED_CONSTRAINTS: dict = {
    "C": [Interval(numbers.Real, 0, None, closed="neither")],
    "class_weight": [Options({"balanced"}), None],
    "word_ngram_range": ["ngram_range"],
    "char_ngram_range": ["ngram_range", None],
    "min_df": [_POSITIVE_INT, Interval(numbers.Real, 0, 1, closed="right")],
    "max_word_features": [_POSITIVE_INT, None],
    "max_char_features": [_POSITIVE_INT, None],
    "binary": ["boolean"],
    "cv": [Interval(numbers.Integral, 2, None, closed="left")],
    "max_iter": [_POSITIVE_INT],
    "random_state": ["random_state"],
    "word_vectors": ["word_vectors", None],
    "word_vector_weight": [Interval(numbers.Real, 0, None, closed="neither")],
    "word_vector_features": [Options(set(BLOCK_MODES))],
}


class _TextLinearMixin:
    """Shared feature handling of the two estimators (fitted ``features_``, ``coef_``)."""

    def _text_feature_params(self) -> dict:
        """``min_df``, ``max_word_features``, ``max_char_features`` and ``binary`` as the features use them."""
        return {"min_df": self.min_df, "max_word_features": self.max_word_features,
                "max_char_features": self.max_char_features, "binary": self.binary}

    def _head_C(self) -> float:
        """``C`` as the heads use it."""
        return self.C

    def _make_features(self):
        return make_text_features(
            word_ngram_range=self.word_ngram_range,
            char_ngram_range=self.char_ngram_range,
            **self._text_feature_params(),
        )

    def _fit_word_vectors(self) -> None:
        """Set ``word_vectors_`` from the ``word_vectors`` parameter (a table rounded to float16, or None)."""
        from ..features.embeddings import resolve_word_vectors  # scikit-learn's SVD: imported when fitting

        table = resolve_word_vectors(self.word_vectors, type(self).__name__)
        if table is not None and self.word_vector_features != "pooled" and table.clusters is None:
            raise ValueError(f"The 'word_vector_features' parameter of {type(self).__name__} is "
                             f"{self.word_vector_features!r}, which needs word clusters, but the word vectors have "
                             f"none: fit them with WordVectors(n_clusters=...) or `stance embed --clusters K`")
        self.word_vectors_ = table

    def _with_word_vectors(self, A, texts: list[str]):
        """``A`` with the pooled word-vector block appended (``A`` itself without word vectors)."""
        table = getattr(self, "word_vectors_", None)
        if table is None:
            return A
        dense = table.block(texts, self.word_vector_features)
        dense *= np.float32(self.word_vector_weight)
        return sp.hstack([A, sp.csr_matrix(dense)], format="csr", dtype=np.float32)

    def _fit_binary(self, A, y: np.ndarray, sample_weight: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """One logistic head (liblinear, dual: fast when features outnumber examples)."""
        if y.size == 0 or y.all() or not y.any():  # a fold without both classes: a constant head
            p = float(np.clip(y.mean() if y.size else 0.5, 1e-4, 1 - 1e-4))
            return np.zeros(A.shape[1]), float(np.log(p / (1 - p)))
        model = LogisticRegression(
            C=self._head_C(),
            class_weight=self.class_weight,
            max_iter=self.max_iter,
            solver="liblinear",
            dual=True,
            random_state=self.random_state,
        ).fit(A, y, sample_weight=sample_weight)
        return model.coef_[0], float(model.intercept_[0])

    def _fit_heads(self, A, Y: np.ndarray, sample_weight: np.ndarray | None = None,
                   masks: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """One binary head per column of the boolean matrix ``Y``.

        ``masks[:, j]``, when given, selects the rows head ``j`` is fitted on
        (all rows otherwise).
        """
        heads = []
        for j in range(Y.shape[1]):
            rows = slice(None) if masks is None else np.flatnonzero(masks[:, j])
            sw = None if sample_weight is None else sample_weight[rows]
            heads.append(self._fit_binary(A[rows], Y[rows, j], sw))
        return (np.asarray([c for c, _ in heads], dtype=np.float32),
                np.asarray([b for _, b in heads], dtype=np.float32))

    def _word_names(self) -> np.ndarray:
        names = getattr(self, "_word_names_cache", None)
        if names is None:
            vocab = self.features_.transformer_list[0][1].vocabulary_
            names = np.empty(len(vocab), dtype=object)
            for term, j in vocab.items():
                names[j] = term
            self._word_names_cache = names
        return names

    def _compiled(self) -> CompiledFeatures | None:
        """The compiled transform of ``features_`` (built once), or ``None`` when it does not compile."""
        compiled = getattr(self, "_compiled_cache", None)
        if compiled is None:
            try:
                compiled = CompiledFeatures.from_union(self.features_)
            except ValueError:
                compiled = False
            self._compiled_cache = compiled
        return compiled or None

    def _text_features(self, texts: list[str]) -> sp.csr_matrix:
        """TF-IDF of ``texts`` through the compiled fast path when the features allow it, then the
        word-vector block if the estimator has one.

        :class:`~stance.features.CompiledFeatures` gives the same matrix as
        ``features_.transform`` (tested); it is built on first use and not pickled.
        """
        compiled = self._compiled()
        A = self.features_.transform(texts) if compiled is None else compiled.transform(texts)
        return self._with_word_vectors(A, texts)

    def _reset_caches(self) -> None:
        self._word_names_cache = None
        self._compiled_cache = None
        self._core_cache = None

    def __getstate__(self):
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state.pop("_word_names_cache", None)
        state.pop("_compiled_cache", None)
        state.pop("_core_cache", None)
        return state

    def __setstate__(self, state):
        # estimators pickled before the word-vector block had neither parameter
        state = dict(state)
        state.setdefault("word_vectors", None)
        state.setdefault("word_vector_weight", DEFAULT_WORD_VECTOR_WEIGHT)
        state.setdefault("binary", DEFAULT_BINARY)  # and before binary term frequencies (sublinear tf)
        state.setdefault("word_vector_features", "pooled")
        super().__setstate__(state)

    def _feature_source(self):
        """Where the scoring core's feature rows come from: the compiled transform when the fitted
        features allow it (and no target crosses are added), else the fitted union."""
        compiled = None if getattr(self, "uses_targets_", False) else self._compiled()
        if compiled is None:
            return _UnionFeatures(self)
        table = getattr(self, "word_vectors_", None)
        return compiled if table is None else WordVectorFeatures(compiled, table, self.word_vector_weight,
                                                                 self.word_vector_features)

    def _core(self) -> ScoringCore:
        """The :class:`~stance.estimators.scoring.ScoringCore` of this fitted estimator (built once, not pickled)."""
        check_is_fitted(self, "coef_")
        cached = getattr(self, "_core_cache", None)
        key = (id(self.coef_), id(self.features_), id(getattr(self, "word_vectors_", None)),
               id(getattr(self, "calibrator_", None)),
               id(getattr(self, "thresholds_", None)), id(getattr(self, "decision_weights_", None)))
        if cached is None or cached[0] != key:
            cached = (key, ScoringCore(features=self._feature_source(), **self._heads()))
            self._core_cache = cached
        return cached[1]

    def _explain(self, core: ScoringCore, X, decided: list[np.ndarray], offset: int, names, k: int
                 ) -> list[list[Evidence]]:
        rows = np.repeat(np.arange(len(decided)), [len(d) for d in decided])
        cols = np.concatenate([np.asarray(d, dtype=np.int64) for d in decided]) if decided else np.empty(0, int)
        found = core.evidence(X, rows, cols + offset, k)
        out: list[list[Evidence]] = [[] for _ in decided]
        for r, c, terms in zip(rows.tolist(), cols.tolist(), found):
            out[r].extend(Evidence(t, w, names[c]) for t, w in terms)
        return out


class _UnionFeatures:
    """A fitted estimator's scikit-learn feature union as a feature source of the scoring core."""

    def __init__(self, estimator):
        self.estimator = estimator
        self.n_word = len(estimator.features_.transformer_list[0][1].vocabulary_)

    def transform_rows(self, texts, targets=None):
        est = self.estimator
        if hasattr(est, "uses_targets_"):
            return as_rows(est._features(list(texts), targets))
        return as_rows(est._with_word_vectors(est.features_.transform(list(texts)), list(texts)))

    def word_term(self, column: int) -> str:
        return str(self.estimator._word_names()[column])


class TopicClassifier(_TextLinearMixin, ClassifierMixin, BaseEstimator):
    """Multi-label topic classifier: one logistic head per topic over word+char TF-IDF.

    Each topic's decision threshold is tuned to maximise that topic's F1 on
    out-of-fold probabilities of an internal cross-validation (grouped by
    article when ``groups`` is passed to :meth:`fit`).

    Parameters
    ----------
    topics : sequence of str or None, default=None
        The label set, in order. ``None`` takes the topics found in ``y``
        (sorted). With a list, every topic must have an example and unknown
        topics in ``y`` are an error.
    C : float, default=DEFAULT_TOPIC_C
        Inverse regularisation strength of each head.
    class_weight : {"balanced"} or None, default="balanced"
    word_ngram_range : tuple of int, default=(1, 2)
    char_ngram_range : tuple of int or None, default=(2, 5)
    min_df : int or float, default=2
    max_word_features, max_char_features : int or None, default=60000
    binary : bool, default=False
        Term frequency of the TF-IDF blocks: ``False`` is sublinear (``1 + log(count)``),
        ``True`` counts an n-gram once however often it occurs in the paragraph.
    cv : int, default=5
        Folds used to tune thresholds.
    word_vectors : str, path-like, WordVectors, PooledVectors or None, default=None
        Word vectors learned from unlabelled text (:mod:`stance.features.embeddings`): a
        directory written by ``stance embed`` / :meth:`~stance.features.embeddings.WordVectors.save`,
        or a fitted table. When given, each paragraph's pooled vector (SIF-weighted
        mean of its words' vectors, unit length) is an extra block of features after the
        TF-IDF columns; the table (rounded to float16) is stored with the model in both
        save formats. ``None`` (default): no block. (``sklearn.base.clone`` unfits a
        ``WordVectors`` parameter, as any estimator parameter: give a directory or
        ``WordVectors.pooled()`` to estimators that will be cloned.)
    word_vector_weight : float, default=DEFAULT_WORD_VECTOR_WEIGHT
        Scale of that block (the TF-IDF blocks have unit-length rows too).
    word_vector_features : {"pooled", "clusters", "both"}, default=DEFAULT_WORD_VECTOR_FEATURES
        What the block holds: the pooled vector; the bag of the clusters of the
        paragraph's words (sublinear counts, unit length; the table must have clusters,
        :meth:`~stance.features.embeddings.WordVectors.fit_clusters`); or both side by side.
    max_iter : int, default=1000
    random_state : int, RandomState or None, default=None
        Seeds the fold shuffling and the solver.

    Attributes
    ----------
    classes_ : ndarray of str
        The topics; columns of :meth:`predict_proba` follow this order.
    features_ : sklearn.pipeline.FeatureUnion
        Fitted TF-IDF features.
    coef_ : ndarray of shape (n_topics, n_features), float32
    intercept_ : ndarray of shape (n_topics,)
    thresholds_ : ndarray of shape (n_topics,)
        Decision threshold of each topic.
    cv_f1_ : ndarray of shape (n_topics,)
        Out-of-fold F1 of each topic at its threshold.
    word_vectors_ : PooledVectors or None
        The word-vector table used (``None`` without word vectors).

    Examples
    --------
    >>> texts = ["missile treaty", "troops at the border", "INF treaty missiles", "tanks and troops"] * 3
    >>> y = [["arms_control"], ["military_activity"]] * 6
    >>> clf = TopicClassifier(min_df=1, cv=3, random_state=0).fit(texts, y)
    >>> clf.classes_.tolist()
    ['arms_control', 'military_activity']
    >>> clf.predict_proba(["missile treaty"]).shape
    (1, 2)
    """

    _parameter_constraints: dict = {"topics": ["str_sequence", None], **_SHARED_CONSTRAINTS}

    def __init__(
        self,
        *,
        topics: Sequence[str] | None = None,
        C: float = DEFAULT_TOPIC_C,
        class_weight: str | None = "balanced",
        word_ngram_range: tuple[int, int] = DEFAULT_WORD_NGRAM_RANGE,
        char_ngram_range: tuple[int, int] | None = DEFAULT_CHAR_NGRAM_RANGE,
        min_df: int | float = DEFAULT_MIN_DF,
        max_word_features: int | None = DEFAULT_MAX_WORD_FEATURES,
        max_char_features: int | None = DEFAULT_MAX_CHAR_FEATURES,
        binary: bool = DEFAULT_BINARY,
        cv: int = DEFAULT_CV,
        max_iter: int = DEFAULT_MAX_ITER,
        word_vectors=None,
        word_vector_weight: float = DEFAULT_WORD_VECTOR_WEIGHT,
        word_vector_features: str = DEFAULT_WORD_VECTOR_FEATURES,
        random_state=None,
    ):
        self.topics = topics
        self.C = C
        self.class_weight = class_weight
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.binary = binary
        self.cv = cv
        self.max_iter = max_iter
        self.word_vectors = word_vectors
        self.word_vector_weight = word_vector_weight
        self.word_vector_features = word_vector_features
        self.random_state = random_state

    def _binarize(self, y) -> tuple[np.ndarray, np.ndarray]:
        y = list(y)
        if self.topics is not None:
            classes = np.asarray(list(self.topics), dtype=object)
        else:
            classes = np.asarray(sorted({t for ts in y for t in _as_topic_list(ts)}), dtype=object)
        if len(classes) == 0:
            raise LabelError("y has no topic at all; a TopicClassifier needs at least one topic with examples")
        Y = topics_to_indicator(y, classes)
        empty = [str(classes[j]) for j in np.flatnonzero(Y.sum(0) == 0)]
        if empty:
            raise LabelError(f"no example for topic(s) {empty!r}; every topic needs at least one positive example")
        return Y, classes

    def fit(self, X, y, *, groups: Sequence | None = None, sample_weight=None) -> TopicClassifier:
        """Fit the features, one head per topic and the thresholds.

        Parameters
        ----------
        X : list of str
            Paragraphs.
        y : list of list of str
            The topics of each paragraph (possibly empty).
        groups : sequence or None, default=None
            Article id of each paragraph; thresholds are then tuned on folds
            that keep an article's paragraphs together.
        sample_weight : array-like of shape (n_paragraphs,) or None, default=None
            Weight of each paragraph in the heads' loss (multiplies ``class_weight``).

        Returns
        -------
        self
        """
        validate_params(self)
        self._reset_caches()
        texts = check_texts(X)
        y = list(y)
        if len(texts) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(texts)} and {len(y)}")
        if len(texts) < 2:
            raise LabelError(f"need at least 2 training paragraphs, got {len(texts)}")
        sw = _check_sample_weight(sample_weight, len(texts))
        Y, self.classes_ = self._binarize(y)
        features = self._make_features()
        self._fit_word_vectors()
        A = self._with_word_vectors(fit_text_features(features, texts, min_df=self.min_df), texts)
        self.features_ = prune_vectorizers(features)
        n_splits = min(self.cv, len(texts) if groups is None else len(set(groups)))
        oof = np.full(Y.shape, np.nan)
        if n_splits >= 2:
            for train, test in _splitter(len(texts), n_splits, None, groups, self.random_state):
                coef, intercept = self._fit_heads(A[train], Y[train], None if sw is None else sw[train])
                oof[test] = _sigmoid(np.asarray(A[test] @ coef.T) + intercept)
        self.coef_, self.intercept_ = self._fit_heads(A, Y, sw)
        if n_splits >= 2:
            self.thresholds_ = np.array([_best_threshold(oof[:, j], Y[:, j]) for j in range(Y.shape[1])])
            pred = oof >= self.thresholds_
            tp = (pred & Y).sum(0)
            denom = pred.sum(0) + Y.sum(0)
            self.cv_f1_ = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
        else:
            self.thresholds_ = np.full(Y.shape[1], 0.5)
            self.cv_f1_ = np.full(Y.shape[1], np.nan)
        return self

    def transform_texts(self, X) -> sp.csr_matrix:
        """TF-IDF features of ``X`` (the matrix :meth:`predict_proba` scores)."""
        check_is_fitted(self, "coef_")
        return self._text_features(check_texts(X))

    def _heads(self) -> dict:
        return topic_head(self)

    def predict_proba_features(self, A) -> np.ndarray:
        """Per-topic probabilities from already computed features (:meth:`transform_texts`), by the scoring core."""
        core = self._core()
        return core.topic_proba(core.raw(as_rows(A)))

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each topic, independently (rows need not sum to 1).

        Parameters
        ----------
        X : list of str

        Returns
        -------
        ndarray of shape (n_paragraphs, n_topics)
            Columns follow ``classes_``.
        """
        check_is_fitted(self, "coef_")
        return self._core().score(check_texts(X))[1]

    def predict(self, X) -> np.ndarray:
        """Indicator matrix of the topics whose probability reaches their threshold.

        Returns
        -------
        ndarray of bool, shape (n_paragraphs, n_topics)
        """
        return self.predict_proba(X) >= self.thresholds_

    def predict_labels(self, X) -> list[list[str]]:
        """Topics of each paragraph as lists of names (in ``classes_`` order)."""
        return [list(self.classes_[row]) for row in self.predict(X)]

    def score(self, X, y, sample_weight=None) -> float:
        """Micro-averaged F1 of :meth:`predict` against topic lists ``y`` (weighted by ``sample_weight``)."""
        from sklearn.metrics import f1_score

        check_is_fitted(self, "coef_")
        Y = topics_to_indicator(y, self.classes_)
        sw = _check_sample_weight(sample_weight, Y.shape[0])
        return float(f1_score(Y, self.predict(X), average="micro", zero_division=0, sample_weight=sw))

    def explain(self, X, *, labels=None, k: int = DEFAULT_EVIDENCE_TERMS) -> list[list[Evidence]]:
        """Why each paragraph got its topics: the ``k`` word n-grams that pushed each predicted topic most.

        Parameters
        ----------
        X : list of str
        labels : str, list of str or None, default=None
            Explain this topic (one for all, or one per paragraph) instead of the predicted ones.
        k : int, default=3
            Terms per topic.

        Returns
        -------
        list of list of Evidence
            Per paragraph, for each predicted topic (in ``classes_`` order) its terms,
            largest contribution (tf-idf x weight) first; ``label`` is the topic.

        Examples
        --------
        >>> texts = ["NATO expansion east", "sanctions on banks"] * 6
        >>> clf = TopicClassifier(min_df=1, cv=2, random_state=0).fit(texts, [["nato"], ["sanctions"]] * 6)
        >>> [e.term for e in clf.explain(["NATO expansion"])[0]][:1]
        ['expansion']
        """
        check_is_fitted(self, "coef_")
        k = _check_k(k)
        core = self._core()
        texts = check_texts(X)
        A, proba, _ = core.score(texts)
        names = [str(c) for c in self.classes_]
        if labels is None:
            decided = [np.flatnonzero(row) for row in proba >= self.thresholds_]
        else:
            decided = [[j] for j in _label_indices(labels, names, len(texts))]
        return self._explain(core, A, decided, 0, names, k)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        tags.target_tags.multi_output = True
        return tags


def topics_to_indicator(y, classes: Sequence[str]) -> np.ndarray:
    """Boolean indicator matrix of topic lists ``y`` over ``classes``.

    Raises
    ------
    LabelError
        On a topic outside ``classes`` or an item that is a bare string.

    Examples
    --------
    >>> topics_to_indicator([["b"], [], ["a", "b"]], ["a", "b"]).astype(int).tolist()
    [[0, 1], [0, 0], [1, 1]]
    """
    classes = list(classes)
    index = {t: j for j, t in enumerate(classes)}
    y = list(y)
    Y = np.zeros((len(y), len(classes)), dtype=bool)
    for i, ts in enumerate(y):
        for t in _as_topic_list(ts):
            if t not in index:
                raise LabelError(f"y[{i}]: topic must be one of {tuple(classes)!r}, got {t!r}")
            Y[i, index[t]] = True
    return Y


def _as_topic_list(ts) -> list[str]:
    if isinstance(ts, str):
        raise LabelError(f"each y item must be a list of topics, got the string {ts!r}; use [{ts!r}]")
    return list(ts)


class StanceClassifier(_TextLinearMixin, ClassifierMixin, BaseEstimator):
    """Stance classifier with calibrated probabilities, optionally conditioned on a target.

    Logistic heads over word+char TF-IDF (plus, when targets are given, hashed
    target x word features) are fitted on all data; their scores are
    calibrated jointly by a small multinomial logistic model fitted on
    out-of-fold scores of an internal cross-validation, and per-class decision
    weights are tuned on those out-of-fold probabilities to maximise macro-F1.
    The weights are then folded into the calibrator (``p_c * w_c``, renormalised),
    so the predicted stance is always the most probable one under
    :meth:`predict_proba`.

    Two head designs (``heads``):

    * ``"ovr"``: one-vs-rest, one head per label (a single head for two labels).
    * ``"two_stage"``: one head for *does the paragraph take a side* (every label
      but ``neutral_label`` against it), then heads for *which side*, fitted
      only on side-taking paragraphs, so that the side is learned from what
      side-taking paragraphs of every source say rather than from how neutral
      and partisan registers differ. The calibrator combines the heads' scores
      into one probability per label.

    Parameters
    ----------
    labels : sequence of str or None, default=None
        The stance label set. ``None`` takes the labels found in ``y`` (sorted).
    C : float or "auto", default="auto"
        Inverse regularisation strength of the heads; ``"auto"`` is 1.0 (``DEFAULT_STANCE_C``)
        when fitted without targets and 2.0 (``TARGET_C``) when fitted with targets.
    class_weight : {"balanced"} or None, default="balanced"
    word_ngram_range, char_ngram_range
        As in :class:`TopicClassifier`.
    min_df : int, float or "auto", default="auto"
        As in :class:`TopicClassifier`; ``"auto"`` is 2 (``DEFAULT_MIN_DF``) when fitted
        without targets and 1 (``TARGET_MIN_DF``: every n-gram) when fitted with targets.
    max_word_features, max_char_features : int, "auto" or None, default="auto"
        Vocabulary caps; ``"auto"`` is 60000 (``DEFAULT_MAX_*_FEATURES``) without targets
        and no cap (``TARGET_MAX_FEATURES``) with targets. The targets path's values
        were chosen like its other defaults (see ``per_target_weight``).
    binary : bool or "auto", default="auto"
        As in :class:`TopicClassifier`: 1 for any count of an n-gram instead of
        the sublinear ``1 + log(count)``. ``"auto"`` is sublinear (``False``) when fitted
        without targets and binary (``TARGET_BINARY``) when fitted with targets; the
        targets path's ``C`` and ``binary`` were chosen like its other defaults.
    target_features : bool, default=True
        Condition on the targets passed to :meth:`fit` (``False`` ignores them).
    target_hash_features : int, default=2**18
        Width of the hashed target x word crosses (``target_design="hash"``).
    target_design : {"augment", "hash"}, default="augment"
        How the model conditions on targets. ``"augment"``: a shared copy of
        the text features plus one copy (and one bias) per target seen in
        training, non-zero only on that target's paragraphs (Daume's
        "frustratingly easy" augmentation, :func:`~stance.features.augment_by_target`),
        so every target has weights of its own on every n-gram while sharing
        evidence with the others; a target unseen in training gets the shared
        weights only. ``"hash"``: hashed target x word-unigram crosses added to
        shared text features (the design of stance 1.0).
    shared_weight : float, default=0.5
        Scale of the shared copy (``"augment"``); 0 fits independent per-target weights.
    per_target_weight : float, default=2.0
        Scale of each target's copy and bias (``"augment"``); larger means less
        regularisation of the per-target weights. The defaults of the targets
        path (``target_design``, ``shared_weight``, ``per_target_weight``, and what
        ``"auto"`` means with targets for ``decision_metric``, ``C``, ``min_df``, the
        vocabulary caps and ``binary``) were chosen on SemEval-2016 train + val by
        cross-validation and on RUW train -> val (``benchmarks/target_defaults.py``).
    heads : {"ovr", "two_stage"}, default="ovr"
        Head design (see above). ``"two_stage"`` needs ``neutral_label`` among the
        labels and at least two other labels.
    neutral_label : str, default="none"
        The label of paragraphs that take no side (``heads="two_stage"``).
    cv : int, default=5
        Folds of the internal cross-validation (calibration and decision weights).
    tune_decision : bool, default=True
        Tune per-class decision weights on the out-of-fold probabilities;
        ``False`` predicts the most probable class of the plain calibration.
    decision_metric : {"auto", "macro_f1", "f_avg"}, default="auto"
        What the decision weights maximise: macro-F1 over every label, or
        ``f_avg``, the mean F1 of every label but ``neutral_label`` (the
        SemEval-2016 measure of stance toward targets). ``"auto"``: ``f_avg``
        when fitted with targets, else macro-F1.
    word_vectors : str, path-like, WordVectors, PooledVectors or None, default=None
        Word vectors learned from unlabelled text (:mod:`stance.features.embeddings`): a
        directory written by ``stance embed`` / :meth:`~stance.features.embeddings.WordVectors.save`,
        or a fitted table. When given, each paragraph's pooled vector (SIF-weighted
        mean of its words' vectors, unit length) is an extra block of features after the
        TF-IDF columns; the table (rounded to float16) is stored with the model in both
        save formats. ``None`` (default): no block. (``sklearn.base.clone`` unfits a
        ``WordVectors`` parameter, as any estimator parameter: give a directory or
        ``WordVectors.pooled()`` to estimators that will be cloned.)
    word_vector_weight : float, default=DEFAULT_WORD_VECTOR_WEIGHT
        Scale of that block (the TF-IDF blocks have unit-length rows too).
    word_vector_features : {"pooled", "clusters", "both"}, default=DEFAULT_WORD_VECTOR_FEATURES
        What the block holds: the pooled vector; the bag of the clusters of the
        paragraph's words (sublinear counts, unit length; the table must have clusters,
        :meth:`~stance.features.embeddings.WordVectors.fit_clusters`); or both side by side.
    max_iter : int, default=1000
    random_state : int, RandomState or None, default=None

    Attributes
    ----------
    classes_ : ndarray of str
        Columns of :meth:`predict_proba` follow this order.
    features_ : sklearn.pipeline.FeatureUnion
    coef_ : ndarray of shape (n_classes or 1, n_features), float32
    intercept_ : ndarray
    calibrator_ : sklearn.linear_model.LogisticRegression
        Maps raw scores to probabilities.
    decision_weights_ : ndarray of shape (n_classes,)
        All ones once fitted: the tuned weights are folded into ``calibrator_``.
    head_names_ : list of str
        What each row of ``coef_`` scores (e.g. ``"favor"`` or ``"sided"``).
    cv_macro_f1_ : float
        Macro-F1 (over every label) of the out-of-fold predictions of the internal cross-validation
        (NaN if it could not run).
    uses_targets_ : bool
        Whether the model was fitted with targets (and needs them to predict).
    targets_ : ndarray of str or None
        Targets seen in training.
    word_vectors_ : PooledVectors or None
        The word-vector table used (``None`` without word vectors).

    Examples
    --------
    >>> texts = ["NATO is a threat to Russia", "Russia is the aggressor", "talks were held"] * 4
    >>> y = ["favor", "against", "none"] * 4
    >>> clf = StanceClassifier(min_df=1, cv=2, random_state=0).fit(texts, y)
    >>> clf.classes_.tolist()
    ['against', 'favor', 'none']
    >>> clf.predict_proba(["Russia is the aggressor"]).sum().round(6)
    np.float64(1.0)
    """

    _parameter_constraints: dict = {
        "labels": ["str_sequence", None],
        **_SHARED_CONSTRAINTS,
        # "auto": the shared defaults without targets, the targets path's own values with targets
        "C": _SHARED_CONSTRAINTS["C"] + [Options({"auto"})],
        "binary": _SHARED_CONSTRAINTS["binary"] + [Options({"auto"})],
        "min_df": _SHARED_CONSTRAINTS["min_df"] + [Options({"auto"})],
        "max_word_features": [_POSITIVE_INT, Options({"auto"}), None],
        "max_char_features": [_POSITIVE_INT, Options({"auto"}), None],
        "target_features": ["boolean"],
        "target_hash_features": [Interval(numbers.Integral, 1, None, closed="left")],
        "target_design": [Options(TARGET_DESIGNS)],
        "shared_weight": [Interval(numbers.Real, 0, None, closed="left")],
        "per_target_weight": [Interval(numbers.Real, 0, None, closed="neither")],
        "heads": [Options(HEAD_DESIGNS)],
        "neutral_label": ["str"],
        "tune_decision": ["boolean"],
        "decision_metric": [Options(DECISION_METRICS)],
    }

    def __init__(
        self,
        *,
        labels: Sequence[str] | None = None,
        C: float | str = DEFAULT_STANCE_C_CHOICE,
        class_weight: str | None = "balanced",
        word_ngram_range: tuple[int, int] = DEFAULT_WORD_NGRAM_RANGE,
        char_ngram_range: tuple[int, int] | None = DEFAULT_CHAR_NGRAM_RANGE,
        min_df: int | float | str = DEFAULT_STANCE_MIN_DF,
        max_word_features: int | str | None = DEFAULT_STANCE_MAX_FEATURES,
        max_char_features: int | str | None = DEFAULT_STANCE_MAX_FEATURES,
        binary: bool | str = DEFAULT_STANCE_BINARY,
        target_features: bool = True,
        target_hash_features: int = DEFAULT_TARGET_HASH_FEATURES,
        target_design: str = DEFAULT_TARGET_DESIGN,
        shared_weight: float = DEFAULT_SHARED_WEIGHT,
        per_target_weight: float = DEFAULT_PER_TARGET_WEIGHT,
        heads: str = DEFAULT_HEADS,
        neutral_label: str = DEFAULT_NEUTRAL_LABEL,
        cv: int = DEFAULT_CV,
        tune_decision: bool = True,
        decision_metric: str = DEFAULT_DECISION_METRIC,
        max_iter: int = DEFAULT_MAX_ITER,
        word_vectors=None,
        word_vector_weight: float = DEFAULT_WORD_VECTOR_WEIGHT,
        word_vector_features: str = DEFAULT_WORD_VECTOR_FEATURES,
        random_state=None,
    ):
        self.labels = labels
        self.C = C
        self.class_weight = class_weight
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_word_features = max_word_features
        self.max_char_features = max_char_features
        self.binary = binary
        self.target_features = target_features
        self.target_hash_features = target_hash_features
        self.target_design = target_design
        self.shared_weight = shared_weight
        self.per_target_weight = per_target_weight
        self.heads = heads
        self.neutral_label = neutral_label
        self.cv = cv
        self.tune_decision = tune_decision
        self.decision_metric = decision_metric
        self.max_iter = max_iter
        self.word_vectors = word_vectors
        self.word_vector_weight = word_vector_weight
        self.word_vector_features = word_vector_features
        self.random_state = random_state

    # -- features -----------------------------------------------------------------
    def _text_feature_params(self) -> dict:
        with_targets = bool(getattr(self, "uses_targets_", False))
        auto = {"min_df": TARGET_MIN_DF if with_targets else DEFAULT_MIN_DF,
                "max_word_features": TARGET_MAX_FEATURES if with_targets else DEFAULT_MAX_WORD_FEATURES,
                "max_char_features": TARGET_MAX_FEATURES if with_targets else DEFAULT_MAX_CHAR_FEATURES,
                "binary": TARGET_BINARY if with_targets else DEFAULT_BINARY}
        given = super()._text_feature_params()
        return {k: auto[k] if isinstance(v, str) and v == "auto" else v for k, v in given.items()}

    def _head_C(self) -> float:
        if isinstance(self.C, str) and self.C == "auto":
            return TARGET_C if getattr(self, "uses_targets_", False) else DEFAULT_STANCE_C
        return self.C

    def _targets_for(self, n: int, targets) -> list[str] | None:
        return check_targets(n, targets)

    def _core_targets(self, n: int, targets) -> list[str] | None:
        """Checked targets when the model uses them; ``None`` otherwise (a model without targets ignores them)."""
        targets = self._targets_for(n, targets)
        return targets if self.uses_targets_ else None

    def _features(self, texts: list[str], targets: list[str] | None, *, text_features=None):
        A = self._text_features(texts) if text_features is None else text_features
        if self.uses_targets_:
            if targets is None:
                raise InvalidInputError(
                    "this StanceClassifier was fitted with targets; pass targets=... (one str, or one per paragraph)"
                )
            if getattr(self, "target_design", "hash") == "augment":
                return augment_by_target(A, targets, self.targets_, shared_weight=self.shared_weight,
                                         per_target_weight=self.per_target_weight)
            B = target_cross_features(texts, targets, n_features=self.target_hash_features)
            A = sp.hstack([A, B], format="csr", dtype=np.float32)
        return A

    def __setstate__(self, state):
        # models pickled before the augmented design conditioned on targets through hashed crosses only
        state = dict(state)
        state.setdefault("target_design", "hash")
        state.setdefault("shared_weight", DEFAULT_SHARED_WEIGHT)
        state.setdefault("per_target_weight", DEFAULT_PER_TARGET_WEIGHT)
        state.setdefault("decision_metric", "macro_f1")
        super().__setstate__(state)

    def transform_texts(self, X, *, targets=None):
        """Feature matrix of ``X`` (TF-IDF, plus target crosses if fitted with targets)."""
        check_is_fitted(self, "coef_")
        texts = check_texts(X)
        return self._features(texts, self._targets_for(len(texts), targets))

    # -- fitting --------------------------------------------------------------------
    def _check_labels(self, y) -> np.ndarray:
        y = np.asarray(list(y), dtype=object)
        for i, v in enumerate(y):
            if not isinstance(v, str):
                raise LabelError(f"y[{i}]: stance must be a str, got {type(v).__name__}")
        if self.labels is not None:
            classes = np.asarray(list(self.labels), dtype=object)
            allowed = set(classes)
            for i, v in enumerate(y):
                if v not in allowed:
                    raise LabelError(f"y[{i}]: 'stance' must be one of {tuple(classes)!r}, got {v!r}")
            missing = [str(c) for c in classes if c not in set(y)]
            if missing:
                raise LabelError(f"no example for stance label(s) {missing!r}; every label needs at least one example")
        else:
            classes = np.asarray(sorted(set(y)), dtype=object)
        if len(classes) < 2:
            raise LabelError(f"need at least 2 stance labels with examples, got {list(classes)!r}")
        return classes

    def _scores(self, A) -> np.ndarray:
        return np.asarray(A @ self.coef_.T) + self.intercept_

    def _head_targets(self, y_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, list[str]]:
        """Indicator matrix of each head, the rows each head is fitted on, and the heads' names."""
        classes = [str(c) for c in self.classes_]
        names = stance_head_names(classes, self.heads, self.neutral_label)
        if self.heads == "ovr":
            return y_idx[:, None] == np.array([classes.index(n) for n in names]), None, names
        is_sided = y_idx != classes.index(self.neutral_label)
        Y = np.column_stack([is_sided] + [y_idx == classes.index(n) for n in names[1:]])
        masks = np.column_stack([np.ones_like(is_sided)] + [is_sided] * (len(names) - 1))
        return Y, masks, names

    def fit(self, X, y, *, targets=None, groups: Sequence | None = None, sample_weight=None) -> StanceClassifier:
        """Fit features, the linear model, the calibrator and the decision weights.

        Parameters
        ----------
        X : list of str
        y : list of str
            Stance of each paragraph.
        targets : str, list of str or None, default=None
            Target of each paragraph (or one for all). The fitted model then
            needs targets at prediction time too.
        groups : sequence or None, default=None
            Article ids, for grouped internal cross-validation. Without them but
            with targets, the rows of one text (e.g. a tweet labelled toward two
            targets) stay in one fold.
        sample_weight : array-like of shape (n_paragraphs,) or None, default=None
            Weight of each paragraph in the heads' loss (multiplies ``class_weight``;
            see :func:`balanced_sample_weight`). The calibrator and the decision
            weights are fitted on the unweighted out-of-fold scores.

        Returns
        -------
        self
        """
        validate_params(self)
        self._reset_caches()
        texts = check_texts(X)
        y = list(y)
        if len(texts) != len(y):
            raise ValueError(f"X and y must have the same length, got {len(texts)} and {len(y)}")
        sw = _check_sample_weight(sample_weight, len(texts))
        self.classes_ = self._check_labels(y)
        if self.heads == "two_stage" and (self.neutral_label not in set(self.classes_) or len(self.classes_) < 3):
            raise LabelError(
                f"heads='two_stage' needs the neutral label {self.neutral_label!r} and at least two other labels, "
                f"got {list(self.classes_)!r}"
            )
        y = np.asarray(y, dtype=object)
        targets = self._targets_for(len(texts), targets)
        self.uses_targets_ = bool(self.target_features and targets is not None)
        self.targets_ = np.asarray(sorted(set(targets)), dtype=object) if targets is not None else None
        features = self._make_features()
        self._fit_word_vectors()
        A_text = self._with_word_vectors(fit_text_features(features, texts, min_df=self._text_feature_params()["min_df"]),
                                         texts)
        self.features_ = prune_vectorizers(features)
        A = self._features(texts, targets, text_features=A_text)
        position = {c: i for i, c in enumerate(self.classes_)}
        y_idx = np.fromiter((position[v] for v in y), dtype=np.intp, count=len(y))
        Y, masks, self.head_names_ = self._head_targets(y_idx)
        min_count = int(np.bincount(y_idx, minlength=len(self.classes_)).min())
        n_splits = min(self.cv, min_count if groups is None else len(set(groups)))
        oof = None
        if n_splits >= 2:
            oof = np.zeros((len(texts), Y.shape[1]))
            if groups is None and self.uses_targets_:
                # the rows of one text under several targets stay in one fold (stratified by label)
                folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state).split(
                    np.zeros(len(texts)), y_idx, texts)
            else:
                folds = _splitter(len(texts), n_splits, None if groups is not None else y_idx, groups,
                                  self.random_state)
            for train, test in folds:
                if len(set(y_idx[train])) < len(self.classes_):
                    oof = None
                    break
                coef, intercept = self._fit_heads(A[train], Y[train], None if sw is None else sw[train],
                                                  None if masks is None else masks[train])
                oof[test] = np.asarray(A[test] @ coef.T) + intercept
        self.coef_, self.intercept_ = self._fit_heads(A, Y, sw, masks)
        calibration_scores = oof if oof is not None else self._scores(A)
        self.calibrator_ = LogisticRegression(C=1.0, max_iter=self.max_iter).fit(calibration_scores, y_idx)
        self.decision_weights_ = np.ones(len(self.classes_))
        self.cv_macro_f1_ = np.nan
        if oof is not None:
            oof_proba = self.calibrator_.predict_proba(oof)
            sided = None
            metric = self.decision_metric
            if metric == "auto":
                metric = "f_avg" if self.uses_targets_ else "macro_f1"
            if metric == "f_avg" and self.neutral_label in position:
                sided = np.array([c != self.neutral_label for c in self.classes_])
            weights = (_tune_weights(oof_proba, y_idx, sided) if self.tune_decision
                       else np.ones(len(self.classes_)))
            _fold_weights(self.calibrator_, weights)
            self.cv_macro_f1_ = _macro_f1(y_idx, np.argmax(self.calibrator_.predict_proba(oof), axis=1),
                                          len(self.classes_))
        return self

    def class_feature_weights(self) -> np.ndarray:
        """Effective linear weight of each class on the features, shape (n_classes, n_features).

        The change of a class's calibrated log-odds (up to a shared constant) per
        unit of each feature: ``calibrator_.coef_ @ coef_``, centred over classes.
        """
        check_is_fitted(self, "coef_")
        return effective_class_weights(self.coef_, self.calibrator_.coef_)

    # -- prediction -----------------------------------------------------------------
    def _heads(self) -> dict:
        return stance_head(self)

    def predict_proba_features(self, A) -> np.ndarray:
        """Calibrated probabilities from already computed features (:meth:`transform_texts`), by the scoring core."""
        core = self._core()
        return core.stance_proba(core.raw(as_rows(A)))

    def predict_proba(self, X, *, targets=None) -> np.ndarray:
        """Calibrated probability of each stance.

        Parameters
        ----------
        X : list of str
        targets : str, list of str or None, default=None
            Required when the model was fitted with targets.

        Returns
        -------
        ndarray of shape (n_paragraphs, n_classes)
            Columns follow ``classes_``; rows sum to 1.
        """
        check_is_fitted(self, "coef_")
        texts = check_texts(X)
        return self._core().score(texts, self._core_targets(len(texts), targets))[2]

    def decide(self, proba: np.ndarray) -> np.ndarray:
        """Class indices chosen from probabilities with the tuned decision weights."""
        check_is_fitted(self, "coef_")
        return self._core().decide(proba)

    def predict(self, X, *, targets=None) -> np.ndarray:
        """Stance of each paragraph.

        Returns
        -------
        ndarray of str
        """
        proba = self.predict_proba(X, targets=targets)
        return self.classes_[self.decide(proba)]

    def explain(self, X, *, targets=None, labels=None, k: int = DEFAULT_EVIDENCE_TERMS) -> list[list[Evidence]]:
        """Why each paragraph got its stance: the ``k`` word n-grams that pushed it most.

        Parameters
        ----------
        X : list of str
        targets : str, list of str or None, default=None
            Required when the model was fitted with targets.
        labels : str, list of str or None, default=None
            Explain this stance (one for all, or one per paragraph) instead of the predicted one.
        k : int, default=3

        Returns
        -------
        list of list of Evidence
            Per paragraph, up to ``k`` terms with a positive contribution to the
            stance's effective weight (:meth:`class_feature_weights`), largest first.

        Examples
        --------
        >>> texts = ["NATO threatens Russia", "NATO protects Europe"] * 6
        >>> clf = StanceClassifier(min_df=1, cv=2, random_state=0).fit(texts, ["favor", "against"] * 6)
        >>> [e.label for e in clf.explain(["NATO threatens"], labels="favor")[0]][:1]
        ['favor']
        """
        check_is_fitted(self, "coef_")
        k = _check_k(k)
        core = self._core()
        texts = check_texts(X)
        A, _, proba = core.score(texts, self._core_targets(len(texts), targets))
        names = [str(c) for c in self.classes_]
        chosen = core.decide(proba) if labels is None else _label_indices(labels, names, len(texts))
        return self._explain(core, A, [[c] for c in np.asarray(chosen).tolist()], 0, names, k)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.two_d_array = False
        return tags


def _label_indices(labels, names: list[str], n: int) -> list[int]:
    """Class indices of ``labels`` (one label for all ``n`` paragraphs, or one per paragraph)."""
    wanted = [labels] * n if isinstance(labels, str) else list(labels)
    if len(wanted) != n:
        raise ValueError(f"'labels' must be one str or one per paragraph ({n}), got {len(wanted)}")
    for v in wanted:
        if v not in names:
            raise LabelError(f"'labels' must hold labels of {tuple(names)!r}, got {v!r}")
    return [names.index(v) for v in wanted]


def _check_k(k) -> int:
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 0:
        raise ValueError(f"'k' must be an int >= 0, got {k!r}")
    return int(k)


def _fold_weights(calibrator: LogisticRegression, weights: np.ndarray) -> None:
    """Fold per-class decision weights into a fitted calibrator: its probabilities become ``p * w`` renormalised."""
    log_w = np.log(np.asarray(weights, dtype=np.float64))
    if calibrator.coef_.shape[0] == 1:  # binary: the odds of class 1 are multiplied by w1 / w0
        calibrator.intercept_ = calibrator.intercept_ + (log_w[1] - log_w[0])
    else:
        calibrator.intercept_ = calibrator.intercept_ + log_w


def _macro_f1(y_idx: np.ndarray, pred: np.ndarray, k: int, mask: np.ndarray | None = None) -> float:
    """Macro-F1 over class indices ``0..k-1``, or over the classes where ``mask`` is true (fast path)."""
    tp = np.bincount(y_idx[y_idx == pred], minlength=k)
    denom = np.bincount(y_idx, minlength=k) + np.bincount(pred, minlength=k)
    f1 = np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)
    return float(np.mean(f1 if mask is None else f1[mask]))


def _tune_weights(proba: np.ndarray, y_idx: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
    """Per-class multipliers of the probabilities that maximise macro-F1 (over ``mask``), by coordinate ascent."""
    k = proba.shape[1]
    weights = np.ones(k)

    def score(w):
        return _macro_f1(y_idx, np.argmax(proba * w, axis=1), k, mask)

    best = score(weights)
    for _ in range(3):
        improved = False
        for c in range(k):
            for v in _WEIGHT_GRID:
                trial = weights.copy()
                trial[c] = v
                s = score(trial)
                if s > best + 1e-6:
                    best, weights, improved = s, trial, True
        if not improved:
            break
    return weights / weights.max()
