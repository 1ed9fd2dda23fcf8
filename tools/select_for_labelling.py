"""Choose unlabeled domain paragraphs to label next, by uncertainty sampling with the current model.

Usage::

    python tools/select_for_labelling.py --n 3600 --round 1 [--data-root DIR] [--batches 6] [--seed 0]

Scores every paragraph of ``domain/unlabeled.jsonl`` with the shipped model and
ranks it by how much a label would teach the model, favouring the rare labels:

- uncertainty: stance entropy, plus each topic's closeness to its decision threshold;
- rarity: the predicted probability of ``nato_expansion`` and ``security_guarantees``, and of
  stance ``favor``/``against`` on news paragraphs (AllSides, SemEval-2023), where they are rare.

Writes ``datasets/domain/selection/round{R}.jsonl`` with one line per chosen paragraph:
``id``, ``batch`` (for splitting the work between annotators) and ``double`` (true for the random
10% that a second, independent pass labels too). It writes ids only: annotators read the text
from the corpus and never see the model's scores or predictions.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import stance  # noqa: E402
from stance.datasets import resolve_data_root  # noqa: E402

RARE_TOPICS = ("nato_expansion", "security_guarantees")
NEWS_SOURCES = ("allsides", "semeval23")


def priority(model, rows: list[dict]) -> np.ndarray:
    predictor = model.predictor
    _, topic_proba, stance_proba = predictor.score([r["text"] for r in rows])
    entropy = -(stance_proba * np.log(np.clip(stance_proba, 1e-9, 1))).sum(axis=1) / np.log(stance_proba.shape[1])
    margin = 1.0 - np.min(np.abs(topic_proba - predictor.thresholds) / np.maximum(predictor.thresholds, 0.05), axis=1)
    topics = model.topics
    rare = np.max(topic_proba[:, [topics.index(t) for t in RARE_TOPICS]], axis=1)
    news = np.array([r.get("source") in NEWS_SOURCES for r in rows])
    stances = model.stances
    polar = stance_proba[:, [stances.index("favor"), stances.index("against")]].max(axis=1) * news
    return entropy + np.clip(margin, 0, 1) + 1.5 * rare + 1.0 * polar


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n", type=int, default=3600)
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--double-fraction", type=float, default=0.10)
    args = parser.parse_args(argv)
    root = resolve_data_root(args.data_root, require="domain/unlabeled.jsonl")
    rows = [json.loads(line) for line in open(root / "domain" / "unlabeled.jsonl", encoding="utf-8")]
    labelled = set()
    for path in sorted((REPO / "datasets" / "domain" / "labels").glob("*.jsonl")):
        labelled.update(json.loads(line)["id"] for line in open(path, encoding="utf-8") if line.strip())
    rows = [r for r in rows if r["id"] not in labelled and len(r["text"].split()) >= 5]
    scores = priority(stance.load_model(), rows)
    chosen = np.argsort(-scores)[: args.n]
    rng = np.random.default_rng(args.seed)
    rng.shuffle(chosen)  # batches mix priorities; annotators see no ranking
    double = set(rng.choice(len(chosen), size=int(round(args.double_fraction * len(chosen))), replace=False).tolist())
    out = REPO / "datasets" / "domain" / "selection" / f"round{args.round}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for k, i in enumerate(chosen):
            fh.write(json.dumps({"id": rows[i]["id"], "batch": k % args.batches, "double": k in double}) + "\n")
    print(f"wrote {out}: {len(chosen)} paragraphs in {args.batches} batches, {len(double)} to double-label")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
