"""Tests of the command line (stance.cli.commands), called in-process with argument lists."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from stance.cli import commands as cli
from stance.cli.commands import CSV_FIELDS, main
from stance.datasets.domain import read_labelled_jsonl
from stance.evaluation import evaluate_model
from stance.io.persistence import MANIFEST_FILE
from stance.text.processing import split_paragraphs

ARTICLE = (
    "MOSCOW, February 9. /TASS/.\n"
    "Russia expects NATO to stop its eastward expansion.\n"
    "\n"
    "New sanctions against Russian banks were announced.\n"
    "Diplomats held talks in Geneva on the arms control treaty.\n"
)
N_PARAGRAPHS = 3
JSONL_KEYS = {"file", "index", "text", "topics", "topic_scores", "stance", "stance_scores", "evidence", "language"}

TRAIN_ROWS = [
    {"text": "NATO must not expand to Ukraine, Moscow said.", "topics": ["nato_expansion"], "stance": "favor", "doc": "a"},
    {"text": "Kyiv wants NATO membership soon.", "topics": ["nato_expansion"], "stance": "against", "doc": "a"},
    {"text": "The EU extended sanctions on Russian banks.", "topics": ["sanctions"], "stance": "against", "doc": "b"},
    {"text": "Sanctions only hurt Europe, Lavrov said.", "topics": ["sanctions"], "stance": "favor", "doc": "b"},
    {"text": "Diplomats met in Geneva for talks.", "topics": ["diplomacy"], "stance": "none", "doc": "c"},
    {"text": "The ministers agreed to continue talks.", "topics": ["diplomacy"], "stance": "none", "doc": "c"},
]


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "article.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture
def train_file(tmp_path) -> Path:
    path = tmp_path / "train.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in TRAIN_ROWS), encoding="utf-8")
    return path


def assert_one_line_error(err: str, command: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"stance {command}: error: "), err
    assert fragment in lines[0]
    assert "Traceback" not in err


# --------------------------------------------------------------------------- classify


def test_classify_jsonl(tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "jsonl"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    lines = out.splitlines()
    assert len(lines) == N_PARAGRAPHS
    records = [json.loads(line) for line in lines]
    assert [r["index"] for r in records] == list(range(N_PARAGRAPHS))
    assert [r["text"] for r in records] == split_paragraphs(ARTICLE)
    for r in records:
        assert set(r) == JSONL_KEYS
        assert r["file"] == str(article)
        assert isinstance(r["topics"], list)
        assert sorted(r["topic_scores"]) == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
        assert r["stance"] in ("against", "favor", "none")
        assert sum(r["stance_scores"].values()) == pytest.approx(1.0, abs=2e-3)
        for e in r["evidence"]:
            assert set(e) == {"term", "weight", "label"}


def test_classify_output_matches_the_api(tiny_model, tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    expected = [r.to_dict() for r in tiny_model.analyze(ARTICLE)]
    assert [{k: v for k, v in r.items() if k != "file"} for r in records] == expected


def test_classify_defaults_to_jsonl_when_not_a_terminal(tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == N_PARAGRAPHS
    assert all(set(json.loads(line)) == JSONL_KEYS for line in lines)


def test_classify_csv(tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    reader = csv.DictReader(io.StringIO(out))
    assert tuple(reader.fieldnames) == CSV_FIELDS
    rows = list(reader)
    assert len(rows) == N_PARAGRAPHS
    assert [r["text"] for r in rows] == split_paragraphs(ARTICLE)
    assert [r["index"] for r in rows] == ["0", "1", "2"]
    for r in rows:
        assert r["file"] == str(article)
        stance_scores = json.loads(r["stance_scores"])
        assert float(r["stance_score"]) == stance_scores[r["stance"]]
        topics = r["topics"].split(";") if r["topics"] else []
        assert set(topics) <= set(json.loads(r["topic_scores"]))
        assert isinstance(json.loads(r["evidence"]), list)


def test_classify_table(tiny_model, tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 + N_PARAGRAPHS
    assert lines[0].split() == ["#", "topics", "stance", "text"]
    results = tiny_model.analyze(ARTICLE)
    for line, res in zip(lines[1:], results):
        assert line.startswith(str(res.index))
        assert f"{res.stance} {res.stance_scores[res.stance]:.2f}" in line
        assert (", ".join(res.topics) or "-") in line
        assert res.text[:15] in line


def test_classify_table_with_several_files_has_a_file_column(tiny_model_dir, article, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("Talks go on.\n", encoding="utf-8")
    assert main(["classify", str(article), str(other), "--model", str(tiny_model_dir), "--trust",
                 "--format", "table"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["file", "#", "topics", "stance", "text"]
    assert len(lines) == 1 + N_PARAGRAPHS + 1
    assert lines[-1].startswith("other.txt")


def test_classify_several_files_jsonl(tiny_model_dir, article, tmp_path, capsys):
    other = tmp_path / "other.txt"
    other.write_text("Talks go on.\n\nSanctions too.\n", encoding="utf-8")
    assert main(["classify", str(article), str(other), "--model", str(tiny_model_dir), "--trust",
                 "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(Path(r["file"]).name, r["index"]) for r in records] == [
        ("article.txt", 0), ("article.txt", 1), ("article.txt", 2), ("other.txt", 0), ("other.txt", 1),
    ]


def test_classify_stdin(tiny_model_dir, monkeypatch, capsys):
    fake_stdin = io.TextIOWrapper(io.BytesIO(ARTICLE.encode("utf-8")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake_stdin)
    assert main(["classify", "-", "--model", str(tiny_model_dir), "--trust", "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["file"] for r in records] == ["-"] * N_PARAGRAPHS


def test_classify_output_file(tiny_model_dir, article, tmp_path, capsys):
    out_path = tmp_path / "out.jsonl"
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "-o", str(out_path),
                 "--format", "jsonl"]) == 0
    assert capsys.readouterr().out == ""
    lines = out_path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == N_PARAGRAPHS


def test_classify_evidence_option(tiny_model_dir, article, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--evidence", "0"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert all(r["evidence"] == [] for r in records)
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--evidence", "-1"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "classify", "--evidence must be 0 or more, got -1")


def test_classify_missing_file(tiny_model_dir, tmp_path, capsys):
    missing = tmp_path / "missing.txt"
    assert main(["classify", str(missing), "--model", str(tiny_model_dir), "--trust"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "classify", f"no such file: {missing}")


def test_classify_directory(tiny_model_dir, tmp_path, capsys):
    assert main(["classify", str(tmp_path), "--model", str(tiny_model_dir), "--trust"]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "is a directory, expected a text file")


def test_classify_non_utf8_file(tiny_model_dir, tmp_path, capsys):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\u00e9 talks".encode("latin-1"))
    assert main(["classify", str(bad), "--model", str(tiny_model_dir), "--trust"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "classify", "must be UTF-8 text; byte 3")


def test_classify_missing_model(article, tmp_path, capsys):
    assert main(["classify", str(article), "--model", str(tmp_path / "no-model")]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "model directory not found")


def test_classify_corrupt_model(copy_model_dir, article, capsys):
    model_dir = copy_model_dir()
    path = model_dir / "stance.joblib"
    path.write_bytes(path.read_bytes()[:-10])
    assert main(["classify", str(article), "--model", str(model_dir), "--trust"]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "does not match the sha256")


def test_classify_model_with_mistyped_manifest_gives_one_line_error(copy_model_dir, article, capsys):
    # "versions" must be an object; a string must be reported as a corrupt model, not a traceback.
    model_dir = copy_model_dir()
    manifest = json.loads((model_dir / MANIFEST_FILE).read_text(encoding="utf-8"))
    manifest["versions"] = "1.9.1"
    (model_dir / MANIFEST_FILE).write_text(json.dumps(manifest), encoding="utf-8")
    assert main(["classify", str(article), "--model", str(model_dir), "--trust"]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "manifest")


# --------------------------------------------------------------------------- train


def test_train_writes_model_directory(train_file, article, tmp_path, capsys):
    out = tmp_path / "model"
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1", "--name", "cli-model"])
    assert rc == 0
    stdout = capsys.readouterr().out
    assert stdout.startswith(f"wrote {out}: topics ['diplomacy', 'nato_expansion', 'sanctions']")
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["name"] == "cli-model"
    assert manifest["stances"] == ["against", "favor", "none"]
    # both formats by default, so the model just trained classifies without --trust
    assert sorted(os.listdir(out)) == ["features.npz", "manifest.json", "stance.joblib", "stance.json", "stance.npz",
                                       "topic.joblib", "topic.json", "topic.npz"]
    assert main(["classify", str(article), "--model", str(out), "--format", "jsonl"]) == 0
    assert '"stance"' in capsys.readouterr().out


def test_train_leave_sources_out_is_recorded(train_file, tmp_path, capsys):
    rows = [json.loads(line) for line in train_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    sourced = tmp_path / "sourced.jsonl"
    sourced.write_text("".join(json.dumps(dict(r, source=src, doc=src)) + "\n"
                               for src in ("kremlin", "whitehouse") for r in rows), encoding="utf-8")
    out = tmp_path / "model"
    rc = main(["train", "--data", str(sourced), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1", "--leave-sources-out", "--source-balance", "0.5", "--format", "safe"])
    assert rc == 0
    assert "without kremlin: topic micro-F1 " in capsys.readouterr().out
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert set(manifest["metrics"]["leave_sources_out"]) == {"kremlin", "whitehouse"}
    assert manifest["parameters"]["source_balance"] == 0.5
    # without a source on every line the option is a one-line error and nothing is written
    assert main(["train", "--data", str(train_file), "--out", str(tmp_path / "m2"), "--topics", "auto",
                 "--stances", "auto", "--min-df", "1", "--leave-sources-out"]) == 1
    assert "needs a 'source' for every example" in capsys.readouterr().err
    assert not (tmp_path / "m2").exists()


def test_train_with_dev_prints_dev_scores(train_file, tmp_path, capsys):
    out = tmp_path / "model"
    rc = main(["train", "--data", str(train_file), "--dev", str(train_file), "--out", str(out), "--topics", "auto",
               "--stances", "auto", "--min-df", "1"])
    assert rc == 0
    assert "dev: topic micro-F1 " in capsys.readouterr().out
    assert "dev" in json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))["metrics"]


def test_train_unknown_label_leaves_no_model(train_file, tmp_path, capsys):
    out = tmp_path / "model"
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "nato_expansion,sanctions",
               "--stances", "auto", "--min-df", "1"])
    assert rc == 1
    captured = capsys.readouterr()
    assert_one_line_error(captured.err, "train", f"{train_file}:5: 'topics' must be one of")
    assert "'diplomacy'" in captured.err
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_train_unknown_stance_leaves_no_model(tmp_path, capsys):
    data = tmp_path / "t.jsonl"
    rows = TRAIN_ROWS + [{"text": "x", "topics": [], "stance": "pro"}]
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    rc = main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--topics", "auto", "--min-df", "1"])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", "'stance' must be one of ('favor', 'against', 'none'), got 'pro'")
    assert not (tmp_path / "m").exists()


def test_train_malformed_line_leaves_no_model(tmp_path, capsys):
    data = tmp_path / "t.jsonl"
    data.write_text(json.dumps(TRAIN_ROWS[0]) + "\n{broken\n", encoding="utf-8")
    rc = main(["train", "--data", str(data), "--out", str(tmp_path / "m"), "--topics", "auto", "--stances", "auto"])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", f"{data}:2: not valid JSON")
    assert not (tmp_path / "m").exists()


def test_train_missing_data_file(tmp_path, capsys):
    rc = main(["train", "--data", str(tmp_path / "none.jsonl"), "--out", str(tmp_path / "m")])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", "labelled data not found")
    assert not (tmp_path / "m").exists()


def test_train_refuses_to_overwrite_a_non_model_directory(train_file, tmp_path, capsys):
    out = tmp_path / "precious"
    out.mkdir()
    (out / "keep.txt").write_text("keep", encoding="utf-8")
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1"])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", "refusing to replace")
    assert sorted(os.listdir(out)) == ["keep.txt"]


# --------------------------------------------------------------------------- evaluate


def test_evaluate_prints_report(tiny_model_dir, train_jsonl, capsys):
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(train_jsonl)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("paragraphs: 12\n")
    assert "topics  micro-F1 " in out
    assert "stance  macro-F1 " in out and "F_avg " in out
    assert "confusion (rows: true, columns: predicted)" in out
    lines = out.splitlines()
    header = lines.index("  confusion (rows: true, columns: predicted)")
    assert lines[header + 1].split() == ["against", "favor", "none"]
    matrix_rows = [line.split() for line in lines[header + 2 : header + 5]]
    assert [r[0] for r in matrix_rows] == ["against", "favor", "none"]
    assert sum(int(v) for r in matrix_rows for v in r[1:]) == 12
    for topic in ("arms_control", "diplomacy", "nato_expansion", "sanctions"):
        assert any(line.split()[:1] == [topic] for line in lines)


def test_evaluate_json(tiny_model, tiny_model_dir, train_jsonl, capsys):
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(train_jsonl), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics == evaluate_model(tiny_model, read_labelled_jsonl(train_jsonl))
    assert metrics["n"] == 12
    assert metrics["confusion"]["labels"] == ["against", "favor", "none"]


def test_evaluate_unknown_label(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "test.jsonl"
    data.write_text(json.dumps({"text": "x", "topics": [], "stance": "neutral"}) + "\n", encoding="utf-8")
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(data)]) == 1
    assert_one_line_error(capsys.readouterr().err, "evaluate", "'stance' must be one of ('against', 'favor', 'none')")


# --------------------------------------------------------------------------- info, usage


def test_info_prints_manifest_json(tiny_model_dir, capsys):
    assert main(["info", "--model", str(tiny_model_dir)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["path"] == str(tiny_model_dir)
    assert info["format"] == "stance-model/2"
    assert info["name"] == "tiny"
    assert info["topics"] == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
    assert set(info["files"]) == {"topic.joblib", "stance.joblib"}


def test_info_missing_model(tmp_path, capsys):
    assert main(["info", "--model", str(tmp_path / "nothing")]) == 1
    assert_one_line_error(capsys.readouterr().err, "info", "model directory not found")


@pytest.mark.parametrize(
    "argv",
    [[], ["bogus"], ["classify"], ["classify", "a.txt", "--format", "xml"], ["train", "--data", "x.jsonl"],
     ["evaluate"], ["classify", "a.txt", "--evidence", "many"]],
    ids=["no-command", "unknown-command", "no-file", "bad-format", "train-no-out", "evaluate-no-data",
         "evidence-not-int"],
)
def test_usage_errors_return_2(argv, capsys):
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert "usage: stance" in captured.err
    assert "Traceback" not in captured.err


def test_version_and_help(capsys):
    from stance import __version__

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"stance {__version__}"
    assert main(["--help"]) == 0
    assert "classify" in capsys.readouterr().out


def test_keyboard_interrupt_returns_130(monkeypatch, capsys):
    def interrupted(args):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_info", interrupted)
    assert main(["info"]) == 130
    assert capsys.readouterr().err.strip() == "stance: interrupted"


def test_broken_pipe_returns_0(monkeypatch):
    def broken(args):
        raise BrokenPipeError

    monkeypatch.setattr(cli, "_cmd_info", broken)
    assert main(["info"]) == 0


def test_module_entry_point_reports_errors_without_traceback(tmp_path):
    repo = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(repo) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    proc = subprocess.run(
        [sys.executable, "-m", "stance", "info", "--model", str(tmp_path / "absent")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert_one_line_error(proc.stderr, "info", "model directory not found")


# --------------------------------------------------------------------------- the shipped default model

def _default_manifest() -> Path:
    from stance.io.persistence import default_model_path

    return default_model_path() / MANIFEST_FILE


requires_default_model = pytest.mark.skipif(
    not _default_manifest().is_file(),
    reason=f"the shipped default model is not built yet ({_default_manifest()} does not exist)",
)


@requires_default_model
def test_classify_with_the_default_model(article, capsys):
    assert main(["classify", str(article), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(records) == N_PARAGRAPHS
    assert sorted(records[0]["topic_scores"]) == sorted(
        ["security_guarantees", "nato_expansion", "arms_control", "military_activity", "diplomacy", "sanctions"]
    )


@requires_default_model
def test_info_without_model_prints_the_default_manifest(capsys):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert Path(info["path"]) == _default_manifest().parent
    assert info["format"] == "stance-model/2"


# --------------------------------------------------------------------------- trust, export, --force, --format


def _snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(Path(directory).rglob("*")) if p.is_file()}


@pytest.fixture
def no_unpickling(monkeypatch):
    import joblib

    def forbidden(*args, **kwargs):
        raise AssertionError("joblib.load was called")

    monkeypatch.setattr(joblib, "load", forbidden)


def test_classify_untrusted_model_without_trust(tiny_model_dir, article, capsys, no_unpickling):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--format", "jsonl"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "classify", "refusing to unpickle")
    assert "--trust" in captured.err and "trusted=True" in captured.err


def test_evaluate_untrusted_model_without_trust(tiny_model_dir, train_jsonl, capsys, no_unpickling):
    assert main(["evaluate", "--model", str(tiny_model_dir), "--data", str(train_jsonl)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "evaluate", "refusing to unpickle")
    assert "--trust" in captured.err


def test_classify_and_evaluate_untrusted_model_with_trust(tiny_model, tiny_model_dir, article, train_jsonl, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert [{k: v for k, v in r.items() if k != "file"} for r in records] == [
        r.to_dict() for r in tiny_model.analyze(ARTICLE)
    ]
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(train_jsonl), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 12


def test_export_writes_a_safe_model(tiny_model_dir, article, tmp_path, capsys):
    out = tmp_path / "safe"
    assert main(["export", "--model", str(tiny_model_dir), "--trust", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith(f"wrote {out}")
    assert sorted(os.listdir(out)) == ["features.npz", "manifest.json", "stance.json", "stance.npz", "topic.json",
                                       "topic.npz"]
    assert json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))["serialization"] == "safe"
    # the export classifies like its source, and loads without --trust
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--format", "jsonl"]) == 0
    from_joblib = capsys.readouterr().out
    assert main(["classify", str(article), "--model", str(out), "--format", "jsonl"]) == 0
    assert capsys.readouterr().out == from_joblib


def test_export_untrusted_model_without_trust(tiny_model_dir, tmp_path, capsys, no_unpickling):
    out = tmp_path / "safe"
    assert main(["export", "--model", str(tiny_model_dir), "--out", str(out)]) == 1
    assert_one_line_error(capsys.readouterr().err, "export", "refusing to unpickle")
    assert not out.exists()


def test_export_to_an_existing_model_needs_force(tiny_model_dir, copy_model_dir, capsys):
    dst = copy_model_dir("existing")
    before = _snapshot(dst)
    assert main(["export", "--model", str(tiny_model_dir), "--trust", "--out", str(dst)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "export", "holds a model already")
    assert _snapshot(dst) == before
    assert main(["export", "--model", str(tiny_model_dir), "--trust", "--out", str(dst), "--force"]) == 0
    assert json.loads((dst / MANIFEST_FILE).read_text(encoding="utf-8"))["serialization"] == "safe"
    assert sorted(p.name for p in dst.parent.iterdir()) == ["existing"]  # no temporary directory left


def test_export_refuses_a_non_model_directory_even_with_force(tiny_model_dir, tmp_path, capsys):
    dst = tmp_path / "precious"
    dst.mkdir()
    (dst / "keep.txt").write_text("keep", encoding="utf-8")
    assert main(["export", "--model", str(tiny_model_dir), "--trust", "--out", str(dst), "--force"]) == 1
    assert_one_line_error(capsys.readouterr().err, "export", "refusing to replace")
    assert sorted(os.listdir(dst)) == ["keep.txt"]


@pytest.fixture
def no_training(monkeypatch):
    """Fail the test if training starts."""
    from stance import training

    def forbidden(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(training, "fit_model", forbidden)


def test_train_into_an_existing_model_without_force(train_file, copy_model_dir, capsys, no_training):
    out = copy_model_dir("existing")
    before = _snapshot(out)
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1"])
    assert rc == 1  # refused before training (fit_model would raise AssertionError, not return 1)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert_one_line_error(captured.err, "train", "holds a model already")
    assert "--force" in captured.err
    assert _snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["existing", "train.jsonl"]


def test_train_with_force_replaces_an_existing_model(train_file, copy_model_dir, capsys):
    out = copy_model_dir("existing")
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1", "--name", "replacement", "--force"])
    assert rc == 0
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["name"] == "replacement"
    assert manifest["topics"] == ["diplomacy", "nato_expansion", "sanctions"]  # the new data's, not the tiny model's
    assert sorted(p.name for p in out.parent.iterdir()) == ["existing", "train.jsonl"]


def test_train_format_safe(train_file, article, tmp_path, capsys):
    out = tmp_path / "safe-model"
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1", "--format", "safe"])
    assert rc == 0
    assert sorted(os.listdir(out)) == ["features.npz", "manifest.json", "stance.json", "stance.npz", "topic.json",
                                       "topic.npz"]
    assert json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))["serialization"] == "safe"
    capsys.readouterr()
    assert main(["classify", str(article), "--model", str(out), "--format", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert len(records) == N_PARAGRAPHS
    assert sorted(records[0]["topic_scores"]) == ["diplomacy", "nato_expansion", "sanctions"]


def test_train_unknown_format_is_a_usage_error(train_file, tmp_path, capsys):
    assert main(["train", "--data", str(train_file), "--out", str(tmp_path / "m"), "--format", "pickle"]) == 2
    assert "invalid choice: 'pickle'" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


# --------------------------------------------------------------------------- no lost data


def test_output_equal_to_an_input_is_refused_and_the_input_kept(article, capsys):
    before = article.read_bytes()
    assert main(["classify", str(article), "-o", str(article)]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify",
                          f"refusing to write the output over the input file {article}")
    assert article.read_bytes() == before
    link = article.parent / "link.txt"
    link.symlink_to(article)
    assert main(["classify", str(article), "-o", str(link)]) == 1  # the same file by another name
    assert "refusing to write the output over the input file" in capsys.readouterr().err
    assert article.read_bytes() == before


@pytest.mark.parametrize("bad", ["binary", "latin-1", "missing", "directory"])
def test_a_failed_run_leaves_an_existing_output_as_it_was(bad, article, tmp_path, capsys):
    out = tmp_path / "out.csv"
    assert main(["classify", str(article), "--format", "csv", "-o", str(out)]) == 0
    previous = out.read_bytes()
    assert previous.count(b"\n") > 1
    broken = tmp_path / "broken.txt"
    if bad == "binary":
        broken.write_bytes(b"\x00\xff\xfe\x00" * 10)
    elif bad == "latin-1":
        broken.write_bytes("caf\xe9".encode("latin-1"))
    elif bad == "directory":
        broken.mkdir()
    assert main(["classify", str(broken), str(article), "--format", "csv", "-o", str(out)]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "broken.txt")
    assert out.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temporary file left
    assert main(["classify", str(article), str(broken), "--format", "csv", "-o", str(out)]) == 1  # fails later
    assert out.read_bytes() == previous


def test_a_failed_run_creates_no_output_file(tmp_path, capsys):
    out = tmp_path / "new.jsonl"
    assert main(["classify", str(tmp_path / "missing.txt"), "-o", str(out)]) == 1
    assert "no such file" in capsys.readouterr().err
    assert not out.exists()


def test_ctrl_c_leaves_an_existing_output_as_it_was(article, tmp_path, monkeypatch, capsys):
    out = tmp_path / "out.jsonl"
    out.write_text("previous\n", encoding="utf-8")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    import stance.text.processing

    monkeypatch.setattr(stance.text.processing, "split_paragraphs", interrupted)
    assert main(["classify", str(article), "-o", str(out)]) == 130
    assert capsys.readouterr().err.strip() == "stance: interrupted; no output file was changed"
    assert out.read_text(encoding="utf-8") == "previous\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_leftover_temporary_files_of_killed_runs_are_removed(article, tmp_path):
    out = tmp_path / "out.jsonl"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = tmp_path / f".out.jsonl.tmp-{int(dead.stdout)}-abcd1234"
    stale.write_text("half", encoding="utf-8")
    alive = tmp_path / f".out.jsonl.tmp-{os.getpid()}-abcd1234"  # a run in progress: kept
    alive.write_text("busy", encoding="utf-8")
    assert main(["classify", str(article), "-o", str(out)]) == 0
    assert not stale.exists() and alive.exists()


def test_classify_file_mode_writes_the_same_as_stdout(article, tmp_path, capsys):
    assert main(["classify", str(article), "--format", "jsonl"]) == 0
    printed = capsys.readouterr().out
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(article), "-o", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == printed


# --------------------------------------------------------------------------- tracebacks that became one-line errors


def test_evaluate_missing_data_is_not_called_training_data(tiny_model_dir, tmp_path, capsys):
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(tmp_path / "test.jsonl")]) == 1
    err = capsys.readouterr().err
    assert_one_line_error(err, "evaluate", "labelled data not found")
    assert "training" not in err


def test_evaluate_deeply_nested_line(tiny_model_dir, tmp_path, capsys):
    data = tmp_path / "test.jsonl"
    data.write_text(json.dumps(TRAIN_ROWS[0]) + "\n" + "[" * 100_000 + "\n", encoding="utf-8")
    assert main(["evaluate", "--model", str(tiny_model_dir), "--trust", "--data", str(data)]) == 1
    assert_one_line_error(capsys.readouterr().err, "evaluate", f"{data}:2: not valid JSON (nested too deeply)")


def test_train_with_a_malformed_extra_text_file(train_file, tmp_path, capsys):
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "round1_a0.jsonl").write_text(json.dumps(
        {"id": "m0", "topics": ["diplomacy"], "stance": "none", "annotator": "t", "round": 1}) + "\n")
    text = tmp_path / "more.jsonl"
    text.write_text('{"text": "no id here"}\n', encoding="utf-8")
    assert main(["train", "--data", str(train_file), "--out", str(tmp_path / "m"), "--topics", "auto", "--stances",
                 "auto", "--min-df", "1", "--extra-labels", str(labels), "--extra-text", str(text)]) == 1
    assert_one_line_error(capsys.readouterr().err, "train", f"{text}:1: 'id' must be a string, got None")


def test_version_short_option(capsys):
    assert main(["-V"]) == 0
    assert capsys.readouterr().out.strip() == f"stance {stance_version()}"


def stance_version() -> str:
    from stance import __version__

    return __version__


def test_streaming_options_without_jsonl_say_applies(article, capsys):
    assert main(["classify", str(article), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "--resume applies only to --jsonl input" in err
    assert main(["classify", str(article), "--resume", "--skip-errors"]) == 2
    assert "--resume, --skip-errors apply only to --jsonl input" in capsys.readouterr().err


def test_a_paragraph_over_the_limit_names_the_file_and_max_chars(tmp_path, capsys):
    long = tmp_path / "long.txt"
    long.write_text("Short one.\n\n" + "word " * 100, encoding="utf-8")
    assert main(["classify", str(long), "--max-chars", "100"]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify",
                          f"{long}: paragraph 2 has 499 characters, more than the limit of 100; split it, or raise "
                          "the limit with --max-chars N")
    assert main(["classify", str(long), "--max-chars", "1000"]) == 0
    assert main(["classify", str(long), "--max-chars", "0"]) == 2
    assert "expected a whole number of 1 or more, got '0'" in capsys.readouterr().err


# --------------------------------------------------------------------------- misread input


def test_a_jsonl_file_without_jsonl_is_a_usage_error(tmp_path, capsys):
    data = tmp_path / "corpus.jsonl"
    data.write_text(json.dumps({"text": "NATO must stop."}) + "\n", encoding="utf-8")
    assert main(["classify", str(data)]) == 2
    assert f"{data} is a JSON-lines file, but FILE arguments are read as prose: classify it with --jsonl {data}" \
        in capsys.readouterr().err


def test_json_lines_under_another_name_are_caught_by_content(tmp_path, capsys):
    data = tmp_path / "corpus.txt"
    data.write_text("".join(json.dumps({"id": i, "text": "NATO must stop."}) + "\n" for i in range(3)),
                    encoding="utf-8")
    assert main(["classify", str(data)]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify",
                          f"{data} looks like JSON lines (one object per line), not prose; classify it with --jsonl")


def test_target_on_a_model_without_targets_is_an_error(tiny_model_dir, article, tmp_path, capsys):
    assert main(["classify", str(article), "--model", str(tiny_model_dir), "--trust", "--target", "NATO"]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify",
                          "--target 'NATO' given, but the model")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "NATO must stop."}) + "\n", encoding="utf-8")
    for jobs in ("1", "2"):
        assert main(["classify", "--jsonl", str(src), "--model", str(tiny_model_dir), "--trust", "--target", "NATO",
                     "--jobs", jobs]) == 1
        assert "trained without targets and cannot use one" in capsys.readouterr().err


def test_non_english_input_is_flagged_with_one_warning_per_file(tiny_model_dir, tmp_path, capsys):
    russian = tmp_path / "ru.txt"
    russian.write_text("НАТО должно прекратить расширение на восток, заявили в Москве во вторник.\n\n"
                       "Переговоры в Женеве продолжались восемь часов и закончились без результата.\n",
                       encoding="utf-8")
    english = tmp_path / "en.txt"
    english.write_text("NATO must stop its eastward expansion toward Russian borders, Moscow said.\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["classify", str(russian), str(english), "--model", str(tiny_model_dir), "--trust",
                 "--format", "csv", "-o", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"stance: warning: {russian}: 2 of 2 paragraph(s) do not look like English, which the model "
                   "cannot read; they are marked \"language\": \"other\" with stance 'none' at low confidence"]
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [(r["language"], r["stance"]) for r in rows][:2] == [("other", "none"), ("other", "none")]
    assert rows[2]["language"] == "en"
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in russian.read_text(encoding="utf-8").split("\n\n")),
                   encoding="utf-8")
    assert main(["classify", "--jsonl", str(src), "--model", str(tiny_model_dir), "--trust", "-o",
                 str(tmp_path / "o.jsonl")]) == 0
    assert capsys.readouterr().err.count("do not look like English") == 1
    assert [json.loads(line)["language"] for line in (tmp_path / "o.jsonl").open()] == ["other", "other"]


# --------------------------------------------------------------------------- progress on a terminal


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_train_shows_its_stages_on_a_terminal(train_file, tmp_path, monkeypatch, capsys):
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["train", "--data", str(train_file), "--out", str(tmp_path / "m"), "--topics", "auto",
                 "--stances", "auto", "--min-df", "1", "--dev", str(train_file)]) == 0
    stages = [line.split("] ", 1)[1] for line in terminal.getvalue().splitlines()]
    assert stages[:4] == ["reading the training data", "reading the dev data",
                          "fitting the topic classifier (6 paragraphs)", "fitting the stance classifier"]
    assert "reading the dev data" in stages and "scoring the dev data" in stages
    assert stages[-2:] == [f"saving {tmp_path / 'm'}", "done"]
    assert all(line.startswith("stance train: [") for line in terminal.getvalue().splitlines())


def test_train_shows_nothing_when_stderr_is_not_a_terminal(train_file, tmp_path, capsys):
    assert main(["train", "--data", str(train_file), "--out", str(tmp_path / "m"), "--topics", "auto",
                 "--stances", "auto", "--min-df", "1"]) == 0
    assert capsys.readouterr().err == ""


def test_classify_files_shows_a_progress_bar_on_a_terminal(tiny_model_dir, article, tmp_path, monkeypatch):
    second = tmp_path / "second.txt"
    second.write_text(ARTICLE, encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out = tmp_path / "out.jsonl"
    assert main(["classify", str(article), str(second), "--model", str(tiny_model_dir), "--trust",
                 "-o", str(out)]) == 0
    final = terminal.getvalue().rstrip("\n").split("\r")[-1]
    assert final.startswith("100% [######################]")
    assert f" {2 * N_PARAGRAPHS} paragraphs " in final
    assert len(out.read_text(encoding="utf-8").splitlines()) == 2 * N_PARAGRAPHS


def test_report_shows_a_progress_bar_on_a_terminal(tiny_model_dir, tmp_path, monkeypatch, capsys):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"id": i, "text": r["text"]}) + "\n" for i, r in enumerate(TRAIN_ROWS)),
                   encoding="utf-8")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["report", str(src), "--out", str(tmp_path / "rep"), "--model", str(tiny_model_dir), "--trust",
                 "--batch-size", "2"]) == 0
    final = terminal.getvalue().rstrip("\n").split("\r")[-1]
    assert final.startswith("100% [######################]") and f" {len(TRAIN_ROWS)} paragraphs " in final


def test_a_damaged_model_file_is_checked_again_by_the_next_run(tiny_safe_model_dir, article, tmp_path, capsys):
    import shutil

    model_dir = tmp_path / "safe"
    shutil.copytree(tiny_safe_model_dir, model_dir)
    assert main(["classify", str(article), "--model", str(model_dir)]) == 0
    data = bytearray((model_dir / "topic.npz").read_bytes())
    data[100] ^= 0xFF
    (model_dir / "topic.npz").write_bytes(bytes(data))
    capsys.readouterr()
    assert main(["classify", str(article), "--model", str(model_dir)]) == 1
    assert_one_line_error(capsys.readouterr().err, "classify", "topic.npz does not match the sha256 in its manifest")


def test_report_refuses_to_write_over_its_input(tiny_model_dir, tmp_path, capsys):
    out = tmp_path / "rep"
    out.mkdir()
    src = out / "summary.csv"
    src.write_text(json.dumps({"text": "NATO must stop."}) + "\n", encoding="utf-8")
    before = src.read_bytes()
    assert main(["report", str(src), "--out", str(out), "--model", str(tiny_model_dir), "--trust"]) == 1
    assert_one_line_error(capsys.readouterr().err, "report", f"refusing to write {src} over the input file {src}")
    assert src.read_bytes() == before
    assert not (out / "report.html").exists()


def test_report_warns_once_about_text_that_is_not_english(tiny_model_dir, tmp_path, capsys):
    src = tmp_path / "corpus.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in [
        "НАТО должно прекратить расширение на восток, заявили в Москве во вторник.",
        "Переговоры в Женеве продолжались восемь часов и закончились без результата.",
        "NATO must stop its eastward expansion toward Russian borders, Moscow said."]), encoding="utf-8")
    assert main(["report", str(src), "--out", str(tmp_path / "rep"), "--model", str(tiny_model_dir), "--trust"]) == 0
    err = capsys.readouterr().err
    assert err.count("do not look like English") == 1 and f"{src}: 2 of 3 paragraph(s)" in err


def test_export_onto_itself_is_refused(tiny_safe_model_dir, tmp_path, capsys):
    import shutil

    model_dir = tmp_path / "safe"
    shutil.copytree(tiny_safe_model_dir, model_dir)
    before = {p.name: p.read_bytes() for p in model_dir.iterdir()}
    assert main(["export", "--model", str(model_dir), "--out", str(model_dir), "--force"]) == 1
    assert_one_line_error(capsys.readouterr().err, "export", f"refusing to export {model_dir} onto itself")
    assert {p.name: p.read_bytes() for p in model_dir.iterdir()} == before


def test_a_model_with_targets_needs_target(tmp_path, monkeypatch, article, capsys):
    from stance import training

    monkeypatch.setattr(training, "DEFAULT_STANCE_PARAMS", {**training.DEFAULT_STANCE_PARAMS,
                                                            "target_hash_features": 2**12})
    data = tmp_path / "t.jsonl"
    data.write_text("".join(json.dumps(dict(r, target="NATO" if i % 2 else "Russia")) + "\n"
                            for i, r in enumerate(TRAIN_ROWS)), encoding="utf-8")
    model_dir = tmp_path / "targets"
    training.train_model(data, model_dir, topics="auto", stances="auto", min_df=1)
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "NATO must stop."}) + "\n", encoding="utf-8")
    for argv in ([str(article)], ["--jsonl", str(src), "--skip-errors"], ["--jsonl", str(src), "--jobs", "2"]):
        assert main(["classify", *argv, "--model", str(model_dir), "--trust"]) == 1
        assert_one_line_error(capsys.readouterr().err, "classify",
                              f"the model {model_dir} was trained with targets: give the stance target with --target")
    assert main(["classify", str(article), "--model", str(model_dir), "--trust", "--target", "NATO"]) == 0


def test_train_with_word_vectors_stores_the_block(train_file, article, tmp_path, capsys):
    import stance
    from tests._vector_corpus import CORPUS

    vectors = tmp_path / "vectors"
    assert main(["embed", "--input", str(_write_lines(tmp_path / "corpus.txt", CORPUS)), "-o", str(vectors),
                 "--dim", "4", "--min-count", "1"]) == 0
    capsys.readouterr()
    out = tmp_path / "model"
    rc = main(["train", "--data", str(train_file), "--out", str(out), "--topics", "auto", "--stances", "auto",
               "--min-df", "1", "--word-vectors", str(vectors), "--word-vector-weight", "0.5", "--format", "safe"])
    assert rc == 0
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    files = manifest["parameters"]["word_vector_files"]
    assert sorted(files) == ["vectors.npz", "vocabulary.json"] and all(len(h) == 64 for h in files.values())
    assert manifest["parameters"]["stance_classifier"]["word_vector_weight"] == 0.5
    # the table is stored in the model: it classifies after the vector directory is gone
    for f in vectors.iterdir():
        f.unlink()
    vectors.rmdir()
    model = stance.load_model(out)
    assert model.stance_classifier.word_vectors_ is not None and model.topic_classifier.word_vectors_ is not None
    assert main(["classify", str(article), "--model", str(out), "--format", "jsonl"]) == 0
    assert '"stance"' in capsys.readouterr().out


def test_train_word_vector_errors(train_file, tmp_path, capsys):
    base = ["train", "--data", str(train_file), "--topics", "auto", "--stances", "auto", "--min-df", "1"]
    rc = main(base + ["--out", str(tmp_path / "m1"), "--word-vectors", str(tmp_path / "missing")])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", "is not a word-vector directory")
    assert not (tmp_path / "m1").exists()
    assert main(base + ["--out", str(tmp_path / "m2"), "--word-vector-weight", "-1"]) == 2
    assert "expected a number above 0, got '-1'" in capsys.readouterr().err
    rc = main(base + ["--out", str(tmp_path / "m3"), "--word-vector-weight", "2"])
    assert rc == 1
    assert_one_line_error(capsys.readouterr().err, "train", "'word_vector_weight' (2.0) needs 'word_vectors'")
    assert not (tmp_path / "m3").exists()


def _write_lines(path: Path, lines) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path
