"""Corpus reports (``stance report``): topic shares and stances by group and by month, as HTML and CSV.

The input is JSON lines, one paragraph per line with a string ``text`` and
optional metadata: ``id``, ``date`` (``YYYY-MM-DD`` or ``YYYY-MM``; a time
after the day is ignored), and any field to group by (``outlet``, ``bias``, ...).
It is read and classified in batches, and only counts and a few top
paragraphs per cell are kept, so memory stays flat whatever the input size.

:func:`build_report` writes two files into the output directory, each
atomically (a temporary file beside it, then :func:`os.replace`):

``report.html``
    One self-contained page (inline CSS, charts as inline SVG; no script, no
    external resource, and a Content-Security-Policy that forbids loading any):
    the overall topic shares and stance distribution, the same per group of each
    ``by`` field, paragraphs and stances per month, the evidence terms that
    weigh most per topic and per stance, and the most confident paragraphs of
    each topic x stance cell with their ids.
``summary.csv``
    The same numbers as tidy rows: ``section, dimension, group, label, n, count, share, value``
    (see :data:`CSV_FIELDS`).

Grouping: ``by`` names are record fields, except ``month`` and ``year``, which
come from ``date``. A record without the field (or with an unreadable date)
falls in the group ``(missing)``. Every report also has the group ``all``.

Examples
--------
>>> import json, os, tempfile
>>> from stance.batch.report import build_report
>>> tmp = tempfile.TemporaryDirectory()
>>> src = os.path.join(tmp.name, "in.jsonl")
>>> with open(src, "w") as fh:
...     _ = fh.write(json.dumps({"id": "a", "text": "NATO must stop its expansion.", "date": "2022-01-05"}) + "\\n")
...     _ = fh.write(json.dumps({"id": "b", "text": "Talks went on.", "date": "2022-02"}) + "\\n")
>>> rep = build_report(src, os.path.join(tmp.name, "out"), by=["month"])
>>> rep.n, sorted(rep.groups["month"])
(2, ['2022-01', '2022-02'])
>>> sorted(os.listdir(os.path.join(tmp.name, "out")))
['report.html', 'summary.csv']
>>> tmp.cleanup()
"""

from __future__ import annotations

import csv
import heapq
import html
import io
import os
import re
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..io.files import remove_stale_temps, same_file, write_text
from .._version import __version__
from ..exceptions import DataError, DataRootNotFoundError
from ..text.language import NOT_ENGLISH
from ..text.processing import DEFAULT_MAX_PARAGRAPH_CHARS

__all__ = ["CSV_FIELDS", "DEFAULT_REPORT_BATCH_SIZE", "Report", "build_report"]

#: Paragraphs read and classified together.
DEFAULT_REPORT_BATCH_SIZE = 2000
#: Columns of ``summary.csv``.
CSV_FIELDS = ("section", "dimension", "group", "label", "n", "count", "share", "value")
#: Group of records without the grouping field (or without a readable date).
MISSING = "(missing)"
#: Paragraphs kept per topic x stance cell.
DEFAULT_TOP_PARAGRAPHS = 3
#: Evidence terms reported per topic and per stance.
DEFAULT_TOP_TERMS = 8
_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2})(?:[T ].*)?)?$")
_DERIVED = ("month", "year")
_MAX_GROUP_CHARS = 80
_SNIPPET_CHARS = 300
_MAX_GROUPS_SHOWN = 30


@dataclass
class _Counts:
    n: int = 0
    topics: list = field(default_factory=list)
    stances: list = field(default_factory=list)


@dataclass
class Report:
    """The numbers behind one report (what :func:`build_report` returns).

    Attributes
    ----------
    n : int
        Paragraphs read.
    topics, stances : list of str
        The model's labels, in its order.
    by : list of str
        Grouping fields.
    groups : dict
        ``groups[dimension][group]`` is a ``(n, topic counts, stance counts)``
        triple (counts as lists in label order); ``groups["all"]["all"]`` is the corpus.
    months : dict
        The same per month (``YYYY-MM``) of ``date``, for the time series.
    terms : dict
        ``terms[label]`` is a list of ``(term, summed weight, paragraphs)``, heaviest
        first, for each topic and each ``stance:LABEL``.
    top : dict
        ``top[(topic, stance)]`` is a list of ``(confidence, id, group values, text)``,
        most confident first.
    seconds : float
    not_english : int
        Paragraphs whose text is not English (``language == "other"``: stance ``none``).
    """

    n: int
    topics: list
    stances: list
    by: list
    groups: dict
    months: dict
    terms: dict
    top: dict
    seconds: float = 0.0
    not_english: int = 0


def build_report(
    input: str | os.PathLike,
    out_dir: str | os.PathLike,
    *,
    by: Sequence[str] = (),
    model=None,
    trusted: bool = False,
    batch_size: int = DEFAULT_REPORT_BATCH_SIZE,
    top_paragraphs: int = DEFAULT_TOP_PARAGRAPHS,
    top_terms: int = DEFAULT_TOP_TERMS,
    hide_text: bool = False,
    title: str | None = None,
    max_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS,
    progress: bool | None = False,
) -> Report:
    """Classify a JSON-lines corpus and write ``report.html`` and ``summary.csv`` into ``out_dir``.

    Parameters
    ----------
    input : path-like
        JSON lines with a string ``text`` and optional ``id``, ``date`` and grouping fields.
    out_dir : path-like
        Created if needed; the two files in it are replaced atomically.
    by : sequence of str, default=()
        Fields to group by; ``month`` and ``year`` are taken from ``date``.
    model : StanceModel, path-like or None, default=None
        ``None`` uses the shipped model.
    trusted : bool, default=False
        Allow a joblib model from outside the shipped models.
    batch_size : int, default=2000
    top_paragraphs : int, default=3
        Most confident paragraphs kept per topic x stance cell.
    top_terms : int, default=8
        Evidence terms reported per topic and per stance.
    hide_text : bool, default=False
        Leave paragraph text out of the HTML page (ids only), e.g. for a screenshot.
    title : str or None, default=None
        Page title (default: the input's file name).
    max_chars : int or None, default=DEFAULT_MAX_PARAGRAPH_CHARS
        Longest accepted ``text`` (CLI: ``--max-chars``).
    progress : bool or None, default=False
        Draw a progress bar on standard error; ``None``: when it is a terminal.

    Returns
    -------
    Report

    Raises
    ------
    DataRootNotFoundError
        If ``input`` is not a file.
    DataError
        On a malformed line (named ``file:line``); nothing is written then.
    """
    from ..model.stance_model import StanceModel
    from ..io.persistence import load_model, require_stance_model
    from ..batch.stream import ProgressBar, batched, isatty, LineReader, parse_line

    for name, value, minimum in (("batch_size", batch_size, 1), ("top_paragraphs", top_paragraphs, 0),
                                 ("top_terms", top_terms, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ValueError(f"{name!r} must be an int >= {minimum}, got {value!r}")
    by = list(dict.fromkeys(str(b) for b in by))
    for b in by:
        if not b or b == "all":
            raise ValueError(f"cannot group by {b!r}")
    path = Path(input)
    if not path.is_file():
        raise DataRootNotFoundError(f"input not found: {input} is not a file")
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"--out {out_dir} exists and is not a directory")
    for name in ("summary.csv", "report.html"):
        if same_file(path, out_dir / name):
            raise ValueError(f"refusing to write {out_dir / name} over the input file {input}: give another --out")
        remove_stale_temps(out_dir / name)
    mdl = model if isinstance(model, StanceModel) else load_model(model, trusted=trusted)
    require_stance_model(mdl, model)
    topics, stances = mdl.topics, mdl.stances
    t_index = {t: i for i, t in enumerate(topics)}
    s_index = {s: i for i, s in enumerate(stances)}

    start = time.monotonic()
    groups: dict[str, dict[str, _Counts]] = {"all": {}, **{b: {} for b in by}}
    months: dict[str, _Counts] = {}
    terms: dict[str, dict[str, list]] = {}
    heaps: dict[tuple[str, str], list] = {}
    seq = 0
    n = not_english = 0

    def bump(table: dict, key: str, tis, si) -> None:
        c = table.get(key)
        if c is None:
            c = table[key] = _Counts(0, [0] * len(topics), [0] * len(stances))
        c.n += 1
        for ti in tis:
            c.topics[ti] += 1
        c.stances[si] += 1

    if progress is None:
        progress = isatty(sys.stderr)
    with open(path, "rb") as fh:
        total = os.fstat(fh.fileno()).st_size
        reader = LineReader(fh)
        bar = ProgressBar(sys.stderr, total=total) if progress else None
        for items in batched(reader, batch_size):
            records = []
            for lineno, raw in items:
                try:
                    obj, error = parse_line(lineno, raw, max_chars)
                except Exception as exc:  # noqa: BLE001 - any failure is this line's error
                    obj, error = None, f"cannot read the line ({type(exc).__name__}: {exc})"
                if error is not None:
                    if bar is not None:
                        bar.close()
                    raise DataError(f"{path}:{lineno}: {error}")
                records.append((lineno, obj))
            results = mdl.classify([obj["text"] for _, obj in records], max_chars=max_chars)
            if bar is not None:
                bar.update(n + len(records), reader.position)
            for (lineno, obj), res in zip(records, results):
                n += 1
                not_english += res.language == NOT_ENGLISH
                tis = [t_index[t] for t in res.topics]
                si = s_index[res.stance]
                month = _month(obj.get("date"))
                keys = {"all": "all"}
                for b in by:
                    keys[b] = _group_value(obj, b, month)
                for dim, key in keys.items():
                    bump(groups[dim], key, tis, si)
                if month is not None:
                    bump(months, month, tis, si)
                for ev in res.evidence:
                    entry = terms.setdefault(ev.label, {}).setdefault(ev.term, [0.0, 0])
                    entry[0] += ev.weight
                    entry[1] += 1
                if top_paragraphs:
                    conf_s = res.stance_scores[res.stance]
                    for t in res.topics:
                        conf = round(conf_s * res.topic_scores[t], 4)
                        heap = heaps.setdefault((t, res.stance), [])
                        seq += 1
                        item = (conf, -seq, _record_id(obj, lineno), {b: keys[b] for b in by},
                                obj["text"][:_SNIPPET_CHARS])
                        if len(heap) < top_paragraphs:
                            heapq.heappush(heap, item)
                        elif item[:2] > heap[0][:2]:
                            heapq.heapreplace(heap, item)

        if bar is not None:
            bar.update(n, reader.position, force=True)
            bar.close()
    top = {cell: [(c, rid, g, text) for c, _, rid, g, text in sorted(h, key=lambda x: x[:2], reverse=True)]
           for cell, h in heaps.items()}
    term_lists = {}
    for label, table in terms.items():
        ranked = sorted(table.items(), key=lambda kv: (-kv[1][0], kv[0]))[:top_terms]
        term_lists[label] = [(term, round(w, 4), cnt) for term, (w, cnt) in ranked]

    def freeze(table):
        return {k: (c.n, c.topics, c.stances) for k, c in table.items()}

    report = Report(
        n=n, topics=list(topics), stances=list(stances), by=by,
        groups={dim: freeze(table) for dim, table in groups.items()},
        months=dict(sorted(freeze(months).items())),
        terms=term_lists, top=top,
    )
    report.seconds = round(time.monotonic() - start, 3)
    report.not_english = not_english
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text(out_dir / "summary.csv", render_csv(report))
    write_text(out_dir / "report.html", render_html(report, title=title or path.name, hide_text=hide_text))
    return report


# --------------------------------------------------------------------------- reading helpers


def _month(value) -> str | None:
    """``YYYY-MM`` of a ``YYYY-MM-DD`` / ``YYYY-MM`` date string, else ``None``."""
    if not isinstance(value, str):
        return None
    m = _DATE.match(value.strip())
    if m is None or not 1 <= int(m.group(2)) <= 12:
        return None
    if m.group(3) is not None and not 1 <= int(m.group(3)) <= 31:
        return None
    return f"{m.group(1)}-{m.group(2)}"


def _group_value(obj: dict, dim: str, month: str | None) -> str:
    if dim == "month":
        return month or MISSING
    if dim == "year":
        return month[:4] if month else MISSING
    value = obj.get(dim)
    if value is None or value == "" or isinstance(value, (dict, list)):
        return MISSING
    return str(value).strip()[:_MAX_GROUP_CHARS] or MISSING


def _record_id(obj: dict, lineno: int) -> str:
    value = obj.get("id")
    if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value):
        return str(value)[:_MAX_GROUP_CHARS]
    return f"line {lineno}"


# --------------------------------------------------------------------------- CSV


def render_csv(report: Report) -> str:
    """``summary.csv``: one row per number.

    ``section`` is ``topic`` or ``stance`` (``dimension``/``group``: a grouping
    field and its value, ``all``/``all`` for the corpus; ``n`` paragraphs in the
    group, ``count`` of them with the ``label``, ``share`` = count / n),
    ``month_topic`` and ``month_stance`` (the time series, ``group`` = ``YYYY-MM``),
    ``term`` (``dimension`` = ``topic`` or ``stance``, ``group`` = the label,
    ``label`` = the term, ``count`` = paragraphs it was evidence for, ``value`` =
    its summed weight) and ``paragraph`` (``group`` = ``TOPIC/STANCE``,
    ``label`` = the paragraph id, ``value`` = its confidence).
    """
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_FIELDS)

    def counts(section_prefix, dim, table):
        for group, (n, tcounts, scounts) in table.items():
            for label, c in zip(report.topics, tcounts):
                w.writerow([f"{section_prefix}topic", dim, group, label, n, c, _share(c, n), ""])
            for label, c in zip(report.stances, scounts):
                w.writerow([f"{section_prefix}stance", dim, group, label, n, c, _share(c, n), ""])

    for dim, table in report.groups.items():
        counts("", dim, _ordered(table))
    counts("month_", "month", report.months)
    for label, items in report.terms.items():
        kind, name = ("stance", label[7:]) if label.startswith("stance:") else ("topic", label)
        for term, weight, cnt in items:
            w.writerow(["term", kind, name, term, "", cnt, "", weight])
    for (topic, stance), items in sorted(report.top.items()):
        for conf, rid, _, _ in items:
            w.writerow(["paragraph", "cell", f"{topic}/{stance}", rid, "", "", "", conf])
    return buf.getvalue()


def _share(c: int, n: int) -> float:
    return round(c / n, 4) if n else 0.0


def _ordered(table: dict) -> dict:
    """Groups largest first (months and years in time order), ``(missing)`` last."""
    keys = list(table)
    if keys and all(_DATE_KEY.match(k) for k in keys if k != MISSING):
        keys.sort(key=lambda k: (k == MISSING, k))
    else:
        keys.sort(key=lambda k: (k == MISSING, -table[k][0], k))
    return {k: table[k] for k in keys}


_DATE_KEY = re.compile(r"^\d{4}(-\d{2})?$")


# --------------------------------------------------------------------------- HTML

_STANCE_COLORS = {"favor": "#c2452d", "against": "#2f6db5", "none": "#a3a3a3"}
_PALETTE = ("#7b5ea7", "#3a9a6a", "#d08b1f", "#5b8fa8", "#b5517a", "#6b6b2f")
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#222;
margin:0 auto;max-width:1100px;padding:16px 24px;background:#fff}
h1{font-size:22px;margin:8px 0 2px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd;padding-bottom:3px}
h3{font-size:14px;margin:16px 0 6px}.meta{color:#666;font-size:12px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:12.5px}
th,td{border:1px solid #e2e2e2;padding:3px 7px;text-align:left;vertical-align:top}
th{background:#f5f5f5}td.num{text-align:right;font-variant-numeric:tabular-nums}
.grid{display:flex;flex-wrap:wrap;gap:18px}.grid>div{flex:1 1 420px;min-width:320px}
svg{display:block;max-width:100%;height:auto}svg text{font:11px system-ui,sans-serif;fill:#333}
.legend span{display:inline-block;margin-right:12px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.text{max-width:560px;color:#333}.id{font-family:ui-monospace,monospace;font-size:11.5px}
"""


def _esc(value) -> str:
    return html.escape(str(value), quote=True)


def _stance_colors(stances) -> dict:
    out, k = {}, 0
    for s in stances:
        if s in _STANCE_COLORS:
            out[s] = _STANCE_COLORS[s]
        else:
            out[s] = _PALETTE[k % len(_PALETTE)]
            k += 1
    return out


def _legend(colors: dict) -> str:
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{c}"></i>{_esc(label)}</span>' for label, c in colors.items()) + "</div>"


def _clip(label: str, n: int = 28) -> str:
    return label if len(label) <= n else label[: n - 1] + "…"


def svg_bars(rows: Sequence[tuple[str, float, str]], *, color: str = "#4f7cac", width: int = 520,
             max_value: float | None = None) -> str:
    """Horizontal bars: ``rows`` of ``(label, value, value text)``."""
    bar_h, gap, left, right = 16, 6, 170, 110
    height = len(rows) * (bar_h + gap) + gap
    top = max_value if max_value is not None else max([v for _, v, _ in rows] + [1e-9])
    inner = width - left - right
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (label, value, text) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = 0 if top <= 0 else max(0.0, value / top * inner)
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{_esc(_clip(label))}</text>'
                     f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
                     f'<title>{_esc(label)}: {_esc(text)}</title></rect>'
                     f'<text x="{left + w + 4:.1f}" y="{y + 12}">{_esc(text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_stacked(rows: Sequence[tuple[str, int, Sequence[int]]], labels: Sequence[str], colors: dict,
                *, width: int = 620) -> str:
    """100% stacked horizontal bars: ``rows`` of ``(group, n, counts per label)``."""
    bar_h, gap, left, right = 16, 6, 170, 56
    height = len(rows) * (bar_h + gap) + gap
    inner = width - left - right
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for i, (group, n, counts) in enumerate(rows):
        y = gap + i * (bar_h + gap)
        parts.append(f'<text x="{left - 6}" y="{y + 12}" text-anchor="end">{_esc(_clip(group))}</text>')
        x = float(left)
        for label, c in zip(labels, counts):
            w = inner * c / n if n else 0
            if w > 0:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{colors[label]}">'
                             f'<title>{_esc(group)} / {_esc(label)}: {c} of {n} ({100 * c / n:.1f}%)</title></rect>')
            x += w
        parts.append(f'<text x="{left + inner + 4}" y="{y + 12}">{n:,}</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_heatmap(groups: Sequence[str], labels: Sequence[str], shares: Sequence[Sequence[float]],
                *, width: int = 620) -> str:
    """Shares (0..1) of ``labels`` (columns) per group (rows), shaded, with the percentage written in."""
    left, top, cell_h = 170, 84, 20
    cell_w = max(40, (width - left) // max(len(labels), 1))
    width = left + cell_w * len(labels) + 4
    height = top + cell_h * len(groups) + 4
    peak = max([v for row in shares for v in row] + [1e-9])
    white = ' style="fill:#fff"'
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">']
    for j, label in enumerate(labels):
        x = left + j * cell_w + cell_w / 2
        parts.append(f'<text transform="translate({x:.1f},{top - 6}) rotate(-35)">{_esc(_clip(label, 20))}</text>')
    for i, (group, row) in enumerate(zip(groups, shares)):
        y = top + i * cell_h
        parts.append(f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{_esc(_clip(group))}</text>')
        for j, (label, v) in enumerate(zip(labels, row)):
            a = 0.06 + 0.94 * (v / peak)
            parts.append(f'<rect x="{left + j * cell_w}" y="{y}" width="{cell_w - 1}" height="{cell_h - 1}" '
                         f'fill="#3a7a5a" fill-opacity="{a:.2f}"><title>{_esc(group)} / {_esc(label)}: '
                         f'{100 * v:.1f}%</title></rect>'
                         f'<text x="{left + j * cell_w + cell_w / 2:.1f}" y="{y + 14}" text-anchor="middle"'
                         f'{white if a > 0.6 else ""}>{100 * v:.0f}%</text>')
    parts.append("</svg>")
    return "".join(parts)


def svg_columns(months: Sequence[str], counts: Sequence[Sequence[int]], labels: Sequence[str], colors: dict,
                *, width: int = 1000, height: int = 240) -> str:
    """Stacked columns per month: ``counts[i]`` holds the count of each label in ``months[i]``."""
    left, bottom, top, right = 48, 40, 10, 10
    inner_w, inner_h = width - left - right, height - top - bottom
    totals = [sum(c) for c in counts]
    peak = max(totals + [1])
    step = inner_w / max(len(months), 1)
    bw = max(1.0, step * 0.85)
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img">',
             f'<line x1="{left}" y1="{top + inner_h}" x2="{left + inner_w}" y2="{top + inner_h}" stroke="#999"/>']
    for frac in (0.5, 1.0):
        y = top + inner_h * (1 - frac)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{left + inner_w}" y2="{y:.1f}" stroke="#eee"/>'
                     f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{round(peak * frac):,}</text>')
    every = max(1, int(len(months) / 16 + 0.999))
    for i, (month, row) in enumerate(zip(months, counts)):
        x = left + i * step + (step - bw) / 2
        y = float(top + inner_h)
        for label, c in zip(labels, row):
            h = inner_h * c / peak
            if h > 0:
                y -= h
                parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bw:.1f}" height="{h:.1f}" '
                             f'fill="{colors[label]}"><title>{_esc(month)} / {_esc(label)}: {c}</title></rect>')
        if i % every == 0:
            cx = left + i * step + step / 2
            parts.append(f'<text transform="translate({cx:.1f},{top + inner_h + 12}) rotate(35)">'
                         f'{_esc(month)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: Report, *, title: str = "stance report", hide_text: bool = False) -> str:
    """The self-contained ``report.html`` page of ``report``."""
    colors = _stance_colors(report.stances)
    n_all, t_all, s_all = report.groups["all"].get("all", (0, [0] * len(report.topics), [0] * len(report.stances)))
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_esc(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>Stance report: {_esc(title)}</h1>",
           f'<p class="meta">{n_all:,} paragraphs'
           + (f"; grouped by {_esc(', '.join(report.by))}" if report.by else "")
           + f"; stance {_esc(__version__)}, classified in {report.seconds:.1f} s."
           + " Topic shares: share of paragraphs labelled with the topic (a paragraph can have several)."
           + "</p>"]

    out.append("<h2>Overall</h2><div class=\"grid\"><div><h3>Topics (share of paragraphs)</h3>")
    out.append(svg_bars([(t, c / n_all if n_all else 0, f"{100 * c / n_all:.1f}% ({c:,})" if n_all else "0")
                         for t, c in zip(report.topics, t_all)], max_value=None))
    out.append("</div><div><h3>Stance</h3>")
    out.append(svg_stacked([("all", n_all, s_all)], report.stances, colors, width=520))
    out.append(_legend(colors))
    out.append(_table(["stance", "paragraphs", "share"],
                      [[s, f"{c:,}", f"{100 * _share(c, n_all):.1f}%"] for s, c in zip(report.stances, s_all)],
                      num=(1, 2)))
    out.append("</div></div>")

    for dim in report.by:
        table = _ordered(report.groups[dim])
        keys = list(table)[:_MAX_GROUPS_SHOWN]
        more = len(table) - len(keys)
        out.append(f"<h2>By {_esc(dim)}</h2>")
        if more > 0:
            out.append(f'<p class="meta">The {len(keys)} largest of {len(table)} groups '
                       "(all of them in summary.csv).</p>")
        out.append('<div class="grid"><div><h3>Stance distribution</h3>')
        out.append(svg_stacked([(k, table[k][0], table[k][2]) for k in keys], report.stances, colors))
        out.append(_legend(colors))
        out.append("</div><div><h3>Topic shares</h3>")
        out.append(svg_heatmap(keys, report.topics,
                               [[_share(c, table[k][0]) for c in table[k][1]] for k in keys]))
        out.append("</div></div>")
        header = [dim, "paragraphs", *report.stances, *report.topics]
        rows = []
        for k in keys:
            n, tc, sc = table[k]
            rows.append([k, f"{n:,}", *(f"{100 * _share(c, n):.1f}%" for c in sc),
                         *(f"{100 * _share(c, n):.1f}%" for c in tc)])
        out.append(_table(header, rows, num=range(1, len(header))))

    out.append("<h2>By month</h2>")
    if report.months:
        months = list(report.months)
        out.append(svg_columns(months, [report.months[m][2] for m in months], report.stances, colors))
        out.append(_legend(colors))
        dated = sum(v[0] for v in report.months.values())
        out.append(f'<p class="meta">Paragraphs per month, by stance; {dated:,} of {n_all:,} paragraphs '
                   "have a readable date (YYYY-MM-DD or YYYY-MM).</p>")
    else:
        out.append('<p class="meta">No paragraph has a readable date (YYYY-MM-DD or YYYY-MM).</p>')

    out.append("<h2>Evidence terms</h2><p class=\"meta\">The n-grams that pushed the decisions most, "
               "summed over the paragraphs given the label (weight), and in how many paragraphs.</p>"
               '<div class="grid">')
    for label in [*report.topics, *(f"stance:{s}" for s in report.stances)]:
        items = report.terms.get(label, [])
        out.append(f"<div><h3>{_esc(label)}</h3>")
        out.append(_table(["term", "weight", "paragraphs"], [[t, f"{w:.2f}", f"{c:,}"] for t, w, c in items],
                          num=(1, 2)) if items else '<p class="meta">none</p>')
        out.append("</div>")
    out.append("</div>")

    out.append("<h2>Most confident paragraphs</h2><p class=\"meta\">Per topic x stance cell; "
               "confidence = stance probability x topic probability.</p>")
    header = ["topic", "stance", "confidence", "id", *report.by] + ([] if hide_text else ["text"])
    rows = []
    for topic in report.topics:
        for stance in report.stances:
            for conf, rid, groups, text in report.top.get((topic, stance), []):
                row = [topic, stance, f"{conf:.3f}", rid, *(groups.get(b, "") for b in report.by)]
                rows.append(row + ([] if hide_text else [text]))
    out.append(_table(header, rows, num=(2,), classes={3: "id", len(header) - 1: "" if hide_text else "text"}))
    out.append("</body></html>\n")
    return "".join(out)


def _table(header, rows, *, num=(), classes=None) -> str:
    num = set(num)
    classes = classes or {}
    parts = ["<table><thead><tr>", *(f"<th>{_esc(h)}</th>" for h in header), "</tr></thead><tbody>"]
    for row in rows:
        parts.append("<tr>")
        for j, cell in enumerate(row):
            cls = "num" if j in num else classes.get(j, "")
            parts.append(f'<td class="{cls}">{_esc(cell)}</td>' if cls else f"<td>{_esc(cell)}</td>")
        parts.append("</tr>")
    parts.append("</tbody></table>")
    return "".join(parts)
