"""Which word representation helps the targets path: pooled vectors, word clusters, both (CV only, then test once).

Each candidate is ``StanceClassifier(targets=...)`` with the library's defaults plus one word-vector
setting (``word_vectors=DIR``, ``word_vector_weight``, ``word_vector_features``), on tables of
``benchmarks/word_vectors.py`` built from ``tweets/unlabeled.txt`` (``tweets``; ``tweets_c<K>``: the same
vectors with ``K`` k-means word clusters, ``python benchmarks/word_vectors.py --clusters 200,500,1000``;
``joined``: ``--only joined``, the tweets and the domain's two unlabelled files).
The protocols are those of ``benchmarks/target_defaults.py`` (whose code is reused): stratified 5-fold
cross-validation x 2 repeats on SemEval-2016 train + val (F_avg) and RUW train -> val (mean over the
two targets of F_avg). No test split is read while candidates run.

Per-target copies of the block: with targets the estimator's augmented design (``target_design="augment"``,
the default) copies every feature column, the word-vector block included, once per target, so each target
already learns its own weights on the dense dimensions and the clusters; no other "target cross" is needed.

Then ``--test``: for each benchmark the candidate with the best CV figure (SemEval: CV F_avg; RUW: val
F_avg) is fitted on train + val and scored once on the test split, as ``semeval2016.py`` / ``ruw.py``
score their headline model.

Usage::

    python benchmarks/word_vector_variants.py [--only 0 2] [--resume]   # candidates (writes after each)
    python benchmarks/word_vector_variants.py --test                      # the chosen ones, once on test

Writes ``benchmarks/results/word_vector_variants.json`` (rendered into RESULTS.md by
``benchmarks/render_results.py``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
import target_defaults as TD  # noqa: E402

from stance.datasets.benchmarks import RUW_TARGETS, load_ruw, load_semeval2016  # noqa: E402
from stance.evaluation import f_avg  # noqa: E402

NAME = "word_vector_variants"
TABLES = "benchmarks/.cache/word_vectors"
#: The base of every candidate: the library's defaults on the targets path when these candidates ran
#: (before ``C`` and ``binary`` became "auto", i.e. C=2.0 and binary tf with targets), named in full so that
#: a re-run measures the same models.
DEFAULTS = {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "min_df": 1,
            "max_word_features": None, "max_char_features": None, "C": 1.0, "binary": False}
#: Candidates: (table under TABLES or None, word_vector_features, word_vector_weight).
CANDIDATES = [
    (None, None, None),
    ("tweets", "pooled", 0.5),
    ("tweets_c500", "clusters", 1.0),
    ("tweets_c1000", "clusters", 1.0),
    ("tweets_c500", "both", 0.5),
    ("tweets_c200", "clusters", 1.0),
    # added after the six above: the best of them (pooled) at another weight, and from the larger joined table
    ("tweets", "pooled", 1.0),
    ("joined", "pooled", 0.5),
]


def params_of(candidate) -> dict:
    table, mode, weight = candidate
    if table is None:
        return dict(DEFAULTS)
    root = Path(__file__).resolve().parents[1]
    return {**DEFAULTS, "word_vectors": str(root / TABLES / table), "word_vector_features": mode,
            "word_vector_weight": weight}


def label(candidate) -> str:
    table, mode, weight = candidate
    return "no word vectors" if table is None else f"{table} {mode} x{weight:g}"


def run_candidates(args) -> dict:
    path = Path(args.out_dir) / f"{NAME}.json"
    payload = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    rows = {r["label"]: r for r in payload.get("candidates", [])} if args.resume else {}
    for i, cand in enumerate(CANDIDATES):
        if (args.only is not None and i not in args.only) or label(cand) in rows:
            continue
        params = params_of(cand)
        with C.Timer() as t:
            sem = TD.semeval_cv(params, args.data_root)
            ruw = TD.ruw_val(params, args.data_root)
        rows[label(cand)] = {"label": label(cand), "table": cand[0], "word_vector_features": cand[1],
                             "word_vector_weight": cand[2], "semeval_cv_f_avg": round(float(np.mean(sem)), 2),
                             "semeval_cv_runs": sem, "ruw_val_f_avg": round(float(np.mean(list(ruw.values()))), 2),
                             "ruw_val_per_target": ruw, "seconds_wall": t.seconds, "command": C.command_line(),
                             "date": C.today()}
        C.log(f"{label(cand)}: SemEval CV {rows[label(cand)]['semeval_cv_f_avg']} "
              f"RUW val {rows[label(cand)]['ruw_val_f_avg']} ({t.seconds}s)")
        # re-read before writing: other processes (--only) may have added rows meanwhile
        current = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
        merged = {r["label"]: r for r in current.get("candidates", [])}
        merged.update(rows)
        order = [label(c) for c in CANDIDATES]
        payload = {**current, "benchmark": NAME,
                   "protocol": {"semeval2016": "stratified 5-fold CV x 2 on train+val (strata target x label), F_avg "
                                               "(benchmarks/target_defaults.py)",
                                "ruw": "train -> val, mean over targets of F_avg"},
                   "defaults": DEFAULTS,
                   "candidates": sorted(merged.values(), key=lambda r: order.index(r["label"])
                                        if r["label"] in order else len(order))}
        C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
    return payload


def run_test(args) -> dict:
    """Fit the CV-chosen candidate of each benchmark on train + val and score its test split once."""
    path = Path(args.out_dir) / f"{NAME}.json"
    payload = json.loads(path.read_text(encoding="utf-8"))
    by_label = {label(c): c for c in CANDIDATES}
    rows = [r for r in payload["candidates"] if r["label"] in by_label]
    test = {}
    for bench, key in (("semeval2016", "semeval_cv_f_avg"), ("ruw", "ruw_val_f_avg")):
        best = max(rows, key=lambda r: r[key])
        loader = load_semeval2016 if bench == "semeval2016" else load_ruw
        train, val, te = (loader(s, data_root=args.data_root) for s in ("train", "val", "test"))
        y, T = np.asarray(te.labels, dtype=object), np.asarray(te.targets, dtype=object)

        def test_score(params):
            m = TD.model(params).fit(train.texts + val.texts, train.labels + val.labels,
                                     targets=train.targets + val.targets)
            pred = np.asarray(m.predict(te.texts, targets=te.targets), dtype=object)
            if bench == "semeval2016":
                return round(100 * f_avg(y, pred), 2)
            return round(float(np.mean([100 * f_avg(y[T == tg], pred[T == tg]) for tg in RUW_TARGETS])), 2)

        with C.Timer() as t:
            score = test_score(params_of(by_label[best["label"]]))
        # the same base without the block: a finished model already scored by the benchmark scripts when it
        # was the library default (semeval2016.py 67.44, ruw.py 56.11), re-scored here for a like-for-like column
        without = test_score(params_of((None, None, None)))
        test[bench] = {"chosen": best["label"], "chosen_by": key, "test_f_avg": score,
                       "test_f_avg_without": without, "seconds_wall": t.seconds,
                       "command": C.command_line(), "date": C.today()}
        C.log(f"{bench}: chosen {best['label']} by {key} {best[key]}: test F_avg {score}, without {without} "
              f"({t.seconds}s)")
    payload["test"] = test
    C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
    return payload


def render_markdown(p: dict) -> str:
    """The candidates' CV table, then the test figure of each chosen one beside the test figure of the
    same base model without word vectors."""
    rows = [[r["label"], f"{r['semeval_cv_f_avg']:.2f}", " / ".join(f"{v:.2f}" for v in r["semeval_cv_runs"]),
             f"{r['ruw_val_f_avg']:.2f}", " / ".join(f"{t} {v:.2f}" for t, v in r["ruw_val_per_target"].items()),
             r["seconds_wall"]] for r in p.get("candidates", [])]
    base = p.get("defaults", DEFAULTS)
    out = ["**Word representations on the targets path** (`python benchmarks/word_vector_variants.py`: "
           f"`StanceClassifier(targets=...)` with C={base.get('C', 1.0)} and binary={base.get('binary', False)} (the "
           "library's defaults on the targets path when these ran; now C=2.0 and binary tf) plus one word-vector "
           "setting; SemEval-2016: "
           "stratified 5-fold CV x 2 on train + val, F_avg; RUW: train -> val, mean F_avg of the two targets; "
           "no test split read; `tweets_c<K>`: the `tweets` vectors with K k-means word clusters):", "",
           C.md_table(["candidate", "SemEval CV F_avg", "per repeat", "RUW val F_avg", "per target",
                       "wall s (both, shared cores)"], rows)]
    test = p.get("test")
    if test:
        def plain(b):
            value = test[b].get("test_f_avg_without")
            return "n/a" if value is None else f"{value:.2f}"

        out += ["", "**Test, once, for the candidate chosen by CV** (best SemEval CV F_avg; best RUW val F_avg), "
                "fitted on train + val (`python benchmarks/word_vector_variants.py --test`); `without`: the test "
                "F_avg of the same base without word vectors:", "",
                C.md_table(["benchmark", "chosen", "chosen by", "test F_avg", "test F_avg without", "wall s", "date"],
                           [[b, v["chosen"], v["chosen_by"], f"{v['test_f_avg']:.2f}", plain(b), v["seconds_wall"],
                             v["date"]] for b, v in test.items()])]
    return "\n".join(out) + "\n"


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--only", type=int, nargs="+", default=None, metavar="INDEX",
                   help="run only these candidates (indices into CANDIDATES)")
    p.add_argument("--resume", action="store_true", help="keep the candidates already in the results file")
    p.add_argument("--test", action="store_true", help="score the CV-chosen candidate of each benchmark on test")
    args = p.parse_args(argv)
    C.seed_everything()
    if args.test:
        run_test(args)
    else:
        run_candidates(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
