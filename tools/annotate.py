"""Helper for reading-based annotation of domain paragraphs (no model, no keyword rule involved).

Usage::

    python tools/annotate.py show --round 2 --batch 3 [--double] [--start 0 --count 40]
    python tools/annotate.py check datasets/domain/labels/round2_a3.jsonl
    python tools/annotate.py review LABELS.jsonl [--start 0 --count 40]

``show`` prints the paragraphs of a selection batch (``datasets/domain/selection/roundR.jsonl``)
with their ids and nothing else: no scores, no predictions. ``--double`` shows instead the
paragraphs of that batch chosen for the second, independent pass (give the second pass of batch k
to an annotator who did not label batch k). ``check`` validates a label file: every id
exists in ``domain/unlabeled.jsonl`` or ``domain/unlabeled_2022.jsonl``, topics and stance follow ``domain/GUIDELINES.md`` (a paragraph
without topic must have stance ``none``), each id appears once, and each line has ``annotator``
and ``round``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, resolve_data_root  # noqa: E402


POOLS = ("unlabeled.jsonl", "unlabeled_2022.jsonl")


def _corpus(data_root) -> dict[str, dict]:
    root = resolve_data_root(data_root, require="domain/unlabeled.jsonl")
    corpus = {}
    for name in POOLS:
        if (root / "domain" / name).is_file():
            with open(root / "domain" / name, encoding="utf-8") as fh:
                corpus.update((row["id"], row) for row in map(json.loads, fh))
    return corpus


def show(args) -> int:
    corpus = _corpus(args.data_root)
    selection = REPO / "datasets" / "domain" / "selection" / f"round{args.round}.jsonl"
    rows = [json.loads(line) for line in open(selection, encoding="utf-8")]
    if args.double:
        ids = [r["id"] for r in rows if r["double"] and r["batch"] == args.batch]
    else:
        ids = [r["id"] for r in rows if r["batch"] == args.batch]
    chunk = ids[args.start : args.start + args.count]
    for k, pid in enumerate(chunk, args.start):
        print(f"[{k}] {pid}\n{corpus[pid]['text']}\n")
    print(f"-- {len(chunk)} shown ({args.start}..{args.start + len(chunk) - 1} of {len(ids)})")
    return 0


def review(args) -> int:
    """Show paragraphs of a JSONL of ``id``, ``topics``, ``stance`` with those labels, for a re-reading.

    Lines with ``a`` and ``b`` (two passes' labels) instead show both, for adjudication.
    """
    corpus = _corpus(args.data_root)
    rows = [json.loads(line) for line in open(args.file, encoding="utf-8") if line.strip()]
    chunk = rows[args.start : args.start + args.count]
    for k, row in enumerate(chunk, args.start):
        if "a" in row:
            labels = "  ".join(f"pass {p.upper()}: topics={row[p]['topics']} stance={row[p]['stance']}" for p in ("a", "b"))
        else:
            labels = f"current: topics={row['topics']} stance={row['stance']}"
        print(f"[{k}] {row['id']}  {labels}\n{corpus[row['id']]['text']}\n")
    print(f"-- {len(chunk)} shown ({args.start}..{args.start + len(chunk) - 1} of {len(rows)})")
    return 0


def check(args) -> int:
    corpus = _corpus(args.data_root)
    seen, problems = set(), []
    for lineno, line in enumerate(open(args.file, encoding="utf-8"), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"{lineno}: not JSON ({exc.msg})")
            continue
        pid = row.get("id")
        if pid not in corpus:
            problems.append(f"{lineno}: unknown id {pid!r}")
        if pid in seen:
            problems.append(f"{lineno}: duplicate id {pid!r}")
        seen.add(pid)
        topics = row.get("topics")
        if not isinstance(topics, list) or any(t not in DOMAIN_TOPICS for t in topics):
            problems.append(f"{lineno}: 'topics' must be a list drawn from {DOMAIN_TOPICS}, got {topics!r}")
        if row.get("stance") not in DOMAIN_STANCES:
            problems.append(f"{lineno}: 'stance' must be one of {DOMAIN_STANCES}, got {row.get('stance')!r}")
        if topics == [] and row.get("stance") != "none":
            problems.append(f"{lineno}: a paragraph with no topic must have stance 'none'")
        if not row.get("annotator") or not isinstance(row.get("round"), int):
            problems.append(f"{lineno}: needs 'annotator' (str) and 'round' (int)")
    for p in problems:
        print(p)
    print(f"{args.file}: {len(seen)} labels, {len(problems)} problems")
    return 1 if problems else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("show")
    p.add_argument("--round", type=int, required=True)
    p.add_argument("--batch", type=int, default=0)
    p.add_argument("--double", action="store_true")
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--count", type=int, default=40)
    p.set_defaults(func=show)
    p = sub.add_parser("review")
    p.add_argument("file")
    p.add_argument("--start", type=int, default=0)
    p.add_argument("--count", type=int, default=40)
    p.set_defaults(func=review)
    p = sub.add_parser("check")
    p.add_argument("file")
    p.set_defaults(func=check)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
