"""Agreement between the first and the second (independent) labelling pass of a round.

Usage::

    python tools/agreement.py --round 1 [--json datasets/domain/agreement_round1.json]

Compares ``datasets/domain/labels/round{R}_a*.jsonl`` (first pass) with
``round{R}_second.jsonl`` (second pass, made without seeing the first) on the ids
both labelled, and reports:

- stance: Cohen's kappa and the confusion between passes;
- topics: Cohen's kappa per topic (present/absent; ``null`` where neither pass used the topic), and Krippendorff's alpha over the
  topic *sets* with the Jaccard distance (1 - |A & B| / |A | B|, 0 between two empty sets);
- the ids where the passes disagree (for adjudication).
"""

from __future__ import annotations

import argparse
import json
import sys
from itertools import combinations
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, LABELS_DIR  # noqa: E402


def cohen_kappa(a: list, b: list) -> float:
    """Cohen's kappa of two raters' nominal labels."""
    from sklearn.metrics import cohen_kappa_score

    if len(set(a) | set(b)) < 2:
        return None  # undefined: both passes used a single value throughout
    return float(cohen_kappa_score(a, b))


def jaccard_distance(x: frozenset, y: frozenset) -> float:
    if not x and not y:
        return 0.0
    return 1.0 - len(x & y) / len(x | y)


def krippendorff_alpha_sets(first: list[frozenset], second: list[frozenset]) -> float:
    """Krippendorff's alpha for two coders, no missing values, set-valued labels (Jaccard distance).

    alpha = 1 - D_o / D_e, with D_o the mean distance within units and D_e the mean
    distance between all pairs of the 2N pooled values.
    """
    n = len(first)
    observed = np.mean([jaccard_distance(x, y) for x, y in zip(first, second)])
    pooled = first + second
    values, counts = _value_counts(pooled)
    total = 0.0
    for (i, vi), (j, vj) in combinations(enumerate(values), 2):
        total += 2 * counts[i] * counts[j] * jaccard_distance(vi, vj)
    expected = total / (2 * n * (2 * n - 1))
    return float(1.0 - observed / expected) if expected > 0 else float("nan")


def _value_counts(pooled: list[frozenset]):
    counts: dict[frozenset, int] = {}
    for v in pooled:
        counts[v] = counts.get(v, 0) + 1
    return list(counts), list(counts.values())


def _read(paths) -> dict[str, dict]:
    out = {}
    for path in paths:
        for line in open(path, encoding="utf-8"):
            if line.strip():
                row = json.loads(line)
                out[row["id"]] = row
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--labels-dir", default=str(LABELS_DIR))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    labels_dir = Path(args.labels_dir)
    first = _read(sorted(labels_dir.glob(f"round{args.round}_a*.jsonl")))
    second = _read([labels_dir / f"round{args.round}_second.jsonl"])
    ids = sorted(set(first) & set(second))
    if not ids:
        print("no id labelled by both passes")
        return 1
    s1 = [first[i]["stance"] for i in ids]
    s2 = [second[i]["stance"] for i in ids]
    confusion = [[sum(1 for a, b in zip(s1, s2) if a == x and b == y) for y in DOMAIN_STANCES] for x in DOMAIN_STANCES]
    t1 = [frozenset(first[i]["topics"]) for i in ids]
    t2 = [frozenset(second[i]["topics"]) for i in ids]
    per_topic = {}
    for t in DOMAIN_TOPICS:
        k = cohen_kappa([t in x for x in t1], [t in y for y in t2])
        per_topic[t] = None if k is None else round(k, 3)
    report = {
        "round": args.round,
        "n": len(ids),
        "stance_kappa": round(cohen_kappa(s1, s2), 3),
        "stance_agreement": round(float(np.mean([a == b for a, b in zip(s1, s2)])), 3),
        "stance_confusion": {"labels": list(DOMAIN_STANCES), "rows": "first pass", "columns": "second pass",
                             "matrix": confusion},
        "topic_kappa": per_topic,
        "topic_alpha_jaccard": round(krippendorff_alpha_sets(t1, t2), 3),
        "topic_set_exact_agreement": round(float(np.mean([x == y for x, y in zip(t1, t2)])), 3),
        "disagreements": [i for i in ids if first[i]["stance"] != second[i]["stance"]
                          or set(first[i]["topics"]) != set(second[i]["topics"])],
    }
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "disagreements"}, indent=2))
    print(f"{len(report['disagreements'])} disagreements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
