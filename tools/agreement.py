"""Agreement between the first and the second (independent) labelling pass of one of our rounds.

Usage::

    python tools/agreement.py --round 1 [--json datasets/domain/agreement_round1.json]

Compares ``datasets/domain/labels/round{R}_a*.jsonl`` (first pass) with
``round{R}_second.jsonl`` (second pass, made without seeing the first) on the ids
both labelled. The computation is the library's (:func:`stance.adapt.agreement.agreement_report`,
also behind ``stance agreement A B``):

- stance: Cohen's kappa and the confusion between passes;
- topics: Cohen's kappa per topic (present/absent; ``null`` where neither pass used the topic), and
  Krippendorff's alpha over the topic *sets* with the Jaccard distance (1 - |A & B| / |A | B|, 0 between
  two empty sets);
- the ids where the passes disagree (for adjudication).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.adapt.agreement import agreement_report, read_label_passes  # noqa: E402
from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, LABELS_DIR  # noqa: E402


def round_report(labels_dir: Path, round_: int) -> dict:
    """The agreement report of round ``round_`` (keys as in ``datasets/domain/agreement_round*.json``)."""
    first = read_label_passes(sorted(labels_dir.glob(f"round{round_}_a*.jsonl")))
    second = read_label_passes([labels_dir / f"round{round_}_second.jsonl"])
    report = agreement_report(first, second, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
    report.pop("only_first")
    report.pop("only_second")
    return {"round": round_, **report}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round", type=int, default=1)
    parser.add_argument("--labels-dir", default=str(LABELS_DIR))
    parser.add_argument("--json", default=None)
    args = parser.parse_args(argv)
    report = round_report(Path(args.labels_dir), args.round)
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: v for k, v in report.items() if k != "disagreements"}, indent=2))
    print(f"{len(report['disagreements'])} disagreements")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
