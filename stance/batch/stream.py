"""Streaming classification of large JSON-lines corpora (``stance classify --jsonl``).

The input has one JSON object per line with a string field ``text``; every
other field (``id``, ``doc``, ...) is metadata and is carried through to the
output under the same name. Each output line is the input object with the
result fields added::

    {"id": "a1", "line": 1, "text": "...", "topics": [...], "topic_scores": {...},
     "stance": "favor", "stance_scores": {...}, "evidence": [...]}

``line`` is the 1-based line number of the paragraph in the input file. An
input field whose name is a result field (``topics``, ``topic_scores``,
``stance``, ``stance_scores``, ``evidence``) or one of ``line``, ``error``,
``input`` is kept, under the object ``input``, so labelled data can be
classified without losing its labels. Blank input lines are skipped.

Memory stays flat whatever the size of the input: lines are read, classified
and written in batches (:data:`DEFAULT_STREAM_BATCH_SIZE` lines), each batch
written whole with unbuffered writes and then ``fsync``-ed, so after a crash
or a kill the output holds every finished batch and at most one torn (half
written) last line. With ``resume=True`` that torn line is cut off, the input
lines already in the output (up to the ``line`` of its last complete record)
are skipped, and the remaining results are appended: each input line ends up
in the output exactly once, in input order.

Every failure of an input line, whatever its cause (not UTF-8, not JSON,
nested too deeply, an integer JSON's reader refuses, ``NaN``, not an object,
no string ``text``, a text longer than the paragraph limit, a text the model
fails on) stops the run with a :class:`~stance.exceptions.DataError` naming
``file:line``, after the results of the lines before it, those of its own
batch included, have been written (fix the line and resume). With
``skip_errors=True`` the line gets an error record instead and the run goes
on: ``{"id": ..., "line": 7, "error": "not valid JSON (...)"}`` (the metadata
that could be read, no ``text`` and no result fields).

``jobs`` > 1 classifies batches in that many joblib (loky) worker processes,
each of which loads the model once; results are written in input order.

Examples
--------
>>> import json, os, tempfile
>>> from stance.batch.stream import classify_jsonl
>>> tmp = tempfile.TemporaryDirectory()
>>> src, dst = os.path.join(tmp.name, "in.jsonl"), os.path.join(tmp.name, "out.jsonl")
>>> with open(src, "w") as fh:
...     _ = fh.write('{"id": "a", "text": "NATO must stop its expansion."}\\n{"id": "b", "text": "Talks went on."}\\n')
>>> summary = classify_jsonl(src, dst, progress=False)
>>> summary.records
2
>>> [(r["id"], r["line"], r["stance"] in ("favor", "against", "none")) for r in map(json.loads, open(dst))]
[('a', 1, True), ('b', 2, True)]
>>> tmp.cleanup()
"""

from __future__ import annotations

import collections
import contextlib
import functools
import json
import os
import shutil
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..model.stance_model import DEFAULT_EVIDENCE_TERMS
from ..io.files import JSONLineError, loads_line, same_file
from ..exceptions import DataError, DataRootNotFoundError
from ..text.language import NOT_ENGLISH
from ..text.processing import DEFAULT_MAX_PARAGRAPH_CHARS

__all__ = [
    "DEFAULT_STREAM_BATCH_SIZE",
    "MAX_LINE_BYTES",
    "RESULT_FIELDS",
    "ProgressBar",
    "StreamSummary",
    "classify_jsonl",
    "resume_point",
]

#: Input lines classified and written together (one write + fsync per batch).
DEFAULT_STREAM_BATCH_SIZE = 2000
#: Longest accepted input line, in bytes (a longer one is a malformed line; it is never held in memory whole).
MAX_LINE_BYTES = 8 * 2**20
#: Fields that classification adds to each record (besides ``line``).
RESULT_FIELDS = ("text", "topics", "topic_scores", "stance", "stance_scores", "evidence", "language")
#: Input fields that would clash with the output's own fields; they are kept under ``input``.
_RESERVED = frozenset({"line", "error", "input", *RESULT_FIELDS}) - {"text"}
#: Same, for :func:`stance.batch.distributed.classify_partition` (which writes no ``line``).
RESERVED_RECORDS = frozenset({"error", "input", *RESULT_FIELDS}) - {"text"}
_READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class StreamSummary:
    """What one :func:`classify_jsonl` run did.

    Attributes
    ----------
    records : int
        Results written by this run (error records included).
    errors : int
        Error records written (``skip_errors=True`` only).
    lines : int
        Input lines read by this run, blank ones included, resumed ones not.
    resumed : int
        Input lines skipped because their results were already in the output.
    truncated : int
        Bytes of a torn last output line removed before resuming.
    seconds : float
        Wall-clock duration of the run.
    not_english : int
        Results whose text is not English (``language == "other"``).
    """

    records: int
    errors: int
    lines: int
    resumed: int
    truncated: int
    seconds: float
    not_english: int = 0


@dataclass(frozen=True)
class _Spec:
    """How a batch is parsed and classified (picklable: sent to worker processes)."""

    name: str
    evidence: int
    target: str | None
    skip_errors: bool
    max_chars: int | None


# --------------------------------------------------------------------------- public entry point


def classify_jsonl(
    input: str | os.PathLike,
    output: str | os.PathLike | None = None,
    *,
    model=None,
    trusted: bool = False,
    jobs: int = 1,
    batch_size: int = DEFAULT_STREAM_BATCH_SIZE,
    evidence: int = DEFAULT_EVIDENCE_TERMS,
    target: str | None = None,
    resume: bool = False,
    skip_errors: bool = False,
    progress: bool | None = None,
    max_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS,
) -> StreamSummary:
    """Classify a JSON-lines file of paragraphs, writing results incrementally.

    Parameters
    ----------
    input : path-like
        JSON lines, one object with a string ``text`` per line; ``"-"`` reads standard input.
    output : path-like or None, default=None
        Where results go (JSON lines, one per input record, in input order);
        ``None`` writes to standard output (then nothing is fsync-ed and
        ``resume`` is not possible). Replaced unless ``resume``.
    model : StanceModel, path-like or None, default=None
        ``None`` uses the shipped model; a model directory is loaded once per
        process. A loaded :class:`~stance.StanceModel` only with ``jobs=1``.
    trusted : bool, default=False
        Allow a joblib model directory from outside the shipped models (see :func:`stance.load_model`).
    jobs : int, default=1
        Worker processes (joblib semantics: -1 for every core). 1 classifies in this process.
    batch_size : int, default=2000
        Input lines per batch: per worker task, per write and per fsync.
    evidence : int, default=3
        Evidence terms per decision (0: none, faster).
    target : str or None, default=None
        Stance target for models trained with targets.
    resume : bool, default=False
        Continue an interrupted run: cut a torn last line off ``output``, skip
        the input lines it already holds and append the rest. A missing or
        empty ``output`` starts from the beginning.
    skip_errors : bool, default=False
        Write an error record for a malformed line instead of stopping.
    progress : bool or None, default=None
        Draw a progress bar on standard error; ``None``: only when standard
        error is a terminal (and the results are not going to that terminal).
    max_chars : int or None, default=DEFAULT_MAX_PARAGRAPH_CHARS
        Longest accepted ``text``; a longer one is a malformed line (CLI: ``--max-chars``).

    Returns
    -------
    StreamSummary

    Raises
    ------
    DataRootNotFoundError
        If ``input`` is not a file.
    DataError
        On a malformed input line (without ``skip_errors``), or when
        ``output`` cannot be resumed (not stance output, or output of another input).
    ValueError
        On a bad parameter.
    """
    from ..model.stance_model import StanceModel

    _check_int("batch_size", batch_size, minimum=1)
    _check_int("evidence", evidence, minimum=0)
    if max_chars is not None:
        _check_int("max_chars", max_chars, minimum=1)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0:
        raise ValueError(f"'jobs' must be a non-zero int (-1 for every core), got {jobs!r}")
    if resume and output is None:
        raise ValueError("resume needs an output file")
    from joblib import effective_n_jobs

    n_jobs = effective_n_jobs(jobs)
    if n_jobs > 1 and isinstance(model, StanceModel):
        raise ValueError("with jobs > 1 pass the model directory (or None), not a loaded StanceModel: "
                         "each worker process loads it once")
    from_stdin = str(input) == "-"
    name = "<stdin>" if from_stdin else str(input)
    if not from_stdin and not Path(input).is_file():
        raise DataRootNotFoundError(f"input not found: {input} is not a file")
    if output is not None and not from_stdin and same_file(input, output):
        raise ValueError(f"refusing to write the output over the input file {input}: give another output file")

    start = time.monotonic()
    spec = _Spec(name=name, evidence=evidence, target=target, skip_errors=skip_errors, max_chars=max_chars)
    done_line, last_record, truncated = 0, None, 0
    if resume:
        done_line, last_record, truncated = resume_point(output)
    in_fh = sys.stdin.buffer if from_stdin else open(input, "rb")
    try:
        total = None if from_stdin else _file_size(in_fh)
        reader = LineReader(in_fh)
        if done_line:
            _skip_done(reader, done_line, last_record, name, output)
        with _Output(output, append=resume) as out:
            if progress is None:
                progress = isatty(sys.stderr) and not (output is None and isatty(sys.stdout))
            bar = ProgressBar(sys.stderr, total=total, start=reader.position) if progress else None
            try:
                records, errors, not_english = _run(reader, out, spec, model, trusted, n_jobs, batch_size, bar)
            finally:
                if bar is not None:
                    bar.close()
    finally:
        if not from_stdin:
            in_fh.close()
    return StreamSummary(records=records, errors=errors, lines=reader.lineno - done_line, resumed=done_line,
                         truncated=truncated, seconds=round(time.monotonic() - start, 3), not_english=not_english)


def _run(reader, out, spec, model, trusted, n_jobs, batch_size, bar) -> tuple[int, int, int]:
    pending: collections.deque = collections.deque()  # (lines read, end position) of each batch in flight

    def batches() -> Iterator[list]:
        for items in batched(reader, batch_size):
            pending.append((reader.lineno, reader.position))
            yield items

    if n_jobs == 1:
        mdl = cached_model(model_key(model), trusted) if not is_model(model) else model
        results: Iterable = (_process_batch(mdl, items, spec) for items in batches())
    else:
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator", batch_size=1, pre_dispatch="2*n_jobs")
        results = parallel(delayed(_worker_batch)(model_key(model), trusted, items, spec) for items in batches())
    records = errors = not_english = 0
    try:
        for blob, n_records, n_errors, n_other, fatal in results:
            _, position = pending.popleft()
            out.write_batch(blob)
            records += n_records
            errors += n_errors
            not_english += n_other
            if bar is not None:
                bar.update(records, position)
            if fatal is not None:
                raise DataError(fatal)
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # stops the workers' pending tasks if we leave early
    out.finish()
    if bar is not None:
        bar.update(records, reader.position, force=True)
    return records, errors, not_english


# --------------------------------------------------------------------------- reading


class LineReader:
    """Iterates over ``(lineno, raw bytes or None)`` of a binary stream, tracking the byte position.

    A line longer than :data:`MAX_LINE_BYTES` is read past in chunks (never held whole) and yielded as ``None``.
    """

    def __init__(self, fh):
        self.fh, self.lineno, self.position = fh, 0, 0

    def __iter__(self) -> Iterator[tuple[int, bytes | None]]:
        readline = self.fh.readline
        while True:
            raw = readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.lineno += 1
            self.position += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while True:  # skip the rest of an overlong line
                    rest = readline(_READ_CHUNK)
                    self.position += len(rest)
                    if not rest or rest.endswith(b"\n"):
                        break
                raw = None
            yield self.lineno, raw


def batched(reader: LineReader, size: int) -> Iterator[list]:
    batch: list[tuple[int, bytes | None]] = []
    for lineno, raw in reader:
        if raw is not None and not raw.strip():
            continue  # blank line
        batch.append((lineno, raw))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def parse_line(lineno: int, raw: bytes | None, max_chars: int | None) -> tuple[dict | None, str | None]:
    """``(object, None)`` for a usable line, else ``(object or None, error message)``."""
    if raw is None:
        return None, f"line is longer than {MAX_LINE_BYTES:,} bytes"
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return None, f"line is not valid UTF-8 (byte {exc.start})"
    try:
        obj = loads_line(line)
    except JSONLineError as exc:
        return None, str(exc)
    if not isinstance(obj, dict):
        return None, f"expected a JSON object, got {_json_type(obj)}"
    if "text" not in obj:
        return obj, "missing field 'text'"
    text = obj["text"]
    if not isinstance(text, str):
        return obj, f"'text' must be a string, got {_json_type(text)}"
    if max_chars is not None and len(text) > max_chars:
        return obj, (f"'text' has {len(text):,} characters, more than the limit of {max_chars:,} "
                     "(--max-chars changes it)")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # a lone surrogate from a "\ud800" escape: not text the model can read
        return obj, f"'text' is not valid Unicode (lone surrogate at character {exc.start})"
    return obj, None


def _json_type(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", int: "a number",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


# --------------------------------------------------------------------------- classifying a batch


def _process_batch(model, items: list, spec: _Spec) -> tuple[bytes, int, int, int, str | None]:
    """Parse, classify and serialise one batch.

    Returns ``(output bytes, records, error records, results not in English, fatal error or None)``. Every
    failure of a line, whatever its cause (unreadable, malformed, or a text the
    model cannot classify), is an error of that line: without ``skip_errors``
    the batch stops at the first one, the output holds the results of the lines
    before it and the fatal message names ``file:line``; with it, the line gets
    an error record.
    """
    parsed = []
    for lineno, raw in items:
        try:
            obj, error = parse_line(lineno, raw, spec.max_chars)
        except Exception as exc:  # noqa: BLE001 - any failure is this line's error, never a traceback
            obj, error = None, f"cannot read the line ({type(exc).__name__}: {exc})"
        parsed.append((lineno, obj, error))
    outcomes = _classify_lines(model, parsed, spec)
    lines, n_errors, n_other, fatal = [], 0, 0, None
    for (lineno, obj, error), result in zip(parsed, outcomes):
        if isinstance(result, str):
            error = result
        if error is not None and not spec.skip_errors:
            fatal = f"{spec.name}:{lineno}: {error}"
            break
        try:
            if error is None:
                lines.append(_dumps(merge_result(obj, result, line=lineno)))
                n_other += result.language == NOT_ENGLISH
                continue
        except Exception as exc:  # noqa: BLE001
            error = f"cannot write the result ({type(exc).__name__}: {exc})"
            if not spec.skip_errors:
                fatal = f"{spec.name}:{lineno}: {error}"
                break
        n_errors += 1
        lines.append(_error_record(obj, lineno, error))
    blob = b"".join(line + b"\n" for line in lines)
    return blob, len(lines), n_errors, n_other, fatal


def _error_record(obj, lineno: int, error: str) -> bytes:
    try:
        record = metadata(obj if isinstance(obj, dict) else {}, _RESERVED)
        record.pop("text", None)
        record["line"] = lineno
        record["error"] = error
        return _dumps(record)
    except Exception:  # noqa: BLE001 - metadata that cannot be written is left out
        return _dumps({"line": lineno, "error": error})


def _classify_lines(model, parsed: list, spec: _Spec) -> list:
    """The result of each usable line (``None`` for the others, a message for a line that failed).

    The batch is classified at once; should that fail, each line is classified on
    its own so that the failure is pinned to its line.
    """
    usable = [i for i, (_, _, error) in enumerate(parsed) if error is None]
    outcomes: list = [None] * len(parsed)
    if not usable:
        return outcomes
    texts = [parsed[i][1]["text"] for i in usable]
    try:
        results = model.classify(texts, targets=spec.target, evidence=spec.evidence, max_chars=spec.max_chars)
    except Exception:  # noqa: BLE001 - find the line
        results = []
        for text in texts:
            try:
                results.append(model.classify([text], targets=spec.target, evidence=spec.evidence,
                                              max_chars=spec.max_chars)[0])
            except Exception as exc:  # noqa: BLE001
                results.append(f"cannot classify the text ({type(exc).__name__}: {exc})")
    for i, result in zip(usable, results):
        outcomes[i] = result
    return outcomes


def merge_result(meta: dict, result, *, line: int | None = None) -> dict:
    """One output record: the input's metadata, then ``line`` (if given), then the result's fields.

    Input fields named like an output field are moved under ``input``.
    """
    record = metadata(meta, _RESERVED if line is not None else RESERVED_RECORDS)
    record.pop("text", None)
    if line is not None:
        record["line"] = line
    fields = result.to_dict()
    fields.pop("index", None)  # the position inside a batch means nothing here
    record.update(fields)
    return record


def metadata(obj: dict, reserved: frozenset) -> dict:
    record, moved = {}, {}
    for key, value in obj.items():
        (moved if key in reserved else record)[key] = value
    if moved:
        record["input"] = moved
    return record


def _dumps(record: dict) -> bytes:
    text = json.dumps(record, ensure_ascii=False, allow_nan=False)  # never NaN: it is not JSON
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") read from the input: keep it escaped
        return json.dumps(record, allow_nan=False).encode("ascii")


_model_lock = threading.Lock()


@functools.lru_cache(maxsize=2)
def _load_cached(path: str | None, trusted: bool, stamp):
    from ..io.persistence import load_model, require_stance_model

    model = load_model(path, trusted=trusted)
    require_stance_model(model, path)
    return model


def cached_model(path: str | None, trusted: bool):
    """The model at ``path`` (``None``: the shipped one), loaded once per process.

    The cache key includes the name, size, inode and modification time of every
    file of the model directory, so a directory replaced or edited on disk
    (``stance train --force``, a damaged file) is loaded, and checked, again.
    """
    from ..io.persistence import default_model_path

    try:
        with os.scandir(Path(path or default_model_path())) as entries:
            stamp = tuple(sorted((e.name, st.st_mtime_ns, st.st_size, st.st_ino)
                                 for e in entries for st in (e.stat(),)))
    except OSError:
        stamp = None  # load_model reports the missing model
    with _model_lock:
        return _load_cached(path, trusted, stamp)


def _worker_batch(path: str | None, trusted: bool, items: list, spec: _Spec):
    """Run in a worker process: the model is loaded on the worker's first batch and kept."""
    return _process_batch(cached_model(path, trusted), items, spec)


def is_model(model) -> bool:
    from ..model.stance_model import StanceModel

    return isinstance(model, StanceModel)


def model_key(model) -> str | None:
    if model is None or is_model(model):
        return None
    return os.fspath(Path(model).resolve())


# --------------------------------------------------------------------------- writing and resuming


class _Output:
    """The output, written one whole batch at a time, each fsync-ed.

    A write that fails or is interrupted (disk full, Ctrl-C) is truncated
    away, so only a kill or a crash can leave a torn last line.

    The file is opened on the first write (or by :meth:`finish`), so a run that
    fails before its first result (a bad model, a malformed first line) leaves
    an existing output untouched.
    """

    def __init__(self, path, *, append: bool):
        self.path, self.append, self.fh = path, append, None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.fh is not None:
            self.fh.close()

    def _open(self):
        if self.fh is None and self.path is not None:
            self.fh = open(self.path, "ab" if self.append else "wb", buffering=0)
        return self.fh

    def finish(self) -> None:
        """Create (or empty) the output even if no result was written."""
        self._open()

    def write_batch(self, blob: bytes) -> None:
        if not blob:
            return
        if self.path is None:
            sys.stdout.flush()
            buffer = getattr(sys.stdout, "buffer", None)
            if buffer is None:
                sys.stdout.write(blob.decode("utf-8"))
                sys.stdout.flush()
            else:
                buffer.write(blob)
                buffer.flush()
            return
        fd = self._open().fileno()
        start = os.lseek(fd, 0, os.SEEK_END)
        try:
            view = memoryview(blob)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        except BaseException:
            # A failed or interrupted write (disk full, Ctrl-C) must not leave a torn line.
            with contextlib.suppress(OSError):
                os.ftruncate(fd, start)
            raise


def resume_point(path: str | os.PathLike) -> tuple[int, dict | None, int]:
    """Prepare ``path`` for appending and tell where its results stop.

    A torn last line (bytes after the last newline, left by a killed run) is
    truncated away and the truncation fsync-ed. The last complete line must
    be a record written by :func:`classify_jsonl` (with an int ``line``).

    Parameters
    ----------
    path : path-like
        An output file of :func:`classify_jsonl`; missing means nothing is done yet.

    Returns
    -------
    (int, dict or None, int)
        The input line of the last complete result (0 for none), that record,
        and the number of bytes truncated.

    Raises
    ------
    DataError
        If the last complete line is not a result record.
    """
    path = Path(path)
    if not path.exists():
        return 0, None, 0
    with open(path, "r+b") as fh:
        size = _file_size(fh)
        end = _rfind_newline(fh, size) + 1  # just past the last newline; 0 if there is none
        truncated = size - end
        if truncated:
            fh.truncate(end)
            fh.flush()
            os.fsync(fh.fileno())
        if end == 0:
            return 0, None, truncated
        begin = _rfind_newline(fh, end - 1) + 1
        fh.seek(begin)
        last = fh.read(end - begin)
    try:
        record = loads_line(last.decode("utf-8"))
    except (UnicodeDecodeError, JSONLineError):
        record = None
    line = record.get("line") if isinstance(record, dict) else None
    if isinstance(line, bool) or not isinstance(line, int) or line < 1:
        raise DataError(f"cannot resume {path}: its last line is not a result of stance classify --jsonl "
                        "(no 'line' number)")
    return line, record, truncated


def _rfind_newline(fh, end: int) -> int:
    """Offset of the last ``\\n`` before ``end``, or -1."""
    pos = end
    while pos > 0:
        step = min(_READ_CHUNK, pos)
        pos -= step
        fh.seek(pos)
        i = fh.read(step).rfind(b"\n")
        if i >= 0:
            return pos + i
    return -1


def _skip_done(reader: LineReader, done_line: int, last_record: dict | None, name: str, output) -> None:
    """Read past the input lines already in the output, checking the last one matches it."""
    raw = None
    for lineno, raw in reader:
        if lineno == done_line:
            break
    if reader.lineno < done_line:
        raise DataError(f"cannot resume: {output} has results up to line {done_line} of {name}, which has only "
                        f"{reader.lineno} lines; is it the output of another input?")
    obj, _ = parse_line(done_line, raw, None)
    if isinstance(obj, dict) and last_record is not None:
        for key in ("text", "id"):
            if key in obj and key in last_record and obj[key] != last_record[key]:
                raise DataError(f"cannot resume: the last result in {output} does not match line {done_line} of "
                                f"{name} (different {key!r}); is it the output of another input?")


def _file_size(fh) -> int | None:
    try:
        return os.fstat(fh.fileno()).st_size
    except (OSError, AttributeError, ValueError):
        return None


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _check_int(name: str, value, *, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name!r} must be an int >= {minimum}, got {value!r}")


# --------------------------------------------------------------------------- progress bar


class ProgressBar:
    """A one-line progress bar redrawn in place (carriage return) on a terminal stream.

    Parameters
    ----------
    stream : text stream
        Usually ``sys.stderr``.
    total : int or None, default=None
        Input size in bytes: shows a bar, a percentage and the time left. ``None``
        (standard input) shows only the count and the rate.
    start : int, default=0
        Bytes already done before this run (resumed), not counted in the rate.
    min_interval : float, default=0.2
        Seconds between redraws.
    clock : callable, default=time.monotonic

    Examples
    --------
    >>> import io
    >>> buf = io.StringIO()
    >>> bar = ProgressBar(buf, total=1000, clock=lambda: 0.0)
    >>> bar.update(5, 500, force=True)
    >>> bar.close()
    >>> buf.getvalue().strip("\\r\\n").split()[:3]
    ['50%', '[###########...........]', '5']
    """

    def __init__(self, stream, *, total: int | None = None, start: int = 0, min_interval: float = 0.2,
                 clock=time.monotonic):
        self.stream, self.total, self.start = stream, total, start
        self.min_interval, self.clock = min_interval, clock
        self.t0 = clock()
        self.last_draw = None
        self.drawn = False
        self.records, self.position = 0, start

    def update(self, records: int, position: int, *, force: bool = False) -> None:
        self.records, self.position = records, position
        now = self.clock()
        if not force and self.last_draw is not None and now - self.last_draw < self.min_interval:
            return
        self.last_draw = now
        self._draw(now)

    def render(self, now: float | None = None) -> str:
        """The bar's text (without the carriage return)."""
        elapsed = max((self.clock() if now is None else now) - self.t0, 1e-9)
        rate = self.records / elapsed
        parts = []
        if self.total:
            frac = min(max(self.position / self.total, 0.0), 1.0)
            width = 22
            filled = int(frac * width)
            parts.append(f"{frac * 100:3.0f}% [{'#' * filled}{'.' * (width - filled)}]")
        parts.append(f"{self.records:,} paragraphs")
        parts.append(f"{rate:,.0f}/s")
        done_bytes = self.position - self.start
        if self.total and done_bytes > 0 and self.position < self.total:
            left = (self.total - self.position) * elapsed / done_bytes
            parts.append(f"ETA {_clock_time(left)}")
        elif self.total and self.position >= self.total:
            parts.append(f"in {_clock_time(elapsed)}")
        return " ".join(parts)

    def _draw(self, now: float) -> None:
        width = shutil.get_terminal_size((80, 24)).columns
        text = self.render(now)[: max(width - 1, 10)]
        self.stream.write("\r" + text + "\x1b[K")  # erase what a longer previous line left
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """End the bar's line (nothing if nothing was drawn)."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()


def _clock_time(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
