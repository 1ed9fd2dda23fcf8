"""Metrics: topic micro/macro-F1, stance macro-F1, F_avg, confusion matrices, FNC-1 score.

Examples
--------
>>> f_avg(["favor", "against", "none"], ["favor", "none", "none"])
0.5
>>> fnc_score(["agree", "unrelated"], ["agree", "unrelated"])
1.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

__all__ = [
    "FNC_LABELS",
    "evaluate_by_group",
    "evaluate_model",
    "evaluate_predictions",
    "f_avg",
    "fnc_score",
]

#: FNC-1 labels; the first three are "related".
FNC_LABELS = ("agree", "disagree", "discuss", "unrelated")


def f_avg(y_true: Sequence[str], y_pred: Sequence[str], *, labels: Sequence[str] = ("favor", "against")) -> float:
    """Mean F1 of the ``labels`` classes (SemEval-2016 Task 6's F_avg, as a fraction).

    Parameters
    ----------
    y_true, y_pred : sequence of str
    labels : sequence of str, default=("favor", "against")

    Returns
    -------
    float

    Examples
    --------
    >>> f_avg(["favor", "against"], ["favor", "favor"])  # F1 favor 2/3, against 0
    0.3333333333333333
    """
    scores = f1_score(list(y_true), list(y_pred), labels=list(labels), average=None, zero_division=0)
    return float(np.mean(scores))


def fnc_score(y_true: Sequence[str], y_pred: Sequence[str], *, relative: bool = True) -> float:
    """The FNC-1 competition score.

    0.25 for each pair whose related/unrelated decision is right, plus 0.75
    for each related pair (agree/disagree/discuss) given its exact label.

    Parameters
    ----------
    y_true, y_pred : sequence of str
        Labels from :data:`FNC_LABELS`.
    relative : bool, default=True
        Return the score as a fraction of the best possible score; ``False``
        returns the raw points.

    Returns
    -------
    float

    Examples
    --------
    >>> fnc_score(["agree", "discuss", "unrelated"], ["discuss", "discuss", "agree"], relative=False)
    1.25
    """
    y_true, y_pred = list(y_true), list(y_pred)
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true and y_pred must have the same length, got {len(y_true)} and {len(y_pred)}")
    for name, ys in (("y_true", y_true), ("y_pred", y_pred)):
        bad = sorted({y for y in ys if y not in FNC_LABELS})
        if bad:
            raise ValueError(f"{name} labels must be in {FNC_LABELS!r}, got {bad!r}")
    score = best = 0.0
    for t, p in zip(y_true, y_pred):
        related_t, related_p = t != "unrelated", p != "unrelated"
        if related_t == related_p:
            score += 0.25
        if related_t and t == p:
            score += 0.75
        best += 1.0 if related_t else 0.25
    if not relative:
        return score
    return score / best if best else 0.0


def evaluate_predictions(
    Y_true: np.ndarray,
    Y_pred: np.ndarray,
    s_true: Sequence[str],
    s_pred: Sequence[str],
    *,
    topics: Sequence[str],
    stances: Sequence[str],
) -> dict:
    """All topic and stance metrics of a set of predictions, JSON-ready.

    Parameters
    ----------
    Y_true, Y_pred : ndarray of shape (n, n_topics)
        Topic indicator matrices.
    s_true, s_pred : sequence of str
        Stances.
    topics, stances : sequence of str
        Label orders (columns of ``Y``; rows/columns of the confusion matrix).

    Returns
    -------
    dict
        ``topic_micro_f1``, ``topic_macro_f1``, ``topics`` (per-topic precision,
        recall, F1, support), ``stance_macro_f1``, ``stance_f_avg`` (mean F1 of
        favor and against, when the label set has them), ``stances`` (per class),
        ``confusion`` (rows true, columns predicted, in ``stances`` order), ``n``.
    """
    Y_true, Y_pred = np.asarray(Y_true, dtype=bool), np.asarray(Y_pred, dtype=bool)
    s_true, s_pred = list(s_true), list(s_pred)
    p, r, f, support = precision_recall_fscore_support(Y_true, Y_pred, average=None, zero_division=0)
    per_topic = {
        t: {"precision": round(float(p[j]), 4), "recall": round(float(r[j]), 4), "f1": round(float(f[j]), 4),
            "support": int(support[j])}
        for j, t in enumerate(topics)
    }
    sp_, sr, sf, ssup = precision_recall_fscore_support(s_true, s_pred, labels=list(stances), average=None,
                                                        zero_division=0)
    per_stance = {
        s: {"precision": round(float(sp_[j]), 4), "recall": round(float(sr[j]), 4), "f1": round(float(sf[j]), 4),
            "support": int(ssup[j])}
        for j, s in enumerate(stances)
    }
    polar = [s for s in ("favor", "against") if s in stances]
    return {
        "n": len(s_true),
        "topic_micro_f1": round(float(f1_score(Y_true, Y_pred, average="micro", zero_division=0)), 4),
        "topic_macro_f1": round(float(f1_score(Y_true, Y_pred, average="macro", zero_division=0)), 4),
        "topics": per_topic,
        "stance_macro_f1": round(float(f1_score(s_true, s_pred, labels=list(stances), average="macro",
                                                zero_division=0)), 4),
        "stance_f_avg": round(f_avg(s_true, s_pred, labels=polar), 4) if polar else None,
        "stances": per_stance,
        "confusion": {
            "labels": list(stances),
            "matrix": confusion_matrix(s_true, s_pred, labels=list(stances)).tolist(),
        },
    }


def evaluate_by_group(
    Y_true: np.ndarray,
    Y_pred: np.ndarray,
    s_true: Sequence[str],
    s_pred: Sequence[str],
    groups: Sequence,
    *,
    topics: Sequence[str],
    stances: Sequence[str],
) -> dict:
    """Topic and stance metrics within each group (e.g. each source), JSON-ready.

    Within a group, stance macro-F1 averages over the stances that occur in the
    group's true labels (a source with no ``against`` paragraph is not scored on
    ``against``), and the recall of each side (``favor``, ``against``) is given
    where the group has one.

    Returns
    -------
    dict
        ``{group: {"n", "topic_micro_f1", "stance_macro_f1", "stance_accuracy",
        "recall": {stance: recall}, "support": {stance: count}, "confusion"}}``,
        groups in sorted order.

    Examples
    --------
    >>> Y = np.array([[1], [0], [1], [1]], dtype=bool)
    >>> out = evaluate_by_group(Y, Y, ["favor", "none", "against", "against"], ["favor", "none", "none", "against"],
    ...                         ["a", "a", "b", "b"], topics=["t"], stances=["favor", "against", "none"])
    >>> out["a"]["stance_macro_f1"], out["b"]["recall"]
    (1.0, {'against': 0.5})
    """
    Y_true, Y_pred = np.asarray(Y_true, dtype=bool), np.asarray(Y_pred, dtype=bool)
    s_true, s_pred = np.asarray(list(s_true), dtype=object), np.asarray(list(s_pred), dtype=object)
    groups = np.asarray([str(g) for g in groups], dtype=object)
    out = {}
    for g in sorted(set(groups)):
        m = groups == g
        present = [s for s in stances if np.any(s_true[m] == s)]
        recall = {}
        for s in ("favor", "against"):
            if s in present:
                recall[s] = round(float(np.mean(s_pred[m][s_true[m] == s] == s)), 4)
        out[g] = {
            "n": int(m.sum()),
            "topic_micro_f1": round(float(f1_score(Y_true[m], Y_pred[m], average="micro", zero_division=0)), 4),
            "stance_macro_f1": round(float(f1_score(list(s_true[m]), list(s_pred[m]), labels=present,
                                                    average="macro", zero_division=0)), 4),
            "stance_accuracy": round(float(np.mean(s_true[m] == s_pred[m])), 4),
            "recall": recall,
            "support": {s: int(np.sum(s_true[m] == s)) for s in stances},
            "confusion": confusion_matrix(list(s_true[m]), list(s_pred[m]), labels=list(stances)).tolist(),
        }
    return out


def evaluate_model(model, data) -> dict:
    """Score a :class:`~stance.model.stance_model.StanceModel` on :class:`~stance.datasets.domain.LabelledData`.

    Topics or stances of the data that the model does not know are errors
    (:class:`~stance.exceptions.LabelError`).
    """
    from .exceptions import LabelError
    from .estimators.linear import topics_to_indicator

    unknown = sorted({s for s in data.stances if s not in model.stances})
    if unknown:
        raise LabelError(f"'stance' must be one of {tuple(model.stances)!r}, got {unknown[0]!r} in the evaluation data")
    results = model.classify(data.texts, targets=data.targets if data.has_targets else None, evidence=0)
    Y_true = topics_to_indicator(data.topics, model.topics)
    Y_pred = topics_to_indicator([r.topics for r in results], model.topics)
    return evaluate_predictions(Y_true, Y_pred, data.stances, [r.stance for r in results],
                                topics=model.topics, stances=model.stances)
