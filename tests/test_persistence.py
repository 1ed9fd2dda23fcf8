"""Tests of stance.io.persistence: model directories, manifests, integrity and version checks."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import joblib
import pytest
import sklearn

import stance
from stance.io import persistence
from stance.model.stance_model import StanceModel
from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS
from stance.exceptions import (
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
)
from stance.io.persistence import MANIFEST_FILE, MODEL_FORMAT, default_model_path, load_model, read_manifest, save_model

PARAGRAPHS = [
    "NATO must stop its expansion toward Russia, the Kremlin said.",
    "The EU adopted new sanctions against Russian banks.",
    "",
    "Diplomats held talks in Geneva on the arms control treaty.",
]


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _snapshot(directory: Path) -> dict:
    """Relative path -> bytes of every file under ``directory``."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(Path(directory).rglob("*")) if p.is_file()}


def _edit_manifest(model_dir: Path, edit) -> None:
    path = model_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _outputs(model, paragraphs=PARAGRAPHS):
    return [r.to_dict() for r in model.classify(paragraphs)]


# --------------------------------------------------------------------------- round trip


def test_save_and_load_round_trip_gives_identical_outputs(fresh_model, tmp_path):
    out = save_model(fresh_model, tmp_path / "saved", name="round-trip", format="joblib")
    assert out == tmp_path / "saved"
    assert sorted(os.listdir(out)) == ["manifest.json", "stance.joblib", "topic.joblib"]
    loaded = load_model(out, trusted=True)
    assert isinstance(loaded, StanceModel)
    assert _outputs(loaded) == _outputs(fresh_model)
    assert loaded.topics == fresh_model.topics and loaded.stances == fresh_model.stances
    assert loaded.manifest["name"] == "round-trip"


def test_save_model_writes_both_formats_by_default(fresh_model, tmp_path):
    out = save_model(fresh_model, tmp_path / "m")
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["serialization"] == "both"
    assert {"stance.joblib", "topic.joblib", "stance.npz", "topic.npz"} <= set(os.listdir(out))
    loaded = load_model(out)  # a model just saved loads without trusted=True: the safe files are read
    assert _outputs(loaded) == _outputs(fresh_model)


def test_manifest_contents(fresh_model, tmp_path, train_jsonl):
    from stance.datasets.domain import read_labelled_jsonl

    data = read_labelled_jsonl(train_jsonl)
    out = save_model(fresh_model, tmp_path / "m", training_data=[data], metrics={"x": 1}, format="joblib")
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["format"] == MODEL_FORMAT == "stance-model/2"
    assert manifest["serialization"] == "joblib"
    assert manifest["name"] == "m"  # the directory name by default
    assert manifest["topics"] == fresh_model.topics
    assert manifest["stances"] == fresh_model.stances
    assert manifest["uses_targets"] is False
    assert manifest["files"] == {
        "topic.joblib": _sha256(out / "topic.joblib"),
        "stance.joblib": _sha256(out / "stance.joblib"),
    }
    assert manifest["versions"]["scikit-learn"] == sklearn.__version__
    assert manifest["versions"]["stance"] == stance.__version__
    assert {"numpy", "joblib", "python"} <= set(manifest["versions"])
    assert manifest["training_data"] == [{"file": "train.jsonl", "examples": 12, "sha256": _sha256(train_jsonl)}]
    assert manifest["metrics"] == {"x": 1}
    # default parameters: get_params made JSON-ready (tuples become lists)
    assert manifest["parameters"]["topic_classifier"]["word_ngram_range"] == [1, 2]
    assert manifest["parameters"]["stance_classifier"]["min_df"] == 1
    assert "pickles" in manifest["security"]
    assert fresh_model.manifest == manifest


def test_models_are_saved_by_save_model_not_a_method(fresh_model, tmp_path):
    # the model layer does not import its I/O (imports point one way): saving is save_model's
    assert not hasattr(fresh_model, "save")
    save_model(fresh_model, tmp_path / "via-function", name="m2")
    assert load_model(tmp_path / "via-function", trusted=True).manifest["name"] == "m2"


def test_read_manifest_does_not_open_model_files(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / "topic.joblib").write_bytes(b"garbage")
    manifest = read_manifest(model_dir)
    assert manifest["topics"] == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]


def test_load_model_accepts_str_path(tiny_model_dir):
    loaded = load_model(str(tiny_model_dir), trusted=True)
    assert loaded.topics == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]


# --------------------------------------------------------------------------- corrupt or missing files


@pytest.mark.parametrize("filename", ["topic.joblib", "stance.joblib"])
def test_flipped_byte_is_an_integrity_error_naming_the_file(copy_model_dir, filename):
    model_dir = copy_model_dir()
    path = model_dir / filename
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=rf"{filename} does not match the sha256 in its manifest"):
        load_model(model_dir, trusted=True)


def test_truncated_file_is_an_integrity_error(copy_model_dir):
    model_dir = copy_model_dir()
    path = model_dir / "topic.joblib"
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(ModelIntegrityError, match=r"topic\.joblib does not match the sha256"):
        load_model(model_dir, trusted=True)


def test_unreadable_file_with_matching_hash_is_an_integrity_error(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / "stance.joblib").write_bytes(b"this is not a pickle")
    _edit_manifest(model_dir, lambda m: m["files"].__setitem__("stance.joblib", _sha256(model_dir / "stance.joblib")))
    # the message names the part ("stance.*"), since the same handler serves both serialisations
    with pytest.raises(ModelIntegrityError, match=r"cannot read model file .*[/\\]stance\."):
        load_model(model_dir, trusted=True)


def test_swapped_files_are_an_integrity_error(copy_model_dir):
    model_dir = copy_model_dir()
    topic, stance_file = model_dir / "topic.joblib", model_dir / "stance.joblib"
    a, b = topic.read_bytes(), stance_file.read_bytes()
    topic.write_bytes(b)
    stance_file.write_bytes(a)
    _edit_manifest(model_dir, lambda m: m.__setitem__("files", {"topic.joblib": _sha256(topic),
                                                                 "stance.joblib": _sha256(stance_file)}))
    with pytest.raises(ModelIntegrityError, match="holds a StanceClassifier, expected TopicClassifier"):
        load_model(model_dir, trusted=True)


def test_missing_model_file(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / "stance.joblib").unlink()
    with pytest.raises(ModelNotFoundError, match=r"model file missing: .*stance\.joblib"):
        load_model(model_dir, trusted=True)


def test_missing_manifest(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / MANIFEST_FILE).unlink()
    with pytest.raises(ModelNotFoundError, match=r"not a model directory: .*manifest\.json is missing"):
        load_model(model_dir, trusted=True)


def test_missing_directory(tmp_path):
    with pytest.raises(ModelNotFoundError, match="model directory not found: .*nowhere"):
        load_model(tmp_path / "nowhere")


def test_model_not_found_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "nowhere")


# --------------------------------------------------------------------------- manifest checks


def test_wrong_scikit_learn_version(copy_model_dir):
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("scikit-learn", "0.1.0"))
    with pytest.raises(ModelVersionError, match=rf"pickled with scikit-learn 0\.1\.0, but scikit-learn {sklearn.__version__}"):
        load_model(model_dir, trusted=True)


def test_missing_scikit_learn_version(copy_model_dir):
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m["versions"].pop("scikit-learn"))
    with pytest.raises(ModelVersionError, match="pickled with scikit-learn unknown"):
        load_model(model_dir, trusted=True)


def test_other_patch_release_of_scikit_learn_is_accepted(copy_model_dir):
    model_dir = copy_model_dir()
    major, minor = sklearn.__version__.split(".")[:2]
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("scikit-learn", f"{major}.{minor}.999"))
    assert load_model(model_dir, trusted=True).topics


def test_incompatible_stance_version(copy_model_dir):
    model_dir = copy_model_dir()
    major = int(stance.__version__.split(".")[0])
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("stance", f"{major + 1}.0.0"))
    with pytest.raises(ModelVersionError, match=rf"written with stance {major + 1}\.0\.0, which is incompatible"):
        load_model(model_dir, trusted=True)


def test_unsupported_format(copy_model_dir):
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m.__setitem__("format", "stance-model/99"))
    with pytest.raises(ModelVersionError, match="model format 'stance-model/99' is not supported"):
        load_model(model_dir, trusted=True)


def test_invalid_json_manifest(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / MANIFEST_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match=r"corrupt manifest .*manifest\.json"):
        load_model(model_dir, trusted=True)


def test_non_utf8_manifest(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / MANIFEST_FILE).write_bytes(b"\xff\xfe{}")
    with pytest.raises(ModelIntegrityError, match="corrupt manifest"):
        load_model(model_dir, trusted=True)


def test_manifest_not_an_object(copy_model_dir):
    model_dir = copy_model_dir()
    (model_dir / MANIFEST_FILE).write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="expected a JSON object"):
        load_model(model_dir, trusted=True)


@pytest.mark.parametrize("field", ["format", "versions", "files", "topics", "stances"])
def test_manifest_missing_field(copy_model_dir, field):
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m.pop(field))
    with pytest.raises(ModelIntegrityError, match=rf"missing field\(s\) \['{field}'\]"):
        load_model(model_dir, trusted=True)


def test_manifest_without_hash_of_a_file(copy_model_dir):
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m["files"].pop("topic.joblib"))
    with pytest.raises(ModelIntegrityError, match=r"no sha256 for topic\.joblib"):
        load_model(model_dir, trusted=True)


@pytest.mark.parametrize(
    ("field", "value"),
    [("versions", "1.9.1"), ("files", None), ("files", ["topic.joblib"])],
    ids=["versions-is-a-string", "files-is-null", "files-is-a-list"],
)
def test_manifest_field_of_the_wrong_type_is_an_integrity_error(copy_model_dir, field, value):
    # A manifest whose fields have the wrong JSON type is corrupt; it must not surface as a
    # raw AttributeError/TypeError (which the CLI would print as a traceback).
    model_dir = copy_model_dir()
    _edit_manifest(model_dir, lambda m: m.__setitem__(field, value))
    with pytest.raises(ModelIntegrityError, match="corrupt manifest"):
        load_model(model_dir, trusted=True)


# --------------------------------------------------------------------------- saving safely


def test_save_refuses_non_empty_directory_without_manifest(fresh_model, tmp_path):
    target = tmp_path / "precious"
    target.mkdir()
    (target / "notes.txt").write_text("do not delete", encoding="utf-8")
    (target / "sub").mkdir()
    (target / "sub" / "data.bin").write_bytes(b"\x00\x01")
    before = _snapshot(target)
    with pytest.raises(ModelError, match=r"refusing to replace .*precious: it is not empty and holds no manifest\.json"):
        save_model(fresh_model, target)
    assert _snapshot(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["precious"]


def test_save_refuses_a_file_path(fresh_model, tmp_path):
    target = tmp_path / "model.txt"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(ModelError, match="exists and is not a directory"):
        save_model(fresh_model, target)
    assert target.read_text(encoding="utf-8") == "x"


def test_save_without_overwrite_refuses_existing_model(fresh_model, copy_model_dir):
    model_dir = copy_model_dir()
    before = _snapshot(model_dir)
    with pytest.raises(ModelError, match="holds a model already; pass overwrite=True"):
        save_model(fresh_model, model_dir, overwrite=False)
    assert _snapshot(model_dir) == before


def test_save_into_empty_directory(fresh_model, tmp_path):
    (tmp_path / "empty").mkdir()
    save_model(fresh_model, tmp_path / "empty")
    assert (tmp_path / "empty" / MANIFEST_FILE).is_file()


def test_save_creates_missing_parents(fresh_model, tmp_path):
    save_model(fresh_model, tmp_path / "a" / "b" / "model")
    assert load_model(tmp_path / "a" / "b" / "model", trusted=True).topics == fresh_model.topics


def test_save_replaces_an_existing_model_and_cleans_up(fresh_model, copy_model_dir):
    model_dir = copy_model_dir()
    save_model(fresh_model, model_dir, name="replacement")
    assert load_model(model_dir, trusted=True).manifest["name"] == "replacement"
    assert sorted(p.name for p in model_dir.parent.iterdir()) == ["model"]


def test_failed_save_keeps_previous_model_and_leaves_no_temp_dirs(fresh_model, copy_model_dir, monkeypatch):
    model_dir = copy_model_dir()
    before = _snapshot(model_dir)
    real_dump = joblib.dump
    calls = []

    def failing_dump(obj, filename, *args, **kwargs):
        calls.append(filename)
        if len(calls) == 2:  # the first file is written, the second one fails
            raise OSError("disk full")
        return real_dump(obj, filename, *args, **kwargs)

    monkeypatch.setattr(joblib, "dump", failing_dump)
    with pytest.raises(OSError, match="disk full"):
        save_model(fresh_model, model_dir, name="never")
    assert len(calls) == 2
    assert _snapshot(model_dir) == before
    assert sorted(p.name for p in model_dir.parent.iterdir()) == ["model"]
    monkeypatch.undo()
    assert load_model(model_dir, trusted=True).manifest["name"] == "tiny"


def test_failed_save_to_a_new_path_leaves_nothing(fresh_model, tmp_path, monkeypatch):
    def failing_dump(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(joblib, "dump", failing_dump)
    with pytest.raises(KeyboardInterrupt):
        save_model(fresh_model, tmp_path / "new-model")
    assert list(tmp_path.iterdir()) == []


def test_failed_swap_restores_previous_model(fresh_model, copy_model_dir, monkeypatch):
    # the two-rename fallback used where renameat2(RENAME_EXCHANGE) is unavailable
    monkeypatch.setattr(persistence, "_exchange", lambda a, b: False)
    model_dir = copy_model_dir()
    before = _snapshot(model_dir)
    real_replace = os.replace
    calls = []

    def flaky_replace(src, dst):
        calls.append((Path(src).name, Path(dst).name))
        if len(calls) == 2:  # moving the new directory into place fails
            raise OSError("rename failed")
        return real_replace(src, dst)

    monkeypatch.setattr(persistence.os, "replace", flaky_replace)
    with pytest.raises(OSError, match="rename failed"):
        save_model(fresh_model, model_dir, name="never")
    monkeypatch.undo()
    assert _snapshot(model_dir) == before
    assert sorted(p.name for p in model_dir.parent.iterdir()) == ["model"]


# --------------------------------------------------------------------------- the shipped default model


def _default_manifest() -> Path:
    return default_model_path() / MANIFEST_FILE


requires_default_model = pytest.mark.skipif(
    not _default_manifest().is_file(),
    reason=f"the shipped default model is not built yet ({_default_manifest()} does not exist)",
)


@requires_default_model
def test_default_model_loads_and_classifies():
    model = stance.load_model()
    assert model.manifest["format"] == MODEL_FORMAT
    assert set(model.topics) == set(DOMAIN_TOPICS)
    assert set(model.stances) == set(DOMAIN_STANCES)
    results = model.classify(["NATO must give Russia legally binding security guarantees.", ""])
    assert len(results) == 2
    assert list(results[0].topic_scores) == model.topics
    assert sum(results[0].stance_scores.values()) == pytest.approx(1.0, abs=2e-3)
    assert results[1].topics == [] and results[1].stance == "none"


@requires_default_model
def test_default_model_hashes_match_manifest():
    manifest = read_manifest(default_model_path())
    for filename, digest in manifest["files"].items():
        assert _sha256(default_model_path() / filename) == digest


@requires_default_model
def test_module_analyze_uses_the_default_model():
    doc = stance.analyze("MOSCOW, February 9. /TASS/.\nRussia wants security guarantees.\n\nTalks go on.")
    assert [p.index for p in doc] == [0, 1]
    assert doc[0].text.startswith("MOSCOW, February 9. /TASS/. Russia")
    assert persistence.load_default_model() is persistence.load_default_model()


def test_default_model_path_points_at_models_default():
    path = default_model_path()
    assert path.name == "default"
    assert path.parent.name in {"models", "_shipped"}


def test_pickles_of_stance_1_0_find_their_moved_classes(fresh_model, tmp_path, monkeypatch):
    # stance 1.0 pickled its estimators as stance.models.TopicClassifier / StanceClassifier
    import sys

    from stance.estimators import linear
    from stance.io.persistence import MOVED_MODULES

    out = save_model(fresh_model, tmp_path / "v1", format="joblib")
    monkeypatch.setitem(sys.modules, "stance.models", linear)
    for cls in (linear.TopicClassifier, linear.StanceClassifier):
        monkeypatch.setattr(cls, "__module__", "stance.models")
    for attr, stem in (("topic_classifier", "topic"), ("stance_classifier", "stance")):
        joblib.dump(getattr(fresh_model, attr), out / f"{stem}.joblib")
        assert b"stance.models" in (out / f"{stem}.joblib").read_bytes()
    monkeypatch.undo()  # the 1.0 module name is gone again, as in a fresh 1.1 process
    assert "stance.models" not in sys.modules and MOVED_MODULES["stance.models"] == "stance.estimators.linear"
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    manifest["files"] = {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in manifest["files"]}
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    model = load_model(out, trusted=True, serialization="joblib")
    assert isinstance(model.topic_classifier, linear.TopicClassifier)
    assert [r.stance for r in model.classify(["NATO talks in Geneva."])] == \
           [r.stance for r in fresh_model.classify(["NATO talks in Geneva."])]
    assert "stance.models" not in sys.modules  # bound only while loading
