"""Tests of stance.io.files: the one atomic-write helper, stale temporary files, one-line JSON errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from stance.exceptions import DataError
from stance.io.files import (
    JSONLineError,
    atomic_write,
    loads_json,
    loads_line,
    read_corpus,
    remove_stale_temps,
    temp_dir,
)


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


def test_atomic_write_replaces_only_on_success(tmp_path):
    path = tmp_path / "out.txt"
    path.write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError, match="stop"):
        with atomic_write(path) as fh:
            fh.write("new, half")
            raise RuntimeError("stop")
    assert path.read_text(encoding="utf-8") == "old"
    assert os.listdir(tmp_path) == ["out.txt"]
    with atomic_write(path, "wb") as fh:
        fh.write(b"new")
    assert path.read_bytes() == b"new"
    with pytest.raises(ValueError, match="'mode' must be 'w' or 'wb', got 'a'"):
        with atomic_write(path, "a"):
            pass


def test_stale_temporaries_of_dead_processes_are_removed(tmp_path):
    path = tmp_path / "model"
    dead_dir = tmp_path / f".model.tmp-{_dead_pid()}-x1"
    dead_dir.mkdir()
    (dead_dir / "topic.npz").write_bytes(b"half")
    live = temp_dir(path)  # this process's own: in progress
    other = tmp_path / ".modelx.tmp-1-x1"  # another name
    other.mkdir()
    old_style = tmp_path / ".model.tmp-abc123"
    old_style.mkdir()
    assert remove_stale_temps(path) == [dead_dir]
    assert live.is_dir() and other.is_dir() and old_style.is_dir()
    os.utime(old_style, (0, 0))  # an old-style name is removed once it is over an hour old
    assert remove_stale_temps(path) == [old_style]


@pytest.mark.parametrize("line, message", [
    ('{"a": 1,}', "not valid JSON (Expecting property name enclosed in double quotes at column 9)"),
    ('{"a": "\x01"}\n', "not valid JSON (Invalid control character at column 8)"),
    ('{"a":\r\n', "not valid JSON (Expecting value at column 6)"),
    ('{"a": ' + "1" * 5000 + "}", "not valid JSON (an integer of more than 4,300 digits)"),
    ("[" * 100_000, "not valid JSON (nested too deeply)"),
    ('{"id": NaN}', "not valid JSON (NaN is not a JSON value, at column 8)"),
    ('{"id": -Infinity}', "not valid JSON (-Infinity is not a JSON value, at column 8)"),
], ids=["trailing-comma", "control-character", "cut-short", "huge-integer", "deep-nesting", "nan", "infinity"])
def test_loads_line_gives_one_line_errors(line, message):
    with pytest.raises(JSONLineError, match=r"^" + __import__("re").escape(message) + "$"):
        loads_line(line)


def test_loads_json_names_the_line_of_a_document():
    with pytest.raises(JSONLineError, match=r"not valid JSON \(Expecting value at column 7, line 2\)"):
        loads_json('{\n "a": }')
    with pytest.raises(JSONLineError, match=r"nested too deeply"):
        loads_json("[" * 100_000 + "]" * 100_000)
    assert loads_json('{"a": [1, 2]}') == {"a": [1, 2]}


def test_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "private.csv"
    path.write_text("old", encoding="utf-8")
    os.chmod(path, 0o600)
    with atomic_write(path) as fh:
        fh.write("new")
    assert path.read_text(encoding="utf-8") == "new"
    assert os.stat(path).st_mode & 0o777 == 0o600


def test_atomic_write_errors_name_the_target_not_the_temporary_file(tmp_path):
    target = tmp_path / "missing-dir" / "out.csv"
    with pytest.raises(FileNotFoundError, match=r"cannot write .*missing-dir/out\.csv: No such file or directory"):
        with atomic_write(target):
            pass


def test_read_corpus(tmp_path):
    (tmp_path / "a.txt").write_text("one text\n\nanother text\n", encoding="utf-8")
    (tmp_path / "b.jsonl").write_text('{"text": "a paragraph"}\n{"body": "no text field"}\n', encoding="utf-8")
    assert read_corpus([tmp_path / "a.txt", tmp_path / "b.jsonl"]) == ["one text", "another text", "a paragraph"]
    (tmp_path / "c.jsonl").write_text("not json\n", encoding="utf-8")
    with pytest.raises(DataError, match="c.jsonl:1: not valid JSON"):
        read_corpus([tmp_path / "c.jsonl"])
