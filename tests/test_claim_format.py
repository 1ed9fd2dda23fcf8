"""The saved format of a ClaimStanceClassifier (stance-claim-model/1): save_model / load_model, pickle-free."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
import sklearn

import stance
from stance import ClaimStanceClassifier
from stance.exceptions import ModelError, ModelIntegrityError, ModelNotFoundError, ModelVersionError
from stance.features.vectors import PooledVectors
from stance.io.persistence import CLAIM_MODEL_FORMAT, MANIFEST_FILE, load_model, read_manifest, save_model
from stance.text.processing import preprocess, words

from tests._claim_corpus import CLAIMS, LABELS, TEXTS
from tests._model_files import edit_manifest as _edit_manifest, rehash as _rehash, sha256 as _sha256

NEW_PAIRS = (["A cat really was elected mayor, the town hall confirmed.", "Nobody opened a base on the moon.",
              "Bread sales rose in the capital.", ""],
             ["Cat elected mayor of small town", "Moon base opened by space agency",
              "Cat elected mayor of small town", "Moon base opened by space agency"])
FILES = ["claims.json", "claims.npz", "manifest.json"]


def _table() -> PooledVectors:
    vocab = sorted({w for t in TEXTS + CLAIMS for w in words(preprocess(t))})
    return PooledVectors(vocab, np.random.RandomState(1).randn(len(vocab), 4))


def _fit(**kw) -> ClaimStanceClassifier:
    params = {"n_svd": 2, "n_bins": 3, "min_df": 1, "random_state": 0, **kw}
    return ClaimStanceClassifier(**params).fit(TEXTS * 3, LABELS * 3, claims=CLAIMS * 3)


@pytest.fixture(scope="module")
def clf():
    return _fit()


@pytest.fixture(scope="module")
def clf_wv():
    return _fit(word_vectors=_table(), word_vector_weight=2.0)


@pytest.fixture(scope="module")
def saved(clf, tmp_path_factory):
    return save_model(clf, tmp_path_factory.mktemp("claims") / "model")


@pytest.fixture
def copy(saved, tmp_path):
    def make() -> Path:
        dst = tmp_path / "copy"
        shutil.copytree(saved, dst)
        return dst

    return make


@pytest.fixture
def no_unpickling(monkeypatch):
    """Fail if loading unpickles anything."""
    import joblib

    def forbidden(*args, **kwargs):
        raise AssertionError("a claim model must not be unpickled")

    for module, name in ((joblib, "load"), (pickle, "load"), (pickle, "loads")):
        monkeypatch.setattr(module, name, forbidden)


def _same(a: ClaimStanceClassifier, b: ClaimStanceClassifier) -> None:
    for texts, claims in ((TEXTS, CLAIMS), NEW_PAIRS):
        np.testing.assert_array_equal(a.predict_proba(texts, claims=claims), b.predict_proba(texts, claims=claims))
        assert a.predict(texts, claims=claims).tolist() == b.predict(texts, claims=claims).tolist()


def _edit_npz(model_dir: Path, edit) -> None:
    with np.load(model_dir / "claims.npz", allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    edit(arrays)
    np.savez(model_dir / "claims.npz", **arrays)
    _rehash(model_dir, "claims.npz")


def _edit_json(model_dir: Path, edit) -> None:
    meta = json.loads((model_dir / "claims.json").read_text(encoding="utf-8"))
    edit(meta)
    (model_dir / "claims.json").write_text(json.dumps(meta), encoding="utf-8")
    _rehash(model_dir, "claims.json")


# --------------------------------------------------------------------------- round trips


def test_round_trip_gives_identical_probabilities(clf, saved, no_unpickling):
    assert sorted(p.name for p in saved.iterdir()) == FILES
    back = stance.load_model(saved)
    assert isinstance(back, ClaimStanceClassifier)
    assert back.get_params() == clf.get_params()
    _same(back, clf)
    with np.load(saved / "claims.npz", allow_pickle=False) as npz:
        assert all(npz[k].dtype != object for k in npz.files)
    manifest = read_manifest(saved)
    assert manifest["format"] == CLAIM_MODEL_FORMAT and manifest["serialization"] == "safe"
    assert manifest["labels"] == ["agree", "disagree", "discuss", "unrelated"]
    assert manifest["files"] == {f: _sha256(saved / f) for f in FILES if f != MANIFEST_FILE}
    assert manifest["versions"]["scikit-learn"] == sklearn.__version__


def test_round_trip_with_word_vectors(clf_wv, tmp_path, no_unpickling):
    back = load_model(save_model(clf_wv, tmp_path / "wv", format="safe"))
    _same(back, clf_wv)
    assert back.word_vectors_.vocabulary == clf_wv.word_vectors_.vocabulary
    np.testing.assert_array_equal(back.word_vectors_.vectors, clf_wv.word_vectors_.vectors)
    assert back.get_params()["word_vector_weight"] == 2.0
    assert json.loads((tmp_path / "wv" / "claims.json").read_text())["params"]["word_vectors"] == "stored"


def test_a_loaded_model_saves_again_and_clones(saved, tmp_path):
    from sklearn.base import clone

    back = load_model(saved)
    again = load_model(save_model(back, tmp_path / "again"))
    _same(again, back)
    assert clone(back).get_params() == back.get_params()


def test_joblib_is_refused_and_unfitted_too(clf, tmp_path):
    from stance.exceptions import NotFittedError

    with pytest.raises(ValueError, match="a ClaimStanceClassifier is saved pickle-free only"):
        save_model(clf, tmp_path / "m", format="joblib")
    with pytest.raises(NotFittedError):
        save_model(ClaimStanceClassifier(), tmp_path / "m")
    assert not (tmp_path / "m").exists()
    with pytest.raises(ModelNotFoundError, match=r"has no 'joblib' files \(a claim model holds 'safe' files only\)"):
        load_model(save_model(clf, tmp_path / "m"), serialization="joblib")


def test_paragraph_commands_refuse_a_claim_model(saved, capsys):
    from stance.cli import main

    assert main(["classify", "--model", str(saved), "-"]) == 1
    assert "holds a ClaimStanceClassifier" in capsys.readouterr().err
    assert main(["info", "--model", str(saved)]) == 0
    assert CLAIM_MODEL_FORMAT in capsys.readouterr().out


# --------------------------------------------------------------------------- corruption and versions


def test_flipped_byte_is_an_integrity_error(copy):
    model_dir = copy()
    data = bytearray((model_dir / "claims.npz").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (model_dir / "claims.npz").write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match=r"model file .*claims\.npz does not match the sha256"):
        load_model(model_dir)


def test_corrupt_npz_with_matching_hash_names_the_file(copy):
    model_dir = copy()
    (model_dir / "claims.npz").write_bytes(b"not a zip archive")
    _rehash(model_dir, "claims.npz")
    with pytest.raises(ModelIntegrityError, match=r"cannot read model file .*claims\.npz: not an \.npz archive"):
        load_model(model_dir)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda a: a.__setitem__("stance_coef", a["stance_coef"][:, :-1]),
         r"claims\.npz: field 'stance_coef' must be an array of shape \(3, \d+\), got shape \(3, \d+\)"),
        (lambda a: a.__setitem__("idf_word", -a["idf_word"]), r"field 'idf_word' must be positive numbers"),
        (lambda a: a.__setitem__("sim_mean", a["sim_mean"] * np.nan), r"field 'sim_mean' must be finite numbers"),
        (lambda a: a.pop("bin_edges"), r"field 'bin_edges' must be an array, got nothing \(missing\)"),
        (lambda a: a.__setitem__("extra", np.zeros(2)), r"field 'extra' must be one of .*got an unknown array"),
        (lambda a: a.__setitem__("terms_head", np.frombuffer(b"\xff\xfe", dtype=np.uint8)),
         r"field 'terms_head' must be UTF-8 text, got an invalid byte at 0"),
    ],
)
def test_bad_arrays_are_named(copy, edit, message):
    model_dir = copy()
    _edit_npz(model_dir, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: m.__setitem__("class", "TopicClassifier"), r"claims\.json does not describe a ClaimStanceClassifier"),
        (lambda m: m["params"].__setitem__("threshold", 2), r"field 'params\.threshold' must be a number from 0 to 1"),
        (lambda m: m["params"].__setitem__("kernel", "rbf"),
         r"field 'params\.kernel' must be a parameter of ClaimStanceClassifier, got an unknown one"),
        (lambda m: m["params"].__setitem__("word_vectors", "stored"),
         r"claims\.json: field 'word_vectors' must be a list of words exactly when params\.word_vectors is 'stored'"),
        (lambda m: m.__setitem__("sim_names", ["cos_word"]),
         r"field 'sim_names' must be the 14 similarity features of this version"),
        (lambda m: m.__setitem__("classes", ["yes", "no"]), r"field 'classes' must be \['agree'"),
    ],
)
def test_bad_metadata_is_named(copy, edit, message):
    model_dir = copy()
    _edit_json(model_dir, edit)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(model_dir)


def test_pickled_object_array_is_refused_without_unpickling(copy, tmp_path, no_unpickling):
    model_dir = copy()
    _edit_npz(model_dir, lambda a: a.__setitem__("related_coef", np.array([object()], dtype=object)))
    with pytest.raises(ModelIntegrityError, match=r"claims\.npz: array 'related_coef' has dtype object, expected numbers"):
        load_model(model_dir)


def test_wrong_format_version(copy):
    model_dir = copy()
    _edit_manifest(model_dir, lambda m: m.__setitem__("format", "stance-claim-model/2"))
    with pytest.raises(ModelVersionError, match=r"model format 'stance-claim-model/2' is not supported by stance "
                                                r".*\(it reads stance-claim-model/1\); it was written by a newer stance"):
        load_model(model_dir)
    _edit_manifest(model_dir, lambda m: m.__setitem__("format", "stance-claim-model/x"))
    with pytest.raises(ModelVersionError, match=r"model format 'stance-claim-model/x' is not supported"):
        read_manifest(model_dir)


def test_other_stance_major_version(copy):
    model_dir = copy()
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("stance", "0.9.0"))
    with pytest.raises(ModelVersionError, match=r"written with stance 0\.9\.0, which is incompatible"):
        load_model(model_dir)


def test_other_scikit_learn_minor_version(copy):
    model_dir = copy()
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("scikit-learn", "0.1.0"))
    with pytest.raises(ModelVersionError, match=rf"{MANIFEST_FILE}\) was written with scikit-learn 0\.1\.0, but "
                                                rf"scikit-learn {sklearn.__version__} is installed"):
        load_model(model_dir)
    major, minor = sklearn.__version__.split(".")[:2]
    _edit_manifest(model_dir, lambda m: m["versions"].__setitem__("scikit-learn", f"{major}.{minor}.99"))
    assert isinstance(load_model(model_dir), ClaimStanceClassifier)  # another patch release is fine


def test_manifest_without_a_hash_or_a_file(copy):
    model_dir = copy()
    _edit_manifest(model_dir, lambda m: m["files"].pop("claims.json"))
    with pytest.raises(ModelIntegrityError, match=r"corrupt manifest .*: no sha256 for claims\.json"):
        load_model(model_dir)
    _edit_manifest(model_dir, lambda m: m.pop("labels"))
    with pytest.raises(ModelIntegrityError, match=r"corrupt manifest .*: missing field 'labels'"):
        read_manifest(model_dir)


def test_missing_file(copy):
    model_dir = copy()
    (model_dir / "claims.npz").unlink()
    with pytest.raises(ModelNotFoundError, match=r"model file missing: .*claims\.npz"):
        load_model(model_dir)


def test_overwrite_rules_are_those_of_every_model(clf, saved, tmp_path):
    with pytest.raises(ModelError, match="holds a model already; pass overwrite=True"):
        save_model(clf, saved, overwrite=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("keep me")
    with pytest.raises(ModelError, match="refusing to replace .*other: it is not empty"):
        save_model(clf, tmp_path / "other")


def test_export_copies_a_claim_model(saved, tmp_path, no_unpickling):
    from stance.io.persistence import export_model

    out = export_model(saved, tmp_path / "exported")
    _same(load_model(out), load_model(saved))
    assert read_manifest(out)["parameters"] == read_manifest(saved)["parameters"]
