"""The seed TASS article through the shipped model: every paragraph's labels, and the article summary.

Usage::

    python benchmarks/seed_article.py [--data-root DIR] [--json benchmarks/results/seed_article.json]

Writes the labels (no article text: the corpus stays in the data root) to the JSON file and prints
the table that ``benchmarks/render_results.py`` writes into ``benchmarks/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import stance  # noqa: E402
from stance.datasets.domain import load_seed_article  # noqa: E402

def run(data_root=None) -> dict:
    model = stance.load_model()
    doc = model.analyze(load_seed_article(data_root=data_root))
    summary = doc.summary()
    return {
        "model": model.manifest.get("name"),
        "model_trained_on": model.manifest.get("training_data"),
        "paragraphs": [
            {"index": p.index, "words": len(p.text.split()), "topics": p.topics, "stance": p.stance,
             "stance_scores": p.stance_scores, "evidence": [e.term for e in p.evidence if e.label.startswith("stance:")]}
            for p in doc
        ],
        "summary": summary.to_dict(),
    }


def render_markdown(result: dict) -> str:
    lines = ["| paragraph | words | topics | stance | favor / against / none | stance evidence |",
             "|---|---|---|---|---|---|"]
    for p in result["paragraphs"]:
        sc = p["stance_scores"]
        lines.append(f"| {p['index']} | {p['words']} | {', '.join(p['topics']) or '–'} | {p['stance']} | "
                     f"{sc['favor']:.2f} / {sc['against']:.2f} / {sc['none']:.2f} | {', '.join(p['evidence']) or '–'} |")
    s = result["summary"]
    lines.append("")
    lines.append(f"Article summary: stance **{s['stance']}**, confidence {s['confidence']:.2f} (weights "
                 + ", ".join(f"{k} {v:.2f}" for k, v in s["stance_weights"].items())
                 + f"), carried by paragraphs {', '.join(map(str, s['paragraphs'])) or '–'}; topics "
                 + ", ".join(f"{k} {v:.2f}" for k, v in s["topic_shares"].items()) + ".")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    result = run(args.data_root)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    print(render_markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
