"""Finding and reading corpora: the data root, labelled JSONL, the domain corpus.

Corpora are never copied into this repository. They are read from a *data
root*: the ``data_root`` argument, else the ``STANCE_DATA_ROOT`` environment
variable, else ``../shared/data`` beside the checkout or the working directory.

The labelled JSONL format is one object per line with ``text``, ``topics``
(a list, may be empty), ``stance`` and optionally ``target``, ``id`` and
``doc`` (the article, for grouped cross-validation).

Examples
--------
>>> import json, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "tiny.jsonl")
>>> with open(path, "w") as fh:
...     _ = fh.write(json.dumps({"text": "NATO talks", "topics": ["diplomacy"], "stance": "none"}) + "\\n")
>>> data = read_labelled_jsonl(path)
>>> data.texts, data.topics, data.stances
(['NATO talks'], [['diplomacy']], ['none'])
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

from ..io.files import JSONLineError, loads_line, sha256_file
from ..exceptions import DataError, DataRootNotFoundError, LabelError
from ..text.processing import DEFAULT_MAX_PARAGRAPH_CHARS
from .labelled import LabelledData

__all__ = [
    "DATA_ROOT_ENV",
    "DOMAIN_POOLS",
    "DOMAIN_STANCES",
    "DOMAIN_TOPICS",
    "LabelledData",
    "add_label_files",
    "load_domain",
    "load_domain_grown",
    "read_label_files",
    "load_seed_article",
    "read_labelled_jsonl",
    "resolve_data_root",
    "sha256_file",
]

#: Environment variable naming the data root.
DATA_ROOT_ENV = "STANCE_DATA_ROOT"
#: The six topics of ``domain/GUIDELINES.md``, in the guideline's order.
DOMAIN_TOPICS = (
    "security_guarantees",
    "nato_expansion",
    "arms_control",
    "military_activity",
    "diplomacy",
    "sanctions",
)
#: The stances toward Russia's position of ``domain/GUIDELINES.md``.
DOMAIN_STANCES = ("favor", "against", "none")

_REPO_ROOT = Path(__file__).resolve().parents[2]


def _candidate_roots() -> list[Path]:
    return [_REPO_ROOT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data", Path.cwd() / "shared" / "data"]


def resolve_data_root(data_root: str | os.PathLike | None = None, *, require: str | None = None) -> Path:
    """Return the data root directory.

    Parameters
    ----------
    data_root : path-like or None, default=None
        Explicit directory. When ``None``, ``$STANCE_DATA_ROOT`` is used, then
        ``../shared/data`` beside the source checkout or the working directory.
    require : str or None, default=None
        A relative path (e.g. ``"domain/train.jsonl"``) that must exist under the root.

    Returns
    -------
    pathlib.Path

    Raises
    ------
    DataRootNotFoundError
        If no directory is found, or ``require`` is missing under it.
    """
    if data_root is not None:
        candidates, origin = [Path(data_root)], "the data_root argument"
    elif os.environ.get(DATA_ROOT_ENV):
        candidates, origin = [Path(os.environ[DATA_ROOT_ENV])], f"${DATA_ROOT_ENV}"
    else:
        candidates, origin = _candidate_roots(), "the default locations"
    for root in candidates:
        if root.is_dir() and (require is None or (root / require).exists()):
            return root.resolve()
    looked = ", ".join(str(c / require) if require else str(c) for c in candidates)
    raise DataRootNotFoundError(
        f"data not found from {origin}: looked for {looked}; pass data_root=... (benchmark scripts: --data-root) "
        f"or set {DATA_ROOT_ENV} to the folder that holds domain/, semeval2016/, fnc1/ and ruw/"
    )


def _check_labels(kind: str, allowed: Sequence[str] | None, value: str, where: str) -> None:
    if allowed is not None and value not in allowed:
        raise LabelError(f"{where}: '{kind}' must be one of {tuple(allowed)!r}, got {value!r}")


def read_labelled_jsonl(
    path: str | os.PathLike,
    *,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    require_all_labels: bool = False,
) -> LabelledData:
    """Read and validate a labelled JSONL file.

    Parameters
    ----------
    path : path-like
    topics : sequence of str or None, default=None
        Allowed topics; ``None`` accepts any topic.
    stances : sequence of str or None, default=None
        Allowed stances; ``None`` accepts any stance.
    require_all_labels : bool, default=False
        Raise if a label of ``topics`` or ``stances`` has no example.

    Returns
    -------
    LabelledData

    Raises
    ------
    DataRootNotFoundError
        If the file does not exist.
    DataError
        On a line that is not a JSON object, a missing or mistyped field, or an empty file.
    LabelError
        On an unknown label, or a missing one with ``require_all_labels``.
    """
    path = Path(path)
    if not path.is_file():
        raise DataRootNotFoundError(f"labelled data not found: {path} is not a file")
    data = LabelledData(path=str(path), sha256=sha256_file(path))
    for lineno, obj in _read_objects(path):
        where = f"{path}:{lineno}"
        text = obj.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{where}: 'text' must be a non-empty string, got {text!r:.60}")
        if len(text) > DEFAULT_MAX_PARAGRAPH_CHARS:
            raise DataError(f"{where}: 'text' has {len(text):,} characters, more than the paragraph limit of "
                            f"{DEFAULT_MAX_PARAGRAPH_CHARS:,}; split it")
        line_topics = obj.get("topics", [])
        if not isinstance(line_topics, list) or not all(isinstance(t, str) for t in line_topics):
            raise DataError(f"{where}: 'topics' must be a list of strings, got {line_topics!r:.60}")
        for t in line_topics:
            _check_labels("topics", topics, t, where)
        stance = obj.get("stance")
        if not isinstance(stance, str):
            raise DataError(f"{where}: 'stance' must be a string, got {stance!r:.60}")
        _check_labels("stance", stances, stance, where)
        target = obj.get("target")
        if target is not None and not isinstance(target, str):
            raise DataError(f"{where}: 'target' must be a string, got {target!r:.60}")
        data.texts.append(text)
        data.topics.append(list(dict.fromkeys(line_topics)))
        data.stances.append(stance)
        data.targets.append(target)
        data.docs.append(str(obj.get("doc", f"line-{lineno}")))
        data.ids.append(str(obj.get("id", f"line-{lineno}")))
        source = obj.get("source")
        data.sources.append(source if isinstance(source, str) else None)
    if not data.texts:
        raise DataError(f"{path}: no examples (the file is empty)")
    with_target = [t is not None for t in data.targets]
    if any(with_target) and not all(with_target):
        first = with_target.index(False) if with_target[0] else with_target.index(True)
        raise DataError(
            f"{path}: either every line has a 'target' or none does; example {first + 1} differs from the first"
        )
    if require_all_labels:
        seen_topics = {t for ts in data.topics for t in ts}
        missing = [t for t in (topics or ()) if t not in seen_topics]
        missing += [s for s in (stances or ()) if s not in set(data.stances)]
        if missing:
            raise LabelError(f"{path}: no example for label(s) {missing!r}; every label needs at least one example")
    return data


def load_domain(split: str = "train", *, data_root: str | os.PathLike | None = None) -> LabelledData:
    """Load the labelled domain corpus (``domain/train.jsonl``).

    Parameters
    ----------
    split : {"train"}, default="train"
        Only the training split is distributed; the test set is held out.
    data_root : path-like or None, default=None

    Returns
    -------
    LabelledData
    """
    if split != "train":
        raise ValueError(f"'split' must be one of ('train',), got {split!r}; the domain test set is not distributed")
    root = resolve_data_root(data_root, require="domain/train.jsonl")
    return read_labelled_jsonl(root / "domain" / "train.jsonl", topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)


#: Our own labels for domain paragraphs (ids and labels only; the text stays in the data root).
LABELS_DIR = _REPO_ROOT / "datasets" / "domain" / "labels"
#: File of adjudicated labels: they replace first-pass labels of the same id.
ADJUDICATED_FILE = "adjudicated.jsonl"
#: Files of corrections that replace earlier labels, applied in this order after the first pass
#: (``conventions_round1.jsonl``: round-1 labels that broke the guideline's settled conventions).
OVERRIDE_FILES = (ADJUDICATED_FILE, "conventions_round1.jsonl")


def read_label_files(labels_dir: str | os.PathLike | None = None, *, pattern: str = "round*_a*.jsonl") -> dict[str, dict]:
    """Read our label files (``id``, ``topics``, ``stance``, ``annotator``, ``round``) into a dict by id.

    Files are read in name order; then the override files (:data:`OVERRIDE_FILES`:
    ``adjudicated.jsonl``, then ``conventions_round1.jsonl``), when present, replace the
    labels of the ids they list, which must have a first-pass label. Second-pass files
    (``round*_second.jsonl``) are not read here: they serve the agreement study.

    Raises
    ------
    DataError
        On a malformed line, a missing field or an id labelled twice in first-pass files.
    LabelError
        On a topic or stance outside the guideline's, or a paragraph with no topic and a stance.
    """
    labels_dir = Path(labels_dir) if labels_dir is not None else LABELS_DIR
    if not labels_dir.is_dir():
        raise DataRootNotFoundError(f"label directory not found: {labels_dir}")
    labels: dict[str, dict] = {}
    files = sorted(labels_dir.glob(pattern))
    overrides = [labels_dir / name for name in OVERRIDE_FILES if (labels_dir / name).is_file()]
    for path in files + overrides:
        for lineno, row in _read_objects(path):
            where = f"{path}:{lineno}"
            for key in ("id", "topics", "stance", "annotator", "round"):
                if key not in row:
                    raise DataError(f"{where}: missing field {key!r}")
            if not isinstance(row["id"], str) or not row["id"]:
                raise DataError(f"{where}: 'id' must be a non-empty string, got {row['id']!r:.60}")
            if not isinstance(row["topics"], list) or not all(isinstance(t, str) for t in row["topics"]):
                raise DataError(f"{where}: 'topics' must be a list of strings, got {row['topics']!r:.60}")
            if not isinstance(row["stance"], str):
                raise DataError(f"{where}: 'stance' must be a string, got {row['stance']!r:.60}")
            for t in row["topics"]:
                _check_labels("topics", DOMAIN_TOPICS, t, where)
            _check_labels("stance", DOMAIN_STANCES, row["stance"], where)
            if not row["topics"] and row["stance"] != "none":
                raise LabelError(f"{where}: a paragraph with no topic must have stance 'none', got {row['stance']!r}")
            if path in overrides:
                if row["id"] not in labels:
                    raise DataError(f"{where}: id {row['id']!r} overrides a label that no first-pass file has")
            elif row["id"] in labels:
                raise DataError(f"{where}: id {row['id']!r} is labelled twice in first-pass files")
            labels[row["id"]] = row
    return labels


def _read_objects(path: str | os.PathLike) -> Iterable[tuple[int, dict]]:
    """``(line number, object)`` of each non-blank line of a JSON-lines file; errors name ``file:line``."""
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            where = f"{path}:{lineno}"
            try:
                line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(f"{where}: line is not valid UTF-8 (byte {exc.start})") from None
            if not line.strip():
                continue
            try:
                obj = loads_line(line)
            except JSONLineError as exc:
                raise DataError(f"{where}: {exc}") from None
            if not isinstance(obj, dict):
                raise DataError(f"{where}: expected a JSON object, got {type(obj).__name__}")
            yield lineno, obj


def add_label_files(base: LabelledData, text_path: str | os.PathLike | Sequence[str | os.PathLike],
                    labels_dir: str | os.PathLike | None = None) -> LabelledData:
    """Append our labelled paragraphs to ``base``, joining labels and text by id.

    Parameters
    ----------
    base : LabelledData
        Data to extend (not modified).
    text_path : path-like or sequence of path-like
        JSONL file(s) holding ``id``, ``text``, ``doc`` and ``source`` of the labelled
        paragraphs (``domain/unlabeled.jsonl``, ``domain/unlabeled_2022.jsonl``); files
        that do not exist are skipped when several are given.
    labels_dir : path-like or None, default=None
        Our label files (:func:`read_label_files`); defaults to ``datasets/domain/labels``.

    Returns
    -------
    LabelledData
        ``base`` first, then the labelled paragraphs in the order of the text files;
        its ``sha256`` covers the base data, the text files and every label file.

    Raises
    ------
    DataError
        If a labelled id is in none of the text files, or an id is in ``base`` already.
    """
    labels_dir = Path(labels_dir) if labels_dir is not None else LABELS_DIR
    labels = read_label_files(labels_dir)
    if isinstance(text_path, (str, os.PathLike)):
        paths = [Path(text_path)]
    else:
        paths = [Path(p) for p in text_path if Path(p).is_file()]
    out = base.subset(range(len(base)))
    known = set(base.ids)
    found = set()
    for path in paths:
        if not path.is_file():
            raise DataRootNotFoundError(f"text of the labelled paragraphs not found: {path} is not a file")
        for lineno, row in _read_objects(path):
            where = f"{path}:{lineno}"
            if not isinstance(row.get("id"), str):
                raise DataError(f"{where}: 'id' must be a string, got {row.get('id')!r:.60}")
            lab = labels.get(row["id"])
            if lab is None:
                continue
            if not isinstance(row.get("text"), str) or not row["text"].strip():
                raise DataError(f"{where}: 'text' must be a non-empty string, got {row.get('text')!r:.60}")
            if len(row["text"]) > DEFAULT_MAX_PARAGRAPH_CHARS:
                raise DataError(f"{where}: 'text' has {len(row['text']):,} characters, more than the paragraph limit "
                                f"of {DEFAULT_MAX_PARAGRAPH_CHARS:,}; split it")
            if row["id"] in known:
                raise DataError(f"id {row['id']!r} is labelled in the base data and in {labels_dir}")
            found.add(row["id"])
            out.texts.append(row["text"])
            out.topics.append([t for t in DOMAIN_TOPICS if t in lab["topics"]])
            out.stances.append(lab["stance"])
            out.targets.append(None)
            out.docs.append(str(row.get("doc", row["id"])))
            out.ids.append(row["id"])
            out.sources.append(row.get("source") if isinstance(row.get("source"), str) else None)
    missing = sorted(set(labels) - found)
    if missing:
        names = ", ".join(p.name for p in paths)
        raise DataError(f"{len(missing)} labelled id(s) are not in {names}, e.g. {missing[0]!r}")
    digest = hashlib.sha256(str(base.sha256).encode())
    for path in paths:
        digest.update(sha256_file(path).encode())
    for path in sorted(labels_dir.glob("*.jsonl")):
        digest.update(sha256_file(path).encode())
    out.sha256 = digest.hexdigest()
    out.path = f"{Path(base.path).name if base.path else 'data'}+{labels_dir.name}"
    return out


#: The unlabelled pools our label files draw from, relative to the data root.
DOMAIN_POOLS = ("domain/unlabeled.jsonl", "domain/unlabeled_2022.jsonl")


def load_domain_grown(*, data_root: str | os.PathLike | None = None,
                      labels_dir: str | os.PathLike | None = None) -> LabelledData:
    """The domain training data plus our own labels (see :func:`add_label_files`).

    Parameters
    ----------
    data_root : path-like or None, default=None
    labels_dir : path-like or None, default=None
        Defaults to ``datasets/domain/labels`` of the source checkout.

    Returns
    -------
    LabelledData
        ``train.jsonl`` first, then our labelled paragraphs (``doc`` kept, so
        grouped splits still keep articles together).
    """
    base = load_domain(data_root=data_root)
    root = resolve_data_root(data_root, require="domain/unlabeled.jsonl")
    return add_label_files(base, [root / pool for pool in DOMAIN_POOLS], labels_dir)


def load_seed_article(*, data_root: str | os.PathLike | None = None) -> str:
    """Return the text of the TASS seed article (``seed/*.txt``)."""
    root = resolve_data_root(data_root, require="seed")
    files = sorted((root / "seed").glob("*.txt"))
    if not files:
        raise DataRootNotFoundError(f"no .txt file in {root / 'seed'}")
    return files[0].read_text(encoding="utf-8")
