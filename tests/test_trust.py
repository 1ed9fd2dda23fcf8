"""Tests of the trust check: joblib (pickle) models from outside the shipped models need trusted=True."""

from __future__ import annotations

import hashlib
import json
import os
import pathlib
import shutil
from pathlib import Path

import joblib
import pytest

import stance
from stance.io import persistence
from stance.exceptions import ModelError, ModelIntegrityError, UntrustedModelError
from stance.io.persistence import MANIFEST_FILE, default_model_path, is_shipped, load_model, read_manifest

PARAGRAPHS = ["NATO must stop its expansion toward Russia.", "Diplomats held talks in Geneva."]


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(Path(directory).rglob("*")) if p.is_file()}


@pytest.fixture
def no_unpickling(monkeypatch):
    """Make every joblib.load fail the test; returns the list of attempted loads."""
    calls = []

    def forbidden(*args, **kwargs):
        calls.append(args)
        raise AssertionError("joblib.load was called on an untrusted model")

    monkeypatch.setattr(joblib, "load", forbidden)
    return calls


# --------------------------------------------------------------------------- untrusted joblib models


def test_untrusted_joblib_model_is_refused(tiny_model_dir, no_unpickling):
    with pytest.raises(UntrustedModelError, match=r"refusing to unpickle .*pass trusted=True"):
        load_model(tiny_model_dir)
    assert no_unpickling == []


def test_untrusted_is_a_model_error_and_a_permission_error(tiny_model_dir):
    with pytest.raises(PermissionError, match=r"trusted=True"):
        load_model(tiny_model_dir)
    with pytest.raises(ModelError, match=r"trusted=True"):
        load_model(str(tiny_model_dir), trusted=False)


def test_trusted_joblib_model_loads(tiny_model_dir, tiny_model):
    model = load_model(tiny_model_dir, trusted=True)
    assert [r.to_dict() for r in model.classify(PARAGRAPHS)] == [r.to_dict() for r in tiny_model.classify(PARAGRAPHS)]


def test_trust_is_decided_on_the_resolved_path(tiny_model_dir, tmp_path):
    # a path spelled through the shipped models directory but leading out of it is not shipped
    model_dir = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model_dir)
    sneaky = default_model_path() / os.path.relpath(model_dir, default_model_path())
    assert ".." in sneaky.parts
    assert not is_shipped(sneaky)
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        load_model(sneaky)


def test_export_of_an_untrusted_model_needs_trust(tiny_model_dir, tmp_path, no_unpickling):
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        stance.export_model(tiny_model_dir, tmp_path / "safe")
    assert no_unpickling == []
    assert not (tmp_path / "safe").exists()


# --------------------------------------------------------------------------- a malicious pickle


class _TouchOnUnpickle:
    """Unpickling this creates ``marker``: a stand-in for arbitrary code in a pickle."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


@pytest.fixture
def malicious_model_dir(tiny_model_dir, tmp_path):
    """A model directory whose pickles create tmp_path/pwned when loaded; its manifest is otherwise genuine."""
    marker = tmp_path / "pwned"
    model_dir = tmp_path / "evil-model"
    model_dir.mkdir()
    for stem in ("topic", "stance"):
        joblib.dump(_TouchOnUnpickle(marker), model_dir / f"{stem}.joblib")
    manifest = read_manifest(tiny_model_dir)
    manifest["files"] = {name: _sha256(model_dir / name) for name in ("topic.joblib", "stance.joblib")}
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert not marker.exists()  # dumping does not run the payload
    return model_dir, marker


def test_malicious_pickle_is_not_unpickled_without_trust(malicious_model_dir):
    model_dir, marker = malicious_model_dir
    with pytest.raises(UntrustedModelError, match=r"refusing to unpickle .*evil-model.*trusted=True"):
        load_model(model_dir)
    assert not marker.exists()
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        stance.export_model(model_dir, model_dir.parent / "export")
    assert not marker.exists()


def test_malicious_pickle_payload_is_live(malicious_model_dir):
    # The control for the test above: the hashes and versions pass every check, so with
    # trusted=True the payload does run. Only the trust check stands in its way.
    model_dir, marker = malicious_model_dir
    with pytest.raises(ModelIntegrityError, match="holds a NoneType, expected TopicClassifier"):
        load_model(model_dir, trusted=True)
    assert marker.exists()


# --------------------------------------------------------------------------- the shipped default model


def _default_manifest() -> Path:
    return default_model_path() / MANIFEST_FILE


requires_default_model = pytest.mark.skipif(
    not _default_manifest().is_file(),
    reason=f"the shipped default model is not built yet ({_default_manifest()} does not exist)",
)


@requires_default_model
def test_shipped_default_loads_without_trust():
    assert is_shipped(default_model_path())
    by_none = load_model()
    by_path = load_model(str(default_model_path()))  # the same directory, named explicitly
    assert by_none.manifest == by_path.manifest
    assert [r.to_dict() for r in by_path.classify(PARAGRAPHS)] == [r.to_dict() for r in by_none.classify(PARAGRAPHS)]


@requires_default_model
def test_shipped_default_exports_without_trust(tmp_path):
    out = stance.export_model(None, tmp_path / "default-safe")
    assert read_manifest(out)["serialization"] == "safe"


@requires_default_model
def test_is_shipped():
    shipped_root = default_model_path().parent
    assert is_shipped(default_model_path())
    assert not is_shipped(shipped_root / "another-model")  # not a model the package knows
    assert not is_shipped(shipped_root.parent / (shipped_root.name + "-not-shipped") / "default")
    assert not is_shipped(shipped_root.parent)


@requires_default_model
def test_recorded_hashes_are_those_of_the_shipped_pickles():
    from stance.io.shipped_hashes import SHIPPED_PICKLES
    from stance.datasets.domain import sha256_file

    recorded = SHIPPED_PICKLES[default_model_path().name]
    actual = {f.name: sha256_file(f) for f in default_model_path().glob("*.joblib")}
    assert recorded == actual, "run python tools/record_shipped_hashes.py after retraining a shipped model"


def test_a_pickle_placed_among_the_shipped_models_is_refused(tiny_model_dir, tmp_path, monkeypatch):
    from stance.datasets.domain import sha256_file

    root = tmp_path / "models"
    monkeypatch.setattr(persistence, "default_model_path", lambda: root / "default")
    # a user's pickle in the shipped folder, under the shipped name: its content is not the shipped one
    shutil.copytree(tiny_model_dir, root / "default")
    shutil.copytree(tiny_model_dir, root / "mine")
    assert not is_shipped(root / "default") and not is_shipped(root / "mine")
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        load_model(root / "default", serialization="joblib")
    with pytest.raises(UntrustedModelError, match="trusted=True"):
        load_model(root / "mine")
    # the same files are trusted once the package records their hashes ...
    recorded = {"default": {f.name: sha256_file(f) for f in (root / "default").glob("*.joblib")}}
    monkeypatch.setattr("stance.io.shipped_hashes.SHIPPED_PICKLES", recorded)
    assert is_shipped(root / "default")
    load_model(root / "default")
    # ... and refused again when a pickle is swapped or added
    (root / "default" / "extra.joblib").write_bytes(b"not a model")
    assert not is_shipped(root / "default")


def test_is_shipped_is_false_for_tmp_path(tmp_path, tiny_model_dir):
    assert persistence.is_shipped(tmp_path) is False
    assert persistence.is_shipped(tiny_model_dir) is False
    assert persistence.is_shipped(str(tmp_path)) is False


@requires_default_model
def test_is_shipped_is_true_for_the_default(monkeypatch, tmp_path):
    assert persistence.is_shipped(default_model_path()) is True
    monkeypatch.chdir(default_model_path().parent)
    assert persistence.is_shipped(Path("default")) is True  # relative paths resolve against the cwd
    monkeypatch.chdir(tmp_path)
    (tmp_path / "default").mkdir()
    assert persistence.is_shipped(Path("default")) is False
