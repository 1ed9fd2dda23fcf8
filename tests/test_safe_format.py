"""Tests of the pickle-free "safe" model format: save_model(format="safe") and export_model."""

from __future__ import annotations

import os
import json
import pathlib
from pathlib import Path

import numpy as np
import pytest
import sklearn

import stance
from stance.exceptions import ModelError, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from stance.io.persistence import MANIFEST_FILE, export_model, load_model, read_manifest, save_model

from tests._model_files import edit_manifest as _edit_manifest, rehash as _rehash, sha256 as _sha256

PARAGRAPHS = [
    "NATO must stop its expansion toward Russia, the Kremlin said.",
    "The EU adopted new sanctions against Russian banks.",
    "",
    "Diplomats held talks in Geneva on the arms control treaty.",
    "Moscow proposed a moratorium on missiles; Washington \u00abrejected\u00bb it \u2014 caf\u00e9 talks.",
]
SAFE_FILES = ["features.npz", "manifest.json", "stance.json", "stance.npz", "topic.json", "topic.npz"]


def _assert_same_predictions(model, reference) -> None:
    for attr in ("topic_classifier", "stance_classifier"):
        np.testing.assert_array_equal(
            getattr(model, attr).predict_proba(PARAGRAPHS), getattr(reference, attr).predict_proba(PARAGRAPHS)
        )
    np.testing.assert_array_equal(model.topic_classifier.predict(PARAGRAPHS),
                                  reference.topic_classifier.predict(PARAGRAPHS))
    np.testing.assert_array_equal(model.stance_classifier.predict(PARAGRAPHS),
                                  reference.stance_classifier.predict(PARAGRAPHS))
    assert [r.to_dict() for r in model.classify(PARAGRAPHS)] == [r.to_dict() for r in reference.classify(PARAGRAPHS)]
    assert model.topics == reference.topics and model.stances == reference.stances


def _assert_safe_directory(model_dir: Path) -> dict:
    assert sorted(p.name for p in model_dir.iterdir()) == SAFE_FILES
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["serialization"] == "safe"
    assert manifest["files"] == {name: _sha256(model_dir / name) for name in SAFE_FILES if name != MANIFEST_FILE}
    for stem in ("topic", "stance"):
        with np.load(model_dir / f"{stem}.npz", allow_pickle=False) as npz:
            assert npz.files
            for key in npz.files:
                assert npz[key].dtype != object, key
        meta = json.loads((model_dir / f"{stem}.json").read_text(encoding="utf-8"))
        assert isinstance(meta, dict)
    return manifest


# --------------------------------------------------------------------------- round trip


def test_save_safe_round_trip(fresh_model, tmp_path, no_pickle_loads):
    out = save_model(fresh_model, tmp_path / "safe", format="safe", name="safe-one")
    manifest = _assert_safe_directory(out)
    assert manifest["name"] == "safe-one"
    assert "pickle-free" in manifest["security"]
    loaded = load_model(out)  # no trusted=True needed
    assert loaded.manifest == manifest
    _assert_same_predictions(loaded, fresh_model)


def test_export_model_round_trip(tiny_model_dir, tiny_model, tmp_path):
    out = export_model(tiny_model_dir, tmp_path / "exported", trusted=True)
    assert out == tmp_path / "exported"
    manifest = _assert_safe_directory(out)
    source = read_manifest(tiny_model_dir)
    for key in ("name", "training_data", "parameters", "metrics", "topics", "stances", "uses_targets"):
        assert manifest[key] == source[key], key
    _assert_same_predictions(load_model(out), tiny_model)


def test_export_of_a_safe_model_and_the_stance_package_name(tiny_safe_model_dir, tiny_model, tmp_path):
    out = stance.export_model(tiny_safe_model_dir, tmp_path / "again")  # safe source: no trust needed
    _assert_safe_directory(out)
    _assert_same_predictions(load_model(out), tiny_model)


@pytest.mark.parametrize(("design", "min_df"), [("augment", 1), ("hash", 1), ("augment", None)])  # None: "auto"
@pytest.mark.parametrize("fmt", ["safe", "joblib"])
def test_safe_model_with_targets_round_trip(tmp_path, monkeypatch, train_rows, design, min_df, fmt):
    from stance import training
    from stance.exceptions import InvalidInputError

    monkeypatch.setattr(training, "DEFAULT_STANCE_PARAMS", {**training.DEFAULT_STANCE_PARAMS,
                                                            "target_hash_features": 2**12, "target_design": design})
    data = tmp_path / "t.jsonl"
    data.write_text("".join(
        json.dumps({"text": text, "topics": topics, "stance": st, "doc": doc, "target": "NATO" if i % 2 else "Russia"})
        + "\n" for i, (text, topics, st, doc) in enumerate(train_rows)
    ), encoding="utf-8")
    model = training.train_model(data, tmp_path / "m", topics="auto", stances="auto", min_df=min_df, format=fmt)
    loaded = load_model(tmp_path / "m", trusted=fmt == "joblib")  # a pickle these tests wrote themselves
    assert loaded.manifest["uses_targets"] is True
    if min_df is None:  # the stance model keeps "auto" (1 and no caps with targets) through the round trip
        assert loaded.stance_classifier.get_params()["min_df"] == "auto"
    assert loaded.stance_classifier.target_design == design
    # binary="auto" became binary tf with targets, and the loaded features say so
    assert loaded.stance_classifier.get_params()["binary"] == "auto"
    assert [v.binary for _, v in loaded.stance_classifier.features_.transformer_list] == [True, True]
    assert loaded.stance_classifier.targets_.tolist() == ["NATO", "Russia"]
    with pytest.raises(InvalidInputError, match="fitted with targets"):
        loaded.classify(PARAGRAPHS)
    for target in ("NATO", "Russia", "Ukraine"):
        np.testing.assert_array_equal(loaded.stance_classifier.predict_proba(PARAGRAPHS, targets=target),
                                      model.stance_classifier.predict_proba(PARAGRAPHS, targets=target))
        assert ([r.to_dict() for r in loaded.classify(PARAGRAPHS, targets=target)]
                == [r.to_dict() for r in model.classify(PARAGRAPHS, targets=target)])


def test_two_stage_stance_model_round_trip(tmp_path, monkeypatch, train_jsonl, no_pickle_loads):
    from stance import training

    monkeypatch.setattr(training, "DEFAULT_STANCE_PARAMS", {**training.DEFAULT_STANCE_PARAMS, "heads": "two_stage"})
    model = training.train_model(train_jsonl, tmp_path / "m", topics="auto", stances="auto", min_df=1, format="safe")
    assert model.stance_classifier.coef_.shape[0] == 2  # "sided", then one side
    loaded = load_model(tmp_path / "m")
    assert loaded.stance_classifier.head_names_ == model.stance_classifier.head_names_
    _assert_same_predictions(loaded, model)
    # the stored shapes are checked against the head design
    meta = json.loads((tmp_path / "m" / "stance.json").read_text(encoding="utf-8"))
    meta["params"]["heads"] = "ovr"
    (tmp_path / "m" / "stance.json").write_text(json.dumps(meta), encoding="utf-8")
    _rehash(tmp_path / "m", "stance.json")
    with pytest.raises(ModelIntegrityError, match=r"field 'coef' must be an array of shape \(3, "):
        load_model(tmp_path / "m")


def test_unknown_format_is_refused_before_writing(fresh_model, tmp_path):
    with pytest.raises(ValueError, match=r"'format' must be one of \('joblib', 'safe', 'both'\), got 'pickle'"):
        save_model(fresh_model, tmp_path / "m", format="pickle")
    assert list(tmp_path.iterdir()) == []


def test_export_refuses_an_existing_model_without_overwrite(tiny_model_dir, copy_safe_model_dir):
    dst = copy_safe_model_dir()
    before = (dst / MANIFEST_FILE).read_bytes()
    with pytest.raises(ModelError, match="holds a model already"):
        export_model(tiny_model_dir, dst, trusted=True)
    assert (dst / MANIFEST_FILE).read_bytes() == before
    export_model(tiny_model_dir, dst, trusted=True, overwrite=True)
    assert read_manifest(dst)["name"] == "tiny"


@pytest.fixture
def no_pickle_loads(monkeypatch):
    """Fail if loading uses joblib/pickle at all."""
    import joblib

    def forbidden(*args, **kwargs):
        raise AssertionError("a safe model must not be unpickled")

    monkeypatch.setattr(joblib, "load", forbidden)


def test_loading_a_safe_model_never_unpickles(tiny_safe_model_dir, tiny_model, no_pickle_loads):
    _assert_same_predictions(load_model(tiny_safe_model_dir), tiny_model)


# --------------------------------------------------------------------------- versions


@pytest.mark.parametrize("serialization", ["safe", "joblib"])
def test_other_scikit_learn_version(serialization, copy_model_dir, copy_safe_model_dir):
    model_dir = copy_safe_model_dir() if serialization == "safe" else copy_model_dir()
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("scikit-learn", "0.1.0"))
    if serialization == "safe":
        assert load_model(model_dir).topics == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
    else:
        with pytest.raises(ModelVersionError,
                           match=rf"pickled with scikit-learn 0\.1\.0, but scikit-learn {sklearn.__version__}"):
            load_model(model_dir, trusted=True)


def test_safe_model_still_checks_the_stance_major_version(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    major = int(stance.__version__.split(".")[0])
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("stance", f"{major + 1}.0.0"))
    with pytest.raises(ModelVersionError, match=rf"written with stance {major + 1}\.0\.0, which is incompatible"):
        load_model(model_dir)


def test_unknown_serialization_is_a_version_error(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    _edit_manifest(model_dir, lambda m: m.__setitem__("serialization", "protobuf"))
    with pytest.raises(ModelVersionError, match="unknown serialization 'protobuf'"):
        load_model(model_dir)


# --------------------------------------------------------------------------- integrity


def test_flipped_byte_in_stance_npz(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    path = model_dir / "stance.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"stance\.npz does not match the sha256 in its manifest"):
        load_model(model_dir)


def test_edited_stance_json(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    path = model_dir / "stance.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["classes"] = list(reversed(meta["classes"]))  # still valid JSON, but another model
    path.write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=r"stance\.json does not match the sha256 in its manifest"):
        load_model(model_dir)


def test_missing_topic_npz(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    (model_dir / "topic.npz").unlink()
    with pytest.raises(ModelNotFoundError, match=r"model file missing: .*topic\.npz"):
        load_model(model_dir)


def test_manifest_without_hash_of_a_safe_file(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    _edit_manifest(model_dir, lambda m: m["files"].pop("topic.json"))
    with pytest.raises(ModelIntegrityError, match=r"no sha256 for topic\.json"):
        load_model(model_dir)


def test_joblib_directory_relabelled_safe_is_not_loaded(copy_model_dir):
    # claiming "safe" in the manifest does not make the loader read the pickles
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m.__setitem__("serialization", "safe"))
    with pytest.raises(ModelIntegrityError, match=r"no sha256 for topic\.npz"):
        load_model(model_dir)


def test_swapped_safe_metadata_is_an_integrity_error(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    (model_dir / "topic.json").write_bytes((model_dir / "stance.json").read_bytes())
    _rehash(model_dir, "topic.json")
    with pytest.raises(ModelIntegrityError, match="does not describe a TopicClassifier"):
        load_model(model_dir)


def test_unparsable_json_with_matching_hash(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    (model_dir / "stance.json").write_text("{not json", encoding="utf-8")
    _rehash(model_dir, "stance.json")
    with pytest.raises(ModelIntegrityError, match=r"cannot read model file .*stance"):
        load_model(model_dir)


class _TouchOnUnpickle:
    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def test_pickled_object_array_in_npz_is_refused(copy_safe_model_dir, tmp_path):
    # an attacker cannot smuggle a pickle into a safe model: the .npz files are read with allow_pickle=False
    model_dir = copy_safe_model_dir()
    marker = tmp_path / "pwned"
    with np.load(model_dir / "stance.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays["coef"] = np.array([_TouchOnUnpickle(marker)], dtype=object)
    np.savez(model_dir / "stance.npz", **arrays)
    _rehash(model_dir, "stance.npz")
    with pytest.raises(ModelIntegrityError,
                       match=r"cannot read model file .*stance\.npz: array 'coef' has dtype object, expected numbers"):
        load_model(model_dir)
    assert not marker.exists()


def test_plain_pickle_named_npz_is_refused(copy_safe_model_dir, tmp_path):
    import joblib

    model_dir = copy_safe_model_dir()
    marker = tmp_path / "pwned"
    joblib.dump(_TouchOnUnpickle(marker), model_dir / "topic.npz")
    _rehash(model_dir, "topic.npz")
    with pytest.raises(ModelIntegrityError, match=r"cannot read model file .*topic"):
        load_model(model_dir)
    assert not marker.exists()


def test_shared_features_file_is_written_once_and_checked(fresh_model, tmp_path):
    from stance.io.persistence import FEATURES_FILE, load_model, save_model

    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    manifest = json.loads((out / "manifest.json").read_text())
    assert FEATURES_FILE in manifest["files"]
    assert json.loads((out / "topic.json").read_text())["features"] == FEATURES_FILE
    assert json.loads((out / "stance.json").read_text())["features"] == FEATURES_FILE
    assert load_model(out).topics == fresh_model.topics
    with open(out / FEATURES_FILE, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelIntegrityError, match=r"features\.npz does not match the sha256"):
        load_model(out)


def test_features_reference_outside_the_manifest_is_refused(fresh_model, tmp_path):
    from stance.io.persistence import FEATURES_FILE, load_model, save_model

    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    _edit_manifest(out, lambda m: m["files"].pop(FEATURES_FILE))
    with pytest.raises(ModelIntegrityError, match="refers to features in 'features.npz', which is not a checked"):
        load_model(out)
    _edit_json(out, "topic.json", _set("features", "../elsewhere.npz"))
    with pytest.raises(ModelIntegrityError, match="refers to features in '../elsewhere.npz'"):
        load_model(out)


def test_v1_shared_vocabulary_file_is_checked(copy_v1_safe_model_dir):
    from stance.io.persistence import VOCABULARY_FILE

    out = copy_v1_safe_model_dir()
    assert json.loads((out / "topic.json").read_text())["vocabularies"] == VOCABULARY_FILE
    vocab = out / VOCABULARY_FILE
    vocab.write_text(vocab.read_text()[:-2] + " ]\n")  # same JSON value, other bytes
    with pytest.raises(ModelIntegrityError, match=r"vocabulary\.json does not match the sha256"):
        load_model(out)


def test_v1_vocabulary_reference_outside_the_manifest_is_refused(copy_v1_safe_model_dir):
    from stance.io.persistence import VOCABULARY_FILE
    from stance.datasets.domain import sha256_file

    out = copy_v1_safe_model_dir()
    _edit_manifest(out, lambda m: m["files"].pop(VOCABULARY_FILE))
    with pytest.raises(ModelIntegrityError, match="refers to vocabularies in 'vocabulary.json', which is not a checked file"):
        load_model(out)
    assert sha256_file(out / VOCABULARY_FILE)  # the file is there; it is refused because it is unchecked


# --------------------------------------------------------------------------- every value checked at load


def _edit_npz(model_dir: Path, stem: str, edit) -> None:
    with np.load(model_dir / f"{stem}.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    edit(arrays)
    np.savez_compressed(model_dir / f"{stem}.npz", **arrays)
    _rehash(model_dir, f"{stem}.npz")


def _edit_json(model_dir: Path, filename: str, edit) -> None:
    path = model_dir / filename
    meta = json.loads(path.read_text(encoding="utf-8"))
    edit(meta)
    path.write_text(json.dumps(meta), encoding="utf-8")
    _rehash(model_dir, filename)


def _set(key, value):
    def edit(d):
        d[key] = value
    return edit


def _set_param(key, value):
    def edit(meta):
        meta["params"][key] = value
    return edit


ARRAY_CASES = {
    "idf shorter than the vocabulary": ("features", lambda a: a.__setitem__("idf_word", a["idf_word"][:-1]),
                                        r"features\.npz: 'word_(unigram_col|bigram_cols)' must (hold one column|be columns) in \[(-1|0), \d+\)"),
    "binary flag other than [1]": ("features", lambda a: a.__setitem__("tf_binary", np.array([2], dtype=np.uint8)),
                                   r"features\.npz: field 'tf_binary' must be \[1\] \(present only for binary "
                                   r"term frequencies\), got \[2\]"),
    "binary flag the parts' params do not say": ("features",
                                                 lambda a: a.__setitem__("tf_binary", np.ones(1, dtype=np.uint8)),
                                                 r"topic\.json: field 'params\.binary' must be true \(what "
                                                 r"features\.npz holds\), got False"),
    "2-D idf": ("features", lambda a: a.__setitem__("idf_word", a["idf_word"][None, :]),
                r"features\.npz: field 'idf_word' must be a 1-d array of floats, got dtype float32, shape \(1, \d+\)"),
    "idf in a part": ("stance", lambda a: a.__setitem__("idf_word", np.ones(3)), r"stance\.npz: field 'idf_word' must be one of"),
    "token ids out of range": ("features", lambda a: a["word_unigram_col"].__setitem__(0, 10**6),
                               r"features\.npz: 'word_unigram_col' must hold one column"),
    "a column defined twice": ("features", lambda a: a["word_unigram_col"].__setitem__(1, a["word_unigram_col"][0]),
                               r"features\.npz: the word tables must define each of the \d+ word columns exactly once"),
    "unsorted bigram keys": ("features", lambda a: a.__setitem__("word_bigram_keys", a["word_bigram_keys"][::-1].copy()),
                             r"features\.npz: 'word_bigram_keys' must be sorted distinct keys"),
    "tokens not UTF-8": ("features", lambda a: a["word_tokens"].__setitem__(0, 0xFF),
                         r"features\.npz: 'word_tokens' must be UTF-8 text"),
    "char key outside the alphabet": ("features", lambda a: a["char_keys"].__setitem__(-1, a["char_keys"][-1] | 0xFFF),
                                      r"features\.npz: 'char_keys' must"),
    "char columns not a permutation": ("features", lambda a: a["char_cols"].__setitem__(0, a["char_cols"][1]),
                                       r"features\.npz: 'char_cols' must be a permutation"),
    "float tables": ("features", lambda a: a.__setitem__("char_keys", a["char_keys"].astype(np.float64)),
                     r"features\.npz: 'char_keys' must be a 1-d integer array"),
    "wrong coefficient shape": ("topic", lambda a: a.__setitem__("coef", a["coef"][:, :-3]),
                                r"topic\.npz: field 'coef' must be an array of shape"),
    "wrong intercept shape": ("stance", lambda a: a.__setitem__("intercept", a["intercept"][:1]),
                              r"stance\.npz: field 'intercept' must be an array of shape \(3,\), got shape \(1,\)"),
    "wrong calibrator shape": ("stance", lambda a: a.__setitem__("calibrator_coef", a["calibrator_coef"][:, :2]),
                               r"stance\.npz: field 'calibrator_coef' must be an array of shape \(3, 3\)"),
    "NaN weights": ("topic", lambda a: a["coef"].__setitem__((0, 0), np.nan),
                    r"topic\.npz: field 'coef' must be finite numbers, got NaN or infinity"),
    "integer weights": ("topic", lambda a: a.__setitem__("coef", a["coef"].astype(np.int64)),
                        r"topic\.npz: field 'coef' must be an array of floats, got dtype int64"),
    "threshold above 1": ("topic", lambda a: a["thresholds"].__setitem__(0, 3.0),
                          r"topic\.npz: field 'thresholds' must be numbers from 0 to 1"),
    "negative idf": ("features", lambda a: a["idf_word"].__setitem__(0, -1.0),
                     r"features\.npz: field 'idf_word' must be positive finite numbers"),
    "negative decision weight": ("stance", lambda a: a["decision_weights"].__setitem__(0, -1.0),
                                 r"stance\.npz: field 'decision_weights' must be numbers >= 0, one at least > 0, "
                                 r"got \[-1\.0, "),
    "unknown array": ("stance", lambda a: a.__setitem__("extra", np.zeros(2)),
                      r"stance\.npz: field 'extra' must be one of"),
    "missing array": ("topic", lambda a: a.pop("thresholds"),
                      r"topic\.npz: field 'thresholds' must be an array of shape \(4,\), got nothing \(missing\)"),
}


V1_ARRAY_CASES = {
    "idf shorter than the vocabulary": ("topic", lambda a: a.__setitem__("idf_word", a["idf_word"][:-1]),
                                        r"topic\.npz: field 'idf_word' must be an array of shape \(\d+,\), got shape"),
    "2-D idf": ("stance", lambda a: a.__setitem__("idf_word", a["idf_word"][None, :]),
                r"stance\.npz: field 'idf_word' must be an array of shape .*, got shape \(1, \d+\)"),
    "negative idf": ("stance", lambda a: a["idf_word"].__setitem__(0, -1.0),
                     r"stance\.npz: field 'idf_word' must be positive numbers"),
    "wrong coefficient shape": ARRAY_CASES["wrong coefficient shape"],
}
V1_JSON_CASES = {
    "extra vocabulary terms": ("vocabulary.json", lambda v: v["word"].append("zzz-extra"),
                               r"topic\.npz: field 'idf_word' must be an array of shape"),
    "char term out of range": ("vocabulary.json", lambda v: v["char"].__setitem__(0, "x" * 40),
                               r"vocabulary\.json: field 'vocabularies\.char' must be a list of strings of 2 to 5"),
    "C negative": ("topic.json", _set_param("C", -1),
                   r"topic\.json: field 'params\.C' must be 'auto' or a number > 0, got -1"),
}


@pytest.mark.parametrize("case", sorted(V1_ARRAY_CASES))
def test_v1_damaged_arrays_are_refused(case, copy_v1_safe_model_dir):
    model_dir = copy_v1_safe_model_dir()
    stem, edit, message = V1_ARRAY_CASES[case]
    _edit_npz(model_dir, stem, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


@pytest.mark.parametrize("case", sorted(V1_JSON_CASES))
def test_v1_bad_values_are_refused(case, copy_v1_safe_model_dir):
    model_dir = copy_v1_safe_model_dir()
    filename, edit, message = V1_JSON_CASES[case]
    _edit_json(model_dir, filename, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


@pytest.mark.parametrize("case", sorted(ARRAY_CASES))
def test_damaged_arrays_with_recomputed_hashes_are_refused(case, copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    stem, edit, message = ARRAY_CASES[case]
    _edit_npz(model_dir, stem, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


JSON_CASES = {
    "word_ngram_range 'ab'": ("topic.json", _set_param("word_ngram_range", "ab"),
                              r"topic\.json: field 'params\.word_ngram_range' must be \[min, max\] with "
                              r"1 <= min <= max <= 5, got 'ab'"),
    "char_ngram_range [1, 1e9]": ("stance.json", _set_param("char_ngram_range", [1, 1e9]),
                                  r"stance\.json: field 'params\.char_ngram_range' must be \[min, max\]"),
    "char_ngram_range [1, 10**9]": ("topic.json", _set_param("char_ngram_range", [1, 10**9]),
                                    r"topic\.json: field 'params\.char_ngram_range' .* got \[1, 1000000000\]"),
    "C negative": ("topic.json", _set_param("C", -1),
                   r"topic\.json: field 'params\.C' must be 'auto' or a number > 0, got -1"),
    "hash features huge": ("stance.json", _set_param("target_hash_features", 2**40),
                           r"stance\.json: field 'params\.target_hash_features' must be an int from 1 to"),
    "repeated classes": ("topic.json", lambda m: m["classes"].__setitem__(1, m["classes"][0]),
                         r"topic\.json: field 'classes' must be a list of 1 or more distinct"),
    "calibrator classes": ("stance.json", _set("calibrator_classes", [0, 1, 5]),
                           r"stance\.json: field 'calibrator_classes' must be \[0, 1, 2\]"),
    "char range other than the features'": ("stance.json", _set_param("char_ngram_range", [2, 4]),
                                            r"stance\.json: its n-gram ranges differ from those of the other part"),
    "features of no file": ("topic.json", _set("features", None), r"topic\.json refers to features in None"),
    "unknown parameter holding an object": ("topic.json", _set_param("future", {"a": 1}),
                                            r"topic\.json: field 'params\.future' must be a plain JSON value"),
    "binary tf the features file does not hold": ("stance.json", _set_param("binary", True),
                                                  r"stance\.json: field 'params\.binary' must be false \(what "
                                                  r"features\.npz holds\), got True"),
}


@pytest.mark.parametrize("case", sorted(JSON_CASES))
def test_bad_parameters_with_recomputed_hashes_are_refused(case, copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    filename, edit, message = JSON_CASES[case]
    _edit_json(model_dir, filename, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


def _npy_header(shape, dtype="<f4") -> bytes:
    import io

    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": dtype, "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_an_array_declaring_more_than_it_holds_is_refused_before_allocating(copy_safe_model_dir):
    import zipfile

    model_dir = copy_safe_model_dir()
    with zipfile.ZipFile(model_dir / "topic.npz", "a", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bomb.npy", _npy_header((2**28,)) + b"\0" * 64)  # declares 1 GiB, holds 64 bytes
    _rehash(model_dir, "topic.npz")
    with pytest.raises(ModelIntegrityError, match=r"topic\.npz: array 'bomb' declares shape \(268435456,\) "
                                                  r"\(1,073,741,824 bytes\) but its member holds"):
        load_model(model_dir)


def test_arrays_over_the_load_cap_are_refused_from_the_zip_header(copy_safe_model_dir, monkeypatch):
    import stance.io.persistence as persistence

    model_dir = copy_safe_model_dir()
    monkeypatch.setattr(persistence, "MAX_NPZ_BYTES", 1000)
    called = []
    monkeypatch.setattr(np, "load", lambda *a, **k: called.append(a))
    with pytest.raises(ModelIntegrityError, match=r"topic\.npz: its arrays take more than 1,000 bytes uncompressed"):
        load_model(model_dir)
    assert called == []  # nothing was decompressed


@pytest.mark.parametrize("text, message", [
    ("[" * 100_000 + "]" * 100_000, r"corrupt manifest .*: not valid JSON \(nested too deeply\)"),
    ('{"format": ' + "7" * 5000 + "}", r"corrupt manifest .*: not valid JSON \(an integer of more than 4,300 digits\)"),
    ('{"format": NaN}', r"corrupt manifest .*: not valid JSON \(NaN is not a JSON value\)"),
], ids=["deep-nesting", "huge-integer", "nan"])
def test_hostile_manifests_are_one_line_model_errors(text, message, copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    (model_dir / MANIFEST_FILE).write_text(text, encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)
    with pytest.raises(ModelIntegrityError, match=message):
        read_manifest(model_dir)


def test_a_huge_stance_version_number_is_a_version_error(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("stance", "9" * 5000))
    with pytest.raises(ModelVersionError, match=r"incompatible with stance"):
        load_model(model_dir)


def test_a_char_4_5_model_classifies_short_new_words(tmp_path, train_rows):
    from stance.training import fit_model
    from stance.datasets.domain import LabelledData

    data = LabelledData(texts=[r[0] for r in train_rows], topics=[r[1] for r in train_rows],
                        stances=[r[2] for r in train_rows], targets=[None] * len(train_rows),
                        docs=[r[3] for r in train_rows], ids=[str(i) for i in range(len(train_rows))])
    params = {"min_df": 1, "char_ngram_range": (4, 5), "cv": 2}
    model = fit_model(data, topic_params=params, stance_params=params)
    save_model(model, tmp_path / "m", format="safe")
    loaded = load_model(tmp_path / "m")
    loaded.classify(["NATO"])
    results = loaded.classify(["a", "NATO"])
    assert [r.to_dict() for r in results] == [r.to_dict() for r in model.classify(["a", "NATO"])]


# --------------------------------------------------------------------------- fuzzing what a safe model may hold

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _fuzz import fuzz  # noqa: E402

_ANY_JSON = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                                   st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12)),
                         lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                 st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                         max_leaves=6)
_FIELDS = st.sampled_from([
    ("topic.json", ("params", "word_ngram_range")), ("topic.json", ("params", "char_ngram_range")),
    ("stance.json", ("params", "char_ngram_range")), ("stance.json", ("params", "target_hash_features")),
    ("topic.json", ("params", "C")), ("topic.json", ("params", "min_df")), ("stance.json", ("uses_targets",)),
    ("stance.json", ("targets",)), ("stance.json", ("calibrator_classes",)), ("topic.json", ("classes",)),
    ("stance.json", ("cv_macro_f1",)), ("topic.json", ("features",)), ("stance.json", ("features",)),
    ("manifest.json", ("topics",)), ("manifest.json", ("versions",)), ("manifest.json", ("files",)),
])


@fuzz(40)
@given(field=_FIELDS, value=_ANY_JSON)
def test_any_value_in_a_safe_model_loads_and_classifies_or_is_a_model_error(tiny_safe_model_dir, tmp_path_factory,
                                                                           field, value):
    import shutil

    model_dir = tmp_path_factory.mktemp("fuzz") / "m"
    shutil.copytree(tiny_safe_model_dir, model_dir)
    filename, keys = field
    path = model_dir / filename
    doc = json.loads(path.read_text(encoding="utf-8"))
    target = doc
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    path.write_text(json.dumps(doc), encoding="utf-8")
    if filename != MANIFEST_FILE:
        _rehash(model_dir, filename)
    try:
        model = load_model(model_dir)
    except ModelError as exc:
        assert "\n" not in str(exc)
        return
    results = model.classify(PARAGRAPHS)
    assert len(results) == len(PARAGRAPHS)
    for r in results:
        assert all(np.isfinite(v) for v in r.stance_scores.values())


@fuzz(60)
@given(text=st.one_of(_ANY_JSON.map(json.dumps), st.text(max_size=60), st.sampled_from([
    "[" * 100_000, '{"format": ' + "9" * 5000 + "}", '{"format": NaN}', "\ud800"])))
def test_any_manifest_is_read_or_a_model_error(tiny_safe_model_dir, tmp_path_factory, text):
    model_dir = tmp_path_factory.mktemp("fuzz")
    (model_dir / MANIFEST_FILE).write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        read_manifest(model_dir)
    except ModelError as exc:
        assert "\n" not in str(exc)


def test_json_over_the_load_cap_is_refused_before_parsing(copy_safe_model_dir, monkeypatch):
    import stance.io.persistence as persistence

    model_dir = copy_safe_model_dir()
    monkeypatch.setattr(persistence, "MAX_JSON_BYTES", 100)
    monkeypatch.setattr(json, "loads", lambda *a, **k: pytest.fail("parsed"))
    with pytest.raises(ModelIntegrityError, match=r"corrupt manifest .*manifest\.json: more than 100 bytes"):
        load_model(model_dir)


# --------------------------------------------------------------------------- layout versions


@pytest.mark.parametrize("shared_vocabulary", [True, False], ids=["shared-vocabulary", "inline-vocabularies"])
def test_every_v1_layout_still_loads_and_predicts_the_same(fresh_model, tmp_path, shared_vocabulary,
                                                           no_pickle_loads):
    from _old_formats import V1_FORMAT, write_v1_safe
    from stance.io.persistence import MODEL_FORMAT

    old = write_v1_safe(fresh_model, tmp_path / "v1", shared_vocabulary=shared_vocabulary)
    assert ("vocabulary.json" in os.listdir(old)) is shared_vocabulary
    loaded = load_model(old)
    assert loaded.manifest["format"] == V1_FORMAT
    assert loaded.predictor is not None
    _assert_same_predictions(loaded, fresh_model)
    # and re-saving it writes the current layout, with the same predictions
    again = load_model(save_model(loaded, tmp_path / "v2", format="safe"))
    assert again.manifest["format"] == MODEL_FORMAT == "stance-model/2"
    _assert_same_predictions(again, fresh_model)


def test_a_newer_layout_is_refused_with_a_clear_message(copy_safe_model_dir):
    model_dir = copy_safe_model_dir()
    _edit_manifest(model_dir, lambda m: m.__setitem__("format", "stance-model/3"))
    with pytest.raises(stance.ModelVersionError, match=r"model format 'stance-model/3' is not supported by stance "
                                                       r".*\(it reads stance-model/1, stance-model/2\); it was written "
                                                       r"by a newer stance: upgrade stance to read it"):
        load_model(model_dir)


def test_parts_with_their_own_features_and_uncompiled_settings_round_trip(train_rows, tmp_path, no_pickle_loads):
    from stance.model.stance_model import StanceModel
    from stance.estimators.linear import StanceClassifier, TopicClassifier

    texts = [r[0] for r in train_rows]
    # the topic part's char n-grams up to 6 do not compile: its features are stored as terms
    tc = TopicClassifier(min_df=1, cv=2, random_state=0, char_ngram_range=(2, 6)).fit(texts, [r[1] for r in train_rows])
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, char_ngram_range=None).fit(texts, [r[2] for r in train_rows])
    model = StanceModel(tc, sc)
    out = save_model(model, tmp_path / "m", format="safe")
    files = sorted(os.listdir(out))
    assert "topic.features.npz" in files and "stance.features.npz" in files and "features.npz" not in files
    with np.load(out / "topic.features.npz") as npz:
        assert "terms_char" in npz.files and "char_keys" not in npz.files
    with np.load(out / "stance.features.npz") as npz:
        assert "word_tokens" in npz.files and "idf_char" not in npz.files
    loaded = load_model(out)
    _assert_same_predictions(loaded, model)


@pytest.mark.parametrize("fmt", ["safe", "joblib"])
def test_binary_tf_models_round_trip(train_rows, tmp_path, request, fmt):
    from stance.model.stance_model import StanceModel
    from stance.estimators.linear import StanceClassifier, TopicClassifier

    texts = [r[0] for r in train_rows]
    tc = TopicClassifier(min_df=1, cv=2, random_state=0, binary=True).fit(texts, [r[1] for r in train_rows])
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, binary=True).fit(texts, [r[2] for r in train_rows])
    model = StanceModel(tc, sc)
    out = save_model(model, tmp_path / "m", format=fmt)
    if fmt == "safe":
        with np.load(out / "features.npz") as npz:  # shared by both parts, compiled, flagged
            assert "word_tokens" in npz.files and npz["tf_binary"].tolist() == [1]
        assert json.loads((out / "stance.json").read_text(encoding="utf-8"))["params"]["binary"] is True
        request.getfixturevalue("no_pickle_loads")
        loaded = load_model(out)
    else:
        loaded = load_model(out, trusted=True)  # a pickle this test wrote itself
    assert loaded.topic_classifier.binary is True and loaded.stance_classifier.binary is True
    _assert_same_predictions(loaded, model)
    # and the features really are binary: the saved model scores repeated words as the union does
    repeated = ["NATO NATO NATO expansion expansion", "talks talks"]
    np.testing.assert_allclose(loaded.stance_classifier.predict_proba(repeated),
                               sc.predict_proba(repeated), rtol=0, atol=1e-7)


def test_binary_tf_features_stored_as_terms_round_trip(train_rows, tmp_path, no_pickle_loads):
    from stance.model.stance_model import StanceModel
    from stance.estimators.linear import StanceClassifier, TopicClassifier

    texts = [r[0] for r in train_rows]
    # char n-grams up to 6 do not compile: the features are stored as terms, flagged binary
    params = dict(min_df=1, cv=2, random_state=0, binary=True, char_ngram_range=(2, 6))
    model = StanceModel(TopicClassifier(**params).fit(texts, [r[1] for r in train_rows]),
                        StanceClassifier(**params).fit(texts, [r[2] for r in train_rows]))
    out = save_model(model, tmp_path / "m", format="safe")
    with np.load(out / "features.npz") as npz:
        assert "terms_char" in npz.files and npz["tf_binary"].tolist() == [1]
    loaded = load_model(out)
    assert loaded.stance_classifier.features_.transformer_list[1][1].binary is True
    _assert_same_predictions(loaded, model)


def test_safe_files_written_before_the_binary_parameter_load_as_sublinear(copy_safe_model_dir, tiny_model):
    model_dir = copy_safe_model_dir()
    for name in ("topic.json", "stance.json"):
        _edit_json(model_dir, name, lambda meta: meta["params"].pop("binary"))
    loaded = load_model(model_dir)
    assert loaded.topic_classifier.binary is False and loaded.stance_classifier.binary is False
    _assert_same_predictions(loaded, tiny_model)
