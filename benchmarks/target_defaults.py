"""How the defaults of StanceClassifier's targets path were chosen: CV on SemEval-2016, train -> val on RUW.

The protocols are those of ``benchmarks/semeval2016.py`` and ``benchmarks/ruw.py``
before they became thin: stratified 5-fold cross-validation x 2 repeats on
SemEval-2016 train + val (strata target x label), and train -> val on RUW (each
tweet twice, once per target). No test split is read. Each candidate is a
``StanceClassifier`` fitted with ``targets=``; the rule is the best mean of the
SemEval CV F_avg and the RUW val mean F_avg, and the library's defaults are that
candidate (``default`` column). The first candidate is the design of stance 1.0
(hashed target x word crosses, macro-F1 decision) for reference.

Usage::

    python benchmarks/target_defaults.py [--data-root DIR]
    python benchmarks/target_defaults.py --mark-defaults   # after changing the defaults: re-mark the table
    python benchmarks/target_defaults.py --resume          # run only candidates not yet in the results file
    python benchmarks/target_defaults.py --only 7 8 --out-dir DIR   # only these candidates (to split a run)

The last line printed is the chosen candidate.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402

from stance import StanceClassifier  # noqa: E402
from stance.estimators.linear import TARGET_BINARY, TARGET_C, TARGET_MAX_FEATURES, TARGET_MIN_DF  # noqa: E402
from stance.datasets.benchmarks import RUW_TARGETS, load_ruw, load_semeval2016  # noqa: E402
from stance.evaluation import f_avg  # noqa: E402

NAME = "target_defaults"
LABELS = ("favor", "against", "none")
CV_FOLDS, CV_REPEATS = 5, 2
#: Candidates (parameters given to StanceClassifier besides labels and random_state).
CANDIDATES = [
    {"target_design": "hash", "decision_metric": "macro_f1"},
    {"target_design": "augment", "decision_metric": "macro_f1"},
    {"target_design": "augment", "decision_metric": "f_avg"},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0},
    {"target_design": "augment", "decision_metric": "f_avg", "shared_weight": 1.0},
    {"target_design": "augment", "decision_metric": "f_avg", "shared_weight": 1.0, "per_target_weight": 2.0},
    {"target_design": "augment", "decision_metric": "f_avg", "shared_weight": 1.0, "per_target_weight": 3.0},
    # the text features of the old script model (min_df=1, no vocabulary cap) on the targets path only
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "min_df": 1,
     "max_word_features": None, "max_char_features": None},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "min_df": 1},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "shared_weight": 1.0,
     "min_df": 1, "max_word_features": None, "max_char_features": None},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "C": 0.5, "min_df": 1,
     "max_word_features": None, "max_char_features": None},
    # binary term frequencies (1 for any count), as the old script model had, on the chosen candidate above
    # (per_target_weight=2.0, min_df=1, no caps), with C from the old SVM grid and the shared weight varied
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "min_df": 1,
     "max_word_features": None, "max_char_features": None, "binary": True},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "shared_weight": 1.0,
     "min_df": 1, "max_word_features": None, "max_char_features": None, "binary": True},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "C": 0.3, "min_df": 1,
     "max_word_features": None, "max_char_features": None, "binary": True},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "shared_weight": 1.0,
     "C": 0.3, "min_df": 1, "max_word_features": None, "max_char_features": None, "binary": True},
    {"target_design": "augment", "decision_metric": "f_avg", "per_target_weight": 2.0, "C": 2.0, "min_df": 1,
     "max_word_features": None, "max_char_features": None, "binary": True},
]


#: What the candidates not naming a parameter use (the library's defaults when the first ones were run;
#: the targets path's min_df, vocabulary caps, C and binary became "auto" later).
UNNAMED = {"shared_weight": 0.5, "per_target_weight": 1.0, "C": 1.0, "min_df": 2, "max_word_features": 60_000,
           "max_char_features": 60_000, "binary": False}


def model(params: dict) -> StanceClassifier:
    return StanceClassifier(labels=LABELS, random_state=C.SEED, **{**UNNAMED, **params})


def semeval_cv(params: dict, data_root) -> list[float]:
    train, val = (load_semeval2016(s, data_root=data_root) for s in ("train", "val"))
    X = np.asarray(train.texts + val.texts, dtype=object)
    T = np.asarray(train.targets + val.targets, dtype=object)
    y = np.asarray(train.labels + val.labels, dtype=object)
    strata = np.array([f"{t}|{lab}" for t, lab in zip(T, y)])
    runs = []
    for rep in range(CV_REPEATS):
        pred = np.empty(len(y), dtype=object)
        for tri, tei in StratifiedKFold(CV_FOLDS, shuffle=True, random_state=rep).split(X, strata):
            m = model(params).fit(list(X[tri]), list(y[tri]), targets=list(T[tri]))
            pred[tei] = m.predict(list(X[tei]), targets=list(T[tei]))
        runs.append(round(100 * f_avg(y, pred), 2))
    return runs


def ruw_val(params: dict, data_root) -> dict:
    train, val = (load_ruw(s, data_root=data_root) for s in ("train", "val"))
    m = model(params).fit(train.texts, train.labels, targets=train.targets)
    pred = np.asarray(m.predict(val.texts, targets=val.targets), dtype=object)
    y, T = np.asarray(val.labels, dtype=object), np.asarray(val.targets, dtype=object)
    return {t: round(100 * f_avg(y[T == t], pred[T == t]), 2) for t in RUW_TARGETS}


def mark_defaults(payload: dict) -> None:
    """Mark the candidate that equals the library's current defaults (``default`` of each row)."""
    defaults = StanceClassifier().get_params()
    with_targets = {"decision_metric": "f_avg", "min_df": TARGET_MIN_DF,  # what "auto" means with targets
                    "max_word_features": TARGET_MAX_FEATURES, "max_char_features": TARGET_MAX_FEATURES,
                    "C": TARGET_C, "binary": TARGET_BINARY}
    defaults.update({k: v for k, v in with_targets.items() if defaults[k] == "auto"})
    for row in payload["candidates"]:
        full = {**UNNAMED, **row["params"]}
        row["default"] = all(defaults[k] == v for k, v in full.items())
    payload["library_defaults"] = {k: defaults[k] for k in ("target_design", "shared_weight", "per_target_weight",
                                                            "decision_metric", *UNNAMED)}


def main(argv=None) -> int:
    p = C.parser(__doc__.splitlines()[0])
    p.add_argument("--mark-defaults", action="store_true",
                   help="only re-mark the library's defaults in an existing results file (no fitting)")
    p.add_argument("--resume", action="store_true",
                   help="keep the candidates already in the results file and run only the new ones")
    p.add_argument("--only", type=int, nargs="+", default=None, metavar="INDEX",
                   help="run only these candidates (indices into CANDIDATES), e.g. to split a run over processes")
    args = p.parse_args(argv)
    if args.mark_defaults:
        path = Path(args.out_dir) / f"{NAME}.json"
        payload = json.loads(path.read_text(encoding="utf-8"))
        mark_defaults(payload)
        C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
        return 0
    C.seed_everything()
    rows, done, before = [], [], 0.0
    if args.resume and (Path(args.out_dir) / f"{NAME}.json").is_file():
        old = json.loads((Path(args.out_dir) / f"{NAME}.json").read_text(encoding="utf-8"))
        rows = [r for r in old["candidates"] if r["params"] in CANDIDATES]
        done, before = [r["params"] for r in rows], float(old["seconds"])
    with C.Timer() as total:
        for params in CANDIDATES:
            if params in done or (args.only is not None and CANDIDATES.index(params) not in args.only):
                continue
            with C.Timer() as t:
                sem = semeval_cv(params, args.data_root)
                ruw = ruw_val(params, args.data_root)
            row = {"params": params, "semeval_cv_f_avg": round(float(np.mean(sem)), 2), "semeval_cv_runs": sem,
                   "ruw_val_f_avg": round(float(np.mean(list(ruw.values()))), 2), "ruw_val_per_target": ruw,
                   "seconds": t.seconds}
            row["mean"] = round((row["semeval_cv_f_avg"] + row["ruw_val_f_avg"]) / 2, 2)
            rows.append(row)
            C.log(f"{params}: SemEval CV {row['semeval_cv_f_avg']} RUW val {row['ruw_val_f_avg']} ({t.seconds}s)")
    best = max(rows, key=lambda r: r["mean"])
    rows.sort(key=lambda r: CANDIDATES.index(r["params"]))
    payload = {"benchmark": NAME, "date": C.today(), "command": C.command_line(),
               "seconds": round(before + total.seconds, 1),
               "protocol": {"semeval2016": f"stratified {CV_FOLDS}-fold CV x {CV_REPEATS} on train+val "
                                           "(strata target x label), F_avg",
                            "ruw": "train -> val, mean over targets of F_avg",
                            "rule": "best mean of the two"},
               "candidates": rows, "chosen": best["params"], "environment": C.environment()}
    mark_defaults(payload)
    C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
    print(f"{NAME} chosen {best['params']} SemEval CV {best['semeval_cv_f_avg']:.2f} RUW val {best['ruw_val_f_avg']:.2f}")
    return 0


def render_markdown(p: dict) -> str:
    rows = [[", ".join(f"{k}={v!r}" for k, v in r["params"].items()), f"{r['semeval_cv_f_avg']:.2f}",
             " / ".join(f"{v:.2f}" for v in r["semeval_cv_runs"]), f"{r['ruw_val_f_avg']:.2f}",
             " / ".join(f"{r['ruw_val_per_target'][t]:.2f}" for t in RUW_TARGETS), f"{r['mean']:.2f}",
             "yes" if r.get("default") else "", r["seconds"]] for r in p["candidates"]]
    return "\n\n".join([
        "## Defaults of StanceClassifier(targets=...) (selection on train/val only)",
        f"Run {p['date']}, {p['seconds']} s in total: `{p['command']}`. SemEval-2016: {p['protocol']['semeval2016']}; "
        f"RUW: {p['protocol']['ruw']}; rule: {p['protocol']['rule']}. Other parameters at the library defaults "
        "(the candidates not naming them used "
        + ", ".join(f"{k}={v!r}" for k, v in UNNAMED.items()) + ").",
        C.md_table(["candidate", "SemEval CV F_avg", "per repeat", "RUW val mean F_avg", "Russia / Ukraine",
                    "mean", "library default", "seconds"], rows),
        f"Chosen: {p['chosen']}.",
    ])


if __name__ == "__main__":
    raise SystemExit(main())
