"""Scoring paragraphs with a fitted model in numpy alone: one feature pass, one product for every head.

:class:`Predictor` holds what classification needs from a fitted
:class:`~stance.estimators.linear.TopicClassifier` and :class:`~stance.estimators.linear.StanceClassifier`
trained on the same features: the compiled TF-IDF tables, one weight matrix
whose columns are all topic heads and all stance heads, the thresholds, the
stance calibrator and decision weights. It is built from fitted estimators or
straight from a safe-format model directory, without importing scikit-learn
or scipy, which keeps ``stance.load_model().classify(...)`` fast from a cold start.
Its arithmetic follows the estimators' (tested to float32 rounding).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..features.compiled import CompiledFeatures, SparseRows

__all__ = ["DECISION_METRICS", "HEAD_DESIGNS", "Predictor", "TARGET_DESIGNS", "effective_class_weights",
           "stance_head_names"]

#: Head designs of a stance classifier: one-vs-rest, or side-taking then side (see ``StanceClassifier``).
HEAD_DESIGNS = ("ovr", "two_stage")
#: How a stance classifier fitted with targets conditions on them: shared + per-target copies of the
#: text features ("augment"), or hashed target x word crosses ("hash", the design before 1.1).
TARGET_DESIGNS = ("augment", "hash")
#: What a stance classifier's decision weights maximise: "macro_f1" (every label), "f_avg" (mean F1 of
#: every label but the neutral one, the SemEval-2016 measure), "auto" (f_avg with targets, else macro_f1).
DECISION_METRICS = ("auto", "macro_f1", "f_avg")


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class Predictor:
    """Topic probabilities, stance probabilities and evidence for raw paragraphs.

    Parameters
    ----------
    features : CompiledFeatures
    topics : list of str
    topic_coef : ndarray of shape (n_topics, n_features)
    topic_intercept, thresholds : ndarray of shape (n_topics,)
    stances : list of str
    stance_coef : ndarray of shape (n_heads, n_features)
        One head for two labels, else one per label (one-vs-rest).
    stance_intercept : ndarray of shape (n_heads,)
    calibrator_coef : ndarray of shape (1 or n_stances, n_heads)
    calibrator_intercept : ndarray
    decision_weights : ndarray of shape (n_stances,)
    """

    def __init__(self, *, features: CompiledFeatures, topics, topic_coef, topic_intercept, thresholds, stances,
                 stance_coef, stance_intercept, calibrator_coef, calibrator_intercept, decision_weights):
        self.features = features
        self.topics = [str(t) for t in topics]
        self.stances = [str(s) for s in stances]
        self.n_topics = len(self.topics)
        self.weights = np.ascontiguousarray(np.vstack([topic_coef, stance_coef]).T.astype(np.float32))
        self.topic_intercept = np.asarray(topic_intercept, dtype=np.float64)
        self.thresholds = np.asarray(thresholds, dtype=np.float64)
        self.stance_coef = np.asarray(stance_coef, dtype=np.float32)
        self.stance_intercept = np.asarray(stance_intercept, dtype=np.float64)
        self.calibrator_coef = np.asarray(calibrator_coef, dtype=np.float64)
        self.calibrator_intercept = np.asarray(calibrator_intercept, dtype=np.float64)
        self.decision_weights = np.asarray(decision_weights, dtype=np.float64)
        self.stance_explain = effective_class_weights(self.stance_coef, self.calibrator_coef)
        self.topic_coef = np.asarray(topic_coef, dtype=np.float32)

    @classmethod
    def from_estimators(cls, topic_classifier, stance_classifier) -> Predictor | None:
        """Build from fitted estimators that share their features; ``None`` when they cannot be served here.

        The fast path needs the same TF-IDF features in both heads and a stance
        model without target features.
        """
        tc, sc = topic_classifier, stance_classifier
        if getattr(sc, "uses_targets_", False) or not same_features(tc.features_, sc.features_):
            return None
        try:
            features = CompiledFeatures.from_union(tc.features_)
        except ValueError:
            return None
        return cls(features=features, topics=tc.classes_, topic_coef=tc.coef_, topic_intercept=tc.intercept_,
                   thresholds=tc.thresholds_, stances=sc.classes_, stance_coef=sc.coef_,
                   stance_intercept=sc.intercept_, calibrator_coef=sc.calibrator_.coef_,
                   calibrator_intercept=sc.calibrator_.intercept_, decision_weights=sc.decision_weights_)

    @classmethod
    def from_safe_parts(cls, topic_meta: dict, topic_arrays: dict, stance_meta: dict,
                        stance_arrays: dict) -> Predictor | None:
        """Build from the JSON and arrays of a safe-format model directory (``None`` if not servable)."""
        if stance_meta.get("uses_targets") or topic_meta["vocabularies"] != stance_meta["vocabularies"]:
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
                char_ngram_range=tuple(char) if char else None,
            )
        except ValueError:
            return None
        return cls(features=features, topics=topic_meta["classes"], topic_coef=topic_arrays["coef"],
                   topic_intercept=topic_arrays["intercept"], thresholds=topic_arrays["thresholds"],
                   stances=stance_meta["classes"], stance_coef=stance_arrays["coef"],
                   stance_intercept=stance_arrays["intercept"], calibrator_coef=stance_arrays["calibrator_coef"],
                   calibrator_intercept=stance_arrays["calibrator_intercept"],
                   decision_weights=stance_arrays["decision_weights"])

    def score(self, texts: Sequence[str]) -> tuple[SparseRows, np.ndarray, np.ndarray]:
        """Features, topic probabilities and calibrated stance probabilities of ``texts``."""
        X = self.features.transform_rows(texts)
        raw = X.dot(self.weights)
        topic_proba = _sigmoid(raw[:, : self.n_topics] + self.topic_intercept)
        stance_scores = raw[:, self.n_topics :] + self.stance_intercept
        z = stance_scores @ self.calibrator_coef.T + self.calibrator_intercept
        if z.shape[1] == 1:
            p = _sigmoid(z[:, 0])
            stance_proba = np.column_stack([1.0 - p, p])
        else:
            stance_proba = _softmax(z)
        return X, topic_proba, stance_proba

    def decide(self, stance_proba: np.ndarray) -> np.ndarray:
        """Stance indices from probabilities and the tuned decision weights."""
        return np.argmax(stance_proba * self.decision_weights, axis=1)

    def evidence(self, X: SparseRows, row: int, weights: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` word n-grams of one row whose tf-idf x weight is largest (positive ones only)."""
        lo, hi = X.indptr[row], X.indptr[row + 1]
        idx, vals = X.indices[lo:hi], X.data[lo:hi]
        keep = idx < self.features.n_word
        idx, vals = idx[keep], vals[keep]
        if idx.size == 0:
            return []
        contrib = vals * weights[idx]
        order = np.argsort(-contrib)[:k]
        vocab = self.features.word_vocabulary
        return [(vocab[idx[o]], round(float(contrib[o]), 4)) for o in order if contrib[o] > 0]


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
