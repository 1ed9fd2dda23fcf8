"""Choose unlabeled domain paragraphs to label next: a random share per source plus uncertainty sampling.

This script keeps the choices of our own rounds reproducible (its priority is tuned to our corpus: rare
topics, each source's rare stance, a targeted search). For a corpus of your own use ``stance select``
(:func:`stance.adapt.select_for_labelling`), with ``stance label``, ``stance compare`` and
``stance agreement`` for the rest of the round.

Usage::

    # round 1 (2026-11-27): 3,600 of domain/unlabeled.jsonl, active learning only
    python tools/select_for_labelling.py --pool unlabeled --n 3600 --round 1 --batches 6 --random-per-source 0
    # round 2 (2026-11-30): 4,000 of domain/unlabeled_2022.jsonl
    python tools/select_for_labelling.py --pool unlabeled_2022 --round 2 --batches 7 \
        --random-per-source 350 --active kremlin2022=950,president_ua=1000,whitehouse=1000 --search-bonus 1.5 \
        --max-per-doc 12
    # round 2 top-up (appended to selection/round2.jsonl as batches 7-8), scored by a model trained on
    # train.jsonl + round 1 + round 2 batches 0-6 (python -m stance train ... --out /tmp/m_r2 --format safe)
    python tools/select_for_labelling.py --pool unlabeled_2022 --round 2 --model /tmp/m_r2 --batches 2 \
        --first-batch 7 --rare-cells kremlin2022=against:150,president_ua=favor:150,whitehouse=favor:100 \
        --max-per-doc 4 --seed 1 --out topup.jsonl

Scores every paragraph of the pool (five to 250 words, not labelled yet) with the shipped model and
ranks it by how much a label would teach the model, favouring the rare labels:

- uncertainty: stance entropy, plus each topic's closeness to its decision threshold;
- rarity: 1.5 x the predicted probability of ``nato_expansion`` or ``security_guarantees``, plus the
  predicted probability of the stance that is rare for the paragraph's source (``favor``/``against``
  on news, ``against`` on Kremlin texts, ``favor`` on Ukrainian and White House texts);
- a targeted search (``--search-bonus``): paragraphs that match :data:`RARE_TOPIC_QUERY`, a search
  for NATO and security-guarantee wording, rank higher. The query decides only what is
  *read*; the labels are assigned by reading, and many matches get neither topic.

``--rare-cells kremlin2022=against:150,...`` instead picks, in each named source, the
paragraphs with the highest predicted probability of the named stance (a top-up for the
source x stance cells that the first selection left empty). ``--model DIR`` scores with another
model than the shipped one (e.g. one trained on the labels so far).

``--random-per-source N`` first draws N paragraphs uniformly at random within each source, so that
cross-validation on the labelled pool reflects the pool; ``--active`` gives the number chosen by
priority in each source (at most ``--max-per-doc`` per document, for diversity).

Writes ``datasets/domain/selection/round{R}.jsonl`` with one line per chosen paragraph: ``id``,
``batch`` (for splitting the work between annotators), ``double`` (true for the random 10% that a
second, independent pass labels too) and ``how`` (``random`` or ``active``). It writes ids only:
annotators read the text from the corpus and never see the model's scores or predictions.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import stance  # noqa: E402
from stance.datasets.domain import resolve_data_root  # noqa: E402

RARE_TOPICS = ("nato_expansion", "security_guarantees")
NEWS_SOURCES = ("allsides", "semeval23")
#: The stance that is rare in each source's texts (uncertainty sampling favours it).
RARE_STANCE = {"allsides": ("favor", "against"), "semeval23": ("favor", "against"), "kremlin": ("against",),
               "kremlin2022": ("against",), "president_ua": ("favor",), "whitehouse": ("favor",)}
#: What the targeted search looks for: NATO membership and enlargement, security guarantees.
RARE_TOPIC_QUERY = re.compile(
    r"\bNATO\b|North Atlantic|\bAlliance\b|Finland|Sweden|neutral status|not one inch|eastward"
    r"|guarantee|draft treat|draft agreement|indivisib|security architecture|Budapest Memorandum",
    re.IGNORECASE,
)


def priority(model, rows: list[dict], search_bonus: float = 0.0) -> np.ndarray:
    predictor = model.predictor
    _, topic_proba, stance_proba = predictor.score([r["text"] for r in rows])
    entropy = -(stance_proba * np.log(np.clip(stance_proba, 1e-9, 1))).sum(axis=1) / np.log(stance_proba.shape[1])
    margin = 1.0 - np.min(np.abs(topic_proba - predictor.thresholds) / np.maximum(predictor.thresholds, 0.05), axis=1)
    topics, stances = model.topics, model.stances
    rare = np.max(topic_proba[:, [topics.index(t) for t in RARE_TOPICS]], axis=1)
    polar = np.array([
        max(stance_proba[i, stances.index(s)] for s in RARE_STANCE.get(r.get("source"), ()) or ("none",))
        if r.get("source") in RARE_STANCE else 0.0
        for i, r in enumerate(rows)
    ])
    search = np.array([bool(RARE_TOPIC_QUERY.search(r["text"])) for r in rows], dtype=float)
    return entropy + np.clip(margin, 0, 1) + 1.5 * rare + 1.0 * polar + search_bonus * search


def _labelled_ids() -> set[str]:
    labelled = set()
    for path in sorted((REPO / "datasets" / "domain" / "labels").glob("*.jsonl")):
        labelled.update(json.loads(line)["id"] for line in open(path, encoding="utf-8") if line.strip())
    return labelled


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--pool", default="unlabeled", choices=("unlabeled", "unlabeled_2022"))
    parser.add_argument("--n", type=int, default=3600, help="active picks in total when --active is not given")
    parser.add_argument("--active", default=None, help="per-source active picks, e.g. kremlin2022=950,whitehouse=1000")
    parser.add_argument("--random-per-source", type=int, default=0)
    parser.add_argument("--rare-cells", default=None, help="per-source stance top-up, e.g. kremlin2022=against:150")
    parser.add_argument("--model", default=None, help="model directory to score with (default: the shipped one)")
    parser.add_argument("--first-batch", type=int, default=0, help="number of the first batch (to extend a round)")
    parser.add_argument("--out", default=None, help="selection file (default: selection/round{R}.jsonl)")
    parser.add_argument("--max-per-doc", type=int, default=6)
    parser.add_argument("--search-bonus", type=float, default=0.0)
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--batches", type=int, default=6)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--double-fraction", type=float, default=0.10)
    args = parser.parse_args(argv)
    rel = f"domain/{args.pool}.jsonl"
    root = resolve_data_root(args.data_root, require=rel)
    rows = [json.loads(line) for line in open(root / rel, encoding="utf-8")]
    labelled = _labelled_ids()
    rows = [r for r in rows if r["id"] not in labelled and 5 <= len(r["text"].split()) <= 250]
    rng = np.random.default_rng(args.seed)
    sources = sorted({r["source"] for r in rows})
    picked: list[tuple[int, str]] = []
    taken = np.zeros(len(rows), dtype=bool)
    for s in sources:
        idx = np.flatnonzero([r["source"] == s for r in rows])
        for i in rng.choice(idx, size=min(args.random_per_source, idx.size), replace=False):
            picked.append((int(i), "random"))
            taken[i] = True
    model = stance.load_model(args.model) if args.model else stance.load_model()
    if args.rare_cells:
        _, _, stance_proba = model.predictor.score([r["text"] for r in rows])
        per_doc_cells: Counter = Counter()
        for item in args.rare_cells.split(","):
            src, rest = item.split("=")
            label, n = rest.split(":")
            p = stance_proba[:, model.stances.index(label)]
            got = 0
            for i in np.argsort(-p, kind="stable"):
                if got >= int(n):
                    break
                if taken[i] or rows[i]["source"] != src or per_doc_cells[rows[i]["doc"]] >= args.max_per_doc:
                    continue
                picked.append((int(i), f"rare:{label}"))
                taken[i] = True
                per_doc_cells[rows[i]["doc"]] += 1
                got += 1
    scores = priority(model, rows, args.search_bonus) if (args.active or args.n) and not args.rare_cells else None
    if scores is None:
        quota = {}
    elif args.active:
        quota = {k: int(v) for k, v in (item.split("=") for item in args.active.split(","))}
    else:
        quota = {None: args.n}
    per_doc: Counter = Counter()
    for i, _ in picked:
        per_doc[rows[i]["doc"]] += 1
    for s, n in quota.items():
        got = 0
        for i in np.argsort(-scores, kind="stable"):
            if got >= n:
                break
            r = rows[i]
            if taken[i] or (s is not None and r["source"] != s) or per_doc[r["doc"]] >= args.max_per_doc:
                continue
            picked.append((int(i), "active"))
            taken[i] = True
            per_doc[r["doc"]] += 1
            got += 1
    order = rng.permutation(len(picked))  # batches mix random and active picks; annotators see no ranking
    double = set(rng.choice(len(picked), size=int(round(args.double_fraction * len(picked))), replace=False).tolist())
    out = Path(args.out) if args.out else REPO / "datasets" / "domain" / "selection" / f"round{args.round}.jsonl"
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as fh:
        for k, j in enumerate(order):
            i, how = picked[j]
            fh.write(json.dumps({"id": rows[i]["id"], "batch": args.first_batch + k % args.batches,
                                 "double": k in double, "how": how}) + "\n")
    by = Counter((rows[i]["source"], how) for i, how in picked)
    print(f"wrote {out}: {len(picked)} paragraphs in {args.batches} batches, {len(double)} to double-label; {dict(by)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
