"""Paragraph records in JSON lines, and the keys that identify a paragraph across files.

A paragraph is known by its ``id`` when it has one, else by a hash of its
normalised text (:func:`text_key`), so that a selection, a label file and a
second labelling pass can be matched even when ids are missing.

Examples
--------
>>> record_key({"id": "p7", "text": "..."}), record_key({"text": "x"}).startswith("sha256:")
('p7', True)
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from ..exceptions import DataError
from ..io.files import iter_jsonl

__all__ = ["labelled_keys", "read_pool", "record_key", "record_keys", "text_key"]

_SPACE_RE = re.compile(r"\s+")


def text_key(text: str) -> str:
    """A key that identifies a paragraph by its text (normalised, spacing and case ignored).

    Examples
    --------
    >>> text_key("NATO  talks\\n") == text_key("nato talks")
    True
    >>> text_key("NATO talks").startswith("sha256:")
    True
    """
    from ..text import normalize

    flat = _SPACE_RE.sub(" ", normalize(text)).strip().casefold()
    return "sha256:" + hashlib.sha256(flat.encode("utf-8")).hexdigest()[:32]


def record_key(record: Mapping) -> str:
    """The key a paragraph record is known by across files: its ``id``, else its :func:`text_key`.

    Examples
    --------
    >>> record_key({"id": "p7", "text": "..."})
    'p7'
    >>> record_key({"text": "NATO  talks"}) == record_key({"text": "NATO talks"})
    True
    """
    if record.get("id") is not None:
        return str(record["id"])
    text = record.get("text")
    if not isinstance(text, str):
        raise DataError("a label record needs an 'id' or a 'text' to be matched")
    return text_key(text)


def record_keys(record: Mapping) -> set[str]:
    """Every key a record can be matched by: its ``id`` (when it has one) and its :func:`text_key`."""
    keys = set()
    if record.get("id") is not None:
        keys.add(str(record["id"]))
    if isinstance(record.get("text"), str):
        keys.add(text_key(record["text"]))
    return keys


def read_pool(path: str | os.PathLike) -> list[dict]:
    """Read a pool of paragraphs to choose from: JSON lines with a string ``text`` (other fields kept).

    Raises
    ------
    DataError
        On a malformed line or a line without a non-empty string ``text`` (naming ``file:line``),
        or an empty file.
    DataRootNotFoundError
        If the file does not exist.
    """
    from ..exceptions import DataRootNotFoundError

    if not Path(path).is_file():
        raise DataRootNotFoundError(f"pool not found: {path} is not a file")
    rows = []
    for lineno, row in iter_jsonl(path):
        text = row.get("text")
        if not isinstance(text, str) or not text.strip():
            raise DataError(f"{path}:{lineno}: 'text' must be a non-empty string, got {text!r:.60}")
        rows.append(row)
    if not rows:
        raise DataError(f"{path}: no paragraphs (the file is empty)")
    return rows


def labelled_keys(paths: str | os.PathLike | Iterable[str | os.PathLike]) -> set[str]:
    """The ids and text keys of every paragraph in label files, to keep them out of a new selection.

    Parameters
    ----------
    paths : path-like or iterable of path-like
        JSON-lines label files, or directories whose ``*.jsonl`` files are read
        (e.g. ``datasets/domain/labels``). Each line contributes its ``id`` and,
        when it has one, the :func:`text_key` of its ``text``.

    Returns
    -------
    set of str

    Raises
    ------
    DataRootNotFoundError
        If a path does not exist.
    DataError
        On a malformed line.
    """
    from ..exceptions import DataRootNotFoundError

    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    keys: set[str] = set()
    for p in paths:
        p = Path(p)
        if p.is_dir():
            files = sorted(p.glob("*.jsonl"))
        elif p.is_file():
            files = [p]
        else:
            raise DataRootNotFoundError(f"label file or directory not found: {p}")
        for f in files:
            for _, row in iter_jsonl(f):
                keys |= record_keys(row)
    return keys
