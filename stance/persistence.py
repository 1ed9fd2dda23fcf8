"""Saving and loading model directories: joblib files plus a JSON manifest.

A model directory holds ``topic.joblib``, ``stance.joblib`` and
``manifest.json``. The manifest records the versions of stance, scikit-learn,
numpy and joblib that wrote the model, the label sets, the sha256 of every
file and of the training data, the parameters and the cross-validated
metrics. :func:`load_model` checks all of it before unpickling anything.

.. warning::
   joblib files are pickles: loading one can run arbitrary code. Load model
   directories only from sources you trust, and check their sha256 against
   ``manifest.json`` from the same trusted source.

Examples
--------
>>> import stance
>>> model = stance.load_model()
>>> model.manifest["format"]
'stance-model/1'
"""

from __future__ import annotations

import functools
import json
import os
import platform
import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

import joblib
import numpy as np
import sklearn
from sklearn.exceptions import InconsistentVersionWarning

from ._version import __version__
from .datasets import sha256_file
from .exceptions import ModelError, ModelIntegrityError, ModelNotFoundError, ModelVersionError

__all__ = [
    "DEFAULT_MODEL_NAME",
    "MANIFEST_FILE",
    "MODEL_FORMAT",
    "check_model_destination",
    "default_model_path",
    "load_default_model",
    "load_model",
    "read_manifest",
    "save_model",
]

#: Format tag written in every manifest; bumped when the layout changes.
MODEL_FORMAT = "stance-model/1"
#: Name of the manifest inside a model directory.
MANIFEST_FILE = "manifest.json"
#: Directory name of the shipped default model under ``models/``.
DEFAULT_MODEL_NAME = "default"
_FILES = {"topic_classifier": "topic.joblib", "stance_classifier": "stance.joblib"}
_REPO_MODELS = Path(__file__).resolve().parents[1] / "models"


def default_model_path() -> Path:
    """Directory of the shipped default model.

    Inside an installed package it is ``stance/_shipped/default`` (the
    repository's ``models/`` packaged as data); in a source checkout,
    ``models/default`` beside the package.
    """
    shipped = Path(__file__).resolve().parent / "_shipped" / DEFAULT_MODEL_NAME
    if (shipped / MANIFEST_FILE).is_file():
        return shipped
    return _REPO_MODELS / DEFAULT_MODEL_NAME


def _versions() -> dict:
    return {
        "stance": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def _minor(version: str) -> tuple[int, ...]:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def save_model(model, path: str | os.PathLike, *, name: str | None = None, training_data=None,
               parameters: dict | None = None, metrics: dict | None = None, overwrite: bool = True) -> Path:
    """Write a model directory atomically.

    The files are written to a temporary directory beside ``path`` and moved
    into place only when complete, so an interrupted save leaves either the
    previous model or the new one, never a mix.

    Parameters
    ----------
    model : StanceModel
    path : path-like
        The model directory to create or replace.
    name : str or None, default=None
        Name recorded in the manifest (default: the directory name).
    training_data : sequence of LabelledData or None, default=None
        Recorded by file name, size and sha256.
    parameters, metrics : dict or None, default=None
        Recorded as given (must be JSON-serialisable).
    overwrite : bool, default=True
        Replace an existing model directory. A non-empty directory that is not
        a model directory is never replaced.

    Returns
    -------
    pathlib.Path
        The model directory.

    Raises
    ------
    ModelError
        If ``path`` exists and is not a model directory, or cannot be written.
    """
    path = Path(path)
    check_model_destination(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a model directory is shared like any other
        files = {}
        for attr, filename in _FILES.items():
            joblib.dump(getattr(model, attr), tmp / filename, compress=3)
            files[filename] = sha256_file(tmp / filename)
        manifest = {
            "format": MODEL_FORMAT,
            "name": name or path.name,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "topics": model.topics,
            "stances": model.stances,
            "uses_targets": bool(model.stance_classifier.uses_targets_),
            "files": files,
            "training_data": [
                {"file": Path(d.path).name if d.path else None, "examples": len(d), "sha256": d.sha256}
                for d in (training_data or [])
            ],
            "parameters": parameters or {
                "topic_classifier": _jsonable(model.topic_classifier.get_params()),
                "stance_classifier": _jsonable(model.stance_classifier.get_params()),
            },
            "metrics": metrics or {},
            "security": "joblib files are pickles and can run code when loaded: use models from trusted sources only",
        }
        (tmp / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        _replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    model.manifest = manifest
    return path


def check_model_destination(path: str | os.PathLike, *, overwrite: bool) -> None:
    """Raise :class:`ModelError` unless a model directory may be written at ``path``.

    A missing path or an empty directory is fine; an existing model directory
    only with ``overwrite``; anything else never.
    """
    path = Path(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise ModelError(f"cannot write model to {path}: it exists and is not a directory")
    if any(path.iterdir()):
        if not (path / MANIFEST_FILE).is_file():
            raise ModelError(f"refusing to replace {path}: it is not empty and holds no {MANIFEST_FILE}")
        if not overwrite:
            raise ModelError(f"{path} holds a model already; pass overwrite=True (stance train: --force) to replace it")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _replace_dir(new: Path, path: Path) -> None:
    """Move ``new`` to ``path``; an existing ``path`` is swapped out and removed only afterwards."""
    if not path.exists():
        os.replace(new, path)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{path.name}.old-", dir=path.parent))
    os.rmdir(old)
    os.replace(path, old)
    try:
        os.replace(new, path)
    except BaseException:
        os.replace(old, path)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    return repr(obj)


def read_manifest(path: str | os.PathLike) -> dict:
    """Read and validate a model directory's manifest (no model file is opened).

    Raises
    ------
    ModelNotFoundError
        If the directory or its manifest is missing.
    ModelIntegrityError
        If the manifest is not valid JSON or lacks required fields.
    """
    path = Path(path)
    if not path.is_dir():
        raise ModelNotFoundError(f"model directory not found: {path}")
    manifest_path = path / MANIFEST_FILE
    if not manifest_path.is_file():
        raise ModelNotFoundError(f"not a model directory: {manifest_path} is missing")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: {exc}") from None
    if not isinstance(manifest, dict):
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: expected a JSON object")
    missing = [k for k in ("format", "versions", "files", "topics", "stances") if k not in manifest]
    if missing:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: missing field(s) {missing}")
    for key, kind in (("format", str), ("versions", dict), ("files", dict), ("topics", list), ("stances", list)):
        if not isinstance(manifest[key], kind):
            raise ModelIntegrityError(
                f"corrupt manifest {manifest_path}: {key!r} must be a {kind.__name__}, got {type(manifest[key]).__name__}"
            )
    if manifest["format"] != MODEL_FORMAT:
        raise ModelVersionError(
            f"{manifest_path}: model format {manifest['format']!r} is not supported by stance {__version__} "
            f"(expected {MODEL_FORMAT!r})"
        )
    return manifest


def _check_versions(manifest: dict, path: Path) -> None:
    written = manifest.get("versions", {})
    sk = str(written.get("scikit-learn", "unknown"))
    if sk == "unknown" or _minor(sk) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"model {path} was written with scikit-learn {sk}, but scikit-learn {sklearn.__version__} is installed; "
            f"install scikit-learn=={sk} or retrain the model (stance train)"
        )
    st = str(written.get("stance", "unknown"))
    if st == "unknown" or _minor(st)[0] != _minor(__version__)[0]:
        raise ModelVersionError(
            f"model {path} was written with stance {st}, which is incompatible with stance {__version__}; retrain it"
        )


def load_model(path: str | os.PathLike | None = None):
    """Load a model directory, checking its manifest, hashes and versions first.

    Parameters
    ----------
    path : path-like or None, default=None
        A directory written by :func:`save_model` (or ``stance train``);
        ``None`` loads the shipped default model.

    Returns
    -------
    StanceModel

    Raises
    ------
    ModelNotFoundError
        If the directory, its manifest or a model file is missing.
    ModelIntegrityError
        If a file's sha256 differs from the manifest, or a file is unreadable.
    ModelVersionError
        If the model was written by an incompatible stance or scikit-learn.

    Notes
    -----
    Model files are pickles, which can run code when loaded: load only models
    from trusted sources.
    """
    from .api import StanceModel
    from .models import StanceClassifier, TopicClassifier

    path = default_model_path() if path is None else Path(path)
    manifest = read_manifest(path)
    files = manifest["files"]
    for filename in _FILES.values():
        if filename not in files:
            raise ModelIntegrityError(f"corrupt manifest {path / MANIFEST_FILE}: no sha256 for {filename}")
        file_path = path / filename
        if not file_path.is_file():
            raise ModelNotFoundError(f"model file missing: {file_path}")
        if sha256_file(file_path) != files[filename]:
            raise ModelIntegrityError(
                f"model file {file_path} does not match the sha256 in its manifest (corrupt or modified)"
            )
    _check_versions(manifest, path)
    parts = {}
    expected = {"topic_classifier": TopicClassifier, "stance_classifier": StanceClassifier}
    for attr, filename in _FILES.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", category=InconsistentVersionWarning)
                obj = joblib.load(path / filename)
        except Exception as exc:  # unpickling errors come in many types
            raise ModelIntegrityError(f"cannot read model file {path / filename}: {type(exc).__name__}: {exc}") from None
        if not isinstance(obj, expected[attr]):
            raise ModelIntegrityError(
                f"model file {path / filename} holds a {type(obj).__name__}, expected {expected[attr].__name__}"
            )
        parts[attr] = obj
    for key, clf in (("topics", parts["topic_classifier"]), ("stances", parts["stance_classifier"])):
        if [str(c) for c in clf.classes_] != [str(c) for c in manifest[key]]:
            raise ModelIntegrityError(f"model {path}: the manifest's {key} do not match the model files")
    return StanceModel(parts["topic_classifier"], parts["stance_classifier"], manifest=manifest)


@functools.lru_cache(maxsize=1)
def load_default_model():
    """The shipped default model, loaded once per process (used by :func:`stance.analyze`)."""
    return load_model(None)
