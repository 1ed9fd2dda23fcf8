"""Tests of the one labelled-data type, stance.datasets.LabelledData."""

from __future__ import annotations

import pytest

from stance.datasets import FNCData, LabelledData


def test_missing_row_fields_get_their_defaults():
    data = LabelledData(texts=["a", "b"], stances=["favor", "none"])
    assert data.topics == [[], []]
    assert data.targets == [None, None] and data.sources == [None, None]
    assert data.ids == ["0", "1"] and data.docs == ["0", "1"]
    assert data.labels is data.stances
    assert not data.has_targets


def test_a_row_field_of_another_length_is_refused():
    with pytest.raises(ValueError, match=r"'stances' must have one entry per text \(2\), got 1"):
        LabelledData(texts=["a", "b"], stances=["favor"])
    with pytest.raises(ValueError, match=r"'sources' must have one entry per text \(1\), got 2"):
        LabelledData(texts=["a"], stances=["none"], sources=["x", "y"])


def test_fill_defaults_after_appending_rows():
    data = LabelledData(name="tiny", split="train")
    for i, text in enumerate(["x", "y", "z"]):
        data.texts.append(text)
        data.stances.append("none")
        data.ids.append(f"t-{i}")
    data.fill_defaults()
    assert data.docs == ["t-0", "t-1", "t-2"] and data.topics == [[], [], []]


def test_subset_keeps_type_name_and_split_and_drops_the_hash():
    data = LabelledData(texts=["a", "b", "c"], stances=["favor", "against", "favor"], targets=["X", "Y", "X"],
                        sha256="0" * 64, name="tiny", split="test")
    part = data.subset([2, 0])
    assert part.texts == ["c", "a"] and part.targets == ["X", "X"] and part.ids == ["2", "0"]
    assert (part.name, part.split, part.sha256) == ("tiny", "test", None)
    assert data.label_counts() == {"favor": 2, "against": 1}
    assert data.for_target("Y").texts == ["b"]
    with pytest.raises(ValueError, match=r"no row has target 'Z'; targets are \['X', 'Y'\]"):
        data.for_target("Z")


def test_fnc_pairs_subset_their_bodies():
    data = FNCData(texts=["body one", "body two", "body one"], stances=["agree", "unrelated", "discuss"],
                   targets=["h1", "h2", "h3"], body_ids=[1, 2, 1], bodies={1: "body one", 2: "body two"})
    part = data.subset([1])
    assert isinstance(part, FNCData)
    assert part.body_ids == [2] and part.bodies == {2: "body two"} and part.headlines == ["h2"]
    with pytest.raises(ValueError, match=r"'body_ids' must have one entry per text \(3\), got 1"):
        FNCData(texts=["a", "b", "c"], stances=["agree"] * 3, body_ids=[1])
