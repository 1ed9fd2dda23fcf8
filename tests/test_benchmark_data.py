"""Tests of the benchmark loaders on tiny fixture corpora written in each corpus's format."""

from __future__ import annotations

import csv

import pytest

from stance.datasets.benchmarks import (
    SEMEVAL2016_TARGETS,
    FNCData,
    load_fnc1,
    load_ruw,
    load_semeval2016,
)
from stance.datasets import LabelledData
from stance.exceptions import DataError, DataRootNotFoundError, LabelError

# -- fixtures ---------------------------------------------------------------------------------


def write_semeval(root, split="train", *, rows=None, mapping="0\tnone\n1\tagainst\n2\tfavor\n"):
    """TweetEval layout: semeval2016/<target>/<split>_text.txt and <split>_labels.txt, one item a line."""
    base = root / "semeval2016"
    base.mkdir(parents=True, exist_ok=True)
    if mapping is not None:
        (base / "mapping.txt").write_text(mapping)
    for i, folder in enumerate(SEMEVAL2016_TARGETS):
        d = base / folder
        d.mkdir(exist_ok=True)
        items = rows[folder] if rows and folder in rows else [(f"tweet {folder} one #SemST ", i % 3), (f"tweet {folder} two", 2)]
        (d / f"{split}_text.txt").write_text("".join(f"{t}\n" for t, _ in items))
        (d / f"{split}_labels.txt").write_text("".join(f"{lab}\n" for _, lab in items))
    return root


def write_csv(path, header, rows, encoding="utf-8", newline="\n"):
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh, lineterminator=newline)
        w.writerow(header)
        w.writerows(rows)


def write_fnc(root):
    d = root / "fnc1"
    d.mkdir(parents=True)
    write_csv(d / "train_bodies.csv", ["Body ID", "articleBody"], [
        [0, "A meteorite fell.\n\nResidents heard a \"boom\"."],
        [1, "Officials denied the report, calling it a hoax."],
        [2, "The singer is said to be touring."],
    ])
    write_csv(d / "train_stances.csv", ["Headline", "Body ID", "Stance"], [
        ["Meteorite hits city", 0, "agree"],
        ["Meteorite hits city", 1, "unrelated"],
        ["Report of meteorite, hoax?", 1, "disagree"],
        ["Singer on tour", 2, "discuss"],
    ])
    (d / "training_ids.txt").write_text("0\n2\n")
    (d / "hold_out_ids.txt").write_text("1\n")
    write_csv(d / "competition_test_bodies.csv", ["Body ID", "articleBody"], [[7, "Brand new body, with a comma."]])
    write_csv(d / "competition_test_stances.csv", ["Headline", "Body ID", "Stance"],
              [["New headline", 7, "Agree"], ["Other headline", 7, "unrelated"]])
    return root


RUW_HEADER = ["Tweet", "Target 1", "Stance 1", "Target 2", "Stance 2", "Test/Train/Dev"]


def write_ruw(root, split="train", rows=None, encoding="gb18030"):
    d = root / "ruw"
    d.mkdir(parents=True, exist_ok=True)
    rows = rows or [
        ["How it started\u2026 how it's going. #Ukraine #Russia", "Russia", "AGAINST", "Ukraine", "FAVOR", "Train"],
        ['He said "no", then left, #war', "Russia", "NONE", "Ukraine", "NONE", "Train"],
    ]
    write_csv(d / f"raw_{split}_Russia_Ukraine.csv", RUW_HEADER, rows, encoding=encoding, newline="\r\n")
    return root


# -- SemEval-2016 ---------------------------------------------------------------------------------


def test_semeval_reads_all_targets_and_maps_labels(tmp_path):
    write_semeval(tmp_path)
    data = load_semeval2016("train", data_root=tmp_path)
    assert isinstance(data, LabelledData)
    assert len(data) == 10
    assert data.name == "semeval2016" and data.split == "train"
    assert data.texts[0] == "tweet abortion one #SemST"  # trailing space stripped
    assert data.targets[0] == "Legalization of Abortion"
    assert set(data.targets) == set(SEMEVAL2016_TARGETS.values())
    assert data.labels[:4] == ["none", "favor", "against", "favor"]
    assert set(data.labels) <= {"favor", "against", "none"}
    assert data.ids[0] == "abortion-train-0"
    assert data.for_target("Atheism").texts == ["tweet atheism one #SemST", "tweet atheism two"]


def test_semeval_dev_is_val(tmp_path):
    write_semeval(tmp_path, "val")
    assert load_semeval2016("dev", data_root=tmp_path).split == "val"


def test_semeval_uses_default_mapping_without_mapping_file(tmp_path):
    write_semeval(tmp_path, mapping=None)
    assert load_semeval2016("train", data_root=tmp_path).labels[:2] == ["none", "favor"]


def test_semeval_missing_corpus(tmp_path):
    with pytest.raises(DataRootNotFoundError, match=r"semeval2016"):
        load_semeval2016("train", data_root=tmp_path)


def test_semeval_missing_split_file_names_the_file(tmp_path):
    write_semeval(tmp_path, "train")
    with pytest.raises(DataRootNotFoundError, match=r"test_text\.txt"):
        load_semeval2016("test", data_root=tmp_path)


def test_semeval_length_mismatch(tmp_path):
    write_semeval(tmp_path)
    (tmp_path / "semeval2016" / "climate" / "train_labels.txt").write_text("0\n")
    with pytest.raises(DataError, match=r"1 labels for 2 tweets"):
        load_semeval2016("train", data_root=tmp_path)


def test_semeval_unknown_label_id(tmp_path):
    write_semeval(tmp_path, rows={"hillary": [("a tweet", 7)]})
    with pytest.raises(LabelError, match=r"got '7'"):
        load_semeval2016("train", data_root=tmp_path)


def test_bad_split_name(tmp_path):
    with pytest.raises(ValueError, match=r"'split' must be one of"):
        load_semeval2016("validation", data_root=tmp_path)
    with pytest.raises(ValueError, match=r"'split' must be one of"):
        load_fnc1("holdout", data_root=tmp_path)


# -- FNC-1 -------------------------------------------------------------------------------------------


def test_fnc_train_dev_split_by_body_ids(tmp_path):
    write_fnc(tmp_path)
    train = load_fnc1("train", data_root=tmp_path)
    dev = load_fnc1("dev", data_root=tmp_path)
    assert isinstance(train, FNCData)
    assert train.body_ids == [0, 2] and dev.body_ids == [1, 1]
    assert train.targets == ["Meteorite hits city", "Singer on tour"]
    assert train.headlines is train.targets
    assert train.labels == ["agree", "discuss"]
    assert train.texts[0] == 'A meteorite fell.\n\nResidents heard a "boom".'  # multi-line quoted body
    assert set(train.bodies) == {0, 2} and set(dev.bodies) == {1}
    assert dev.labels == ["unrelated", "disagree"]
    assert dev.texts[1] == dev.bodies[1]


def test_fnc_test_split_and_lowercase_labels(tmp_path):
    write_fnc(tmp_path)
    test = load_fnc1("test", data_root=tmp_path)
    assert test.labels == ["agree", "unrelated"]
    assert test.texts == ["Brand new body, with a comma."] * 2
    assert test.bodies == {7: "Brand new body, with a comma."}
    sub = test.subset([1])
    assert isinstance(sub, FNCData) and sub.targets == ["Other headline"] and sub.bodies == {7: test.bodies[7]}


def test_fnc_missing_corpus(tmp_path):
    with pytest.raises(DataRootNotFoundError, match=r"fnc1"):
        load_fnc1("train", data_root=tmp_path)


def test_fnc_missing_hold_out_ids(tmp_path):
    write_fnc(tmp_path)
    (tmp_path / "fnc1" / "hold_out_ids.txt").unlink()
    with pytest.raises(DataRootNotFoundError, match=r"hold_out_ids\.txt"):
        load_fnc1("dev", data_root=tmp_path)


def test_fnc_unknown_body_and_label(tmp_path):
    write_fnc(tmp_path)
    write_csv(tmp_path / "fnc1" / "competition_test_stances.csv", ["Headline", "Body ID", "Stance"], [["h", 99, "agree"]])
    with pytest.raises(DataError, match=r"Body ID 99"):
        load_fnc1("test", data_root=tmp_path)
    write_csv(tmp_path / "fnc1" / "competition_test_stances.csv", ["Headline", "Body ID", "Stance"], [["h", 7, "maybe"]])
    with pytest.raises(LabelError, match=r"'maybe'"):
        load_fnc1("test", data_root=tmp_path)


def test_fnc_missing_column(tmp_path):
    write_fnc(tmp_path)
    write_csv(tmp_path / "fnc1" / "competition_test_stances.csv", ["Headline", "Body ID"], [["h", 7]])
    with pytest.raises(DataError, match=r"missing column"):
        load_fnc1("test", data_root=tmp_path)


# -- RUW ------------------------------------------------------------------------------------------------


def test_ruw_two_rows_per_tweet_gb18030(tmp_path):
    write_ruw(tmp_path)
    data = load_ruw("train", data_root=tmp_path)
    assert len(data) == 4
    assert data.texts[0] == data.texts[1] == "How it started\u2026 how it's going. #Ukraine #Russia"
    assert data.targets == ["Russia", "Ukraine", "Russia", "Ukraine"]
    assert data.labels == ["against", "favor", "none", "none"]
    assert data.ids[:2] == ["ruw-train-0/Russia", "ruw-train-0/Ukraine"]
    assert data.texts[2] == 'He said "no", then left, #war'
    assert data.for_target("Ukraine").labels == ["favor", "none"]


def test_ruw_utf8_and_val_alias(tmp_path):
    write_ruw(tmp_path, "val", encoding="utf-8")
    data = load_ruw("dev", data_root=tmp_path)
    assert data.split == "val" and data.texts[0].startswith("How it started\u2026")


def test_ruw_missing_corpus_and_split(tmp_path):
    with pytest.raises(DataRootNotFoundError, match=r"ruw"):
        load_ruw("train", data_root=tmp_path)
    write_ruw(tmp_path, "train")
    with pytest.raises(DataRootNotFoundError, match=r"raw_test_Russia_Ukraine\.csv"):
        load_ruw("test", data_root=tmp_path)


def test_ruw_bad_label(tmp_path):
    write_ruw(tmp_path, rows=[["t", "Russia", "PRO", "Ukraine", "NONE", "Train"]])
    with pytest.raises(LabelError, match=r"Stance 1"):
        load_ruw("train", data_root=tmp_path)


def test_for_target_unknown(tmp_path):
    write_ruw(tmp_path)
    with pytest.raises(ValueError, match=r"no row has target 'Belarus'"):
        load_ruw("train", data_root=tmp_path).for_target("Belarus")


def test_loaders_are_reachable_from_stance_datasets():
    import stance.datasets.benchmarks as bd
    import stance.datasets as ds
    assert ds.load_semeval2016 is bd.load_semeval2016
    assert ds.load_fnc1 is bd.load_fnc1
    assert ds.load_ruw is bd.load_ruw
    with pytest.raises(AttributeError, match="has no attribute 'load_nothing'"):
        ds.load_nothing  # noqa: B018
