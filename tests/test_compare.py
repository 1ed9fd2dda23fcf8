"""Tests of stance.adapt.compare: two models on the same labelled paragraphs."""

from __future__ import annotations

import json

import pytest

from stance.adapt.compare import compare_models, format_comparison, read_field
from stance.datasets import LabelledData, read_labelled_jsonl
from stance.evaluation import evaluate_model
from stance.exceptions import DataError, LabelError

from conftest import TRAIN_ROWS, write_jsonl


class FixedModel:
    """A stand-in with the StanceModel surface compare_models uses: fixed answers per text."""

    def __init__(self, answers, topics, stances, name=None):
        self.answers, self.topics, self.stances = answers, list(topics), list(stances)
        self.manifest = {"name": name} if name else {}

    def classify(self, texts, targets=None, evidence=0):
        class R:
            def __init__(self, topics, stance):
                self.topics, self.stance = topics, stance

        return [R(*self.answers[t]) for t in texts]


def data_of(rows):
    return LabelledData(texts=[r[0] for r in rows], topics=[r[1] for r in rows], stances=[r[2] for r in rows],
                        targets=[None] * len(rows), docs=[f"d{i}" for i in range(len(rows))],
                        ids=[f"p{i}" for i in range(len(rows))], sources=[None] * len(rows))


ROWS = [("t1", ["a"], "favor"), ("t2", ["b"], "against"), ("t3", [], "none"), ("t4", ["a", "b"], "against")]
OLD = {"t1": (["a"], "none"), "t2": (["b"], "against"), "t3": ([], "none"), "t4": (["a"], "favor")}
NEW = {"t1": (["a"], "favor"), "t2": (["b"], "none"), "t3": (["b"], "none"), "t4": (["a", "b"], "none")}


def test_changes_are_listed_and_counted():
    a = FixedModel(OLD, ["a", "b"], ["favor", "against", "none"], name="before")
    b = FixedModel(NEW, ["b", "a"], ["none", "against", "favor"], name="after")
    report = compare_models(a, b, data_of(ROWS), groups=["x", "x", "y", "y"], group_name="outlet")
    assert report["models"] == {"a": "before", "b": "after"}
    changed = {e["id"]: e for e in report["changed"]}
    assert set(changed) == {"p0", "p1", "p2", "p3"}
    assert changed["p0"]["stance"] == "fixed" and changed["p0"]["topics"] == "same"
    assert changed["p1"]["stance"] == "broken"
    assert changed["p2"]["topics"] == "broken" and changed["p2"]["stance"] == "same"
    assert changed["p3"] == {"id": "p3", "truth": {"topics": ["a", "b"], "stance": "against"},
                             "a": {"topics": ["a"], "stance": "favor"}, "b": {"topics": ["a", "b"], "stance": "none"},
                             "stance": "both wrong", "topics": "fixed"}
    assert report["changes"] == {"stance_changed": 3, "stance_fixed": 1, "stance_broken": 1, "topics_changed": 2,
                                 "topics_fixed": 1, "topics_broken": 1}
    assert report["delta"]["stance_macro_f1"] == pytest.approx(report["b"]["stance_macro_f1"]
                                                               - report["a"]["stance_macro_f1"], abs=1e-4)
    assert set(report["by"]["groups"]) == {"x", "y"} and report["by"]["field"] == "outlet"
    assert report["by"]["groups"]["x"]["n"] == 2
    text = format_comparison(report)
    assert "stance changed on 3 paragraphs: fixed 1, broken 1, wrong both times 1" in text
    assert "by outlet" in text and "p3" in text
    short = format_comparison(report, max_changed=1)
    assert "p0  favor" in short and "p1  against" not in short and "... 2 more (--json for all)" in short


def test_macro_f1_over_the_stances_present():
    # no 'favor' in the data: the second figure leaves it out
    rows = [("t2", ["b"], "against"), ("t3", [], "none")]
    model = FixedModel({"t2": (["b"], "against"), "t3": ([], "none")}, ["a", "b"], ["favor", "against", "none"])
    report = compare_models(model, model, data_of(rows))
    assert report["a"]["stance_macro_f1_present"] == 1.0
    assert report["a"]["stance_macro_f1"] == pytest.approx(2 / 3, abs=1e-4)
    assert "over against, none (in the data)" in format_comparison(report)


def test_same_model_changes_nothing_and_matches_evaluate(tiny_model, tmp_path):
    path = write_jsonl(tmp_path / "d.jsonl", TRAIN_ROWS)
    data = read_labelled_jsonl(path)
    report = compare_models(tiny_model, tiny_model, data)
    assert report["changed"] == [] and report["models"] == {"a": "tiny (A)", "b": "tiny (B)"}
    expected = evaluate_model(tiny_model, data)
    assert {k: v for k, v in report["a"].items() if k != "stance_macro_f1_present"} == expected
    json.dumps(report)  # JSON-ready


def test_different_label_sets_are_refused():
    a = FixedModel(OLD, ["a", "b"], ["favor", "against", "none"])
    b = FixedModel(NEW, ["a"], ["favor", "against", "none"])
    with pytest.raises(LabelError, match="the models have different label sets"):
        compare_models(a, b, data_of(ROWS))


def test_unknown_stance_and_bad_groups():
    a = FixedModel(OLD, ["a", "b"], ["favor", "against"])
    with pytest.raises(LabelError, match=r"'stance' must be one of \('favor', 'against'\), got 'none'"):
        compare_models(a, a, data_of(ROWS))
    b = FixedModel(OLD, ["a", "b"], ["favor", "against", "none"])
    with pytest.raises(DataError, match=r"'groups' must have one value per paragraph \(4\), got 1"):
        compare_models(b, b, data_of(ROWS), groups=["x"])


def test_read_field_lines_up_with_the_labelled_reader(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text(json.dumps({"text": "a", "topics": [], "stance": "none", "outlet": "x"}) + "\n\n"
                    + json.dumps({"text": "b", "topics": [], "stance": "none"}) + "\n")
    assert read_field(path, "outlet") == ["x", None]
