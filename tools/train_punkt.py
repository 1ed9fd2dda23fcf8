"""Learn Punkt sentence-splitting parameters from the domain corpus and save them as JSON.

Usage::

    python tools/train_punkt.py [--data-root ../shared/data] [--out stance/data/punkt_en.json]

The parameters (abbreviations, collocations, sentence starters, orthographic
context) are plain data: loading them executes nothing, unlike nltk's old
pickled Punkt models (CVE-2024-39705).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from nltk.tokenize.punkt import PunktTrainer

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.datasets.domain import resolve_data_root  # noqa: E402
from stance.text.processing import normalize  # noqa: E402

# Abbreviations that matter for news prose but are too rare in the corpus for
# Punkt to learn on its own.
EXTRA_ABBREVIATIONS = ("mr", "mrs", "ms", "dr", "gen", "lt", "col", "sen", "rep", "gov", "prof", "st", "jan", "feb",
                       "aug", "sept", "oct", "nov", "dec", "u.s", "u.k", "u.n", "e.g", "i.e", "vs", "no", "jr")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "stance" / "text" / "punkt_en.json"))
    args = parser.parse_args(argv)
    root = resolve_data_root(args.data_root)
    texts = []
    for name in ("train.jsonl", "unlabeled.jsonl"):
        with open(root / "domain" / name, encoding="utf-8") as fh:
            texts.extend(normalize(json.loads(line)["text"]) for line in fh if line.strip())
    seed = sorted((root / "seed").glob("*.txt"))
    texts.extend(normalize(p.read_text(encoding="utf-8")) for p in seed)
    trainer = PunktTrainer()
    trainer.INCLUDE_ALL_COLLOCS = True
    trainer.train("\n\n".join(texts), finalize=True)
    params = trainer.get_params()
    abbrevs = set(params.abbrev_types) | set(EXTRA_ABBREVIATIONS)
    data = {
        "format": "punkt-params/1",
        "source": "stance domain corpus (train.jsonl, unlabeled.jsonl, seed)",
        "paragraphs": len(texts),
        "abbrev_types": sorted(abbrevs),
        "collocations": sorted([list(c) for c in params.collocations]),
        "sent_starters": sorted(params.sent_starters),
        "ortho_context": {k: v for k, v in sorted(params.ortho_context.items()) if v},
    }
    out = Path(args.out)
    out.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(abbrevs)} abbreviations, {len(data['collocations'])} collocations, "
          f"{len(data['sent_starters'])} sentence starters, {len(data['ortho_context'])} words of context")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
