"""Tests of streaming classification (stance.batch.stream, ``stance classify --jsonl``).

Every input is a tiny JSONL written here from made-up sentences; the model is
the shipped default (``stance.load_model()``).
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import stance
from stance.batch import stream
from stance.cli.commands import main
from stance.exceptions import DataError
from stance.batch.stream import ProgressBar, classify_jsonl, resume_point

REPO = Path(__file__).resolve().parents[1]

SENTENCES = [
    "NATO must stop its eastward expansion toward Russian borders, Moscow said.",
    "Ukraine has every right to choose its alliances and join NATO.",
    "The European Union adopted a new package of sanctions against Russian banks.",
    "Western sanctions are illegal and will only hurt Europe, Lavrov said.",
    "The New START treaty limits deployed nuclear warheads on both sides.",
    "Russia proposed a moratorium on intermediate-range missiles in Europe.",
    "Diplomats met in Geneva for talks on security guarantees.",
    "Troops held drills near the border on Tuesday.",
    "The weather in Geneva was mild.",
    "",
]
RESULT_KEYS = ("text", "topics", "topic_scores", "stance", "stance_scores", "evidence", "language")


@pytest.fixture(scope="module")
def model():
    return stance.load_model()


def make_rows(n: int) -> list[dict]:
    return [{"id": f"p{i}", "doc": f"d{i // 3}", "text": f"{SENTENCES[i % len(SENTENCES)]}"
             + (f" Item {i}." if i % len(SENTENCES) != len(SENTENCES) - 1 else "")} for i in range(n)]


def write_rows(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((row if isinstance(row, str) else json.dumps(row)) + "\n")
    return path


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


def expected_records(model, rows) -> list[dict]:
    results = model.classify([r["text"] for r in rows])
    out = []
    for lineno, (row, res) in enumerate(zip(rows, results), 1):
        fields = res.to_dict()
        del fields["index"]
        out.append({**{k: v for k, v in row.items() if k != "text"}, "line": lineno, **fields})
    return out


def run(*argv) -> int:
    return main(["classify", *map(str, argv)])


def assert_one_line_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stance classify: error: "), err
    assert fragment in lines[0], err
    assert "Traceback" not in err


@pytest.fixture
def small(tmp_path):
    rows = make_rows(23)
    return rows, write_rows(tmp_path / "in.jsonl", rows), tmp_path / "out.jsonl"


@pytest.fixture
def full_output(small):
    """The bytes of an uninterrupted run over ``small``."""
    rows, src, out = small
    assert run("--jsonl", src, "-o", out, "--batch-size", 4) == 0
    data = out.read_bytes()
    out.unlink()
    return data


# --------------------------------------------------------------------------- results


def test_results_equal_model_classify_with_metadata_carried(model, small, capsys):
    rows, src, out = small
    assert run("--jsonl", src, "-o", out, "--batch-size", 5) == 0
    assert capsys.readouterr() == ("", "")
    records = read_records(out)
    assert records == expected_records(model, rows)
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert list(records[0]) == ["id", "doc", "line", *RESULT_KEYS]


def test_api_returns_a_summary(model, small):
    rows, src, out = small
    summary = classify_jsonl(src, out, batch_size=7, progress=False)
    assert (summary.records, summary.errors, summary.lines, summary.resumed) == (len(rows), 0, len(rows), 0)
    assert read_records(out) == expected_records(model, rows)


def test_batch_size_does_not_change_the_output(small, full_output):
    rows, src, out = small
    assert run("--jsonl", src, "-o", out, "--batch-size", 1000) == 0
    assert out.read_bytes() == full_output


def test_without_output_writes_to_stdout(model, small, capsys):
    rows, src, _ = small
    assert run("--jsonl", src) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert [json.loads(line) for line in captured.out.splitlines()] == expected_records(model, rows)


def test_fields_named_like_results_are_kept_under_input(model, tmp_path):
    rows = [{"id": 1, "text": SENTENCES[0], "stance": "favor", "topics": ["nato_expansion"], "line": 99}]
    src = write_rows(tmp_path / "in.jsonl", rows)
    assert run("--jsonl", src, "-o", tmp_path / "out.jsonl") == 0
    [record] = read_records(tmp_path / "out.jsonl")
    assert record["input"] == {"stance": "favor", "topics": ["nato_expansion"], "line": 99}
    assert record["line"] == 1
    assert record["stance"] == model.classify([SENTENCES[0]])[0].stance


def test_blank_lines_are_skipped_and_line_numbers_count_them(model, tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'\xef\xbb\xbf{"text": "Talks went on."}\r\n\n   \n{"text": "NATO expands."}\n')
    assert run("--jsonl", src, "-o", tmp_path / "out.jsonl") == 0
    records = read_records(tmp_path / "out.jsonl")
    assert [r["line"] for r in records] == [1, 4]
    assert [r["text"] for r in records] == ["Talks went on.", "NATO expands."]


def test_empty_input_gives_an_empty_output(tmp_path):
    src = write_rows(tmp_path / "in.jsonl", [])
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    assert run("--jsonl", src, "-o", out) == 0
    assert out.read_bytes() == b""


def test_lone_surrogates_in_metadata_are_written_as_valid_json(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": "a\\udc00", "text": "NATO expands."}\n', encoding="utf-8")
    assert run("--jsonl", src, "-o", tmp_path / "out.jsonl") == 0
    [record] = read_records(tmp_path / "out.jsonl")
    assert record["id"] == "a\udc00"


# --------------------------------------------------------------------------- parallel


def test_jobs_2_gives_the_same_output_as_jobs_1(small, full_output):
    rows, src, out = small
    assert run("--jsonl", src, "-o", out, "--batch-size", 4, "--jobs", 2) == 0
    assert out.read_bytes() == full_output


def test_cli_default_batch_size_is_the_library_default():
    from stance.cli import commands as cli

    assert cli._STREAM_BATCH_SIZE == stream.DEFAULT_STREAM_BATCH_SIZE


def test_worker_model_is_loaded_once_per_process():
    assert stream.cached_model(None, False) is stream.cached_model(None, False)


def test_a_loaded_model_cannot_go_to_workers(model, small):
    rows, src, out = small
    with pytest.raises(ValueError, match="pass the model directory"):
        classify_jsonl(src, out, model=model, jobs=2)


# --------------------------------------------------------------------------- resume


def cut(data: bytes, complete: int, torn: int) -> bytes:
    """The first ``complete`` lines of ``data`` plus ``torn`` bytes of the next one."""
    lines = data.splitlines(keepends=True)
    return b"".join(lines[:complete]) + lines[complete][:torn]


@pytest.mark.parametrize(("complete", "torn"), [(9, 40), (9, 0), (0, 25), (0, 0), (22, 1), (1, 300)],
                         ids=["torn-mid-line", "no-torn-line", "only-a-torn-line", "empty", "one-byte-torn",
                              "long-torn"])
def test_resume_after_an_interrupted_output(small, full_output, complete, torn):
    rows, src, out = small
    out.write_bytes(cut(full_output, complete, torn))
    assert run("--jsonl", src, "-o", out, "--resume", "--batch-size", 4) == 0
    assert out.read_bytes() == full_output
    assert [r["line"] for r in read_records(out)] == list(range(1, len(rows) + 1))


def test_resume_reports_what_it_did(small, full_output):
    rows, src, out = small
    out.write_bytes(cut(full_output, 9, 40))
    summary = classify_jsonl(src, out, resume=True, progress=False)
    assert (summary.resumed, summary.truncated, summary.records, summary.lines) == (9, 40, len(rows) - 9, len(rows) - 9)


def test_resume_of_a_finished_run_changes_nothing(small, full_output):
    rows, src, out = small
    out.write_bytes(full_output)
    assert run("--jsonl", src, "-o", out, "--resume") == 0
    assert out.read_bytes() == full_output


def test_resume_without_an_output_file_starts_from_the_beginning(small, full_output):
    rows, src, out = small
    assert run("--jsonl", src, "-o", out, "--resume") == 0
    assert out.read_bytes() == full_output


def test_resume_point_truncates_a_torn_line(small, full_output):
    rows, src, out = small
    out.write_bytes(cut(full_output, 5, 17))
    line, record, truncated = resume_point(out)
    assert (line, truncated, record["id"]) == (5, 17, "p4")
    assert out.read_bytes() == cut(full_output, 5, 0)


def test_resume_refuses_an_output_that_is_not_stance_output(small, capsys):
    rows, src, out = small
    out.write_text('{"some": "thing"}\n')
    assert run("--jsonl", src, "-o", out, "--resume") == 1
    assert_one_line_error(capsys.readouterr().err, "its last line is not a result of stance classify --jsonl")
    assert out.read_text() == '{"some": "thing"}\n'


def test_resume_refuses_the_output_of_another_input(small, full_output, tmp_path, capsys):
    rows, src, out = small
    out.write_bytes(cut(full_output, 5, 0))
    other = write_rows(tmp_path / "other.jsonl", make_rows(40)[10:])
    assert run("--jsonl", other, "-o", out, "--resume") == 1
    assert_one_line_error(capsys.readouterr().err, "does not match line 5")
    shorter = write_rows(tmp_path / "short.jsonl", rows[:3])
    assert run("--jsonl", shorter, "-o", out, "--resume") == 1
    assert_one_line_error(capsys.readouterr().err, "which has only 3 lines")


def test_killed_run_then_resume_gives_every_line_exactly_once(model, tmp_path):
    """SIGKILL a real ``stance classify`` process mid-run, then --resume the same output."""
    n = 3000
    rows = [{"id": f"k{i}", "text": f"{SENTENCES[i % 9]} {i}"} for i in range(n)]
    src = write_rows(tmp_path / "in.jsonl", rows)
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    # The input comes through a pipe that gets only the first half, so the run cannot finish
    # before it is killed; it is killed as soon as it has written its first results.
    proc = subprocess.Popen([sys.executable, "-m", "stance", "classify", "--jsonl", "-", "-o", str(out),
                             "--batch-size", "25"], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
    try:
        data = src.read_bytes().splitlines(keepends=True)
        proc.stdin.write(b"".join(data[: n // 2]))
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while not (out.exists() and out.stat().st_size > 0):
            assert proc.poll() is None, "the run ended before it was killed"
            assert time.monotonic() < deadline, "no output after 120 s"
            time.sleep(0.005)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdin.close()
    done_before = out.read_bytes().count(b"\n")  # 0 if it was killed inside its first write
    assert done_before <= n // 2

    assert run("--jsonl", src, "-o", out, "--resume", "--batch-size", 500) == 0
    records = read_records(out)
    assert [r["line"] for r in records] == list(range(1, n + 1))
    assert [r["id"] for r in records] == [r["id"] for r in rows]
    assert records == expected_records(model, rows)


def test_resume_after_fixing_a_malformed_line(small, full_output, capsys):
    rows, src, out = small
    lines = src.read_text().splitlines(keepends=True)
    broken = lines[:6] + ['{"id": "p6", "text": \n'] + lines[7:]
    src.write_text("".join(broken))
    assert run("--jsonl", src, "-o", out, "--batch-size", 4) == 1
    assert_one_line_error(capsys.readouterr().err, f"{src}:7: not valid JSON")
    assert [r["line"] for r in read_records(out)] == [1, 2, 3, 4, 5, 6]  # everything before the bad line
    src.write_text("".join(lines))
    assert run("--jsonl", src, "-o", out, "--resume", "--batch-size", 4) == 0
    assert out.read_bytes() == full_output


def test_ctrl_c_leaves_complete_lines_and_resume_finishes(small, full_output, monkeypatch, capsys):
    rows, src, out = small
    real, calls = stream._process_batch, []

    def interrupted_on_third_batch(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(stream, "_process_batch", interrupted_on_third_batch)
    assert run("--jsonl", src, "-o", out, "--batch-size", 4) == 130
    err = capsys.readouterr().err.strip()
    assert err.startswith("stance: interrupted; the results so far are in ")
    assert err.endswith("run the same command with --resume to finish the job")
    assert out.read_bytes() == cut(full_output, 8, 0)
    monkeypatch.setattr(stream, "_process_batch", real)
    assert run("--jsonl", src, "-o", out, "--batch-size", 4, "--resume") == 0
    assert out.read_bytes() == full_output


def test_a_failed_write_is_truncated_away(small, full_output, monkeypatch, capsys):
    rows, src, out = small
    real_fsync, calls = os.fsync, []

    def disk_full_on_second_batch(fd):
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(stream.os, "fsync", disk_full_on_second_batch)
    assert run("--jsonl", src, "-o", out, "--batch-size", 4) == 1
    assert_one_line_error(capsys.readouterr().err, "No space left on device")
    assert out.read_bytes() == cut(full_output, 4, 0)  # the second batch was written, then taken back


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (b"{not json}", "not valid JSON (Expecting property name enclosed in double quotes at column 2)"),
        (b'["a list"]', "expected a JSON object, got an array"),
        (b'{"id": 3}', "missing field 'text'"),
        (b'{"text": 42}', "'text' must be a string, got a number"),
        (b'{"text": null}', "'text' must be a string, got null"),
        (b'{"text": "caf\xe9"}', "line is not valid UTF-8 (byte 13)"),
        (b'{"text": "' + b"a" * 100_001 + b'"}', "'text' has 100,001 characters, more than the limit of 100,000"),
        (b'{"text": "NATO \\ud800 expands"}', "'text' is not valid Unicode (lone surrogate at character 5)"),
    ],
    ids=["not-json", "not-object", "no-text", "text-number", "text-null", "not-utf8", "too-long", "surrogate"],
)
def test_malformed_line_is_a_one_line_error_naming_file_and_line(tmp_path, capsys, line, message):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"text": "Talks went on."}\n\n' + line + b'\n{"text": "More talks."}\n')
    out = tmp_path / "out.jsonl"
    assert run("--jsonl", src, "-o", out) == 1
    assert_one_line_error(capsys.readouterr().err, f"{src}:3: {message}")
    assert [r["line"] for r in read_records(out)] == [1]


def test_malformed_line_raises_data_error_from_the_api(tmp_path):
    src = write_rows(tmp_path / "in.jsonl", ['{"text": "ok"}', "[1, 2]"])
    with pytest.raises(DataError, match=r"in\.jsonl:2: expected a JSON object, got an array"):
        classify_jsonl(src, tmp_path / "out.jsonl", progress=False)


def test_overlong_line_is_malformed_without_being_read_whole(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(stream, "MAX_LINE_BYTES", 64)
    src = write_rows(tmp_path / "in.jsonl", [{"text": "x" * 500}, {"text": "Talks went on."}])
    assert run("--jsonl", src, "-o", tmp_path / "out.jsonl", "--skip-errors") == 0
    records = read_records(tmp_path / "out.jsonl")
    assert records[0] == {"line": 1, "error": "line is longer than 64 bytes"}
    assert records[1]["text"] == "Talks went on."


def test_skip_errors_writes_error_records(model, tmp_path, capsys):
    lines = [json.dumps({"id": "a", "text": SENTENCES[0]}), "{oops", json.dumps({"id": "c", "text": 7}),
             json.dumps({"id": "d", "text": SENTENCES[2], "stance": "x"})]
    src = write_rows(tmp_path / "in.jsonl", lines)
    out = tmp_path / "out.jsonl"
    summary = classify_jsonl(src, out, skip_errors=True, progress=False)
    assert (summary.records, summary.errors) == (4, 2)
    records = read_records(out)
    assert [r["line"] for r in records] == [1, 2, 3, 4]
    assert records[1] == {"line": 2, "error": "not valid JSON (Expecting property name enclosed in double quotes "
                                              "at column 2)"}
    assert records[2] == {"id": "c", "line": 3, "error": "'text' must be a string, got a number"}
    good = expected_records(model, [{"id": "a", "text": SENTENCES[0]}, {"id": "d", "text": SENTENCES[2]}])
    assert records[0] == good[0]
    assert {k: v for k, v in records[3].items() if k not in ("line", "input")} == \
        {k: v for k, v in good[1].items() if k != "line"}
    assert run("--jsonl", src, "-o", out, "--skip-errors") == 0
    assert capsys.readouterr().err == (f"stance classify: skipped 2 malformed line(s) of {src}; "
                                       f"their error records are in {out}\n")


def test_missing_input_is_a_one_line_error(tmp_path, capsys):
    assert run("--jsonl", tmp_path / "absent.jsonl", "-o", tmp_path / "out.jsonl") == 1
    assert_one_line_error(capsys.readouterr().err, "input not found")
    assert not (tmp_path / "out.jsonl").exists()


def test_refuses_to_overwrite_its_input(small, capsys):
    rows, src, _ = small
    before = src.read_bytes()
    assert run("--jsonl", src, "-o", src) == 1
    assert_one_line_error(capsys.readouterr().err, "refusing to write the output over the input")
    assert src.read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [["--jsonl", "in.jsonl", "a.txt"], ["--jsonl", "in.jsonl", "--resume"], ["a.txt", "--jobs", "2"],
     ["a.txt", "--resume", "-o", "x"], ["--jsonl", "in.jsonl", "--format", "csv"], ["--jsonl", "in.jsonl", "--jobs", "0"],
     ["--jsonl", "in.jsonl", "--batch-size", "0"], ["--jsonl"]],
    ids=["files-and-jsonl", "resume-without-output", "jobs-without-jsonl", "resume-without-jsonl", "csv",
         "jobs-0", "batch-0", "jsonl-without-file"],
)
def test_usage_errors_return_2(argv, capsys):
    assert main(["classify", *argv]) == 2
    err = capsys.readouterr().err
    assert "usage: stance classify" in err
    assert "Traceback" not in err


# --------------------------------------------------------------------------- progress bar


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_is_drawn_when_stderr_is_a_terminal(small, monkeypatch, capsys):
    rows, src, out = small
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert run("--jsonl", src, "-o", out, "--batch-size", 4) == 0
    shown = terminal.getvalue()
    assert shown.startswith("\r") and shown.endswith("\n")
    final = shown.rstrip("\n").split("\r")[-1]
    assert final.startswith("100% [######################]")
    assert f" {len(rows)} paragraphs " in final
    assert capsys.readouterr().out == ""


def test_no_progress_bar_when_stderr_is_not_a_terminal(small, monkeypatch, capsys):
    rows, src, out = small
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert run("--jsonl", src, "-o", out) == 0
    assert capsys.readouterr().err == ""


def test_progress_bar_render():
    now = [0.0]
    buf = io.StringIO()
    bar = ProgressBar(buf, total=1000, start=200, min_interval=1.0, clock=lambda: now[0])
    now[0] = 10.0
    bar.update(3000, 600)
    assert bar.render() == " 60% [#############.........] 3,000 paragraphs 300/s ETA 0:10"
    now[0] = 10.5
    bar.update(3100, 700)  # within min_interval: not redrawn
    assert buf.getvalue().count("\r") == 1
    bar.update(3100, 1000, force=True)
    assert bar.render().endswith("in 0:10")
    bar.close()
    assert buf.getvalue().endswith("\n")


def test_progress_bar_without_a_total_shows_count_and_rate():
    bar = ProgressBar(io.StringIO(), total=None, clock=lambda: 2.0)
    bar.t0 = 0.0
    bar.update(50, 12345, force=True)
    assert bar.render() == "50 paragraphs 25/s"


# --------------------------------------------------------------------------- every per-line failure is file:line

BAD_LINES = {
    "huge integer": '{"id": ' + "9" * 5000 + ', "text": "NATO talks."}',
    "deep nesting": '{"id": ' + "[" * 100_000 + "]" * 100_000 + ', "text": "NATO talks."}',
    "NaN id": '{"id": NaN, "text": "NATO talks."}',
    "control character": '{"text": "a\x01b"}',
}


@pytest.mark.parametrize("kind", sorted(BAD_LINES))
def test_a_bad_line_names_file_and_line_and_keeps_the_lines_before_it(kind, tmp_path, capsys):
    rows = make_rows(3)
    src = write_rows(tmp_path / "in.jsonl", [*rows, BAD_LINES[kind], *make_rows(2)])
    out = tmp_path / "out.jsonl"
    assert run("--jsonl", src, "-o", out, "--batch-size", 100) == 1
    assert_one_line_error(capsys.readouterr().err, f"{src}:4: not valid JSON (")
    assert [r["line"] for r in read_records(out)] == [1, 2, 3]  # the batch's earlier lines were written
    assert run("--jsonl", src, "-o", out, "--batch-size", 100, "--skip-errors") == 0
    records = read_records(out)
    assert [r["line"] for r in records] == [1, 2, 3, 4, 5, 6]
    assert set(records[3]) <= {"line", "error", "id"} and records[3]["error"].startswith("not valid JSON (")
    assert "skipped 1 malformed line(s)" in capsys.readouterr().err


def test_json_errors_give_the_column_inside_the_line(tmp_path, capsys):
    src = write_rows(tmp_path / "in.jsonl", ['{"text": "a\x01b"}', '{"text":'])
    assert run("--jsonl", src, "-o", tmp_path / "o.jsonl") == 1
    err = capsys.readouterr().err
    assert_one_line_error(err, f"{src}:1: not valid JSON (Invalid control character at column 12)")
    assert "at at" not in err
    src.write_text('{"text":\n', encoding="utf-8")
    assert run("--jsonl", src, "-o", tmp_path / "o.jsonl") == 1
    assert_one_line_error(capsys.readouterr().err, f"{src}:1: not valid JSON (Expecting value at column 9)")


def test_a_text_the_model_cannot_classify_is_an_error_of_its_line(model, tmp_path, monkeypatch):
    rows = make_rows(4)
    src = write_rows(tmp_path / "in.jsonl", rows)
    real = type(model).classify

    def fragile(self, texts, **kwargs):
        if any("Item 2." in t for t in texts):
            raise IndexError("boom")
        return real(self, texts, **kwargs)

    monkeypatch.setattr(type(model), "classify", fragile)
    with pytest.raises(DataError, match=r"in\.jsonl:3: cannot classify the text \(IndexError: boom\)"):
        classify_jsonl(src, tmp_path / "out.jsonl", model=model, progress=False)
    assert [r["line"] for r in read_records(tmp_path / "out.jsonl")] == [1, 2]
    summary = classify_jsonl(src, tmp_path / "out.jsonl", model=model, progress=False, skip_errors=True)
    assert summary.errors == 1
    assert [("error" in r) for r in read_records(tmp_path / "out.jsonl")] == [False, False, True, False]


def test_max_chars_sets_the_paragraph_limit(model, tmp_path, capsys):
    src = write_rows(tmp_path / "in.jsonl", [{"text": "NATO " * 30}])
    assert run("--jsonl", src, "-o", tmp_path / "o.jsonl", "--max-chars", 100) == 1
    assert_one_line_error(capsys.readouterr().err, "more than the limit of 100 (--max-chars changes it)")
    assert run("--jsonl", src, "-o", tmp_path / "o.jsonl", "--max-chars", 1000) == 0
    with pytest.raises(ValueError, match="'max_chars' must be an int >= 1, got 0"):
        classify_jsonl(src, tmp_path / "o.jsonl", max_chars=0)


# --------------------------------------------------------------------------- fuzzing the JSON-lines reader

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _fuzz import fuzz  # noqa: E402

_JSON_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                          st.text(max_size=30))
_JSON_VALUES = st.recursive(_JSON_SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                                  st.dictionaries(st.text(max_size=8), inner,
                                                                                  max_size=3)), max_leaves=8)
_HOSTILE = st.sampled_from([
    '{"id": ' + "9" * 5000 + ', "text": "x"}',
    '{"text": ' + "[" * 20_000 + "]" * 20_000 + "}",
    "[" * 20_000,
    '{"id": NaN, "text": "NATO"}',
    '{"id": -Infinity, "text": "NATO"}',
    '{"text": "\\ud800"}',
    '{"text": "a\x00b"}',
    '{"text": 5}',
    '"just a string"',
    "\x00\xff",
    "{",
])
_LINES = st.lists(st.one_of(
    _JSON_VALUES.map(json.dumps),
    st.builds(lambda text, meta: json.dumps({**meta, "text": text}), st.text(max_size=80),
              st.dictionaries(st.sampled_from(["id", "doc", "topics", "stance", "line", "error", "input"]),
                              _JSON_VALUES, max_size=3)),
    _HOSTILE,
    st.text(max_size=40).filter(lambda t: "\n" not in t and "\r" not in t),
), min_size=1, max_size=8)


@fuzz(60)
@given(lines=_LINES)
def test_any_jsonl_input_gives_one_valid_record_per_line_or_a_file_line_error(model, tmp_path_factory, lines):
    tmp = tmp_path_factory.mktemp("fuzz")
    src = tmp / "in.jsonl"
    src.write_text("".join(line + "\n" for line in lines), encoding="utf-8", errors="surrogatepass")
    out = tmp / "out.jsonl"
    summary = classify_jsonl(src, out, model=model, skip_errors=True, batch_size=3, evidence=1, progress=False)
    data = out.read_bytes().decode("utf-8")
    records = [json.loads(line, parse_constant=lambda c: pytest.fail(f"{c} in the output")) for line in
               data.split("\n")[:-1]]
    non_blank = [i for i, line in enumerate(src.read_bytes().split(b"\n")[:-1], 1) if line.strip()]
    assert [r["line"] for r in records] == non_blank
    assert summary.errors == sum("error" in r for r in records)
    for r in records:
        assert ("error" in r) != ("stance" in r)
    try:
        classify_jsonl(src, tmp / "strict.jsonl", model=model, batch_size=3, evidence=0, progress=False)
    except DataError as exc:
        assert str(exc).startswith(f"{src}:"), exc
        bad = int(str(exc)[len(str(src)) + 1:].split(":", 1)[0])
        strict = tmp / "strict.jsonl"
        written = [json.loads(line) for line in strict.read_text(encoding="utf-8").split("\n")[:-1]] \
            if strict.exists() else []
        assert [r["line"] for r in written] == [n for n in non_blank if n < bad]
        assert "error" in records[non_blank.index(bad)]
    else:
        assert summary.errors == 0
