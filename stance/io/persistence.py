"""Saving and loading model directories: joblib files, pickle-free files and a JSON manifest.

A model directory holds ``manifest.json`` and, per part (``topic``, ``stance``),
``PART.joblib`` (a pickle) and/or the pickle-free ``PART.json`` + ``PART.npz``.
Layout versions (the manifest's ``format``):

- ``stance-model/2`` (written now): the TF-IDF features are stored once, in
  ``features.npz``, as the compiled lookup tables of
  :class:`~stance.features.compiled.CompiledFeatures` (tokens, packed n-gram keys, idf):
  loading reads them and builds nothing. Parts that do not share their features
  get ``topic.features.npz`` / ``stance.features.npz``; a feature setting the
  compiled transform does not reproduce stores its terms instead. Binary term
  frequencies add the flag ``tf_binary`` (``[1]``) to the features file (sublinear
  files are unchanged); it must agree with the parts' ``params.binary`` (absent: false).
- ``stance-model/1`` (read only): vocabularies as JSON, inline in each part's
  JSON or shared in ``vocabulary.json``, idf in each part's ``.npz``.

A :class:`~stance.ClaimStanceClassifier` (claim-text pairs) is saved by the same
:func:`save_model` into a directory of its own, pickle-free only: ``manifest.json``
(format ``stance-claim-model/1``), ``claims.json`` (parameters, labels, the
similarity features' names, the word-vector words) and ``claims.npz`` (each
TF-IDF vectorizer's terms and idf, the LSA components, the scalers, the bin
edges, both stages' coefficients, the word-vector table). :func:`load_model`
rebuilds the scikit-learn objects from these arrays; it never unpickles.

A newer layout than these is refused with a message that names it. The manifest records the versions of stance, scikit-learn,
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
'stance-model/2'
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import shutil
import tempfile
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..features.vectors import BLOCK_MODES, MAX_CLUSTERS
from .files import remove_stale_temps, same_file, sha256_file, temp_dir
from .._version import __version__
from ..estimators.scoring import (
    DECISION_METRICS,
    HEAD_DESIGNS,
    TARGET_DESIGNS,
    same_vector_parts,
    stance_head_names,
    vectors_from_part,
)
from ..exceptions import (
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    UntrustedModelError,
)

__all__ = [
    "CLAIM_MODEL_FORMAT",
    "DEFAULT_MODEL_NAME",
    "MANIFEST_FILE",
    "MODEL_FORMAT",
    "check_model_destination",
    "FORMATS",
    "default_model_path",
    "export_model",
    "is_shipped",
    "load_default_model",
    "load_model",
    "read_manifest",
    "require_stance_model",
    "save_model",
]

#: Format tag written in every manifest; bumped when the layout changes.
MODEL_FORMAT = "stance-model/2"
#: Every layout this version reads (older ones are kept readable, with tests).
READABLE_FORMATS = ("stance-model/1", "stance-model/2")
_FORMAT_PREFIX = "stance-model/"
#: Format tag of a saved ClaimStanceClassifier (pickle-free only).
CLAIM_MODEL_FORMAT = "stance-claim-model/1"
READABLE_CLAIM_FORMATS = (CLAIM_MODEL_FORMAT,)
_CLAIM_PREFIX = "stance-claim-model/"
#: The two files of a saved ClaimStanceClassifier besides the manifest.
CLAIM_FILES = ("claims.json", "claims.npz")
#: Name of the manifest inside a model directory.
MANIFEST_FILE = "manifest.json"
#: Directory name of the shipped default model under ``models/``.
DEFAULT_MODEL_NAME = "default"
#: Serialisations that :func:`save_model` writes ("both": joblib and safe files in one directory).
FORMATS = ("joblib", "safe", "both")
_PARTS = {"topic_classifier": "topic", "stance_classifier": "stance"}
#: Safe format v1: the vocabularies, written once when both parts share their features.
VOCABULARY_FILE = "vocabulary.json"
#: Safe format v2: the compiled features, written once when both parts share them.
FEATURES_FILE = "features.npz"
_REPO_MODELS = Path(__file__).resolve().parents[2] / "models"


def default_model_path() -> Path:
    """Directory of the shipped default model.

    Inside an installed package it is ``stance/_shipped/default`` (the
    repository's ``models/`` packaged as data); in a source checkout,
    ``models/default`` beside the package.
    """
    shipped = Path(__file__).resolve().parents[1] / "_shipped" / DEFAULT_MODEL_NAME
    if (shipped / MANIFEST_FILE).is_file():
        return shipped
    return _REPO_MODELS / DEFAULT_MODEL_NAME


def _versions() -> dict:
    import joblib
    import sklearn

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
        digits = "".join(ch for ch in piece if ch.isdigit())[:9]  # a 5,000-digit "version" is just large
        parts.append(int(digits or 0))
    return tuple(parts)


def save_model(model, path: str | os.PathLike, *, format: str = "both", name: str | None = None,
               training_data=None, parameters: dict | None = None, metrics: dict | None = None,
               overwrite: bool = True) -> Path:
    """Write a model directory atomically.

    The files are written to a temporary directory beside ``path`` and moved
    into place only when complete, so an interrupted save leaves either the
    previous model or the new one, never a mix.

    Parameters
    ----------
    model : StanceModel or ClaimStanceClassifier
        A fitted :class:`~stance.ClaimStanceClassifier` is written pickle-free only
        (``claims.json`` + ``claims.npz``, format ``stance-claim-model/1``):
        ``"both"`` writes those, ``"joblib"`` is refused.
    path : path-like
        The model directory to create or replace.
    format : {"joblib", "safe", "both"}, default="both"
        ``"joblib"`` writes pickles (``topic.joblib``, ``stance.joblib``);
        ``"safe"`` writes arrays as ``.npz`` (read with ``allow_pickle=False``)
        and everything else as JSON, which loads without running code and
        across scikit-learn versions; ``"both"`` writes both sets.
    name : str or None, default=None
        Name recorded in the manifest (default: the directory name).
    training_data : sequence of LabelledData (or of their manifest records) or None, default=None
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
    if format not in FORMATS:
        raise ValueError(f"'format' must be one of {FORMATS!r}, got {format!r}")
    if _is_claim_model(model):
        return _save_claim_model(model, path, format=format, name=name, training_data=training_data,
                                 parameters=parameters, metrics=metrics, overwrite=overwrite)
    path = Path(path)
    with _new_model_dir(path, overwrite=overwrite) as tmp:
        files = {}
        feature_files = {}
        if format in ("safe", "both"):
            from ..estimators.scoring import same_features

            tc, sc = model.topic_classifier, model.stance_classifier
            if same_features(tc.features_, sc.features_):
                feature_files = dict.fromkeys(_PARTS.values(), FEATURES_FILE)  # written once, used by both
                _dump_features(tc, tmp / FEATURES_FILE)
            else:
                for attr, stem in _PARTS.items():
                    feature_files[stem] = f"{stem}.{FEATURES_FILE}"
                    _dump_features(getattr(model, attr), tmp / feature_files[stem])
            for features_name in sorted(set(feature_files.values())):
                files[features_name] = sha256_file(tmp / features_name)
        for attr, stem in _PARTS.items():
            estimator = getattr(model, attr)
            written = []
            if format in ("joblib", "both"):
                import joblib

                joblib.dump(estimator, tmp / f"{stem}.joblib", compress=("lzma", 6))
                written.append(f"{stem}.joblib")
            if format in ("safe", "both"):
                written.extend(_dump_safe(estimator, tmp, stem, features_file=feature_files[stem]))
            for filename in written:
                files[filename] = sha256_file(tmp / filename)
        manifest = {
            "format": MODEL_FORMAT,
            "serialization": format,
            "name": name or path.name,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "topics": model.topics,
            "stances": model.stances,
            "uses_targets": bool(model.stance_classifier.uses_targets_),
            "files": files,
            "training_data": [_data_record(d) for d in (training_data or [])],
            "parameters": parameters or {
                "topic_classifier": _stored_params(model.topic_classifier),
                "stance_classifier": _stored_params(model.stance_classifier),
            },
            "metrics": metrics or {},
            "security": {
                "joblib": "joblib files are pickles and can run code when loaded: use them from trusted sources only",
                "safe": "pickle-free: arrays in .npz (no object arrays), the rest JSON",
                "both": "the .npz/.json files are pickle-free and are what load_model reads; the .joblib files are "
                        "pickles, read only with load_model(path, trusted=True, serialization='joblib')",
            }[format],
        }
        _write_json(tmp / MANIFEST_FILE, manifest)
    model.manifest = manifest
    return path


@contextlib.contextmanager
def _new_model_dir(path: Path, *, overwrite: bool):
    """A temporary directory beside ``path`` to write a model into; it replaces ``path`` when the block succeeds.

    The destination is checked first (:func:`check_model_destination`); on any error
    the temporary directory is removed and ``path`` is left as it was.
    """
    check_model_destination(path, overwrite=overwrite)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_temps(path)  # hidden .NAME.tmp-* directories of killed runs
    tmp = temp_dir(path)
    try:
        os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700; a model directory is shared like any other
        yield tmp
        _fsync_dir(tmp)
        _replace_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _data_record(data) -> dict:
    if isinstance(data, dict):
        return data
    return {"file": Path(data.path).name if data.path else None, "examples": len(data), "sha256": data.sha256}


def _write_json(path: Path, obj) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")
        fh.flush()
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- the pickle-free format ---------------------------------------------------------------
_ARRAYS = {
    "TopicClassifier": ("coef_", "intercept_", "thresholds_", "cv_f1_"),
    "StanceClassifier": ("coef_", "intercept_", "decision_weights_"),
}


def _vocabularies(estimator) -> dict[str, list[str]]:
    """Each TF-IDF block's terms in column order."""
    vocabularies = {}
    for block, vectorizer in estimator.features_.transformer_list:
        terms = [""] * len(vectorizer.vocabulary_)
        for term, j in vectorizer.vocabulary_.items():
            terms[j] = term
        vocabularies[block] = terms
    return vocabularies


def _dump_features(estimator, path: Path) -> None:
    """Write an estimator's fitted TF-IDF features as arrays (layout v2).

    The compiled tables of :class:`~stance.features.compiled.CompiledFeatures` when the
    features compile (loading then builds nothing); otherwise each block's terms
    (UTF-8, newline-separated) and idf.
    """
    from ..features.compiled import CompiledFeatures

    try:
        arrays = CompiledFeatures.from_union(estimator.features_).to_arrays()
    except ValueError:
        arrays = {}
        for block, terms in _vocabularies(estimator).items():
            if any("\n" in t for t in terms):
                raise ModelError(f"cannot save a {block} n-gram holding a line break in the safe format") from None
            arrays[f"terms_{block}"] = np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)
        for block, vectorizer in estimator.features_.transformer_list:
            arrays[f"idf_{block}"] = np.asarray(vectorizer.idf_, dtype=np.float32)
        if all(vectorizer.binary for _, vectorizer in estimator.features_.transformer_list):
            arrays["tf_binary"] = np.ones(1, dtype=np.uint8)  # as CompiledFeatures.to_arrays marks it
    with open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
        fh.flush()
        os.fsync(fh.fileno())


#: The ``word_vectors`` parameter of a saved estimator whose word-vector table is stored with it.
WORD_VECTORS_STORED = "stored"


def _stored_params(estimator) -> dict:
    """The estimator's parameters as JSON; a word-vector table given as ``word_vectors`` becomes
    :data:`WORD_VECTORS_STORED` (the table itself is stored in the part)."""
    params = _jsonable(estimator.get_params(deep=False))
    if "word_vectors" in params:
        params["word_vectors"] = None if getattr(estimator, "word_vectors_", None) is None else WORD_VECTORS_STORED
    return params


def _dump_safe(estimator, directory: Path, stem: str, *, features_file: str) -> list[str]:
    """Write ``stem.npz`` (numeric arrays only) and ``stem.json`` (parameters, labels, the features file)."""
    kind = type(estimator).__name__
    arrays = {name.rstrip("_"): np.asarray(getattr(estimator, name)) for name in _ARRAYS[kind]}
    meta = {
        "class": kind,
        "params": _stored_params(estimator),
        "classes": [str(c) for c in estimator.classes_],
        "features": features_file,
    }
    table = getattr(estimator, "word_vectors_", None)
    if table is not None:  # the table itself (float16: the estimator rounded it so at fit)
        stored = table.to_arrays(np.float16)
        arrays["word_vectors"], arrays["word_vector_weights"] = stored["vectors"], stored["weights"]
        if "clusters" in stored:
            arrays["word_clusters"] = stored["clusters"]
        meta["word_vectors"] = table.vocabulary
    if kind == "StanceClassifier":
        arrays["calibrator_coef"] = estimator.calibrator_.coef_
        arrays["calibrator_intercept"] = estimator.calibrator_.intercept_
        meta["calibrator_classes"] = [int(c) for c in estimator.calibrator_.classes_]
        meta["uses_targets"] = bool(estimator.uses_targets_)
        meta["targets"] = None if estimator.targets_ is None else [str(t) for t in estimator.targets_]
        meta["cv_macro_f1"] = None if np.isnan(estimator.cv_macro_f1_) else float(estimator.cv_macro_f1_)
    for name, array in arrays.items():
        if array.dtype == object:
            raise ModelError(f"cannot save {kind}.{name} in the safe format: it is an object array")
    np.savez_compressed(directory / f"{stem}.npz", **arrays)
    _write_json(directory / f"{stem}.json", meta)
    return [f"{stem}.npz", f"{stem}.json"]


_TUPLE_PARAMS = ("word_ngram_range", "char_ngram_range")


def _read_safe(directory: Path, stem: str, class_name: str, verified: set[str],
               cache: dict | None = None) -> tuple[dict, dict]:
    """The JSON and the arrays of one safe-format part (no code is run), validated.

    ``verified`` names the files whose sha256 was checked; a shared vocabulary
    file is read only if it is one of them. Every array and parameter is checked
    (see :func:`_validate_safe_part`) before anything uses it.
    """
    meta = _read_json(directory / f"{stem}.json")
    if not isinstance(meta, dict) or meta.get("class") != class_name:
        raise ModelIntegrityError(f"{directory / (stem + '.json')} does not describe a {class_name}")
    vocabulary_file = f"{stem}.json"
    if isinstance(meta.get("vocabularies"), str):
        if meta["vocabularies"] != VOCABULARY_FILE or VOCABULARY_FILE not in verified:
            raise ModelIntegrityError(
                f"{directory / (stem + '.json')} refers to vocabularies in {meta['vocabularies']!r}, "
                f"which is not a checked file of this model"
            )
        cache = {} if cache is None else cache
        if VOCABULARY_FILE not in cache:
            cache[VOCABULARY_FILE] = _read_json(directory / VOCABULARY_FILE)
        meta["vocabularies"] = cache[VOCABULARY_FILE]
        vocabulary_file = VOCABULARY_FILE
    arrays = _read_npz(directory / f"{stem}.npz")
    _validate_safe_part(directory, stem, meta, arrays, vocabulary_file,
                        checked=None if cache is None else cache.setdefault("_unique", set()))
    return meta, arrays


_FEATURE_ARRAYS = {
    "compiled": ("idf_word", "word_tokens", "word_unigram_col", "word_bigram_keys", "word_bigram_cols"),
    "compiled_char": ("idf_char", "char_alphabet", "char_keys", "char_cols"),
    "terms": ("idf_word", "terms_word"),
    "terms_char": ("idf_char", "terms_char"),
}


def _read_safe_v2(directory: Path, stem: str, class_name: str, verified: set[str], cache: dict) -> tuple:
    """The JSON, the arrays and the features of one part of a v2 safe-format model, validated."""
    json_file = directory / f"{stem}.json"
    meta = _read_json(json_file)
    if not isinstance(meta, dict) or meta.get("class") != class_name:
        raise ModelIntegrityError(f"{json_file} does not describe a {class_name}")
    ref = meta.get("features")
    if ref not in (FEATURES_FILE, f"{stem}.{FEATURES_FILE}") or ref not in verified:
        raise ModelIntegrityError(f"{json_file} refers to features in {_short(ref)}, "
                                  f"which is not a checked features file of this model")
    params = meta.get("params")
    if not isinstance(params, dict):
        raise ModelIntegrityError(f"model file {json_file}: field 'params' must be an object, got {_short(params)}")
    word_range = _check_range(json_file, "params.word_ngram_range", params.get("word_ngram_range"), MAX_WORD_NGRAM)
    char_value = params.get("char_ngram_range")
    char_range = None if char_value is None else _check_range(json_file, "params.char_ngram_range", char_value,
                                                             MAX_CHAR_NGRAM)
    arrays = _read_npz(directory / f"{stem}.npz")
    key = (ref, word_range, char_range)
    if ref in cache and cache[ref][0] != key:
        raise ModelIntegrityError(f"{json_file}: its n-gram ranges differ from those of the other part that "
                                  f"shares {ref}")
    if ref not in cache:
        cache[ref] = (key, _read_features(directory / ref, word_range, char_range))
    features = cache[ref][1]
    binary = params.get("binary", False)  # files written before the parameter: sublinear tf
    # "auto" was resolved at fit time: the features file says what it became
    if binary != "auto" and binary is not features["binary"]:
        raise ModelIntegrityError(f"model file {json_file}: field 'params.binary' must be "
                                  f"{str(features['binary']).lower()} (what {ref} holds), got {_short(binary)}")
    sizes = {"word": features["n_word"]}
    if char_range is not None:
        sizes["char"] = features["n_char"]
    _validate_safe_part(directory, stem, meta, arrays, None, block_sizes=sizes)
    return meta, arrays, features


def _read_features(path: Path, word_range, char_range) -> dict:
    """The arrays of a v2 features file, checked: ``{"arrays", "compiled", "n_word", "n_char"}``."""
    from ..features.compiled import check_compiled_arrays

    arrays = _read_npz(path)

    def fail(field, expected, got) -> None:
        raise ModelIntegrityError(f"model file {path}: field {field!r} must be {expected}, got {got}")

    compiled = "word_tokens" in arrays
    kind = "compiled" if compiled else "terms"
    expected = list(_FEATURE_ARRAYS[kind]) + (list(_FEATURE_ARRAYS[kind + "_char"]) if char_range else [])
    for name in arrays:
        if name not in expected and name != "tf_binary":  # the one optional array: binary term frequencies
            fail(name, f"one of {sorted(expected + ['tf_binary'])}", "an unknown array")
    flag = arrays.get("tf_binary")
    if flag is not None and (flag.dtype.kind not in "iu" or flag.tolist() != [1]):
        fail("tf_binary", "[1] (present only for binary term frequencies)", _short(flag.tolist()))
    for name in expected:
        if name not in arrays:
            fail(name, "an array", "nothing (missing)")
    blocks = ["word"] + (["char"] if char_range else [])
    for block in blocks:
        idf = arrays[f"idf_{block}"]
        if idf.dtype.kind != "f" or idf.ndim != 1:
            fail(f"idf_{block}", "a 1-d array of floats", f"dtype {idf.dtype}, shape {idf.shape}")
        if not np.isfinite(idf).all() or (idf <= 0).any():
            fail(f"idf_{block}", "positive finite numbers", "a value that is not")
    if compiled:
        if tuple(word_range) not in ((1, 1), (1, 2)) or (char_range and char_range[1] > 5):
            fail("word_tokens", "absent for n-gram ranges the compiled transform does not reproduce",
                 "compiled tables")
        problem = check_compiled_arrays(arrays, word_range, char_range)
        if problem:
            raise ModelIntegrityError(f"model file {path}: {problem}")
    else:
        for block in blocks:
            raw = arrays[f"terms_{block}"]
            if raw.dtype != np.uint8 or raw.ndim != 1:
                fail(f"terms_{block}", "UTF-8 bytes (uint8)", f"dtype {raw.dtype}")
            try:
                text = raw.tobytes().decode("utf-8")
            except UnicodeDecodeError as exc:
                fail(f"terms_{block}", "UTF-8 text", f"an invalid byte at {exc.start}")
            terms = text.split("\n") if text else []
            low, high = (1, word_range[1] * 200) if block == "word" else (min(3, char_range[0]), char_range[1])
            if len(terms) != len(arrays[f"idf_{block}"]):
                fail(f"terms_{block}", f"{len(arrays[f'idf_{block}'])} terms (one per idf value)", len(terms))
            if any(not low <= len(t) <= high for t in terms) or len(set(terms)) != len(terms):
                fail(f"terms_{block}", f"distinct terms of {low} to {high} characters", "a term that is not")
            arrays[f"terms_{block}"] = terms
    return {"arrays": arrays, "compiled": compiled, "binary": flag is not None, "n_word": len(arrays["idf_word"]),
            "n_char": len(arrays["idf_char"]) if char_range else 0, "word_range": tuple(word_range),
            "char_range": None if char_range is None else tuple(char_range)}


def _compiled_features(features: dict):
    """The :class:`~stance.features.compiled.CompiledFeatures` of a checked v2 features file (``None`` for terms)."""
    from ..features.compiled import CompiledFeatures

    if "object" not in features:
        features["object"] = (CompiledFeatures.from_arrays(
            features["arrays"], word_ngram_range=features["word_range"], char_ngram_range=features["char_range"])
            if features["compiled"] else None)
    return features["object"]


def _feature_vocabularies(features: dict) -> dict[str, list[str]]:
    """Each block's terms in column order, from a v2 features file."""
    compiled = _compiled_features(features)
    if compiled is None:
        return {block[len("terms_"):]: terms for block, terms in features["arrays"].items()
                if block.startswith("terms_")}
    out = {"word": compiled.word_vocabulary}
    if compiled.has_char:
        out["char"] = compiled.char_vocabulary
    return out


#: Most bytes that the arrays of one ``.npz`` file of a safe-format model may take once loaded.
MAX_NPZ_BYTES = 512 * 2**20
#: Largest JSON file of a model directory that is read.
MAX_JSON_BYTES = 64 * 2**20
#: Longest word and character n-grams a safe-format model may declare.
MAX_WORD_NGRAM = 5
MAX_CHAR_NGRAM = 10
#: Most dimensions of a stored word-vector table, and longest word in it.
MAX_WORD_VECTOR_DIM = 1000
MAX_WORD_CHARS = 200
#: Most hashed target features a stance head may declare.
MAX_TARGET_HASH_FEATURES = 2**24


def _read_json(path: Path):
    """A JSON file of a model directory, with a size cap and one-line errors naming it."""
    from .files import JSONLineError, loads_json

    size = path.stat().st_size
    if size > MAX_JSON_BYTES:
        raise ModelIntegrityError(f"cannot read model file {path}: {size:,} bytes, more than the "
                                  f"{MAX_JSON_BYTES:,} a model's JSON may hold")
    try:
        return loads_json(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelIntegrityError(f"cannot read model file {path}: not UTF-8 text (byte {exc.start})") from None
    except JSONLineError as exc:
        raise ModelIntegrityError(f"cannot read model file {path}: {exc}") from None


def _read_npz(path: Path) -> dict:
    """The arrays of an ``.npz`` file, after checking from the zip and .npy headers what they will allocate."""
    import zipfile

    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise ModelIntegrityError(f"cannot read model file {path}: not an .npz archive ({exc})") from None
    total = 0
    with zf:
        for info in zf.infolist():
            name = info.filename
            if not name.endswith(".npy") or "/" in name:
                raise ModelIntegrityError(f"cannot read model file {path}: member {name!r} is not a .npy array")
            total += info.file_size
            if total > MAX_NPZ_BYTES:
                raise ModelIntegrityError(f"cannot read model file {path}: its arrays take more than "
                                          f"{MAX_NPZ_BYTES:,} bytes uncompressed "
                                          f"(member {name!r} alone {info.file_size:,})")
            with zf.open(info) as fh:
                try:
                    version = np.lib.format.read_magic(fh)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
                    else:
                        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
                except (ValueError, OSError, EOFError) as exc:
                    raise ModelIntegrityError(f"cannot read model file {path}: array {name[:-4]!r} has no valid "
                                              f".npy header ({exc})") from None
            if dtype.kind not in "biuf" or dtype.hasobject:
                raise ModelIntegrityError(f"cannot read model file {path}: array {name[:-4]!r} has dtype {dtype}, "
                                          "expected numbers")
            nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
            if nbytes > info.file_size:
                raise ModelIntegrityError(f"cannot read model file {path}: array {name[:-4]!r} declares shape "
                                          f"{shape} ({nbytes:,} bytes) "
                                          f"but its member holds {info.file_size:,} bytes")
    with np.load(path, allow_pickle=False) as npz:
        return {k: npz[k] for k in npz.files}


def _validate_safe_part(directory: Path, stem: str, meta: dict, arrays: dict, vocabulary_file: str | None,
                        checked: set | None = None, block_sizes: dict | None = None) -> None:
    """Refuse, with a :class:`ModelIntegrityError` naming the file and field, any value a model cannot use.

    ``block_sizes`` (layout v2) gives the number of columns of each feature block,
    checked with the features file; v1 parts carry their vocabularies and idf.
    """
    json_file, npz_file = directory / f"{stem}.json", directory / f"{stem}.npz"

    def fail(file, field, expected, got) -> None:
        got = got if isinstance(got, _Said) else _short(got)
        raise ModelIntegrityError(f"model file {file}: field {field!r} must be {expected}, got {got}")

    _checked_unique = checked if checked is not None else set()
    kind = meta["class"]
    params = meta.get("params")
    if not isinstance(params, dict):
        fail(json_file, "params", "an object", params)
    word_range = _check_range(json_file, "params.word_ngram_range", params.get("word_ngram_range"), MAX_WORD_NGRAM)
    char_value = params.get("char_ngram_range")
    char_range = None if char_value is None else _check_range(json_file, "params.char_ngram_range", char_value,
                                                             MAX_CHAR_NGRAM)
    _check_params(json_file, kind, params)
    classes = meta.get("classes")
    minimum = 1 if kind == "TopicClassifier" else 2
    if (not isinstance(classes, list) or len(classes) < minimum or not all(isinstance(c, str) and c for c in classes)
            or len(set(classes)) != len(classes)):
        fail(json_file, "classes", f"a list of {minimum} or more distinct non-empty strings", classes)
    blocks = ["word"] + (["char"] if char_range is not None else [])
    if block_sizes is not None:
        if sorted(block_sizes) != sorted(blocks):
            fail(json_file, "params.char_ngram_range", f"what its features file holds ({sorted(block_sizes)})",
                 char_value)
        vocab = {b: range(block_sizes[b]) for b in blocks}
    else:
        vocab = meta.get("vocabularies")
    vocab_file = directory / (vocabulary_file or json_file.name)
    if block_sizes is not None:
        pass
    elif not isinstance(vocab, dict) or sorted(vocab) != sorted(blocks):
        fail(vocab_file, "vocabularies", f"an object with the blocks {blocks}", vocab if not isinstance(vocab, dict)
             else sorted(vocab))
    for block in blocks if block_sizes is None else ():
        terms = vocab[block]
        # char_wb keeps a padded word shorter than the smallest n-gram whole (" a "), so 3 characters at least
        low, high = (1, word_range[1] * 200) if block == "word" else (min(3, char_range[0]), char_range[1])
        ok = isinstance(terms, list) and (not terms or (set(map(type, terms)) == {str}
                                                        and low <= min(map(len, terms))
                                                        and max(map(len, terms)) <= high))
        if not ok:
            bad = terms if not isinstance(terms, list) else next(
                t for t in terms if not (isinstance(t, str) and low <= len(t) <= high))
            fail(vocab_file, f"vocabularies.{block}", f"a list of strings of {low} to {high} characters", bad)
        if id(terms) not in _checked_unique:
            if len(set(terms)) != len(terms):
                fail(vocab_file, f"vocabularies.{block}", "a list of distinct terms",
                     _Said(f"{len(terms) - len(set(terms))} repeated"))
            _checked_unique.add(id(terms))
    n_text = sum(len(vocab[b]) for b in blocks)
    k = len(classes)
    expected: dict[str, tuple] = {} if block_sizes is not None else {f"idf_{b}": (len(vocab[b]),) for b in blocks}
    vector_words = meta.get("word_vectors")
    if (vector_words is not None) != (params.get("word_vectors") == WORD_VECTORS_STORED):
        fail(json_file, "word_vectors", f"a list of words exactly when params.word_vectors is "
             f"{WORD_VECTORS_STORED!r}", _Said("a mismatch"))
    if vector_words is not None:
        if (not isinstance(vector_words, list) or not vector_words
                or not all(isinstance(w, str) and 0 < len(w) <= MAX_WORD_CHARS for w in vector_words)):
            fail(json_file, "word_vectors", f"a list of words of 1 to {MAX_WORD_CHARS} characters", vector_words)
        if len(set(vector_words)) != len(vector_words):
            fail(json_file, "word_vectors", "a list of distinct words", _Said("repeated words"))
        table = arrays.get("word_vectors")
        dim = table.shape[1] if table is not None and table.ndim == 2 else 0
        if not 1 <= dim <= MAX_WORD_VECTOR_DIM:
            fail(npz_file, "word_vectors", f"an array of shape ({len(vector_words)}, 1 to {MAX_WORD_VECTOR_DIM})",
                 _Said("nothing (missing)" if table is None else f"shape {table.shape}"))
        expected.update(word_vectors=(len(vector_words), dim), word_vector_weights=(len(vector_words),))
        clusters = arrays.get("word_clusters")
        n_clusters = 0
        if clusters is not None:
            if clusters.dtype.kind not in "iu" or clusters.shape != (len(vector_words),):
                fail(npz_file, "word_clusters", f"an array of ints of shape ({len(vector_words)},)",
                     _Said(f"dtype {clusters.dtype}, shape {clusters.shape}"))
            if clusters.size and (clusters.min() < -1 or clusters.max() >= MAX_CLUSTERS):
                fail(npz_file, "word_clusters", f"cluster ids from -1 to {MAX_CLUSTERS - 1}", _Said("a value outside"))
            n_clusters = int(clusters.max()) + 1 if clusters.size else 0
        mode = params.get("word_vector_features", "pooled")
        if mode != "pooled" and not n_clusters:
            fail(npz_file, "word_clusters", f"an array of cluster ids when params.word_vector_features is {mode!r}",
                 _Said("nothing (missing)"))
        n_text += {"pooled": dim, "clusters": n_clusters, "both": dim + n_clusters}.get(mode, dim)
    if kind == "TopicClassifier":
        expected.update(coef=(k, n_text), intercept=(k,), thresholds=(k,), cv_f1=(k,))
    else:
        uses_targets = meta.get("uses_targets")
        if not isinstance(uses_targets, bool):
            fail(json_file, "uses_targets", "true or false", uses_targets)
        targets = meta.get("targets")
        if targets is not None and not (isinstance(targets, list) and all(isinstance(t, str) for t in targets)):
            fail(json_file, "targets", "null or a list of strings", targets)
        if uses_targets and targets is None:
            fail(json_file, "targets", "a list of strings when uses_targets is true", targets)
        calibrator_classes = meta.get("calibrator_classes")
        if calibrator_classes != list(range(k)):
            fail(json_file, "calibrator_classes", f"{list(range(k))}", calibrator_classes)
        cv = meta.get("cv_macro_f1")
        if cv is not None and (isinstance(cv, bool) or not isinstance(cv, (int, float)) or not 0 <= cv <= 1):
            fail(json_file, "cv_macro_f1", "null or a number from 0 to 1", cv)
        if uses_targets and params.get("target_design", "hash") == "augment":
            n_features = (n_text + 1) * len(targets) + n_text  # shared copy, one copy and one bias per target
        else:
            n_features = n_text + (params["target_hash_features"] if uses_targets else 0)
        design = params.get("heads", "ovr")
        neutral = params.get("neutral_label", "none")
        if design == "two_stage" and (neutral not in classes or k < 3):
            fail(json_file, "params.neutral_label", f"one of {classes} (with 3 or more classes) for two-stage heads",
                 neutral)
        heads = len(stance_head_names(classes, design, neutral))
        rows = 1 if k == 2 else k
        expected.update(coef=(heads, n_features), intercept=(heads,), decision_weights=(k,),
                        calibrator_coef=(rows, heads), calibrator_intercept=(rows,))
    for name, shape in expected.items():
        if name not in arrays:
            fail(npz_file, name, f"an array of shape {shape}", _Said("nothing (missing)"))
        array = arrays[name]
        if array.dtype.kind != "f":
            fail(npz_file, name, "an array of floats", _Said(f"dtype {array.dtype}"))
        if array.shape != shape:
            fail(npz_file, name, f"an array of shape {shape}", _Said(f"shape {array.shape}"))
        values = array if name != "cv_f1" else array[~np.isnan(array)]
        if not np.isfinite(values).all():
            fail(npz_file, name, "finite numbers", _Said("NaN or infinity"))
    for name in arrays:
        if name not in expected and not (name == "word_clusters" and vector_words is not None):
            fail(npz_file, name, f"one of {sorted(expected)}", _Said("an unknown array"))
    for block in blocks if block_sizes is None else ():
        if (arrays[f"idf_{block}"] <= 0).any():
            fail(npz_file, f"idf_{block}", "positive numbers", _Said("a value <= 0"))
    bounded = ["thresholds", "cv_f1"] if kind == "TopicClassifier" else []
    for name in bounded:
        values = arrays[name][~np.isnan(arrays[name])]
        if ((values < 0) | (values > 1)).any():
            fail(npz_file, name, "numbers from 0 to 1", _Said("a value outside it"))
    weights = arrays.get("decision_weights")
    if kind == "StanceClassifier" and ((weights < 0).any() or not (weights > 0).any()):
        fail(npz_file, "decision_weights", "numbers >= 0, one at least > 0", arrays["decision_weights"].tolist())


class _Said(str):
    """A description of a bad value (written as is, not as a repr)."""


def _check_range(file: Path, field: str, value, maximum: int) -> tuple[int, int]:
    ok = (isinstance(value, list) and len(value) == 2
          and all(isinstance(v, int) and not isinstance(v, bool) for v in value)
          and 1 <= value[0] <= value[1] <= maximum)
    if not ok:
        raise ModelIntegrityError(f"model file {file}: field {field!r} must be [min, max] with "
                                  f"1 <= min <= max <= {maximum}, "
                                  f"got {_short(value)}")
    return value[0], value[1]


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and np.isfinite(value)


#: Allowed values of the estimators' parameters in a safe-format model: (test, what is expected).
_PARAM_RULES = {
    "C": (lambda v: v == "auto" or (_is_number(v) and v > 0), "'auto' or a number > 0"),
    "class_weight": (lambda v: v in ("balanced", None), "'balanced' or null"),
    "min_df": (lambda v: v == "auto" or (_is_int(v) and v >= 1) or (_is_number(v) and 0 < v <= 1),
               "'auto', an int >= 1 or a number in (0, 1]"),
    "max_word_features": (lambda v: v is None or v == "auto" or (_is_int(v) and v >= 1),
                          "null, 'auto' or an int >= 1"),
    "max_char_features": (lambda v: v is None or v == "auto" or (_is_int(v) and v >= 1),
                          "null, 'auto' or an int >= 1"),
    "binary": (lambda v: isinstance(v, bool) or v == "auto", "true, false or 'auto'"),
    "cv": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "max_iter": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "random_state": (lambda v: v is None or _is_int(v), "null or an int"),
    "topics": (lambda v: v is None or (isinstance(v, list) and all(isinstance(t, str) for t in v)),
               "null or a list of strings"),
    "labels": (lambda v: v is None or (isinstance(v, list) and all(isinstance(t, str) for t in v)),
               "null or a list of strings"),
    "target_features": (lambda v: isinstance(v, bool), "true or false"),
    "target_hash_features": (lambda v: _is_int(v) and 1 <= v <= MAX_TARGET_HASH_FEATURES,
                             f"an int from 1 to {MAX_TARGET_HASH_FEATURES}"),
    "tune_decision": (lambda v: isinstance(v, bool), "true or false"),
    "target_design": (lambda v: v in TARGET_DESIGNS, f"one of {TARGET_DESIGNS}"),
    "shared_weight": (lambda v: _is_number(v) and v >= 0, "a number >= 0"),
    "per_target_weight": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "decision_metric": (lambda v: v in DECISION_METRICS, f"one of {DECISION_METRICS}"),
    "heads": (lambda v: v in HEAD_DESIGNS, f"one of {HEAD_DESIGNS}"),
    "neutral_label": (lambda v: isinstance(v, str) and bool(v), "a non-empty string"),
    "word_vectors": (lambda v: v is None or v == WORD_VECTORS_STORED, f"null or {WORD_VECTORS_STORED!r}"),
    "word_vector_weight": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "word_vector_features": (lambda v: v in BLOCK_MODES, f"one of {BLOCK_MODES}"),
}


def _check_params(file: Path, kind: str, params: dict) -> None:
    required = ["target_hash_features"] if kind == "StanceClassifier" else []
    for name in required:
        if name not in params:
            raise ModelIntegrityError(f"model file {file}: field 'params.{name}' is missing")
    for name, value in params.items():
        if name in ("word_ngram_range", "char_ngram_range"):
            continue
        rule = _PARAM_RULES.get(name)
        if rule is None:  # a parameter of a later version: plain data only
            ok, what = _plain_json(value), "a plain JSON value"
        else:
            ok, what = rule[0](value), rule[1]
        if not ok:
            raise ModelIntegrityError(f"model file {file}: field 'params.{name}' must be {what}, got {_short(value)}")


def _plain_json(value) -> bool:
    if isinstance(value, list):
        return len(value) <= 1000 and all(_plain_json(v) and not isinstance(v, list) for v in value)
    return value is None or isinstance(value, (str, bool)) or _is_number(value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _estimator_from_safe(meta: dict, arrays: dict, expected, *, binary: bool | None = None):
    """Rebuild a fitted estimator from a safe-format part.

    ``binary`` is the term frequency its features were fitted with (a v2 features file's
    flag); ``None`` (layout v1) takes ``params.binary`` when it is ``true``, else sublinear.
    """
    from sklearn.linear_model import LogisticRegression

    params = dict(meta["params"])
    for key in _TUPLE_PARAMS:
        if isinstance(params.get(key), list):
            params[key] = tuple(params[key])
    table = vectors_from_part(meta, arrays)
    if "word_vectors" in params:
        params["word_vectors"] = table  # the stored table stands for whatever was given at fit
    if expected.__name__ == "StanceClassifier":
        params.setdefault("target_design", "hash")  # files written before the augmented design
    params.setdefault("binary", False)  # files written before binary term frequencies: sublinear
    estimator = expected(**params)
    estimator.word_vectors_ = table
    estimator.classes_ = np.asarray(meta["classes"], dtype=object)
    estimator.features_ = estimator._make_features()
    if binary is None:
        binary = params["binary"] is True
    for block, vectorizer in estimator.features_.transformer_list:
        vectorizer.vocabulary_ = {term: j for j, term in enumerate(meta["vocabularies"][block])}
        vectorizer.idf_ = arrays[f"idf_{block}"]
        vectorizer.binary = binary  # what was fitted, whatever "auto" means in this version
    for name in _ARRAYS[expected.__name__]:
        setattr(estimator, name, arrays[name.rstrip("_")])
    if expected.__name__ == "StanceClassifier":
        calibrator = LogisticRegression()
        calibrator.coef_ = arrays["calibrator_coef"]
        calibrator.intercept_ = arrays["calibrator_intercept"]
        calibrator.classes_ = np.asarray(meta["calibrator_classes"])
        calibrator.n_features_in_ = calibrator.coef_.shape[1]
        estimator.calibrator_ = calibrator
        estimator.uses_targets_ = bool(meta["uses_targets"])
        estimator.targets_ = None if meta["targets"] is None else np.asarray(meta["targets"], dtype=object)
        estimator.cv_macro_f1_ = np.nan if meta["cv_macro_f1"] is None else float(meta["cv_macro_f1"])
        estimator.head_names_ = stance_head_names(meta["classes"], estimator.heads, estimator.neutral_label)
    return estimator


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
            raise ModelError(f"{path} holds a model already; pass overwrite=True (CLI: --force) to replace it")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


@functools.lru_cache(maxsize=1)
def _renameat2():
    """libc's renameat2, or None where the platform lacks it."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    func = _renameat2()
    if func is None:
        return False
    if func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    return False  # e.g. a filesystem without RENAME_EXCHANGE: fall back to two renames


def _replace_dir(new: Path, path: Path) -> None:
    """Move ``new`` to ``path``, replacing an existing ``path`` atomically where the OS allows.

    On Linux the two directories are swapped in one system call, so at every
    instant ``path`` is either the complete old model or the complete new one.
    Elsewhere the old directory is renamed aside first (a crash between the two
    renames leaves it as a hidden ``.NAME.old-*`` sibling).
    """
    if not path.exists():
        os.replace(new, path)
        return
    if _exchange(new, path):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old model
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
    from .files import JSONLineError, loads_json

    if manifest_path.stat().st_size > MAX_JSON_BYTES:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: more than {MAX_JSON_BYTES:,} bytes")
    try:
        manifest = loads_json(manifest_path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: not UTF-8 text (byte {exc.start})") from None
    except JSONLineError as exc:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: {exc}") from None
    if not isinstance(manifest, dict):
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: expected a JSON object")
    if isinstance(manifest.get("format"), str) and manifest["format"].startswith(_CLAIM_PREFIX):
        return _check_claim_manifest(manifest, manifest_path)
    missing = [k for k in ("format", "versions", "files", "topics", "stances") if k not in manifest]
    if missing:
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: missing field(s) {missing}")
    for key, kind in (("format", str), ("versions", dict), ("files", dict), ("topics", list), ("stances", list)):
        if not isinstance(manifest[key], kind):
            raise ModelIntegrityError(
                f"corrupt manifest {manifest_path}: {key!r} must be a {kind.__name__}, got {type(manifest[key]).__name__}"
            )
    for filename, digest in manifest["files"].items():
        if not isinstance(digest, str) or len(digest) != 64:
            raise ModelIntegrityError(f"corrupt manifest {manifest_path}: the sha256 of {filename!r} must be 64 hex "
                                      f"digits, got {_short(digest)}")
    for key in ("topics", "stances"):
        if not all(isinstance(label, str) for label in manifest[key]):
            raise ModelIntegrityError(f"corrupt manifest {manifest_path}: {key!r} must be a list of strings")
    _check_format(manifest["format"], manifest_path, READABLE_FORMATS, MODEL_FORMAT, _FORMAT_PREFIX)
    return manifest


def _check_format(tag: str, manifest_path: Path, readable: tuple, current: str, prefix: str) -> None:
    """Refuse a format tag this version does not read, saying when a newer stance wrote it."""
    if tag in readable:
        return
    number = tag[len(prefix):] if tag.startswith(prefix) else ""
    newer = number.isdigit() and len(number) < 10 and int(number) > int(current[len(prefix):])
    hint = "; it was written by a newer stance: upgrade stance to read it" if newer else ""
    raise ModelVersionError(
        f"{manifest_path}: model format {_short(tag)} is not supported by stance {__version__} "
        f"(it reads {', '.join(readable)}){hint}"
    )


def _check_versions(manifest: dict, path: Path, serialization: str) -> None:
    written = manifest.get("versions", {})
    st = str(written.get("stance", "unknown"))
    if st == "unknown" or _minor(st)[0] != _minor(__version__)[0]:
        raise ModelVersionError(
            f"model {path} was written with stance {st}, which is incompatible with stance {__version__}; retrain it"
        )
    if serialization != "joblib":
        return  # the safe format holds no scikit-learn objects, so any scikit-learn version reads it
    sk = str(written.get("scikit-learn", "unknown"))
    import sklearn

    if sk == "unknown" or _minor(sk) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"model {path} was pickled with scikit-learn {sk}, but scikit-learn {sklearn.__version__} is installed; "
            f"install scikit-learn=={sk}, or load its safe export (stance export) instead"
        )


def is_shipped(path: str | os.PathLike) -> bool:
    """Whether ``path`` is one of the package's own shipped models, whose pickles are trusted without asking.

    Trust comes from content, not from the folder: the directory must lie among the shipped models
    *and* hold exactly the pickles whose sha256 the package records in code
    (``stance/io/shipped_hashes.py``, written by ``tools/record_shipped_hashes.py``). A pickle that
    someone places among the shipped models is refused like any other.
    """
    from ..io.shipped_hashes import SHIPPED_PICKLES

    root = default_model_path().parent.resolve()
    resolved = Path(path).resolve()
    if resolved.parent != root or resolved.name not in SHIPPED_PICKLES:
        return False
    expected = SHIPPED_PICKLES[resolved.name]
    found = sorted(f.name for f in resolved.glob("*.joblib"))
    if found != sorted(expected):
        return False
    return all(sha256_file(resolved / name) == digest for name, digest in expected.items())


def load_model(path: str | os.PathLike | None = None, *, trusted: bool = False, serialization: str | None = None):
    """Load a model directory, checking its manifest, hashes and versions first.

    Parameters
    ----------
    path : path-like or None, default=None
        A directory written by :func:`save_model` (or ``stance train``);
        ``None`` loads the shipped default model.
    trusted : bool, default=False
        Allow unpickling a joblib model from outside the package's shipped
        models. Pickles can run arbitrary code: pass ``True`` only for files
        from a source you trust. Safe-format models never need it.
    serialization : {"safe", "joblib"} or None, default=None
        Which files to read from a directory that holds both; ``None`` prefers
        the pickle-free safe files.

    Returns
    -------
    StanceModel or ClaimStanceClassifier
        A :class:`~stance.ClaimStanceClassifier` for a directory that :func:`save_model`
        wrote from one (format ``stance-claim-model/1``, pickle-free: never unpickled,
        ``trusted`` does not apply).

    Raises
    ------
    ModelNotFoundError
        If the directory, its manifest or a model file is missing.
    ModelIntegrityError
        If a file's sha256 differs from the manifest, or a file is unreadable.
    ModelVersionError
        If the model was written by an incompatible stance or in a format this
        version does not read, or pickled by another minor version of
        scikit-learn (a ClaimStanceClassifier: saved with another minor version
        of scikit-learn, whose objects it is rebuilt as).
    UntrustedModelError
        If the model is a pickle from outside the shipped models and
        ``trusted`` is false. Nothing is unpickled.

    Notes
    -----
    Every file is checked against the manifest's sha256 before it is read.
    A safe-format model is served by a numpy-only
    :class:`~stance.estimators.scoring.Predictor`; its scikit-learn estimators are built
    only when ``model.topic_classifier`` or ``model.stance_classifier`` is used.
    """
    path = default_model_path() if path is None else Path(path)
    manifest = read_manifest(path)
    if manifest["format"].startswith(_CLAIM_PREFIX):
        return _load_claim_model(path, manifest, serialization)
    stored = manifest.get("serialization", "joblib")
    if stored not in FORMATS:
        raise ModelVersionError(f"{path / MANIFEST_FILE}: unknown serialization {stored!r}; expected one of {FORMATS}")
    available = ("joblib", "safe") if stored == "both" else (stored,)
    if serialization is None:
        kind = "safe" if "safe" in available else "joblib"
    elif serialization in available:
        kind = serialization
    else:
        raise ModelNotFoundError(f"model {path} has no {serialization!r} files (it holds {stored!r})")
    if kind == "joblib" and not trusted and not is_shipped(path):
        raise UntrustedModelError(
            f"refusing to unpickle {path}: joblib model files can run code when loaded; pass trusted=True "
            "(CLI: --trust) if you trust its source, or load a pickle-free export (stance export)"
        )
    suffixes = (".joblib",) if kind == "joblib" else (".npz", ".json")
    files = manifest["files"]
    to_check = [stem + suffix for stem in _PARTS.values() for suffix in suffixes]
    if kind == "safe" and manifest["format"] == "stance-model/1" and VOCABULARY_FILE in files:
        to_check.append(VOCABULARY_FILE)
    if kind == "safe" and manifest["format"] != "stance-model/1":
        to_check += sorted(name for name in files if name == FEATURES_FILE or
                           name in {f"{stem}.{FEATURES_FILE}" for stem in _PARTS.values()})
    _check_hashes(path, files, to_check)
    _check_versions(manifest, path, kind)
    if kind == "safe":
        return _load_safe_model(path, manifest, set(to_check))
    return _load_joblib_model(path, manifest)


def _check_hashes(path: Path, files: dict, names) -> None:
    """Check that each of ``names`` is in the manifest's ``files``, exists, and has the recorded sha256."""
    for filename in names:
        if filename not in files:
            raise ModelIntegrityError(f"corrupt manifest {path / MANIFEST_FILE}: no sha256 for {filename}")
        file_path = path / filename
        if not file_path.is_file():
            raise ModelNotFoundError(f"model file missing: {file_path}")
        if sha256_file(file_path) != files[filename]:
            raise ModelIntegrityError(
                f"model file {file_path} does not match the sha256 in its manifest (corrupt or modified)"
            )


_CLASS_NAMES = {"topic_classifier": "TopicClassifier", "stance_classifier": "StanceClassifier"}


def _reading(path: Path, names: str):
    """Turn any parsing error into a ModelIntegrityError naming the files."""

    class _Guard(contextlib.AbstractContextManager):
        def __exit__(self, exc_type, exc, tb):
            if exc is None or isinstance(exc, ModelError):
                return False
            raise ModelIntegrityError(f"cannot read model file {path / names}: {exc_type.__name__}: {exc}") from None

    return _Guard()


def _load_safe_model(path: Path, manifest: dict, verified: set[str]):
    if manifest["format"] == "stance-model/1":
        return _load_safe_model_v1(path, manifest, verified)
    from ..model.stance_model import StanceModel
    from ..estimators.scoring import Predictor

    parts, cache = {}, {}
    for attr, stem in _PARTS.items():
        with _reading(path, f"{stem}.json / {stem}.npz"):
            parts[attr] = _read_safe_v2(path, stem, _CLASS_NAMES[attr], verified, cache)
            _check_labels(path, manifest, attr, parts[attr][0]["classes"])

    def estimators():
        from ..estimators.linear import StanceClassifier, TopicClassifier

        out = []
        for attr, cls in (("topic_classifier", TopicClassifier), ("stance_classifier", StanceClassifier)):
            meta, arrays, features = parts[attr]
            with _reading(path, f"{_PARTS[attr]}.json / {meta['features']}"):
                meta = dict(meta, vocabularies=_feature_vocabularies(features))
                arrays = dict(arrays, **{k: v for k, v in features["arrays"].items() if k.startswith("idf_")})
                out.append(_estimator_from_safe(meta, arrays, cls, binary=features["binary"]))
        return tuple(out)

    (t_meta, t_arrays, t_feat), (s_meta, s_arrays, s_feat) = parts["topic_classifier"], parts["stance_classifier"]
    predictor = None
    if t_feat is s_feat and not s_meta.get("uses_targets") and same_vector_parts(t_meta, t_arrays, s_meta, s_arrays):
        with _reading(path, FEATURES_FILE):
            compiled = _compiled_features(t_feat)
        if compiled is not None:
            predictor = Predictor.from_parts(compiled, t_meta, t_arrays, s_meta, s_arrays)
    if predictor is None:
        tc, sc = estimators()
        return StanceModel(tc, sc, manifest=manifest)
    return StanceModel._from_predictor(predictor, manifest, estimators)


def _load_safe_model_v1(path: Path, manifest: dict, verified: set[str]):
    """Layout ``stance-model/1``: vocabularies as JSON, compiled when loaded."""
    from ..model.stance_model import StanceModel
    from ..estimators.scoring import Predictor

    parts, cache = {}, {}
    for attr, stem in _PARTS.items():
        with _reading(path, f"{stem}.json / {stem}.npz"):
            parts[attr] = _read_safe(path, stem, _CLASS_NAMES[attr], verified, cache)
            _check_labels(path, manifest, attr, parts[attr][0]["classes"])

    def estimators():
        from ..estimators.linear import StanceClassifier, TopicClassifier

        with _reading(path, "topic/stance .json/.npz"):
            return (_estimator_from_safe(*parts["topic_classifier"], TopicClassifier),
                    _estimator_from_safe(*parts["stance_classifier"], StanceClassifier))

    with _reading(path, "topic/stance .json/.npz"):
        predictor = Predictor.from_safe_parts(*parts["topic_classifier"], *parts["stance_classifier"])
    if predictor is None:
        tc, sc = estimators()
        return StanceModel(tc, sc, manifest=manifest)
    return StanceModel._from_predictor(predictor, manifest, estimators)


#: Modules of stance 1.0 that its pickles name, and where their classes live now.
MOVED_MODULES = {
    "stance.models": "stance.estimators.linear",
    "stance._compiled": "stance.features.compiled",
    "stance.inference": "stance.estimators.scoring",
    "stance.api": "stance.model.stance_model",
}


@contextlib.contextmanager
def modules_of_earlier_versions():
    """Let a pickle written by stance 1.0 find its classes under their 1.0 module names.

    The names of :data:`MOVED_MODULES` are bound in :data:`sys.modules` to the modules
    that hold those classes now, for the duration of the block only, and only where the
    name is free.
    """
    import importlib
    import sys

    added = []
    try:
        for old, new in MOVED_MODULES.items():
            if old not in sys.modules:
                sys.modules[old] = importlib.import_module(new)
                added.append(old)
        yield
    finally:
        for old in added:
            sys.modules.pop(old, None)


def _load_joblib_model(path: Path, manifest: dict):
    import joblib
    from sklearn.exceptions import InconsistentVersionWarning

    from ..model.stance_model import StanceModel
    from ..estimators.linear import StanceClassifier, TopicClassifier

    expected = {"topic_classifier": TopicClassifier, "stance_classifier": StanceClassifier}
    parts = {}
    for attr, stem in _PARTS.items():
        with _reading(path, f"{stem}.joblib"), warnings.catch_warnings(), modules_of_earlier_versions():
            warnings.simplefilter("ignore", category=InconsistentVersionWarning)
            obj = joblib.load(path / f"{stem}.joblib")
        if not isinstance(obj, expected[attr]):
            raise ModelIntegrityError(
                f"model file {path / stem}.joblib holds a {type(obj).__name__}, expected {expected[attr].__name__}"
            )
        _check_labels(path, manifest, attr, obj.classes_)
        parts[attr] = obj
    return StanceModel(parts["topic_classifier"], parts["stance_classifier"], manifest=manifest)


def _check_labels(path: Path, manifest: dict, attr: str, classes) -> None:
    key = "topics" if attr == "topic_classifier" else "stances"
    if [str(c) for c in classes] != [str(c) for c in manifest[key]]:
        raise ModelIntegrityError(f"model {path}: the manifest's {key} do not match the model files")


def export_model(src: str | os.PathLike | None, dst: str | os.PathLike, *, trusted: bool = False,
                 overwrite: bool = False) -> Path:
    """Convert a model directory to the pickle-free format, keeping its manifest's records.

    Parameters
    ----------
    src : path-like or None
        The model to convert (``None``: the shipped default).
    dst : path-like
        The safe model directory to write (atomically).
    trusted : bool, default=False
        Needed to read a joblib ``src`` from outside the shipped models.
    overwrite : bool, default=False

    Returns
    -------
    pathlib.Path
    """
    source = default_model_path() if src is None else Path(src)
    if Path(dst).exists() and same_file(source, dst):
        raise ModelError(f"refusing to export {source} onto itself: give another output directory")
    old = read_manifest(source)
    model = load_model(src, trusted=trusted)
    return save_model(model, dst, format="safe", name=old.get("name"), training_data=old.get("training_data"),
                      parameters=old.get("parameters"), metrics=old.get("metrics"), overwrite=overwrite)


def require_stance_model(model, path) -> None:
    """Raise :class:`ModelError` unless ``model`` (loaded from ``path``) is a paragraph model (a StanceModel).

    The commands that classify paragraphs call this, so that a ClaimStanceClassifier's directory
    given to them is an error that says so, not a crash.
    """
    from ..model.stance_model import StanceModel

    if not isinstance(model, StanceModel):
        raise ModelError(f"model {path or default_model_path()} holds a {type(model).__name__} (stance toward a claim, "
                         f"for claim-text pairs); this needs a paragraph model (topics and stance), such as one "
                         f"written by `stance train`")


@functools.lru_cache(maxsize=1)
def load_default_model():
    """The shipped default model, loaded once per process (used by :func:`stance.analyze`)."""
    return load_model(None)


# -- ClaimStanceClassifier: format stance-claim-model/1 (pickle-free only) ------------------------
_CLAIM_JSON, _CLAIM_NPZ = CLAIM_FILES
_CLAIM_SECURITY = "pickle-free: arrays in claims.npz (no object arrays), the rest JSON; never unpickled"


def _is_claim_model(model) -> bool:
    import sys

    module = sys.modules.get("stance.estimators.claims")  # not imported: no ClaimStanceClassifier exists
    return module is not None and isinstance(model, module.ClaimStanceClassifier)


def _terms_array(terms: list[str], what: str) -> np.ndarray:
    if any("\n" in t for t in terms):
        raise ModelError(f"cannot save a {what} term holding a line break in the safe format")
    return np.frombuffer("\n".join(terms).encode("utf-8"), dtype=np.uint8)


def _claim_arrays(clf) -> tuple[dict, dict]:
    """The JSON metadata and the numeric arrays of a fitted ClaimStanceClassifier."""
    from ..estimators.claims import CLAIM_STANCE_LABELS, SIM_NAMES, VECTORIZER_NAMES

    feats = clf.features_
    arrays: dict[str, np.ndarray] = {}
    for name in VECTORIZER_NAMES:
        vectorizer = getattr(feats, f"{name}_")
        terms = [""] * len(vectorizer.vocabulary_)
        for term, j in vectorizer.vocabulary_.items():
            terms[j] = term
        arrays[f"terms_{name}"] = _terms_array(terms, f"{name} TF-IDF")
        arrays[f"idf_{name}"] = np.asarray(vectorizer.idf_)
    arrays["svd_components"] = np.asarray(feats.svd_.components_)
    arrays["sim_mean"], arrays["sim_scale"] = clf.scaler_.mean_, clf.scaler_.scale_
    arrays["sim_var"] = clf.scaler_.var_
    arrays["bin_edges"] = np.concatenate(clf.bins_.bin_edges_).astype(np.float64)
    arrays["bin_counts"] = np.asarray(clf.bins_.n_bins_, dtype=np.int64)
    arrays["cue_max_abs"], arrays["cue_scale"] = clf.cue_scaler_.max_abs_, clf.cue_scaler_.scale_
    for stage, model in (("related", clf.related_model_), ("stance", clf.stance_model_)):
        arrays[f"{stage}_coef"], arrays[f"{stage}_intercept"] = model.coef_, model.intercept_
    params = _stored_params(clf)
    if not _is_int(params.get("random_state")):
        params["random_state"] = None  # a RandomState object only seeded the fit
    table = clf.word_vectors_
    meta = {
        "class": "ClaimStanceClassifier",
        "params": params,
        "classes": [str(c) for c in clf.classes_],
        "stance_classes": [str(c) for c in clf.stance_model_.classes_],
        "sim_names": list(SIM_NAMES),
        "samples_seen": {"sim": int(clf.scaler_.n_samples_seen_), "cue": int(clf.cue_scaler_.n_samples_seen_)},
        "word_vectors": None if table is None else table.vocabulary,
    }
    if [str(c) for c in clf.classes_] != list(CLAIM_STANCE_LABELS):
        raise ModelError(f"cannot save a ClaimStanceClassifier with classes {meta['classes']}")
    if table is not None:
        stored = table.to_arrays(np.float16)
        arrays["word_vectors"], arrays["word_vector_weights"] = stored["vectors"], stored["weights"]
    return meta, {k: np.asarray(v) for k, v in arrays.items()}


def _save_claim_model(clf, path, *, format: str, name, training_data, parameters, metrics, overwrite) -> Path:
    from sklearn.utils.validation import check_is_fitted

    if format == "joblib":
        raise ValueError("a ClaimStanceClassifier is saved pickle-free only: use format='safe' (or 'both', "
                         "which writes the same files); joblib.dump it yourself if you need a pickle")
    check_is_fitted(clf, "stance_model_")
    meta, arrays = _claim_arrays(clf)
    path = Path(path)
    with _new_model_dir(path, overwrite=overwrite) as tmp:
        with open(tmp / _CLAIM_NPZ, "wb") as fh:
            np.savez_compressed(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        _write_json(tmp / _CLAIM_JSON, meta)
        manifest = {
            "format": CLAIM_MODEL_FORMAT,
            "serialization": "safe",
            "class": "ClaimStanceClassifier",
            "name": name or path.name,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "labels": meta["classes"],
            "files": {f: sha256_file(tmp / f) for f in CLAIM_FILES},
            "training_data": [_data_record(d) for d in (training_data or [])],
            "parameters": parameters or meta["params"],
            "metrics": metrics or {},
            "security": _CLAIM_SECURITY,
        }
        _write_json(tmp / MANIFEST_FILE, manifest)
    return path


def _check_claim_manifest(manifest: dict, manifest_path: Path) -> dict:
    """The fields of a ClaimStanceClassifier's manifest, checked (format first: a newer one is named)."""
    _check_format(manifest["format"], manifest_path, READABLE_CLAIM_FORMATS, CLAIM_MODEL_FORMAT, _CLAIM_PREFIX)
    for key, kind in (("versions", dict), ("files", dict), ("labels", list)):
        if key not in manifest:
            raise ModelIntegrityError(f"corrupt manifest {manifest_path}: missing field {key!r}")
        if not isinstance(manifest[key], kind):
            raise ModelIntegrityError(f"corrupt manifest {manifest_path}: {key!r} must be a {kind.__name__}, "
                                      f"got {type(manifest[key]).__name__}")
    for filename, digest in manifest["files"].items():
        if not isinstance(digest, str) or len(digest) != 64:
            raise ModelIntegrityError(f"corrupt manifest {manifest_path}: the sha256 of {filename!r} must be 64 hex "
                                      f"digits, got {_short(digest)}")
    if manifest.get("serialization", "safe") != "safe":
        raise ModelIntegrityError(f"corrupt manifest {manifest_path}: a claim model's serialization must be "
                                  f"'safe', got {_short(manifest.get('serialization'))}")
    return manifest


#: Allowed values of ClaimStanceClassifier's parameters in a saved model: (test, what is expected).
_CLAIM_PARAM_RULES = {
    "threshold": (lambda v: _is_number(v) and 0 <= v <= 1, "a number from 0 to 1"),
    "decision_weights": (lambda v: isinstance(v, list) and len(v) == 3 and all(_is_number(w) and w >= 0 for w in v)
                         and any(w > 0 for w in v), "3 numbers >= 0, one at least > 0"),
    "related_C": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "stance_C": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "n_bins": (lambda v: _is_int(v) and v >= 2, "an int >= 2"),
    "n_svd": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "n_top": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "min_df": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "max_iter": (lambda v: _is_int(v) and v >= 1, "an int >= 1"),
    "tol": (lambda v: _is_number(v) and v > 0, "a number > 0"),
    "random_state": (lambda v: v is None or _is_int(v), "null or an int"),
    "word_vectors": (lambda v: v is None or v == WORD_VECTORS_STORED, f"null or {WORD_VECTORS_STORED!r}"),
    "word_vector_weight": (lambda v: _is_number(v) and v > 0, "a number > 0"),
}


def _check_claim_part(path: Path, meta, arrays: dict) -> dict:
    """Check ``claims.json`` and ``claims.npz`` against each other; return each TF-IDF block's terms."""
    from ..estimators.claims import CLAIM_STANCE_LABELS, N_CUE_FEATURES, SIM_NAMES, VECTORIZER_NAMES

    json_file, npz_file = path / _CLAIM_JSON, path / _CLAIM_NPZ

    def fail(file, field, expected, got) -> None:
        got = got if isinstance(got, _Said) else _short(got)
        raise ModelIntegrityError(f"model file {file}: field {field!r} must be {expected}, got {got}")

    if not isinstance(meta, dict) or meta.get("class") != "ClaimStanceClassifier":
        raise ModelIntegrityError(f"{json_file} does not describe a ClaimStanceClassifier")
    params = meta.get("params")
    if not isinstance(params, dict):
        fail(json_file, "params", "an object", params)
    for key, (test, what) in _CLAIM_PARAM_RULES.items():
        if key not in params:
            fail(json_file, f"params.{key}", what, _Said("nothing (missing)"))
        if not test(params[key]):
            fail(json_file, f"params.{key}", what, params[key])
    for key in params:
        if key not in _CLAIM_PARAM_RULES:
            fail(json_file, f"params.{key}", "a parameter of ClaimStanceClassifier", _Said("an unknown one"))
    if meta.get("classes") != list(CLAIM_STANCE_LABELS):
        fail(json_file, "classes", list(CLAIM_STANCE_LABELS), meta.get("classes"))
    if meta.get("stance_classes") != list(CLAIM_STANCE_LABELS[:3]):
        fail(json_file, "stance_classes", list(CLAIM_STANCE_LABELS[:3]), meta.get("stance_classes"))
    stored = params["word_vectors"] == WORD_VECTORS_STORED
    sim_names = list(SIM_NAMES)
    if meta.get("sim_names") != sim_names:
        fail(json_file, "sim_names", f"the {len(sim_names)} similarity features of this version", meta.get("sim_names"))
    seen = meta.get("samples_seen")
    if not (isinstance(seen, dict) and all(_is_int(seen.get(k)) and seen[k] >= 1 for k in ("sim", "cue"))):
        fail(json_file, "samples_seen", "{'sim': int >= 1, 'cue': int >= 1}", seen)

    def array(name, kind="f", ndim=None, shape=None):
        if name not in arrays:
            fail(npz_file, name, "an array", _Said("nothing (missing)"))
        a = arrays[name]
        if a.dtype.kind not in kind:
            fail(npz_file, name, "an array of " + ("floats" if kind == "f" else "integers"), _Said(f"dtype {a.dtype}"))
        if (ndim is not None and a.ndim != ndim) or (shape is not None and a.shape != shape):
            fail(npz_file, name, f"an array of shape {shape or f'{ndim} dimension(s)'}", _Said(f"shape {a.shape}"))
        if kind == "f" and name != "bin_edges" and not np.isfinite(a).all():
            fail(npz_file, name, "finite numbers", _Said("NaN or infinity"))
        return a

    expected = set()
    terms, sizes = {}, {}
    for name in VECTORIZER_NAMES:
        raw, idf = array(f"terms_{name}", "u", 1), array(f"idf_{name}", "f", 1)
        expected |= {f"terms_{name}", f"idf_{name}"}
        if raw.dtype != np.uint8:
            fail(npz_file, f"terms_{name}", "UTF-8 bytes (uint8)", _Said(f"dtype {raw.dtype}"))
        try:
            text = raw.tobytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            fail(npz_file, f"terms_{name}", "UTF-8 text", _Said(f"an invalid byte at {exc.start}"))
        words = text.split("\n") if text else []
        if len(words) != len(idf) or not words:
            fail(npz_file, f"terms_{name}", f"{len(idf)} terms (one per idf value, 1 at least)",
                 _Said(f"{len(words)}"))
        if len(set(words)) != len(words) or not all(words):
            fail(npz_file, f"terms_{name}", "distinct non-empty terms", _Said("a repeated or empty term"))
        if (idf <= 0).any():
            fail(npz_file, f"idf_{name}", "positive numbers", _Said("a value <= 0"))
        terms[name], sizes[name] = words, len(words)
    components = array("svd_components", "f", 2)
    if not 1 <= components.shape[0] <= params["n_svd"] or components.shape[1] != sizes["word"]:
        fail(npz_file, "svd_components", f"an array of shape (1 to {params['n_svd']}, {sizes['word']})",
             _Said(f"shape {components.shape}"))
    n_sim = len(sim_names)
    for name in ("sim_mean", "sim_scale", "sim_var"):
        array(name, "f", shape=(n_sim,))
    if (arrays["sim_scale"] <= 0).any():
        fail(npz_file, "sim_scale", "positive numbers", _Said("a value <= 0"))
    counts = array("bin_counts", "iu", shape=(n_sim,))
    if (counts < 1).any() or (counts > params["n_bins"]).any():
        fail(npz_file, "bin_counts", f"ints from 1 to {params['n_bins']}", counts.tolist())
    edges = array("bin_edges", "f", shape=(int(counts.sum()) + n_sim,))
    bounds = np.concatenate([[0], np.cumsum(counts + 1)])
    for j in range(n_sim):
        e = edges[bounds[j]:bounds[j + 1]]
        if np.isnan(e).any() or (np.diff(e) < 0).any() or not np.isfinite(e[1:-1]).all():
            fail(npz_file, "bin_edges", "increasing numbers per feature (only the outer ones infinite)",
                 _Said(f"feature {j} not"))
    for name in ("cue_max_abs", "cue_scale"):
        array(name, "f", shape=(N_CUE_FEATURES,))
    if (arrays["cue_scale"] <= 0).any():
        fail(npz_file, "cue_scale", "positive numbers", _Said("a value <= 0"))
    n_stage1 = n_sim + int(counts.sum())
    dim = 0
    vector_words = meta.get("word_vectors")
    if stored != (vector_words is not None):
        fail(json_file, "word_vectors", f"a list of words exactly when params.word_vectors is "
             f"{WORD_VECTORS_STORED!r}", _Said("a mismatch"))
    if stored:
        if (not isinstance(vector_words, list) or not vector_words
                or not all(isinstance(w, str) and 0 < len(w) <= MAX_WORD_CHARS for w in vector_words)
                or len(set(vector_words)) != len(vector_words)):
            fail(json_file, "word_vectors", f"a list of distinct words of 1 to {MAX_WORD_CHARS} characters",
                 _Said("a list that is not"))
        table = array("word_vectors", "f", 2)
        dim = table.shape[1]
        if table.shape[0] != len(vector_words) or not 1 <= dim <= MAX_WORD_VECTOR_DIM:
            fail(npz_file, "word_vectors", f"an array of shape ({len(vector_words)}, 1 to {MAX_WORD_VECTOR_DIM})",
                 _Said(f"shape {table.shape}"))
        array("word_vector_weights", "f", shape=(len(vector_words),))
        expected |= {"word_vectors", "word_vector_weights"}
    n_stage2 = (n_stage1 + N_CUE_FEATURES + sizes["head"] + sizes["body"] + sizes["lead"] + 4 * dim)
    array("related_coef", "f", shape=(1, n_stage1))
    array("related_intercept", "f", shape=(1,))
    array("stance_coef", "f", shape=(3, n_stage2))
    array("stance_intercept", "f", shape=(3,))
    expected |= {"svd_components", "sim_mean", "sim_scale", "sim_var", "bin_counts", "bin_edges", "cue_max_abs",
                 "cue_scale", "related_coef", "related_intercept", "stance_coef", "stance_intercept"}
    for name in arrays:
        if name not in expected:
            fail(npz_file, name, f"one of {sorted(expected)}", _Said("an unknown array"))
    return terms


def _load_claim_model(path: Path, manifest: dict, serialization: str | None):
    """Rebuild a ClaimStanceClassifier from ``claims.json`` and ``claims.npz`` (checked; no pickle)."""
    import sklearn

    if serialization not in (None, "safe"):
        raise ModelNotFoundError(f"model {path} has no {serialization!r} files (a claim model holds 'safe' files "
                                 f"only)")
    _check_hashes(path, manifest["files"], CLAIM_FILES)
    _check_versions(manifest, path, "safe")
    written = str(manifest["versions"].get("scikit-learn", "unknown"))
    if written == "unknown" or _minor(written) != _minor(sklearn.__version__):
        raise ModelVersionError(
            f"model {path} ({MANIFEST_FILE}) was written with scikit-learn {written}, but scikit-learn "
            f"{sklearn.__version__} is installed; a claim model is rebuilt as scikit-learn objects whose "
            f"transforms may differ between versions: install scikit-learn=={written} or retrain it"
        )
    with _reading(path, f"{_CLAIM_JSON} / {_CLAIM_NPZ}"):
        meta = _read_json(path / _CLAIM_JSON)
        arrays = _read_npz(path / _CLAIM_NPZ)
        terms = _check_claim_part(path, meta, arrays)
        return _claim_model_from_arrays(meta, arrays, terms)


def _claim_model_from_arrays(meta: dict, arrays: dict, terms: dict):
    from sklearn.decomposition import TruncatedSVD
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import MaxAbsScaler, StandardScaler

    from ..estimators.claims import CLAIM_STANCE_LABELS, ClaimPairFeatures, ClaimStanceClassifier, QuantileOneHot

    params = dict(meta["params"])
    params["decision_weights"] = tuple(params["decision_weights"])
    table = vectors_from_part(meta, arrays)
    params["word_vectors"] = table  # the stored table stands for whatever was given at fit
    clf = ClaimStanceClassifier(**params)
    clf.word_vectors_ = table
    feats = ClaimPairFeatures(n_svd=clf.n_svd, n_top=clf.n_top, min_df=clf.min_df, random_state=clf.random_state,
                              word_vectors=table)
    for name, vectorizer in feats.make_vectorizers().items():
        vectorizer.vocabulary_ = {term: j for j, term in enumerate(terms[name])}
        vectorizer.idf_ = arrays[f"idf_{name}"]
        setattr(feats, f"{name}_", vectorizer)
    components = arrays["svd_components"]
    svd = TruncatedSVD(components.shape[0], random_state=clf.random_state)
    svd.components_, svd.n_features_in_ = components, components.shape[1]
    feats.svd_ = svd
    clf.features_ = feats
    scaler = StandardScaler()
    scaler.mean_, scaler.scale_, scaler.var_ = arrays["sim_mean"], arrays["sim_scale"], arrays["sim_var"]
    scaler.n_features_in_, scaler.n_samples_seen_ = len(scaler.mean_), meta["samples_seen"]["sim"]
    clf.scaler_ = scaler
    bounds = np.concatenate([[0], np.cumsum(arrays["bin_counts"] + 1)])
    clf.bins_ = QuantileOneHot([arrays["bin_edges"][a:b] for a, b in zip(bounds[:-1], bounds[1:])])
    cue = MaxAbsScaler()
    cue.max_abs_, cue.scale_ = arrays["cue_max_abs"], arrays["cue_scale"]
    cue.n_features_in_, cue.n_samples_seen_ = len(cue.scale_), meta["samples_seen"]["cue"]
    clf.cue_scaler_ = cue
    for attr, stage, C, classes in (
            ("related_model_", "related", clf.related_C, np.array([False, True])),
            ("stance_model_", "stance", clf.stance_C, np.array(CLAIM_STANCE_LABELS[:3], dtype=object))):
        model = LogisticRegression(C=C, max_iter=clf.max_iter, tol=clf.tol)
        model.coef_, model.intercept_ = arrays[f"{stage}_coef"], arrays[f"{stage}_intercept"]
        model.classes_, model.n_features_in_ = classes, model.coef_.shape[1]
        setattr(clf, attr, model)
    clf.classes_ = np.array(CLAIM_STANCE_LABELS, dtype=object)
    return clf
