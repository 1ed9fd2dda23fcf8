"""The one scoring core: features to scores, probabilities, decisions and evidence.

:class:`ScoringCore` is the only code that turns a paragraph's features into
topic probabilities, calibrated stance probabilities, decisions and evidence.
The estimators' ``predict_proba``/``predict``/``explain``
(:class:`~stance.estimators.linear.TopicClassifier`, :class:`~stance.estimators.linear.StanceClassifier`)
and :meth:`stance.StanceModel.classify` all delegate to it; they differ only in
where the feature rows come from:

- a :class:`~stance.features.compiled.CompiledFeatures` (numpy and optional C loops, exact TF-IDF of the
  fitted union), which is what a loaded model uses: ``load_model()`` needs
  neither scikit-learn nor scipy;
- the fitted scikit-learn union itself (plus hashed target crosses for a stance
  head fitted with targets), for settings the compiled transform does not cover.

One more feature block (for example word vectors) is one more column range of
the rows a feature source returns. Probabilities are computed in float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ..features.compiled import CompiledFeatures, SparseRows
from ..features.vectors import PooledVectors, WordVectorFeatures, same_vectors

__all__ = [
    "DECISION_METRICS",
    "Evidence",
    "HEAD_DESIGNS",
    "Predictor",
    "ScoringCore",
    "TARGET_DESIGNS",
    "VECTOR_ARRAYS",
    "as_rows",
    "effective_class_weights",
    "same_features",
    "same_vector_parts",
    "stance_head",
    "stance_head_names",
    "topic_head",
    "vectors_from_part",
    "with_word_vectors",
]

#: Head designs of a stance classifier: one-vs-rest, or side-taking then side (see ``StanceClassifier``).
HEAD_DESIGNS = ("ovr", "two_stage")
#: How a stance classifier fitted with targets conditions on them: shared + per-target copies of the
#: text features ("augment"), or hashed target x word crosses ("hash", the design before 1.1).
TARGET_DESIGNS = ("augment", "hash")
#: What a stance classifier's decision weights maximise: "macro_f1" (every label), "f_avg" (mean F1 of
#: every label but the neutral one, the SemEval-2016 measure), "auto" (f_avg with targets, else macro_f1).
DECISION_METRICS = ("auto", "macro_f1", "f_avg")
#: Decimal places of every probability and evidence weight reported.
ROUND_DIGITS = 4


@dataclass(frozen=True)
class Evidence:
    """A word n-gram that pushed a decision, with its contribution (tf-idf x weight)."""

    term: str
    weight: float
    label: str


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def as_rows(A) -> SparseRows:
    """Feature rows as :class:`SparseRows` (from a SparseRows or any scipy sparse matrix)."""
    if isinstance(A, SparseRows):
        return A
    A = A.tocsr()
    return SparseRows(A.indptr.astype(np.int64), A.indices.astype(np.int64), A.data, A.shape)


class ScoringCore:
    """Topic and/or stance heads over one source of feature rows.

    Parameters
    ----------
    features : object
        ``transform_rows(texts)`` (or ``transform_rows(texts, targets)``) giving
        :class:`SparseRows`, ``n_word`` (the first ``n_word`` columns are word
        n-grams, the only ones reported as evidence) and ``word_term(column)``.
    topics : list of str or None
        ``None`` for a core without topic heads.
    topic_coef : ndarray of shape (n_topics, n_features)
    topic_intercept, thresholds : ndarray of shape (n_topics,)
    stances : list of str or None
        ``None`` for a core without a stance head.
    stance_coef : ndarray of shape (n_heads, n_features)
    stance_intercept : ndarray of shape (n_heads,)
    calibrator_coef : ndarray of shape (1 or n_stances, n_heads)
    calibrator_intercept : ndarray
    decision_weights : ndarray of shape (n_stances,)
    """

    def __init__(self, *, features, topics=None, topic_coef=None, topic_intercept=None, thresholds=None,
                 stances=None, stance_coef=None, stance_intercept=None, calibrator_coef=None,
                 calibrator_intercept=None, decision_weights=None):
        self.features = features
        self.topics = None if topics is None else [str(t) for t in topics]
        self.stances = None if stances is None else [str(s) for s in stances]
        self.n_topics = 0 if topics is None else len(self.topics)
        blocks = []
        if topics is not None:
            self.topic_coef = np.asarray(topic_coef, dtype=np.float32)
            self.topic_intercept = np.asarray(topic_intercept, dtype=np.float64)
            self.thresholds = np.asarray(thresholds, dtype=np.float64)
            blocks.append(self.topic_coef)
        if stances is not None:
            self.stance_coef = np.asarray(stance_coef, dtype=np.float32)
            self.stance_intercept = np.asarray(stance_intercept, dtype=np.float64)
            self.calibrator_coef = np.asarray(calibrator_coef, dtype=np.float64)
            self.calibrator_intercept = np.asarray(calibrator_intercept, dtype=np.float64)
            self.decision_weights = np.asarray(decision_weights, dtype=np.float64)
            blocks.append(self.stance_coef)
        # every head's weights as the columns of one float64 matrix: one product scores a batch, summed
        # in float64 whatever the feature source (so the compiled and scikit-learn paths agree to 1e-7)
        self.weights = np.ascontiguousarray(np.vstack(blocks).T, dtype=np.float64)
        self._explain_weights = None
        self._terms = _TermCache(features.word_term)

    # -- building ---------------------------------------------------------------------------
    @classmethod
    def from_estimators(cls, topic_classifier, stance_classifier) -> ScoringCore | None:
        """One core for both fitted estimators when they share compilable features and the stance head
        uses no targets; ``None`` otherwise (each estimator then scores with its own core)."""
        tc, sc = topic_classifier, stance_classifier
        if getattr(sc, "uses_targets_", False) or not same_features(tc.features_, sc.features_):
            return None
        table = getattr(tc, "word_vectors_", None)
        if not same_vectors(table, getattr(sc, "word_vectors_", None)) or (
                table is not None and (tc.word_vector_weight != sc.word_vector_weight
                                       or _block_mode(tc) != _block_mode(sc))):
            return None
        try:
            features = CompiledFeatures.from_union(tc.features_)
        except ValueError:
            return None
        features = with_word_vectors(features, table, getattr(tc, "word_vector_weight", None), _block_mode(tc))
        return cls(features=features, **topic_head(tc), **stance_head(sc))

    @classmethod
    def from_parts(cls, features: CompiledFeatures, topic_meta: dict, topic_arrays: dict, stance_meta: dict,
                   stance_arrays: dict) -> ScoringCore:
        """Build from compiled features and the JSON and arrays of a safe-format model's parts (the word-vector
        block of the topic part, if any, is added: the caller checks both parts hold the same one)."""
        features = with_word_vectors(features, vectors_from_part(topic_meta, topic_arrays),
                                     topic_meta["params"].get("word_vector_weight"),
                                     topic_meta["params"].get("word_vector_features", "pooled"))
        return cls(features=features, topics=topic_meta["classes"], topic_coef=topic_arrays["coef"],
                   topic_intercept=topic_arrays["intercept"], thresholds=topic_arrays["thresholds"],
                   stances=stance_meta["classes"], stance_coef=stance_arrays["coef"],
                   stance_intercept=stance_arrays["intercept"], calibrator_coef=stance_arrays["calibrator_coef"],
                   calibrator_intercept=stance_arrays["calibrator_intercept"],
                   decision_weights=stance_arrays["decision_weights"])

    @classmethod
    def from_safe_parts(cls, topic_meta: dict, topic_arrays: dict, stance_meta: dict,
                        stance_arrays: dict) -> ScoringCore | None:
        """Build from a v1 safe-format model's parts (vocabularies compiled here; ``None`` if not servable)."""
        if stance_meta.get("uses_targets") or topic_meta["vocabularies"] != stance_meta["vocabularies"]:
            return None
        if not same_vector_parts(topic_meta, topic_arrays, stance_meta, stance_arrays):
            return None
        for name in topic_meta["vocabularies"]:
            if not np.array_equal(topic_arrays[f"idf_{name}"], stance_arrays[f"idf_{name}"]):
                return None
        params = topic_meta["params"]
        vocab = topic_meta["vocabularies"]
        char = params.get("char_ngram_range")
        try:
            features = CompiledFeatures(
                word_vocabulary=vocab["word"], word_idf=topic_arrays["idf_word"],
                word_ngram_range=tuple(params["word_ngram_range"]),
                char_vocabulary=vocab.get("char"), char_idf=topic_arrays.get("idf_char"),
                char_ngram_range=tuple(char) if char else None, binary=params.get("binary") is True,
            )
        except ValueError:
            return None
        return cls.from_parts(features, topic_meta, topic_arrays, stance_meta, stance_arrays)

    # -- scoring -------------------------------------------------------------------------------
    def transform(self, texts: Sequence[str], targets=None) -> SparseRows:
        """The feature rows of ``texts``."""
        if targets is None:
            return self.features.transform_rows(texts)
        return self.features.transform_rows(texts, targets)

    def raw(self, X: SparseRows) -> np.ndarray:
        """Every head's linear score (before intercepts), float64, shape (n_rows, n_heads)."""
        return X.dot(self.weights).astype(np.float64)

    def topic_proba(self, raw: np.ndarray) -> np.ndarray:
        """Per-topic probabilities from :meth:`raw` scores."""
        return _sigmoid(raw[:, : self.n_topics] + self.topic_intercept)

    def stance_proba(self, raw: np.ndarray) -> np.ndarray:
        """Calibrated stance probabilities from :meth:`raw` scores (rows sum to 1)."""
        scores = raw[:, self.n_topics :] + self.stance_intercept
        z = scores @ self.calibrator_coef.T + self.calibrator_intercept
        if z.shape[1] == 1:
            p = _sigmoid(z[:, 0])
            return np.column_stack([1.0 - p, p])
        return _softmax(z)

    def decide(self, stance_proba: np.ndarray) -> np.ndarray:
        """Stance indices from probabilities and the tuned decision weights."""
        return np.argmax(stance_proba * self.decision_weights, axis=1)

    def score(self, texts: Sequence[str], targets=None) -> tuple[SparseRows, np.ndarray | None, np.ndarray | None]:
        """Features, topic probabilities and calibrated stance probabilities of ``texts`` (``None`` for a head
        this core lacks)."""
        X = self.transform(texts, targets)
        raw = self.raw(X)
        return (X, self.topic_proba(raw) if self.topics is not None else None,
                self.stance_proba(raw) if self.stances is not None else None)

    # -- evidence -------------------------------------------------------------------------------
    def explain_weights(self) -> np.ndarray:
        """Evidence weights, shape (n_topics + n_stances, n_features): topic heads, then each stance's
        effective weight behind the calibrator (see :func:`effective_class_weights`). Built on first use."""
        if self._explain_weights is None:
            blocks = []
            if self.topics is not None:
                blocks.append(self.topic_coef.astype(np.float64))
            if self.stances is not None:
                blocks.append(effective_class_weights(self.stance_coef, self.calibrator_coef))
            self._explain_weights = np.vstack(blocks)
        return self._explain_weights

    def evidence(self, X: SparseRows, rows: np.ndarray, columns: np.ndarray, k: int) -> list[list[tuple[str, float]]]:
        """For each request (``rows[i]``, ``columns[i]``), the ``k`` word n-grams of that row whose
        tf-idf x weight is largest (positive ones only), largest first, weights rounded to 4 places.

        ``columns`` index the rows of :meth:`explain_weights` (topics first, then stances). All requests of a batch
        are answered with one gather and, for up to 8 terms, a few linear passes (no sort); see :meth:`top_terms`.
        """
        out: list[list[tuple[str, float]]] = [[] for _ in range(len(rows))]
        for r, term, w in zip(*self.top_terms(X, rows, columns, k)):
            out[r].append((term, w))
        return out

    def top_terms(self, X: SparseRows, rows: np.ndarray, columns: np.ndarray,
                  k: int) -> tuple[list[int], list[str], list[float]]:
        """What :meth:`evidence` reports, flat: ``(request, term, weight)`` lists, request by request, each
        request's terms largest first (``request`` indexes ``rows``)."""
        rows = np.asarray(rows, dtype=np.int64)
        columns = np.asarray(columns, dtype=np.int64)
        n_req = len(rows)
        if n_req == 0 or k <= 0:
            return [], [], []
        X = X.word_rows() if hasattr(X, "word_rows") else X  # only word n-grams are evidence
        starts, ends = X.indptr[rows], X.indptr[rows + 1]
        lengths = ends - starts
        total = int(lengths.sum())
        req = np.repeat(np.arange(n_req), lengths)
        pos = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(total)
        idx = X.indices[pos]
        word = idx < self.features.n_word
        if not word.all():
            req, idx, pos = req[word], idx[word], pos[word]
        if not len(idx):
            return [], [], []
        weights = self.explain_weights()  # C-ordered: one flat gather instead of a 2-d fancy index
        contrib = X.data[pos].astype(np.float64) * weights.ravel().take(columns[req] * weights.shape[1] + idx)
        keep = np.flatnonzero(contrib > 0)  # positions and take: several times faster than a boolean mask
        req, idx, contrib = req.take(keep), idx.take(keep), contrib.take(keep)
        if not len(req):
            return [], [], []
        top = _top_k_per_group(req, contrib, k)
        top = top[np.argsort(req[top], kind="stable")]  # request by request, each in rank order
        terms = list(map(self._terms.__getitem__, idx[top].tolist()))
        return req[top].tolist(), terms, np.round(contrib[top], ROUND_DIGITS).tolist()


class _TermCache(dict):
    """Word column -> its n-gram, looked up once through ``word_term`` and remembered (evidence names the
    same terms again and again)."""

    def __init__(self, word_term):
        super().__init__()
        self.word_term = word_term

    def __missing__(self, column: int) -> str:
        term = self[column] = self.word_term(column)
        return term


#: Up to this many evidence terms per request, they are picked by rounds of a segmented maximum, else by a sort.
_TOP_K_ROUNDS = 8


def _top_k_per_group(group: np.ndarray, value: np.ndarray, k: int) -> np.ndarray:
    """Positions of the ``k`` largest positive ``value`` of each run of equal ``group`` (sorted), largest first,
    ties in position order: what a stable sort by (group, -value) keeps, rank after rank.

    For a small ``k``, ``k`` rounds of a segmented maximum (linear, no sort); the result is in rank order
    (every group's first, then every group's second...), which keeps each group's own order.
    """
    if k > _TOP_K_ROUNDS:
        order = np.lexsort((-value, group))
        order = order[value[order] > 0]
        ordered = group[order]
        rank = np.arange(len(order)) - np.searchsorted(ordered, ordered)
        return order[rank < k]
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, len(group))))
    left = value.copy()
    picks = []
    for _ in range(k):
        best = np.maximum.reduceat(left, starts)[owner]
        hit = np.flatnonzero((left == best) & (best > 0))
        if not len(hit):
            break
        hit = hit[np.concatenate([[True], owner[hit][1:] != owner[hit][:-1]])]  # the first of each group
        picks.append(hit)
        left[hit] = 0.0
    return np.concatenate(picks) if picks else np.empty(0, dtype=np.int64)


def _block_mode(estimator) -> str:
    """What an estimator's word-vector block holds (``"pooled"`` for estimators from before the choice)."""
    return getattr(estimator, "word_vector_features", "pooled")


def with_word_vectors(features, table: PooledVectors | None, weight: float | None, mode: str = "pooled"):
    """The feature source ``features`` with the word-vector block (``mode``, see
    :meth:`~stance.features.vectors.PooledVectors.block`) after its columns (itself without a table): the
    one place the block enters the scoring core's rows."""
    return features if table is None else WordVectorFeatures(features, table, weight, mode)


#: Arrays of the word-vector table in a safe-format part.
VECTOR_ARRAYS = ("word_vectors", "word_vector_weights")


def vectors_from_part(meta: dict, arrays: dict) -> PooledVectors | None:
    """The word-vector table of a (validated) safe-format part, or ``None`` if it has none."""
    if meta.get("word_vectors") is None:
        return None
    return PooledVectors(meta["word_vectors"], arrays["word_vectors"].astype(np.float32),
                         arrays["word_vector_weights"], arrays.get("word_clusters"))


def same_vector_parts(topic_meta: dict, topic_arrays: dict, stance_meta: dict, stance_arrays: dict) -> bool:
    """Whether two safe-format parts hold the same word-vector block (same table and weight, or none)."""
    if topic_meta.get("word_vectors") is None and stance_meta.get("word_vectors") is None:
        return True
    return (topic_meta.get("word_vectors") == stance_meta.get("word_vectors")
            and topic_meta["params"].get("word_vector_weight") == stance_meta["params"].get("word_vector_weight")
            and (topic_meta["params"].get("word_vector_features", "pooled")
                 == stance_meta["params"].get("word_vector_features", "pooled"))
            and ("word_clusters" in topic_arrays) == ("word_clusters" in stance_arrays)
            and ("word_clusters" not in topic_arrays
                 or np.array_equal(topic_arrays["word_clusters"], stance_arrays["word_clusters"]))
            and all(np.array_equal(topic_arrays[k], stance_arrays[k]) for k in VECTOR_ARRAYS))


#: The numpy-only core a loaded model classifies with (the name of earlier versions).
Predictor = ScoringCore


def topic_head(tc) -> dict:
    """The :class:`ScoringCore` arguments of a fitted TopicClassifier's heads."""
    return dict(topics=tc.classes_, topic_coef=tc.coef_, topic_intercept=tc.intercept_, thresholds=tc.thresholds_)


def stance_head(sc) -> dict:
    """The :class:`ScoringCore` arguments of a fitted StanceClassifier's heads."""
    return dict(stances=sc.classes_, stance_coef=sc.coef_, stance_intercept=sc.intercept_,
                calibrator_coef=sc.calibrator_.coef_, calibrator_intercept=sc.calibrator_.intercept_,
                decision_weights=sc.decision_weights_)


def same_features(a, b) -> bool:
    """Whether two fitted feature unions compute the same matrix (same blocks, parameters, vocabularies, idf)."""
    if a is b:
        return True
    blocks_a, blocks_b = a.transformer_list, b.transformer_list
    if [n for n, _ in blocks_a] != [n for n, _ in blocks_b]:
        return False
    for (_, va), (_, vb) in zip(blocks_a, blocks_b):
        if repr(va.get_params()) != repr(vb.get_params()) or va.vocabulary_ != vb.vocabulary_:
            return False
        if not np.array_equal(va.idf_, vb.idf_):
            return False
    return True


def effective_class_weights(coef: np.ndarray, calibrator_coef: np.ndarray) -> np.ndarray:
    """Per-class linear weights on the features of heads ``coef`` behind a linear calibrator.

    A binary calibrator (one row) gives ``[-w, w]``; a multinomial one gives
    ``calibrator_coef @ coef`` centred over the classes.
    """
    w = np.asarray(calibrator_coef, dtype=np.float64) @ np.asarray(coef, dtype=np.float64)
    if w.shape[0] == 1:
        return np.vstack([-w[0], w[0]])
    return w - w.mean(axis=0)


def stance_head_names(classes: Sequence[str], heads: str = "ovr",
                      neutral_label: str = "none") -> list[str]:
    """What each row of a :class:`StanceClassifier`'s ``coef_`` scores, for its labels and head design.

    Examples
    --------
    >>> stance_head_names(["against", "favor", "none"], "ovr")
    ['against', 'favor', 'none']
    >>> stance_head_names(["against", "favor", "none"], "two_stage")
    ['sided', 'favor']
    >>> stance_head_names(["no", "yes"], "ovr")
    ['yes']
    """
    classes = [str(c) for c in classes]
    if heads == "ovr":
        return classes[1:] if len(classes) == 2 else classes
    sided = [c for c in classes if c != neutral_label]
    return ["sided"] + (sided[1:] if len(sided) == 2 else sided)
