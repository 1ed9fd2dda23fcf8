"""Tests of stance.evaluation against small hand-computed cases."""

from __future__ import annotations

import json

import numpy as np
import pytest

from stance.datasets.domain import LabelledData
from stance.evaluation import FNC_LABELS, evaluate_model, evaluate_predictions, f_avg, fnc_score
from stance.exceptions import LabelError

# --------------------------------------------------------------------------- f_avg


def test_f_avg_hand_computed():
    y_true = ["favor", "favor", "favor", "against", "against", "none"]
    y_pred = ["favor", "favor", "none", "favor", "against", "against"]
    # favor:   TP=2 (0,1), FP=1 (3), FN=1 (2)  -> P=2/3, R=2/3, F1=2/3
    # against: TP=1 (4),   FP=1 (5), FN=1 (3)  -> P=1/2, R=1/2, F1=1/2
    # F_avg = (2/3 + 1/2) / 2 = 7/12
    assert f_avg(y_true, y_pred) == pytest.approx(7 / 12)


def test_f_avg_ignores_none_class_agreement():
    # Only favor/against F1 count: "none" right or wrong changes nothing if favor/against
    # counts are unchanged. Both: favor F1 = 1, against F1 = 1 -> 1.0
    assert f_avg(["favor", "against", "none"], ["favor", "against", "none"]) == 1.0
    assert f_avg(["favor", "against", "none", "none"], ["favor", "against", "none", "none"]) == 1.0


def test_f_avg_docstring_case():
    # favor: TP=1, FP=0, FN=0 -> 1; against: TP=0, FN=1 -> 0; mean 0.5
    assert f_avg(["favor", "against", "none"], ["favor", "none", "none"]) == 0.5
    # favor: TP=1, FP=1 -> P=1/2, R=1, F1=2/3; against: 0 -> mean 1/3
    assert f_avg(["favor", "against"], ["favor", "favor"]) == pytest.approx(1 / 3)


def test_f_avg_absent_class_counts_as_zero():
    # against never true nor predicted: F1 defined as 0 (zero_division=0) -> (1 + 0) / 2
    assert f_avg(["favor", "none"], ["favor", "none"]) == 0.5


def test_f_avg_custom_labels():
    y_true = ["favor", "favor", "favor", "against", "against", "none"]
    y_pred = ["favor", "favor", "none", "favor", "against", "against"]
    assert f_avg(y_true, y_pred, labels=("favor",)) == pytest.approx(2 / 3)
    # none: TP=0, FP=1 (2), FN=1 (5) -> 0
    assert f_avg(y_true, y_pred, labels=("none",)) == 0.0
    assert isinstance(f_avg(y_true, y_pred), float)


# --------------------------------------------------------------------------- fnc_score


def test_fnc_score_hand_computed():
    y_true = ["agree", "disagree", "discuss", "unrelated", "unrelated", "agree"]
    y_pred = ["agree", "agree", "unrelated", "unrelated", "discuss", "agree"]
    # 1: related/related +0.25, exact +0.75      = 1.00   (best 1.00)
    # 2: related/related +0.25, wrong label      = 0.25   (best 1.00)
    # 3: related/unrelated                       = 0      (best 1.00)
    # 4: unrelated/unrelated +0.25               = 0.25   (best 0.25)
    # 5: unrelated/related                       = 0      (best 0.25)
    # 6: exact related                           = 1.00   (best 1.00)
    # raw = 2.5, best = 4.5, relative = 2.5 / 4.5 = 5/9
    assert fnc_score(y_true, y_pred, relative=False) == pytest.approx(2.5)
    assert fnc_score(y_true, y_pred) == pytest.approx(5 / 9)


def test_fnc_score_docstring_case():
    # agree->discuss 0.25; discuss->discuss 1.0; unrelated->agree 0 -> 1.25 of 2.25
    y_true, y_pred = ["agree", "discuss", "unrelated"], ["discuss", "discuss", "agree"]
    assert fnc_score(y_true, y_pred, relative=False) == 1.25
    assert fnc_score(y_true, y_pred) == pytest.approx(1.25 / 2.25)


def test_fnc_score_perfect_and_empty():
    labels = list(FNC_LABELS) * 2
    assert fnc_score(labels, labels) == 1.0
    assert fnc_score(["unrelated"] * 3, ["unrelated"] * 3, relative=False) == 0.75
    assert fnc_score([], []) == 0.0


def test_fnc_score_errors():
    with pytest.raises(ValueError, match="y_true and y_pred must have the same length, got 2 and 1"):
        fnc_score(["agree", "discuss"], ["agree"])
    with pytest.raises(ValueError, match=r"y_pred labels must be in \('agree', 'disagree', 'discuss', 'unrelated'\), got \['favor'\]"):
        fnc_score(["agree"], ["favor"])
    with pytest.raises(ValueError, match=r"y_true labels must be in .* got \['Agree'\]"):
        fnc_score(["Agree"], ["agree"])


# --------------------------------------------------------------------------- evaluate_predictions

TOPICS = ["a", "b"]
STANCES = ["against", "favor", "none"]
Y_TRUE = np.array([[1, 0], [1, 1], [0, 1], [0, 0]], dtype=bool)
Y_PRED = np.array([[1, 0], [0, 1], [1, 1], [0, 1]], dtype=bool)
S_TRUE = ["favor", "against", "none", "favor"]
S_PRED = ["favor", "favor", "none", "none"]


@pytest.fixture(scope="module")
def metrics():
    return evaluate_predictions(Y_TRUE, Y_PRED, S_TRUE, S_PRED, topics=TOPICS, stances=STANCES)


def test_evaluate_predictions_keys(metrics):
    assert set(metrics) == {
        "n", "topic_micro_f1", "topic_macro_f1", "topics", "stance_macro_f1", "stance_f_avg", "stances", "confusion",
    }
    assert list(metrics["topics"]) == TOPICS
    assert list(metrics["stances"]) == STANCES
    for block in (*metrics["topics"].values(), *metrics["stances"].values()):
        assert set(block) == {"precision", "recall", "f1", "support"}
    assert json.loads(json.dumps(metrics)) == metrics
    assert metrics["n"] == 4


def test_evaluate_predictions_topics_hand_computed(metrics):
    # topic a: true rows {0,1}, predicted {0,2}   -> TP=1 FP=1 FN=1 -> P=R=F1=1/2, support 2
    # topic b: true rows {1,2}, predicted {1,2,3} -> TP=2 FP=1 FN=0 -> P=2/3, R=1, F1=4/5, support 2
    # micro: TP=3 FP=2 FN=1 -> F1 = 2*3 / (2*3 + 2 + 1) = 6/9
    # macro: (1/2 + 4/5) / 2 = 0.65
    assert metrics["topics"]["a"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert metrics["topics"]["b"] == {"precision": 0.6667, "recall": 1.0, "f1": 0.8, "support": 2}
    assert metrics["topic_micro_f1"] == pytest.approx(6 / 9, abs=1e-4)
    assert metrics["topic_macro_f1"] == pytest.approx(0.65, abs=1e-4)


def test_evaluate_predictions_confusion_matrix_by_hand(metrics):
    # rows = true, columns = predicted, order against, favor, none
    # true favor (0) -> favor; true against (1) -> favor; true none (2) -> none; true favor (3) -> none
    assert metrics["confusion"] == {
        "labels": ["against", "favor", "none"],
        "matrix": [
            [0, 1, 0],  # against
            [0, 1, 1],  # favor
            [0, 0, 1],  # none
        ],
    }


def test_evaluate_predictions_stances_hand_computed(metrics):
    # against: TP=0 FP=0 FN=1 -> 0, 0, 0 (support 1)
    # favor:   TP=1 FP=1 FN=1 -> 1/2, 1/2, 1/2 (support 2)
    # none:    TP=1 FP=1 FN=0 -> 1/2, 1, 2/3 (support 1)
    # macro-F1 = (0 + 1/2 + 2/3) / 3 = 7/18; F_avg = (favor 1/2 + against 0) / 2 = 1/4
    assert metrics["stances"]["against"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert metrics["stances"]["favor"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert metrics["stances"]["none"] == {"precision": 0.5, "recall": 1.0, "f1": 0.6667, "support": 1}
    assert metrics["stance_macro_f1"] == pytest.approx(7 / 18, abs=1e-4)
    assert metrics["stance_f_avg"] == 0.25


def test_evaluate_predictions_confusion_follows_stance_order():
    m = evaluate_predictions(Y_TRUE, Y_PRED, S_TRUE, S_PRED, topics=TOPICS, stances=["none", "favor", "against"])
    assert m["confusion"]["labels"] == ["none", "favor", "against"]
    assert m["confusion"]["matrix"] == [[1, 0, 0], [1, 1, 0], [0, 1, 0]]


def test_evaluate_predictions_without_polar_labels_has_no_f_avg():
    m = evaluate_predictions(Y_TRUE, Y_PRED, ["x", "y", "x", "y"], ["x", "x", "x", "y"], topics=TOPICS,
                             stances=["x", "y"])
    assert m["stance_f_avg"] is None
    # x: TP=2 FP=1 FN=0 -> F1 4/5; y: TP=1 FP=0 FN=1 -> F1 2/3; macro (4/5 + 2/3)/2 = 11/15
    assert m["stance_macro_f1"] == pytest.approx(11 / 15, abs=1e-4)


# --------------------------------------------------------------------------- evaluate_model


def _data(texts, topics, stances):
    n = len(texts)
    return LabelledData(texts=list(texts), topics=list(topics), stances=list(stances), targets=[None] * n,
                        docs=[f"d{i}" for i in range(n)], ids=[str(i) for i in range(n)])


def test_evaluate_model_matches_classify(tiny_model, train_rows):
    texts = [r[0] for r in train_rows]
    data = _data(texts, [r[1] for r in train_rows], [r[2] for r in train_rows])
    m = evaluate_model(tiny_model, data)
    results = tiny_model.classify(texts)
    assert m["n"] == len(texts)
    assert m["confusion"]["labels"] == tiny_model.stances
    assert sum(map(sum, m["confusion"]["matrix"])) == len(texts)
    # the diagonal counts the paragraphs whose predicted stance is right
    diag = sum(m["confusion"]["matrix"][i][i] for i in range(len(tiny_model.stances)))
    assert diag == sum(r.stance == s for r, s in zip(results, data.stances))
    for t in tiny_model.topics:
        assert m["topics"][t]["support"] == sum(t in ts for ts in data.topics)


def test_evaluate_model_unknown_stance(tiny_model):
    data = _data(["NATO talks"], [[]], ["pro"])
    with pytest.raises(LabelError, match=r"'stance' must be one of \('against', 'favor', 'none'\), got 'pro'"):
        evaluate_model(tiny_model, data)


def test_evaluate_model_unknown_topic(tiny_model):
    data = _data(["NATO talks"], [["economy"]], ["none"])
    with pytest.raises(LabelError, match="got 'economy'"):
        evaluate_model(tiny_model, data)
