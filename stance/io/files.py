"""Files the library writes and JSON it reads, in one place.

- :func:`atomic_write` is the only way stance writes a file whole: the data
  goes to a hidden temporary file beside the target (``.NAME.tmp-PID-XXXX``),
  is flushed and fsync-ed, and is renamed over the target only when the
  writer finished without an error. A failure, Ctrl-C or a kill leaves the
  previous file untouched (a kill may leave the temporary file, which
  :func:`remove_stale_temps` deletes on the next run).
- :func:`temp_dir` makes the temporary *directory* of a model being written,
  named the same way.
- :func:`loads_line` parses one JSON line and turns every way it can fail
  (syntax, nesting depth, huge integers, ``NaN``) into :class:`JSONLineError`
  with a one-line message and the right column.

Examples
--------
>>> import os, tempfile
>>> d = tempfile.mkdtemp()
>>> with atomic_write(os.path.join(d, "out.txt")) as fh:
...     _ = fh.write("done\\n")
>>> from pathlib import Path
>>> Path(d, "out.txt").read_text()
'done\\n'
>>> loads_line('{"id": 1}')
{'id': 1}
>>> try:
...     loads_line('{"id": NaN}')
... except JSONLineError as exc:
...     print(exc)
not valid JSON (NaN is not a JSON value, at column 8)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

__all__ = ["JSONLineError", "atomic_write", "iter_jsonl", "loads_line", "loads_json", "read_corpus", "remove_stale_temps", "same_file", "sha256_file", "temp_dir"]

_TEMP_RE = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>\d+)-[0-9a-z_]+$")
#: A temporary file or directory of another name format (older versions) is removed once this old.
_LEGACY_TEMP_AGE = 3600.0


class JSONLineError(ValueError):
    """A JSON text that cannot be read; the message is one line, without the file and line."""


def _temp_name(path: Path) -> str:
    return f".{path.name}.tmp-{os.getpid()}-{secrets.token_hex(4)}"


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "w", *, encoding: str | None = "utf-8",
                 newline: str | None = "") -> Iterator:
    """Open a temporary file beside ``path`` and rename it over ``path`` when the block succeeds.

    Parameters
    ----------
    path : path-like
    mode : {"w", "wb"}, default="w"
    encoding, newline : str or None
        For text mode.

    Yields
    ------
    file object
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"'mode' must be 'w' or 'wb', got {mode!r}")
    path = Path(path)
    tmp = path.parent / _temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies, as for open()
    except OSError as exc:  # name the file the user asked for, not the temporary one
        error = type(exc)(f"cannot write {path}: {exc.strerror or exc}")
        error.errno = exc.errno
        raise error from None
    try:
        with contextlib.suppress(OSError):  # a replaced file keeps its permissions
            os.chmod(fd, os.stat(path).st_mode & 0o7777)
        if mode == "wb":
            fh = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline=newline)
        with fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_text(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    with atomic_write(path) as fh:
        fh.write(text)


def temp_dir(path: str | os.PathLike) -> Path:
    """Create the hidden temporary directory beside ``path`` in which a new version of it is built."""
    path = Path(path)
    return Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-{os.getpid()}-", dir=path.parent))


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but is not ours: leave it alone
    return True


def remove_stale_temps(path: str | os.PathLike) -> list[Path]:
    """Delete temporary files or directories of ``path`` left by killed runs.

    A ``.NAME.tmp-PID-XXXX`` entry beside ``path`` is removed when process PID
    no longer runs; an entry named the older way (``.NAME.tmp-XXXX``) when it
    is over an hour old. A run in progress is never disturbed.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    path = Path(path)
    parent = path.parent if str(path.parent) else Path(".")
    prefix = f".{path.name}.tmp-"
    removed = []
    try:
        entries = [e for e in parent.iterdir() if e.name.startswith(prefix)]
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        match = _TEMP_RE.match(entry.name)
        if match and match["name"] == path.name:
            stale = not _pid_alive(int(match["pid"]))
        else:
            try:
                stale = now - entry.lstat().st_mtime > _LEGACY_TEMP_AGE
            except OSError:
                continue
        if not stale:
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
            removed.append(entry)
        except OSError:
            pass
    return removed


def same_file(a, b) -> bool:
    """Whether two paths name the same existing file (``False`` when either is missing)."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError, TypeError):
        return False


# --------------------------------------------------------------------------- JSON


def sha256_file(path: str | os.PathLike, *, chunk_size: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _no_constant(name: str):
    raise JSONLineError(f"{name} is not a JSON value")


def _describe(exc: BaseException, text: str) -> str:
    if isinstance(exc, json.JSONDecodeError):
        msg = exc.msg
        if msg.endswith(" at"):  # "Invalid control character at"
            msg = msg[:-3]
        # The column inside the line (1-based, in characters), whatever json thinks the line is.
        start = text.rfind("\n", 0, exc.pos) + 1
        return f"not valid JSON ({msg} at column {exc.pos - start + 1})"
    if isinstance(exc, RecursionError):
        return "not valid JSON (nested too deeply)"
    if isinstance(exc, ValueError) and "digits" in str(exc):
        return f"not valid JSON (an integer of more than {_int_digits():,} digits)"
    return f"not valid JSON ({exc})"


def _int_digits() -> int:
    import sys

    get = getattr(sys, "get_int_max_str_digits", None)
    return get() if get is not None else 4300


def _position_of_constant(text: str, name: str) -> int:
    i = text.find(name)
    return i + 1 if i >= 0 else 1


def loads_line(line: str):
    """Parse one line of JSON lines (line terminators are ignored).

    Raises
    ------
    JSONLineError
        With a one-line message such as ``not valid JSON (Expecting value at column 7)``.
    """
    text = line.rstrip("\r\n")
    try:
        return json.loads(text, parse_constant=_no_constant)
    except JSONLineError as exc:
        name = str(exc).split(" ", 1)[0]
        raise JSONLineError(f"not valid JSON ({exc}, at column {_position_of_constant(text, name)})") from None
    except (ValueError, RecursionError) as exc:
        raise JSONLineError(_describe(exc, text)) from None


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict]]:
    """``(line number, object)`` of each non-blank line of a JSON-lines file: the one reader of records.

    Raises
    ------
    DataError
        On a line that is not UTF-8, not JSON (:func:`loads_line`) or not an object, naming ``file:line``.
    """
    from ..exceptions import DataError

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


def loads_json(text: str):
    """Parse a whole JSON document (a manifest, a model's JSON) with the same one-line errors.

    Raises
    ------
    JSONLineError
    """
    try:
        return json.loads(text, parse_constant=_no_constant)
    except JSONLineError as exc:
        raise JSONLineError(f"not valid JSON ({exc})") from None
    except (ValueError, RecursionError) as exc:
        msg = _describe(exc, text)
        if isinstance(exc, json.JSONDecodeError):
            msg = msg[:-1] + f", line {exc.lineno})"
        raise JSONLineError(msg) from None


def read_corpus(paths: Iterable[str | os.PathLike], *, field: str = "text") -> list[str]:
    """Texts of plain-text files (one text a line) and JSON-lines files (``field`` of each object).

    A file whose name ends in ``.jsonl`` or ``.ndjson`` is read with :func:`iter_jsonl`
    (objects without a non-blank string ``field`` are skipped); any other file gives
    one text per non-blank line.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     _ = (Path(d) / "a.txt").write_text("one text\\n\\nanother\\n", encoding="utf-8")
    ...     read_corpus([Path(d) / "a.txt"])
    ['one text', 'another']
    """
    texts: list[str] = []
    for p in paths:
        p = Path(p)
        if p.suffix in (".jsonl", ".ndjson"):
            for _, obj in iter_jsonl(p):
                value = obj.get(field)
                if isinstance(value, str) and value.strip():
                    texts.append(value)
        else:
            with open(p, encoding="utf-8") as fh:
                texts.extend(line.rstrip("\n") for line in fh if line.strip())
    return texts
