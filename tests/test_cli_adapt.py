"""One whole labelling round from the command line on a tiny made-up corpus:
select -> label (driven through standard input) -> train -> compare -> agreement."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from stance.cli import main

#: The corpus the first model is trained on (source "wire").
BASE = [
    ("NATO must stop its eastward expansion toward Russian borders, Moscow said.", ["nato_expansion"], "favor"),
    ("The alliance's open door policy threatens Russia, the Kremlin warned.", ["nato_expansion"], "favor"),
    ("Ukraine has every right to choose its alliances and join NATO.", ["nato_expansion"], "against"),
    ("Finland's accession to NATO strengthens European security.", ["nato_expansion"], "against"),
    ("The European Union adopted a new package of sanctions against Russian banks.", ["sanctions"], "against"),
    ("Western sanctions are illegal and will only hurt Europe, Lavrov said.", ["sanctions"], "favor"),
    ("Washington froze the assets of several oligarchs under the new sanctions.", ["sanctions"], "none"),
    ("Diplomats met in Geneva for talks on the crisis.", ["diplomacy"], "none"),
    ("The foreign ministers held a phone call and agreed to continue talks.", ["diplomacy"], "none"),
    ("The city council approved a new budget for schools.", [], "none"),
]
#: The new corpus (source "blog"): a pool to label from, and its true labels (what the reader decides).
POOL = {
    "b1": ("Bloggers say the alliance keeps moving east despite promises.", ["nato_expansion"], "favor"),
    "b2": ("Sweden's membership bid was welcomed by the alliance.", ["nato_expansion"], "against"),
    "b3": ("Penalties on exporters were extended for another year.", ["sanctions"], "against"),
    "b4": ("Officials said the penalties harm ordinary Europeans more than Moscow.", ["sanctions"], "favor"),
    "b5": ("Envoys will meet again next week.", ["diplomacy"], "none"),
    "b6": ("A new bakery opened downtown.", [], "none"),
    "b7": ("Commentators argue expansion of the bloc provoked the crisis.", ["nato_expansion"], "favor"),
    "b8": ("The talks ended without a joint statement.", ["diplomacy"], "none"),
}
HELDOUT = [
    ("Bloggers insist the alliance broke its promise not to move east.", ["nato_expansion"], "favor"),
    ("New penalties on exporters were announced.", ["sanctions"], "against"),
    ("Envoys met again and agreed to talk next month.", ["diplomacy"], "none"),
    ("The football season starts on Saturday.", [], "none"),
]


def write(path: Path, rows) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


def answer_line(topics, stance, topic_order):
    return "".join(str(topic_order.index(t) + 1) for t in topics) + stance[0] + "\n"


@pytest.fixture
def corpus(tmp_path):
    base = write(tmp_path / "base.jsonl", [{"id": f"w{i}", "text": t, "topics": tp, "stance": s, "doc": f"w{i // 2}",
                                            "source": "wire"} for i, (t, tp, s) in enumerate(BASE)])
    pool = write(tmp_path / "pool.jsonl", [{"id": k, "text": t, "doc": k, "source": "blog"}
                                           for k, (t, _, _) in POOL.items()])
    heldout = write(tmp_path / "heldout.jsonl", [{"id": f"h{i}", "text": t, "topics": tp, "stance": s,
                                                  "source": "blog" if i < 2 else "blog2"}
                                                 for i, (t, tp, s) in enumerate(HELDOUT)])
    return tmp_path, base, pool, heldout


def test_a_whole_round_from_the_command_line(corpus, monkeypatch, capsys):
    tmp, base, pool, heldout = corpus
    train = ["--topics", "auto", "--stances", "auto", "--min-df", "1", "--format", "safe"]
    assert main(["train", "--data", str(base), "--out", str(tmp / "m0"), *train]) == 0

    # select: 5 of the pool, one paragraph already labelled in an earlier round is never chosen
    earlier = write(tmp / "earlier.jsonl", [{"id": "b6", "text": POOL["b6"][0], "topics": [], "stance": "none"}])
    assert main(["select", "--model", str(tmp / "m0"), "--pool", str(pool), "-n", "5", "--strategy", "mixed",
                 "--seed", "1", "--exclude-labels", str(earlier), "-o", str(tmp / "to_label.jsonl")]) == 0
    out = capsys.readouterr().out
    assert "5 paragraphs (random 1, uncertainty 4) of 8 in the pool, 1 labelled already" in out
    chosen = [json.loads(line) for line in open(tmp / "to_label.jsonl", encoding="utf-8")]
    assert len(chosen) == 5 and "b6" not in {r["id"] for r in chosen}

    # label: the reader answers through standard input; quits after two, resumes, takes one back
    topic_order = ["diplomacy", "nato_expansion", "sanctions"]  # the model's topics, sorted by --topics auto
    lines = [answer_line(POOL[r["id"]][1], POOL[r["id"]][2], topic_order) for r in chosen]
    monkeypatch.setattr("sys.stdin", io.StringIO(lines[0] + lines[1] + "q\n"))
    labels = tmp / "labels.jsonl"
    assert main(["label", str(tmp / "to_label.jsonl"), "-o", str(labels), "--model", str(tmp / "m0"),
                 "--annotator", "me"]) == 0
    assert "2 of 5 paragraphs have an answer" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("2a\nu\n" + "".join(lines[2:])))
    assert main(["label", str(tmp / "to_label.jsonl"), "-o", str(labels), "--model", str(tmp / "m0"),
                 "--annotator", "me"]) == 0
    shown = capsys.readouterr().out
    assert "resuming: 2 of 5" in shown and "5 of 5 paragraphs have an answer" in shown
    answers = [json.loads(line) for line in open(labels, encoding="utf-8")]
    assert [a["id"] for a in answers] == [r["id"] for r in chosen]
    assert all((a["topics"], a["stance"]) == POOL[a["id"]][1:] and a["annotator"] == "me" for a in answers)

    # train on the base corpus plus the new labels (same record shape), then compare on held-out paragraphs
    combined = tmp / "round1.jsonl"
    combined.write_text(base.read_text() + labels.read_text())
    assert main(["train", "--data", str(combined), "--out", str(tmp / "m1"), *train]) == 0
    capsys.readouterr()
    assert main(["compare", "--models", str(tmp / "m0"), str(tmp / "m1"), "--data", str(heldout), "--by", "source",
                 "--json", str(tmp / "compare.json")]) == 0
    text = capsys.readouterr().out
    report = json.loads((tmp / "compare.json").read_text())
    assert report["n"] == 4 and set(report["by"]["groups"]) == {"blog", "blog2"}
    assert report["models"] == {"a": str(tmp / "m0"), "b": str(tmp / "m1")}
    a, b = report["a"]["stance_macro_f1"], report["b"]["stance_macro_f1"]
    assert any(line.startswith("stance macro-F1") and f"{a:.3f}" in line and f"{b:.3f}" in line
               for line in text.splitlines())
    assert "by source" in text and f"stance changed on {report['changes']['stance_changed']} paragraphs" in text
    for entry in report["changed"]:
        assert entry["id"].startswith("h") and set(entry) >= {"truth", "a", "b", "stance", "topics"}

    # agreement: a second reader labels the same selection; one answer differs
    second_lines = list(lines)
    second_lines[0] = "n\n" if POOL[chosen[0]["id"]][2] != "none" else answer_line(["diplomacy"], "none", topic_order)
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(second_lines)))
    assert main(["label", str(tmp / "to_label.jsonl"), "-o", str(tmp / "second.jsonl"), "--model",
                 str(tmp / "m0")]) == 0
    capsys.readouterr()
    assert main(["agreement", str(labels), str(tmp / "second.jsonl"), "--json", str(tmp / "agree.json")]) == 0
    text = capsys.readouterr().out
    agree = json.loads((tmp / "agree.json").read_text())
    assert agree["n"] == 5 and agree["disagreements"] == [chosen[0]["id"]]
    assert agree["stance_agreement"] == 0.8 or agree["topic_set_exact_agreement"] == 0.8
    assert "Cohen's kappa" in text and "disagreements: 1" in text


def one_line_error(err: str, command: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"stance {command}: error: ") and fragment in lines[0], err


def test_errors_are_one_line(corpus, capsys):
    tmp, base, pool, heldout = corpus
    assert main(["select", "--pool", str(tmp / "missing.jsonl"), "-n", "3", "-o", str(tmp / "o.jsonl")]) == 1
    one_line_error(capsys.readouterr().err, "select", "pool not found")
    assert main(["select", "--pool", str(pool), "-n", "3", "-o", str(pool), "--strategy", "random"]) == 1
    one_line_error(capsys.readouterr().err, "select", "refusing to write the selection over the pool")
    assert main(["select", "--pool", str(pool), "-n", "3", "-o", str(tmp / "o.jsonl"), "--random-share", "0.5"]) == 1
    one_line_error(capsys.readouterr().err, "select", "--random-share applies to --strategy mixed only")
    assert main(["select", "--pool", str(pool), "-n", "0", "-o", str(tmp / "o.jsonl")]) == 2
    assert "expected a whole number of 1 or more, got '0'" in capsys.readouterr().err
    assert not (tmp / "o.jsonl").exists()
    assert main(["label", str(pool), "-o", str(tmp / "l.jsonl"), "--show-prediction"]) == 1
    one_line_error(capsys.readouterr().err, "label", "--show-prediction needs --model DIR")
    assert main(["label", str(pool), "-o", str(pool)]) == 1
    one_line_error(capsys.readouterr().err, "label", "refusing to write answers into the input file")
    assert main(["compare", "--models", str(tmp / "nope"), str(tmp / "nope"), "--data", str(heldout)]) == 1
    one_line_error(capsys.readouterr().err, "compare", "nope")
    assert main(["agreement", str(base), str(heldout)]) == 1
    one_line_error(capsys.readouterr().err, "agreement", "no paragraph was labelled by both passes")


def test_random_selection_needs_no_model_and_writes_atomically(corpus, capsys):
    tmp, _, pool, _ = corpus
    out = tmp / "sel.jsonl"
    out.write_text("previous\n")
    assert main(["select", "--pool", str(pool), "-n", "20", "--strategy", "random", "--by", "source", "-o",
                 str(out)]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out and "by source: blog 8" in captured.out
    assert "20 asked, only 8 could be chosen" in captured.err
    assert len(out.read_text().splitlines()) == 8


def test_a_killed_labelling_session_keeps_every_answer_given(corpus, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    _, _, pool, _ = corpus
    labels = tmp_path / "killed.jsonl"
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen([sys.executable, "-m", "stance", "label", str(pool), "-o", str(labels)],
                            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        proc.stdin.write(b"2f\n3a\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (not labels.exists() or labels.read_text().count("\n") < 2):
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)  # in the middle of the session, waiting for the third answer
    finally:
        proc.wait()
    assert [(r["id"], r["stance"]) for r in map(json.loads, labels.read_text().splitlines())] == \
        [("b1", "favor"), ("b2", "against")]
    # the next session resumes with the third paragraph
    from stance.adapt.labelling import label_records
    from stance.adapt.records import read_pool
    from stance.datasets import DOMAIN_STANCES, DOMAIN_TOPICS

    out = io.StringIO()
    summary = label_records(read_pool(pool), labels, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES,
                            input=io.StringIO("q\n"), output=out)
    assert "[3/8]  id b3" in out.getvalue() and summary.done == 2


def test_help_defaults_mirror_the_library():
    from stance.adapt.compare import DEFAULT_MAX_CHANGED
    from stance.adapt.selection import DEFAULT_RANDOM_SHARE
    from stance.cli import commands as cli

    assert cli._RANDOM_SHARE == DEFAULT_RANDOM_SHARE and cli._SHOW_CHANGED == DEFAULT_MAX_CHANGED
