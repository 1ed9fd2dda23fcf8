"""RUW (tweets on the Russia-Ukraine war, stance toward Russia and toward Ukraine): the library's StanceClassifier against peers.

Metrics on the test split, per target: F_avg (mean F1 of favor and against,
percent) and macro-F1 over favor/against/none; the headline F_avg is the mean
of the two targets' F_avg. The RUW README reports one number per model for
RUW without naming the metric; we compare our mean F_avg with it.

Our model ("ours") is ``stance.StanceClassifier`` with its default parameters,
fitted with ``targets=`` on train + val (each tweet gives two rows, one per
target) and evaluated once on test. Its defaults for the targets path were
chosen by ``benchmarks/target_defaults.py`` (train -> val here, CV on
SemEval-2016 train + val). Peers: the plain scikit-learn pipeline, fastText and
spaCy's bag-of-words textcat (one model per target each, when installed).

Usage::

    python benchmarks/ruw.py [--data-root DIR]
    python benchmarks/ruw.py --word-vectors benchmarks/.cache/word_vectors/tweets

With ``--word-vectors`` only our model runs, without and with the word-vector block
(its weight, or no block, chosen by the internal out-of-fold score on train + val;
see ``_common.word_vector_trials``); results go to ``ruw_word_vectors.json``.

The last line printed is the headline, e.g. ``ruw F_avg 60.12``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from sklearn.metrics import confusion_matrix

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common as C  # noqa: E402
from semeval2016 import fit_ours, per_target_fit_predict  # noqa: E402

from stance.datasets.benchmarks import RUW_TARGETS, load_ruw  # noqa: E402
from stance.evaluation import f_avg  # noqa: E402

NAME = "ruw"
LABELS = ("favor", "against", "none")
ANCHORS = [  # RUW README, "RUW (%)" column (metric not named there)
    ("DT", 37.83), ("KNN", 39.29), ("LSTM", 41.30), ("BiLSTM", 42.08), ("BiCE", 49.99), ("BERT", 54.13),
    ("BERT-A", 56.40), ("CKD", 58.74), ("KDCL", 78.21),
]
FASTTEXT_PARAMS = {"epoch": 25, "lr": 0.5, "wordNgrams": 2, "dim": 50, "minCount": 1}
SPACY_PARAMS = {"epochs": 10, "ngram_size": 2}


def score(y_true, y_pred, targets) -> dict:
    y_true, y_pred, targets = np.asarray(y_true), np.asarray(y_pred), np.asarray(targets)
    per = {}
    for t in sorted(set(targets)):
        m = targets == t
        per[t] = {"f_avg": round(100 * f_avg(y_true[m], y_pred[m]), 2),
                  "macro_f1": round(100 * C.macro_f1(y_true[m], y_pred[m], LABELS), 2),
                  "per_class": C.per_class(y_true[m], y_pred[m], LABELS),
                  "confusion": {"labels": list(LABELS),
                                "matrix": confusion_matrix(y_true[m], y_pred[m], labels=list(LABELS)).tolist()}}
    return {"f_avg": round(float(np.mean([v["f_avg"] for v in per.values()])), 2),
            "macro_f1": round(float(np.mean([v["macro_f1"] for v in per.values()])), 2),
            "per_target": per}


def main(argv=None) -> int:
    args = C.parser(__doc__.splitlines()[0]).parse_args(argv)
    C.seed_everything()
    notes: list[str] = []
    with C.Timer() as total:
        train, val, test = (load_ruw(s, data_root=args.data_root) for s in ("train", "val", "test"))
        full = type(train)(name=NAME, split="train+val", texts=train.texts + val.texts,
                           targets=train.targets + val.targets, stances=train.labels + val.labels,
                           ids=train.ids + val.ids)

        if args.word_vectors:
            return word_vector_run(args, full, test, total)
        results: dict = {}
        with C.Timer() as t:
            ours = fit_ours(full.texts, full.labels, full.targets)
            pred = ours.predict(test.texts, targets=test.targets)
        results["ours"] = {**score(test.labels, pred, test.targets), "seconds": t.seconds,
                           "params": C.jsonable_params(ours), "cv_macro_f1": round(float(ours.cv_macro_f1_), 4)}
        C.log(f"ours: F_avg {results['ours']['f_avg']} ({t.seconds}s)")

        with C.Timer() as t:
            pred = per_target_fit_predict(C.plain_peer, full, test)
        results["plain_per_target"] = {**score(test.labels, pred, test.targets), "seconds": t.seconds}

        for key, available, fn, params, skip in (
            ("fasttext", C.fasttext_available, C.fasttext_peer, FASTTEXT_PARAMS, args.no_fasttext),
            ("spacy_bow", C.spacy_available, C.spacy_bow_peer, SPACY_PARAMS, args.no_spacy),
        ):
            if skip:
                continue
            ok, why = available()
            if not ok:
                notes.append(why)
                print(f"note: {why}")
                continue
            with C.Timer() as t:
                pred = per_target_fit_predict(lambda a, b, c, fn=fn, params=params: fn(a, b, c, **params), full, test)
            results[key] = {**score(test.labels, pred, test.targets), "seconds": t.seconds, "params": params,
                            "input": "one model per target"}
            C.log(f"{key}: F_avg {results[key]['f_avg']}")

    payload = {
        "benchmark": NAME,
        "metric": "per target: F_avg (mean F1 favor/against, %) and macro-F1 (%); headline = mean over targets",
        "date": C.today(), "command": C.command_line(), "seconds": total.seconds,
        "data": {"train_rows": len(train), "val_rows": len(val), "test_rows": len(test),
                 "targets": list(RUW_TARGETS),
                 "test_labels": {t: test.for_target(t).label_counts() for t in RUW_TARGETS}},
        "selection": {"method": "library defaults, chosen by benchmarks/target_defaults.py (train -> val)"},
        "results": results, "anchors": dict(ANCHORS), "notes": notes, "environment": C.environment(),
    }
    if not args.no_chart:
        note = chart(payload, Path(args.out_dir))
        if note:
            notes.append(note)
            print(f"note: {note}")
    C.write_results(NAME, payload, render_markdown(payload), args.out_dir)
    print(f"{NAME} F_avg {results['ours']['f_avg']:.2f}")
    return 0


SYSTEM_NAMES = {
    "ours": "**ours**: stance.StanceClassifier(targets=...), default parameters",
    "plain_per_target": "plain TfidfVectorizer() + LogisticRegression(), one per target",
    "fasttext": "fastText, one per target",
    "spacy_bow": "spaCy TextCatBOW.v3, one per target",
}


def word_vector_run(args, full, test, total) -> int:
    """``--word-vectors``: our model without and with the block, the choice scored once on test."""
    ours, record = C.word_vector_trials(args, lambda params: fit_ours(full.texts, full.labels, full.targets,
                                                                      **params))
    payload = C.word_vector_payload(NAME, "mean over targets of F_avg (mean F1 favor/against, %)", ours, record,
                                    test, score, total)
    results = payload["results"]
    C.write_results(f"{NAME}_word_vectors", payload,
                    f"RUW with `--word-vectors`: chosen weight {record['chosen_weight']}, test F_avg "
                    f"{results['ours']['f_avg']:.2f} (`{payload['command']}`, {payload['date']}).", args.out_dir)
    print(f"{NAME} (word vectors: {record['chosen_weight']}) F_avg {results['ours']['f_avg']:.2f}")
    return 0


def render_markdown(p: dict) -> str:
    r = p["results"]
    rows = []
    for key, res in r.items():
        pt = res["per_target"]
        rows.append([SYSTEM_NAMES.get(key, key), f"{res['f_avg']:.2f}",
                     " / ".join(f"{pt[t]['f_avg']:.2f}" for t in RUW_TARGETS),
                     " / ".join(f"{pt[t]['macro_f1']:.2f}" for t in RUW_TARGETS), res["seconds"]])
    for name, val in ANCHORS:
        rows.append([f"published (RUW README): {name}", f"{val:.2f}", "", "", ""])
    ours = r["ours"]["f_avg"]
    bert = dict(ANCHORS)["BERT"]
    return "\n\n".join([
        "## RUW (Russia-Ukraine war tweets, targets Russia and Ukraine)",
        f"The library's `StanceClassifier(targets=...)` with its default parameters: mean F_avg **{ours:.2f}** "
        f"({'beats' if ours > bert else 'does not beat'} the README's BERT, {bert}). "
        f"Run {p['date']}, {p['seconds']} s in total: `{p['command']}`.",
        C.md_table(["system", "mean F_avg", "F_avg Russia / Ukraine", "macro-F1 Russia / Ukraine", "seconds"], rows),
        "The RUW README gives one percentage per model on RUW without naming the metric; it is shown in the "
        "mean F_avg column for orientation only.",
        "### The model",
        "Trained on train + val (each tweet twice, once per target), scored once on test. With targets, "
        "`StanceClassifier` learns a shared and a per-target weight for every n-gram, keeps both rows of a tweet "
        "in one internal fold and tunes its decision for F_avg; its defaults were chosen by "
        "`benchmarks/target_defaults.py` (train -> val here, CV on SemEval-2016).",
        ("Notes: " + "; ".join(p["notes"])) if p["notes"] else "",
    ])


def chart(p: dict, out_dir: Path) -> str | None:
    out_dir.mkdir(parents=True, exist_ok=True)
    items = [(SYSTEM_NAMES.get(k, k).replace("**", ""), v["f_avg"], k == "ours") for k, v in p["results"].items()]
    items += [(f"RUW README: {n}", v, False) for n, v in ANCHORS]
    items.sort(key=lambda x: -x[1])
    for target, res in p["results"]["ours"]["per_target"].items():
        C.confusion_chart(out_dir / f"{NAME}_confusion_{target.lower()}.png", f"RUW test, ours, target {target}",
                          res["confusion"]["labels"], res["confusion"]["matrix"])
    return C.bar_chart(out_dir / f"{NAME}.png", "RUW test, mean F_avg over Russia and Ukraine",
                       [i[0] for i in items], [i[1] for i in items], highlight=[i[2] for i in items],
                       xlabel="F_avg (%)")


if __name__ == "__main__":
    raise SystemExit(main())
