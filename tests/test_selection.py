"""Tests of stance.adapt.selection and stance.adapt.records: uncertainty with diversity, random share, balance, exclusion, seeds."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest

from stance.exceptions import DataError, DataRootNotFoundError
from stance.adapt.records import labelled_keys, read_pool, text_key
from stance.adapt.selection import MISSING_GROUP, select_for_labelling, uncertainty_scores

#: Made-up pool: three outlets, near-duplicates, an exact repeat.
POOL_TEXTS = [
    "NATO must stop its eastward expansion, the Kremlin said on Monday.",
    "NATO must stop its eastward expansion, the Kremlin said on Tuesday.",
    "NATO must stop its eastward expansion, the Kremlin said on Friday.",
    "The European Union announced new sanctions against Russian banks.",
    "Diplomats met in Geneva to discuss the arms control treaty.",
    "Finland and Sweden applied to join the alliance.",
    "The weather in Moscow was cold and grey.",
    "Lavrov said Western sanctions would only hurt Europe.",
    "Troops were moved closer to the border with Ukraine.",
    "The ministers agreed to hold another round of talks.",
    "Washington froze the assets of several oligarchs.",
    "Russia proposed a moratorium on intermediate-range missiles.",
]


def make_pool():
    pool = [{"id": f"p{i}", "text": t, "outlet": ("a", "b", "c")[i % 3]} for i, t in enumerate(POOL_TEXTS)]
    pool.append({"id": "p-repeat", "text": "  the european union announced NEW sanctions against Russian banks. "})
    return pool


def ids(selection):
    return [r["id"] for r in selection.records]


def test_text_key_ignores_spacing_case_and_typography():
    assert text_key("Russia\u2019s  red\nlines") == text_key("russia's red lines")
    assert text_key("NATO talks") != text_key("NATO talk")


def test_uncertainty_scores_are_bounded_and_follow_the_stance_entropy(tiny_model):
    texts = [r["text"] for r in make_pool()]
    s = uncertainty_scores(tiny_model, texts)
    assert s.shape == (len(texts),) and np.all(s >= 0) and np.all(s <= 2)
    stance_only = uncertainty_scores(tiny_model, texts, topic_weight=0.0)
    assert np.all(stance_only <= 1 + 1e-9)
    proba = np.array([list(r.stance_scores.values()) for r in tiny_model.classify(texts, evidence=0)])
    entropy = -(proba * np.log(np.clip(proba, 1e-12, 1))).sum(axis=1)
    # same order as the stance entropy of classify (up to the rounding of its scores)
    assert np.corrcoef(entropy, stance_only)[0, 1] > 0.99
    assert uncertainty_scores(tiny_model, []).shape == (0,)


def test_selection_is_reproducible_and_shuffled(tiny_model):
    a = select_for_labelling(tiny_model, make_pool(), 5, random_state=3)
    b = select_for_labelling(tiny_model, make_pool(), 5, random_state=3)
    assert ids(a) == ids(b)
    assert len(set(ids(a))) == 5
    assert all(r["how"] == "uncertainty" for r in a.records)
    assert a.records[0]["outlet"] in "abc"  # pool fields are kept


def test_uncertainty_without_diversity_takes_the_most_uncertain(tiny_model):
    pool = make_pool()[:-1]
    scores = uncertainty_scores(tiny_model, [r["text"] for r in pool])
    sel = select_for_labelling(tiny_model, pool, 4, candidate_factor=1)
    expected = {pool[i]["id"] for i in np.argsort(-scores, kind="stable")[:4]}
    assert set(ids(sel)) == expected


def test_diversity_avoids_near_duplicates(tiny_model):
    # the three "NATO must stop..." paragraphs differ in one word: at most one of them among 4 diverse picks
    pool = make_pool()[:-1]
    sel = select_for_labelling(tiny_model, pool, 4, candidate_factor=3)
    assert len({"p0", "p1", "p2"} & set(ids(sel))) <= 1


def test_random_strategy_needs_no_model_and_depends_on_the_seed():
    pool = make_pool()
    a = select_for_labelling(None, pool, 6, strategy="random", random_state=0)
    b = select_for_labelling(None, pool, 6, strategy="random", random_state=1)
    assert all(r["how"] == "random" for r in a.records)
    assert set(ids(a)) != set(ids(b))
    assert ids(a) == ids(select_for_labelling(None, pool, 6, strategy="random", random_state=0))


def test_mixed_draws_the_random_share(tiny_model):
    sel = select_for_labelling(tiny_model, make_pool(), 8, strategy="mixed", random_share=0.25, random_state=0)
    assert Counter(r["how"] for r in sel.records) == {"random": 2, "uncertainty": 6}
    assert sel.counts["how"] == {"random": 2, "uncertainty": 6}
    assert len(set(ids(sel))) == 8


def test_by_spreads_the_choice_over_a_field(tiny_model):
    sel = select_for_labelling(tiny_model, make_pool(), 6, by="outlet")
    assert Counter(r.get("outlet", MISSING_GROUP) for r in sel.records) == {"a": 2, "b": 2, "c": 2}
    assert sel.counts["group"] == {"a": 2, "b": 2, "c": 2}


def test_by_gives_the_share_of_a_small_group_to_the_others(tiny_model):
    pool = make_pool()[:-1] + [{"id": "lonely", "text": "A paragraph of the only outlet d.", "outlet": "d"}]
    sel = select_for_labelling(tiny_model, pool, 9, by="outlet", strategy="random")
    counts = Counter(r["outlet"] for r in sel.records)
    assert counts["d"] == 1 and sum(counts.values()) == 9
    assert max(counts.values()) - min(counts[g] for g in "abc") <= 1


def test_labelled_paragraphs_and_repeated_texts_are_never_chosen(tiny_model, tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "round1.jsonl").write_text(json.dumps({"id": "p4", "topics": [], "stance": "none"}) + "\n")
    # matched by text although its id differs
    (labels / "other.jsonl").write_text(json.dumps({"id": "x", "text": POOL_TEXTS[6].upper(), "topics": [],
                                                    "stance": "none"}) + "\n")
    keys = labelled_keys(labels)
    assert "p4" in keys and text_key(POOL_TEXTS[6]) in keys
    sel = select_for_labelling(tiny_model, make_pool(), 100, exclude=keys, strategy="random")
    chosen = ids(sel)
    assert "p4" not in chosen and "p6" not in chosen
    assert not ({"p3", "p-repeat"} <= set(chosen))  # the same text at most once
    assert (sel.n_pool, sel.n_excluded, sel.n_duplicates) == (13, 2, 1)
    assert len(chosen) == sel.n_available == 10


def test_labelled_keys_reads_files_and_refuses_missing_paths(tmp_path):
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps({"id": 7, "topics": [], "stance": "none"}) + "\n\n")
    assert labelled_keys([f]) == {"7"}
    with pytest.raises(DataRootNotFoundError, match="label file or directory not found"):
        labelled_keys(tmp_path / "missing")
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    with pytest.raises(DataError, match="bad.jsonl:1"):
        labelled_keys(bad)


def test_read_pool_checks_text(tmp_path):
    good = tmp_path / "pool.jsonl"
    good.write_text(json.dumps({"text": "one"}) + "\n" + json.dumps({"text": "two", "id": 2}) + "\n")
    assert [r["text"] for r in read_pool(good)] == ["one", "two"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "one"}) + "\n" + json.dumps({"body": "two"}) + "\n")
    with pytest.raises(DataError, match=r"bad.jsonl:2: 'text' must be a non-empty string"):
        read_pool(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(DataError, match="no paragraphs"):
        read_pool(empty)
    with pytest.raises(DataRootNotFoundError, match="pool not found"):
        read_pool(tmp_path / "missing.jsonl")


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"n": 0}, "'n' must be a whole number of 1 or more, got 0"),
    ({"n": 2.5}, "'n' must be a whole number"),
    ({"strategy": "smart"}, r"'strategy' must be one of \('uncertainty', 'random', 'mixed'\), got 'smart'"),
    ({"random_share": 1.5, "strategy": "mixed"}, "'random_share' must be a number between 0 and 1, got 1.5"),
    ({"candidate_factor": 0}, "'candidate_factor' must be a whole number of 1 or more, got 0"),
])
def test_bad_parameters_are_named(tiny_model, kwargs, match):
    args = {"n": 3, **kwargs}
    n = args.pop("n")
    with pytest.raises(ValueError, match=match):
        select_for_labelling(tiny_model, make_pool(), n, **args)


def test_uncertainty_needs_a_model():
    with pytest.raises(ValueError, match="strategy 'uncertainty' needs a model"):
        select_for_labelling(None, make_pool(), 3)


def test_a_pool_with_nothing_left_is_an_error(tiny_model):
    pool = make_pool()
    with pytest.raises(DataError, match=f"no paragraph of the pool can be chosen: {len(pool)} of {len(pool)}"):
        select_for_labelling(tiny_model, pool, 3, exclude={r["id"] for r in pool})
    with pytest.raises(DataError, match=r"pool\[1\]: expected a record with a non-empty string 'text'"):
        select_for_labelling(tiny_model, [{"text": "ok"}, {"text": " "}], 1)
