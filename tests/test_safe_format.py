"""Tests of the pickle-free "safe" model format: save_model(format="safe") and export_model."""

from __future__ import annotations

import hashlib
import json
import pathlib
from pathlib import Path

import numpy as np
import pytest
import sklearn

import stance
from stance.exceptions import ModelError, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from stance.persistence import MANIFEST_FILE, export_model, load_model, read_manifest, save_model

PARAGRAPHS = [
    "NATO must stop its expansion toward Russia, the Kremlin said.",
    "The EU adopted new sanctions against Russian banks.",
    "",
    "Diplomats held talks in Geneva on the arms control treaty.",
    "Moscow proposed a moratorium on missiles; Washington \u00abrejected\u00bb it \u2014 caf\u00e9 talks.",
]
SAFE_FILES = ["manifest.json", "stance.json", "stance.npz", "topic.json", "topic.npz", "vocabulary.json"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _edit_manifest(model_dir: Path, edit) -> None:
    path = model_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _rehash(model_dir: Path, filename: str) -> None:
    _edit_manifest(model_dir, lambda m: m["files"].__setitem__(filename, _sha256(model_dir / filename)))


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


def test_safe_model_with_targets_round_trip(tmp_path, monkeypatch, train_rows):
    from stance import training
    from stance.exceptions import InvalidInputError

    monkeypatch.setattr(training, "DEFAULT_STANCE_PARAMS", {**training.DEFAULT_STANCE_PARAMS,
                                                            "target_hash_features": 2**12})
    data = tmp_path / "t.jsonl"
    data.write_text("".join(
        json.dumps({"text": text, "topics": topics, "stance": st, "doc": doc, "target": "NATO" if i % 2 else "Russia"})
        + "\n" for i, (text, topics, st, doc) in enumerate(train_rows)
    ), encoding="utf-8")
    model = training.train_model(data, tmp_path / "m", topics="auto", stances="auto", min_df=1, format="safe")
    loaded = load_model(tmp_path / "m")
    assert loaded.manifest["uses_targets"] is True
    assert loaded.stance_classifier.targets_.tolist() == ["NATO", "Russia"]
    with pytest.raises(InvalidInputError, match="fitted with targets"):
        loaded.classify(PARAGRAPHS)
    for target in ("NATO", "Russia", "Ukraine"):
        np.testing.assert_array_equal(loaded.stance_classifier.predict_proba(PARAGRAPHS, targets=target),
                                      model.stance_classifier.predict_proba(PARAGRAPHS, targets=target))
        assert ([r.to_dict() for r in loaded.classify(PARAGRAPHS, targets=target)]
                == [r.to_dict() for r in model.classify(PARAGRAPHS, targets=target)])


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
    with pytest.raises(ModelIntegrityError, match=r"cannot read model file .*stance.*allow_pickle"):
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


def test_shared_vocabulary_file_is_written_once_and_checked(fresh_model, tmp_path):
    import json as _json

    from stance.persistence import VOCABULARY_FILE, load_model, save_model

    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    manifest = _json.loads((out / "manifest.json").read_text())
    assert VOCABULARY_FILE in manifest["files"]
    assert _json.loads((out / "topic.json").read_text())["vocabularies"] == VOCABULARY_FILE
    assert load_model(out).topics == fresh_model.topics
    vocab = out / VOCABULARY_FILE
    vocab.write_text(vocab.read_text()[:-2] + " ]\n")  # same JSON value, other bytes
    with pytest.raises(ModelIntegrityError, match=r"vocabulary\.json does not match the sha256"):
        load_model(out)


def test_vocabulary_reference_outside_the_manifest_is_refused(fresh_model, tmp_path):
    import json as _json

    from stance.persistence import VOCABULARY_FILE, load_model, save_model
    from stance.datasets import sha256_file

    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    manifest_path = out / "manifest.json"
    manifest = _json.loads(manifest_path.read_text())
    del manifest["files"][VOCABULARY_FILE]
    manifest_path.write_text(_json.dumps(manifest))
    with pytest.raises(ModelIntegrityError, match="refers to vocabularies in 'vocabulary.json', which is not a checked file"):
        load_model(out)
    assert sha256_file(out / VOCABULARY_FILE)  # the file is there; it is refused because it is unchecked
