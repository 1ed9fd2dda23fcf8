"""Tests of article summaries (Document.summary) and corpus reports (stance.batch.report, ``stance report``)."""

from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import stance
from stance.model.stance_model import ArticleSummary, Document, ParagraphResult
from stance.cli.commands import main
from stance.batch.report import CSV_FIELDS, MISSING, _month, build_report

#: Made-up paragraphs with metadata (no text from ../shared/data).
ROWS = [
    {"id": "p1", "outlet": "Daily A", "date": "2022-01-05",
     "text": "NATO must stop its eastward expansion toward Russian borders, Moscow said."},
    {"id": "p2", "outlet": "Daily A", "date": "2022-01-20",
     "text": "Ukraine has every right to choose its alliances and join NATO, the alliance said."},
    {"id": "p3", "outlet": "Daily A", "date": "2022-02",
     "text": "The European Union adopted a new package of sanctions against Russian banks."},
    {"id": "p4", "outlet": "Weekly B", "date": "2022-02-11",
     "text": "Western sanctions are illegal and will only hurt Europe, Lavrov said."},
    {"id": "p5", "outlet": "Weekly B", "date": "2022-02-14",
     "text": "Diplomats met in Geneva for talks on security guarantees."},
    {"id": "p6", "outlet": "Weekly B",
     "text": "Russia proposed a moratorium on intermediate-range missiles in Europe."},
    {"id": "p7", "date": "2022-03-01",
     "text": "Russian troops held large military exercises near the border with Ukraine."},
    {"outlet": "Daily A", "date": "not a date",
     "text": "The foreign ministers held a phone call and agreed to continue talks."},
]


@pytest.fixture(scope="module")
def default_model():
    return stance.load_model()


@pytest.fixture
def corpus(tmp_path) -> Path:
    path = tmp_path / "corpus.jsonl"
    with open(path, "w", encoding="utf-8") as fh:
        for row in ROWS:
            fh.write(json.dumps(row) + "\n")
        fh.write("\n")  # a blank line is skipped
    return path


def read_csv(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        assert tuple(reader.fieldnames) == CSV_FIELDS
        return list(reader)


def expected_counts(model, key):
    """(n, topic Counter, stance Counter) per group, computed paragraph by paragraph."""
    results = model.classify([r["text"] for r in ROWS])
    out: dict = {}
    for row, res in zip(ROWS, results):
        group = key(row)
        if group is None:
            continue
        n, topics, stances = out.get(group, (0, Counter(), Counter()))
        topics.update(res.topics)
        stances[res.stance] += 1
        out[group] = (n + 1, topics, stances)
    return out


def csv_counts(rows, section_prefix, dimension):
    got: dict = {}
    for r in rows:
        if r["dimension"] != dimension or r["section"] not in (f"{section_prefix}topic", f"{section_prefix}stance"):
            continue
        n, topics, stances = got.get(r["group"], (int(r["n"]), Counter(), Counter()))
        assert int(r["n"]) == n
        count = int(r["count"])
        assert float(r["share"]) == pytest.approx(round(count / n, 4))
        if count:
            (topics if r["section"].endswith("topic") else stances)[r["label"]] += count
        got[r["group"]] = (n, topics, stances)
    return got


# --------------------------------------------------------------------------- corpus report


def test_report_numbers_match_per_paragraph_results(default_model, corpus, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["report", str(corpus), "--out", str(out), "--by", "outlet", "--by", "month"]) == 0
    stdout, err = capsys.readouterr()
    assert err == ""
    assert "8 paragraphs" in stdout
    assert sorted(os.listdir(out)) == ["report.html", "summary.csv"]  # no temporary file left behind
    rows = read_csv(out / "summary.csv")

    assert csv_counts(rows, "", "all") == expected_counts(default_model, lambda r: "all")
    assert csv_counts(rows, "", "outlet") == expected_counts(default_model, lambda r: r.get("outlet", MISSING))
    by_month = expected_counts(default_model, lambda r: r.get("date", "")[:7] if r.get("date", "")[:1] == "2" else MISSING)
    assert csv_counts(rows, "", "month") == by_month
    assert set(by_month) == {"2022-01", "2022-02", "2022-03", MISSING}
    # the time series leaves undated paragraphs out
    series = {m: v for m, v in by_month.items() if m != MISSING}
    assert csv_counts(rows, "month_", "month") == series
    assert [m for m in dict.fromkeys(r["group"] for r in rows if r["section"] == "month_stance")] == sorted(series)

    # the most confident paragraphs per topic x stance cell: ids from the input, best first
    results = default_model.classify([r["text"] for r in ROWS])
    ids = [r.get("id", f"line {i}") for i, r in enumerate(ROWS, 1)]
    cells: dict = {}
    for rid, res in zip(ids, results):
        for t in res.topics:
            conf = round(res.stance_scores[res.stance] * res.topic_scores[t], 4)
            cells.setdefault(f"{t}/{res.stance}", []).append((conf, rid))
    got: dict = {}
    for r in rows:
        if r["section"] == "paragraph":
            got.setdefault(r["group"], []).append((float(r["value"]), r["label"]))
    assert set(got) == set(cells)
    for cell, items in got.items():
        assert items == sorted(cells[cell], key=lambda x: -x[0])[:3]

    # evidence terms: per topic and per stance, heaviest first
    terms = [r for r in rows if r["section"] == "term"]
    assert {r["dimension"] for r in terms} <= {"topic", "stance"}
    assert {r["group"] for r in terms if r["dimension"] == "stance"} == {res.stance for res in results}
    for label in {r["group"] for r in terms}:
        weights = [float(r["value"]) for r in terms if r["group"] == label]
        assert weights == sorted(weights, reverse=True)

    page = (out / "report.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 5
    assert "Daily A" in page and "Weekly B" in page and "2022-02" in page
    assert "Russian banks" in page  # paragraph text of the confident-paragraphs table
    for external in ("<script", "src=", "href=", "@import", "url(", "<link"):
        assert external not in page


def test_report_hide_text_and_year(default_model, corpus, tmp_path):
    out = tmp_path / "out"
    rep = build_report(corpus, out, by=["year"], model=default_model, hide_text=True)
    assert rep.n == len(ROWS)
    assert {k: v[0] for k, v in rep.groups["year"].items()} == {"2022": 6, MISSING: 2}
    page = (out / "report.html").read_text(encoding="utf-8")
    for row in ROWS:
        assert row["text"] not in page
        assert row["text"][:40] not in page
    assert "p1" in page or "p3" in page  # ids are still shown


def test_report_replaces_existing_files(default_model, corpus, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.html").write_text("old")
    (out / "summary.csv").write_text("old")
    build_report(corpus, out, model=default_model)
    assert (out / "report.html").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert read_csv(out / "summary.csv")
    assert sorted(os.listdir(out)) == ["report.html", "summary.csv"]


@pytest.mark.parametrize(("value", "month"), [
    ("2022-01-05", "2022-01"), ("2022-01", "2022-01"), ("2022-01-05T10:00:00Z", "2022-01"),
    ("2022-13-01", None), ("2022-1-5", None), ("January 2022", None), (20220105, None), (None, None),
])
def test_month_parsing(value, month):
    assert _month(value) == month


def assert_one_line_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("stance report: error: "), err
    assert fragment in lines[0]
    assert "Traceback" not in err


def test_cli_missing_file(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "out")]) == 1
    assert_one_line_error(capsys.readouterr().err, "nope.jsonl")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(("line", "fragment"), [
    ("{not json", "not valid JSON"),
    ('{"id": "x"}', "missing field 'text'"),
    ('["a list"]', "expected a JSON object"),
])
def test_cli_malformed_line(tmp_path, capsys, line, fragment):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ROWS[0]) + "\n" + json.dumps(ROWS[1]) + "\n" + line + "\n", encoding="utf-8")
    out = tmp_path / "out"
    assert main(["report", str(path), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert_one_line_error(err, fragment)
    assert "bad.jsonl:3:" in err
    assert not (out / "report.html").exists() and not (out / "summary.csv").exists()


def test_cli_out_is_a_file(corpus, tmp_path, capsys):
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["report", str(corpus), "--out", str(target)]) == 1
    assert_one_line_error(capsys.readouterr().err, "not a directory")


# --------------------------------------------------------------------------- article summary


def para(index, stance_label, confidence, topics=()):
    others = {s: round((1 - confidence) / 2, 4) for s in ("favor", "against", "none") if s != stance_label}
    return ParagraphResult(index=index, text=f"paragraph {index}", topics=list(topics),
                           topic_scores={t: 0.9 for t in topics}, stance=stance_label,
                           stance_scores={stance_label: confidence, **others})


def test_summary_weighs_stances_by_confidence():
    doc = Document([
        para(0, "favor", 0.6, ["nato_expansion"]),
        para(1, "against", 0.95, ["nato_expansion", "sanctions"]),
        para(2, "favor", 0.55, ["security_guarantees"]),
        para(3, "none", 0.99),
        para(4, "none", 0.98, ["nato_expansion"]),
    ])
    s = doc.summary()
    assert isinstance(s, ArticleSummary)
    # favor 0.6 + 0.55 = 1.15 beats against 0.95 although "against" has the most confident paragraph,
    # and the two "none" paragraphs (1.97) do not outvote them
    assert s.stance == "favor"
    assert s.stance_weights == {"favor": 1.15, "against": 0.95, "none": 1.97}
    # the confidence counts the neutral paragraphs' weight too: (1.15) / (1.15 + 0.95 + 1.97)
    assert s.confidence == pytest.approx(round(1.15 / 4.07, 4))
    assert s.paragraphs == (0, 2)  # most confident first
    assert s.n_paragraphs == 5
    assert s.topic_shares == {"nato_expansion": 0.6, "sanctions": 0.2, "security_guarantees": 0.2}
    assert list(s.topic_shares)[0] == "nato_expansion"
    with pytest.raises(AttributeError):
        s.stance = "against"  # frozen
    assert json.loads(json.dumps(s.to_dict()))["paragraphs"] == [0, 2]


def test_summary_confidence_beats_count():
    doc = Document([para(0, "favor", 0.4), para(1, "favor", 0.4), para(2, "against", 0.9), para(3, "none", 0.5)])
    s = doc.summary()
    assert (s.stance, s.paragraphs) == ("against", (2,))
    assert s.confidence == pytest.approx(round(0.9 / 2.2, 4))


def test_summary_confidence_falls_with_neutral_paragraphs():
    sided = [para(0, "favor", 0.8)]
    alone = Document(sided).summary()
    among_neutral = Document(sided + [para(i, "none", 0.95) for i in range(1, 5)]).summary()
    assert alone.stance == among_neutral.stance == "favor"
    assert alone.confidence == 1.0
    assert among_neutral.confidence == pytest.approx(round(0.8 / (0.8 + 4 * 0.95), 4))


@pytest.mark.parametrize("paragraphs", [
    [],
    [para(0, "none", 0.9), para(1, "none", 0.8)],
    [para(0, "favor", 0.7), para(1, "against", 0.7), para(2, "none", 0.9)],  # a tie
])
def test_summary_without_a_prevailing_side_is_none(paragraphs):
    s = Document(paragraphs).summary()
    assert (s.stance, s.confidence, s.paragraphs) == ("none", 0.0, ())
    assert s.n_paragraphs == len(paragraphs)


def test_analyze_summary(default_model):
    text = "\n\n".join(r["text"] for r in ROWS[:5])
    doc = stance.analyze(text, model=default_model)
    s = doc.summary()
    assert s.n_paragraphs == len(doc) == 5
    assert set(s.topic_shares) == {t for p in doc for t in p.topics}
    assert all(doc[i].stance == s.stance for i in s.paragraphs)


# --------------------------------------------------------------------------- rendering in a browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return "/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None


def test_report_renders_in_headless_chromium(default_model, corpus, tmp_path):
    browser = _chromium()
    if browser is None:
        pytest.skip("headless Chromium not found: install chromium "
                    "(.ci/run installs Debian's package when run as root with apt-get)")
    out = tmp_path / "out"
    build_report(corpus, out, by=["outlet", "month"], model=default_model)
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run",
             f"--user-data-dir={tmp_path / 'profile'}"]
    url = (out / "report.html").as_uri()
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "Stance report" in dom.stdout
    assert dom.stdout.count("<svg") >= 5
    assert "<rect" in dom.stdout
    png = tmp_path / "shot.png"
    shot = subprocess.run([*flags, f"--screenshot={png}", "--window-size=1200,1600", url],
                          capture_output=True, text=True, timeout=120)
    assert shot.returncode == 0, shot.stderr[-2000:]
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
