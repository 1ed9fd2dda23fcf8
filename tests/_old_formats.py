"""Writers of earlier model-directory layouts, so that tests can check every old layout still loads.

``stance-model/1`` (stance 1.0): each safe part is ``PART.json`` (parameters, labels and either the
vocabularies inline or the name of a shared ``vocabulary.json``) and ``PART.npz`` (weights and idf).
This is the writer of that version, kept here and not in the library, which writes only the current
layout.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from stance.datasets.domain import sha256_file
from stance.io.persistence import MANIFEST_FILE, _jsonable, _versions

V1_FORMAT = "stance-model/1"
_ARRAYS = {
    "TopicClassifier": ("coef_", "intercept_", "thresholds_", "cv_f1_"),
    "StanceClassifier": ("coef_", "intercept_", "decision_weights_"),
}


def _vocabularies(estimator) -> dict[str, list[str]]:
    vocabularies = {}
    for block, vectorizer in estimator.features_.transformer_list:
        terms = [""] * len(vectorizer.vocabulary_)
        for term, j in vectorizer.vocabulary_.items():
            terms[j] = term
        vocabularies[block] = terms
    return vocabularies


def _write_json(path: Path, obj) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _dump_part(estimator, directory: Path, stem: str, shared_vocabulary: str | None) -> list[str]:
    kind = type(estimator).__name__
    arrays = {name.rstrip("_"): np.asarray(getattr(estimator, name)) for name in _ARRAYS[kind]}
    for block, vectorizer in estimator.features_.transformer_list:
        arrays[f"idf_{block}"] = np.asarray(vectorizer.idf_)
    meta = {
        "class": kind,
        "params": _jsonable(estimator.get_params()),
        "classes": [str(c) for c in estimator.classes_],
        "vocabularies": shared_vocabulary or _vocabularies(estimator),
    }
    if kind == "StanceClassifier":
        arrays["calibrator_coef"] = estimator.calibrator_.coef_
        arrays["calibrator_intercept"] = estimator.calibrator_.intercept_
        meta["calibrator_classes"] = [int(c) for c in estimator.calibrator_.classes_]
        meta["uses_targets"] = bool(estimator.uses_targets_)
        meta["targets"] = None if estimator.targets_ is None else [str(t) for t in estimator.targets_]
        meta["cv_macro_f1"] = None if np.isnan(estimator.cv_macro_f1_) else float(estimator.cv_macro_f1_)
    np.savez_compressed(directory / f"{stem}.npz", **arrays)
    _write_json(directory / f"{stem}.json", meta)
    return [f"{stem}.npz", f"{stem}.json"]


def write_v1_safe(model, path: Path, *, shared_vocabulary: bool = True, name: str = "v1") -> Path:
    """Write ``model`` as a ``stance-model/1`` safe-format directory (shared or inline vocabularies)."""
    path = Path(path)
    path.mkdir(parents=True)
    files = {}
    shared = None
    tc, sc = model.topic_classifier, model.stance_classifier
    if shared_vocabulary and _vocabularies(tc) == _vocabularies(sc):
        shared = "vocabulary.json"
        _write_json(path / shared, _vocabularies(tc))
        files[shared] = sha256_file(path / shared)
    for estimator, stem in ((tc, "topic"), (sc, "stance")):
        for filename in _dump_part(estimator, path, stem, shared):
            files[filename] = sha256_file(path / filename)
    manifest = {
        "format": V1_FORMAT, "serialization": "safe", "name": name,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"), "versions": _versions(),
        "topics": model.topics, "stances": model.stances, "uses_targets": bool(sc.uses_targets_),
        "files": files, "training_data": [], "parameters": {}, "metrics": {},
        "security": "pickle-free: arrays in .npz (no object arrays), the rest JSON",
    }
    _write_json(path / MANIFEST_FILE, manifest)
    return path
