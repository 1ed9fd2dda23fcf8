"""Tests of stance.adapt.agreement and of tools/agreement.py, its thin caller for our rounds."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import pytest

from stance.adapt.agreement import (
    agreement_report,
    cohen_kappa,
    format_agreement,
    jaccard_distance,
    krippendorff_alpha_sets,
    read_label_passes,
)
from stance.adapt.records import record_key
from stance.exceptions import DataError

REPO = Path(__file__).resolve().parents[1]


def test_cohen_kappa_by_hand():
    # 4 items, agreement 3/4; marginals x: 3/4 and 2/4 -> p_e = 3/4*2/4 + 1/4*2/4 = 1/2 -> kappa 0.5
    assert cohen_kappa(["x", "y", "x", "y"], ["x", "y", "x", "x"]) == pytest.approx(0.5)
    assert cohen_kappa(["x", "y"], ["y", "x"]) == pytest.approx(-1.0)
    assert cohen_kappa(["x", "x"], ["x", "x"]) is None
    with pytest.raises(ValueError, match="must label the same items, got 2 and 1 labels"):
        cohen_kappa(["x", "y"], ["x"])


def test_jaccard_and_krippendorff_alpha_by_hand():
    assert jaccard_distance({"a"}, {"a", "b"}) == 0.5
    assert jaccard_distance([], []) == 0.0
    # two units: ({a}, {a}) and ({a}, {}) -> D_o = (0 + 1) / 2; pooled {a} x3, {} x1:
    # D_e = 2 * 3 * 1 * 1 / (4 * 3) = 0.5 -> alpha = 1 - 0.5 / 0.5 = 0
    assert krippendorff_alpha_sets([{"a"}, {"a"}], [{"a"}, set()]) == pytest.approx(0.0)
    assert krippendorff_alpha_sets([{"a"}, {"b"}], [{"a"}, {"b"}]) == 1.0
    assert math.isnan(krippendorff_alpha_sets([{"a"}], [{"a"}]))
    with pytest.raises(ValueError, match="no unit to compare"):
        krippendorff_alpha_sets([], [])
    with pytest.raises(ValueError, match="must label the same units, got 1 and 2"):
        krippendorff_alpha_sets([{"a"}], [{"a"}, {"b"}])


def test_report_on_two_passes():
    first = {"p1": {"topics": ["sanctions"], "stance": "against"}, "p2": {"topics": [], "stance": "none"},
             "p3": {"topics": ["diplomacy"], "stance": "favor"}, "p4": {"topics": [], "stance": "none"}}
    second = {"p1": {"topics": ["sanctions"], "stance": "against"}, "p2": {"topics": [], "stance": "none"},
              "p3": {"topics": ["diplomacy", "sanctions"], "stance": "none"}, "p5": {"topics": [], "stance": "none"}}
    r = agreement_report(first, second)
    assert (r["n"], r["only_first"], r["only_second"]) == (3, 1, 1)
    assert r["stance_confusion"]["labels"] == ["favor", "against", "none"]  # the guideline's order
    assert r["stance_confusion"]["matrix"] == [[0, 0, 1], [0, 1, 0], [0, 0, 1]]
    assert r["topic_kappa"]["nato_expansion"] is None and r["topic_kappa"]["diplomacy"] == 1.0
    assert r["disagreements"] == ["p3"] and r["topic_set_exact_agreement"] == pytest.approx(0.667)
    text = format_agreement(r)
    assert "paragraphs labelled by both passes: 3 (first pass only: 1, second pass only: 1)" in text
    assert "disagreements: 1 (p3)" in text
    json.dumps(r)
    # labels outside the guideline are sorted
    other = agreement_report({"a": {"topics": ["z", "y"], "stance": "pro"}}, {"a": {"topics": ["y"], "stance": "con"}})
    assert other["stance_confusion"]["labels"] == ["con", "pro"] and list(other["topic_kappa"]) == ["y", "z"]
    with pytest.raises(DataError, match="no paragraph was labelled by both passes"):
        agreement_report({"a": first["p1"]}, {"b": first["p1"]})


def test_read_label_passes_matches_by_id_or_text(tmp_path):
    a = tmp_path / "a.jsonl"
    a.write_text(json.dumps({"text": "Some  Text", "topics": [], "stance": "none"}) + "\n"
                 + json.dumps({"id": 3, "topics": ["x"], "stance": "favor"}) + "\n")
    passes = read_label_passes(a)
    assert set(passes) == {record_key({"text": "some text"}), "3"}
    dup = tmp_path / "dup.jsonl"
    dup.write_text(json.dumps({"id": "p", "topics": [], "stance": "none"}) + "\n"
                   + json.dumps({"id": "p", "topics": [], "stance": "favor"}) + "\n")
    with pytest.raises(DataError,
                       match=r"dup.jsonl:2: paragraph 'p' is labelled twice in this pass \(first at .*dup.jsonl:1\)"):
        read_label_passes(dup)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"id": "p", "topics": "x", "stance": "none"}) + "\n")
    with pytest.raises(DataError, match=r"bad.jsonl:1: 'topics' must be a list of strings"):
        read_label_passes([bad])
    nokey = tmp_path / "nokey.jsonl"
    nokey.write_text(json.dumps({"topics": [], "stance": "none"}) + "\n")
    with pytest.raises(DataError, match=r"nokey.jsonl:1: a label record needs an 'id' or a 'text'"):
        read_label_passes(nokey)
    with pytest.raises(DataError, match="label file not found"):
        read_label_passes(tmp_path / "missing.jsonl")


@pytest.mark.parametrize("round_", [1, 2])
def test_tools_agreement_reproduces_our_published_reports(round_):
    spec = importlib.util.spec_from_file_location("tools_agreement", REPO / "tools" / "agreement.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    labels = REPO / "datasets" / "domain" / "labels"
    expected = json.loads((REPO / "datasets" / "domain" / f"agreement_round{round_}.json").read_text())
    assert module.round_report(labels, round_) == expected
