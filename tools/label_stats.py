"""Count our domain labels for the dataset card: by source and stance, by topic, by how they were chosen.

Usage::

    python tools/label_stats.py [--data-root DIR]

Prints markdown tables (pasted into ``datasets/domain/README.md``) computed from ``train.jsonl``, our
label files (adjudication and convention corrections applied) and the selection files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, LABELS_DIR, load_domain, load_domain_grown  # noqa: E402


def _table(header, rows) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(f"{c:,}" if isinstance(c, int) else str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    args = parser.parse_args(argv)
    base = load_domain(data_root=args.data_root)
    grown = load_domain_grown(data_root=args.data_root)
    n_base = len(base)
    rounds = {}
    for path in sorted((REPO / "datasets" / "domain" / "selection").glob("round*.jsonl")):
        for line in open(path, encoding="utf-8"):
            row = json.loads(line)
            rounds[row["id"]] = (path.stem, row.get("how", "active").split(":")[0])
    parts = {"train.jsonl": range(n_base)}
    for r in sorted({v[0] for v in rounds.values()}):
        parts[f"ours, {r}"] = [i for i in range(n_base, len(grown)) if rounds.get(grown.ids[i], ("",))[0] == r]
    parts["total"] = range(len(grown))

    rows = []
    for name, idx in parts.items():
        topics = Counter(t for i in idx for t in grown.topics[i])
        stances = Counter(grown.stances[i] for i in idx)
        rows.append([name, len(idx)] + [topics[t] for t in DOMAIN_TOPICS]
                    + [sum(1 for i in idx if not grown.topics[i])] + [stances[s] for s in DOMAIN_STANCES])
    print(_table(["part", "paragraphs", *DOMAIN_TOPICS, "no topic", *DOMAIN_STANCES], rows))
    print()
    sources = sorted({s for s in grown.sources if s})
    rows = []
    for src in sources:
        idx = [i for i in range(len(grown)) if grown.sources[i] == src]
        st = Counter(grown.stances[i] for i in idx)
        ours = sum(1 for i in idx if i >= n_base)
        rows.append([src, len(idx), ours] + [st[s] for s in DOMAIN_STANCES]
                    + [sum(1 for i in idx if "nato_expansion" in grown.topics[i]),
                       sum(1 for i in idx if "security_guarantees" in grown.topics[i])])
    print(_table(["source", "paragraphs", "of them ours", *DOMAIN_STANCES, "nato_expansion", "security_guarantees"],
                 rows))
    print()
    rows = []
    for (rnd, how), n in sorted(Counter(rounds[grown.ids[i]] for i in range(n_base, len(grown))).items()):
        idx = [i for i in range(n_base, len(grown)) if rounds[grown.ids[i]] == (rnd, how)]
        st = Counter(grown.stances[i] for i in idx)
        rows.append([rnd, how, n] + [st[s] for s in DOMAIN_STANCES]
                    + [sum(1 for i in idx if "nato_expansion" in grown.topics[i]),
                       sum(1 for i in idx if "security_guarantees" in grown.topics[i])])
    print(_table(["round", "chosen by", "paragraphs", *DOMAIN_STANCES, "nato_expansion", "security_guarantees"], rows))
    print()
    fixes = [json.loads(line) for line in open(LABELS_DIR / "conventions_round1.jsonl", encoding="utf-8")]
    changes = Counter((f["previous"]["stance"], f["stance"]) for f in fixes)
    topic_changes = sum(1 for f in fixes if sorted(f["previous"]["topics"]) != sorted(f["topics"]))
    print(f"convention corrections: {len(fixes)} labels; stance changes "
          + ", ".join(f"{a}->{b} {n}" for (a, b), n in sorted(changes.items()) if a != b)
          + f"; topic sets changed {topic_changes}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
