"""Domain evaluation that shows the source confound: grouped CV per source and leave-sources-out.

The corpus is ``domain/train.jsonl`` plus our labels (``datasets/domain/labels``, both rounds).
Three measurements, the same splits for every system:

1. **Grouped CV.** ``GroupKFold(5)`` by article (``doc``); metrics on the pooled out-of-fold
   predictions and **per source** (topic micro-F1, stance macro-F1 over the stances the source
   has, recall of ``favor`` and ``against``).
2. **Leave one source out.** For each source: train on every other source, test on it.
3. **Without 2022.** Train without the three on-period sources (``kremlin2022``, ``president_ua``,
   ``whitehouse``), test on them.

The selection score, used to choose settings (never the pooled score): the mean of (a) the mean
per-source stance macro-F1 of (1) and (b) the mean stance macro-F1 over the held-out sets of (2)
and (3); the same for topic micro-F1.

Systems:
- ``plain``: ``TfidfVectorizer()`` + ``LogisticRegression()`` per label (one per topic, one for stance);
- ``svc``: word 1-2 + char_wb 2-5 TF-IDF (sublinear, min_df=2) + ``LinearSVC(class_weight="balanced")`` per label;
- ``stance``: this library's training recipe (:func:`stance.api.fit_model`) with the shipped model's
  parameters (``stance.training.DEFAULT_*``); ``--ideas`` adds the variants tried for the stance model.

Usage::

    python benchmarks/domain_cv.py [--data-root DIR] [--corpus grown|round1] [--ideas] [--jobs 2]
        [--json benchmarks/results/domain_cv.json]

``--corpus round1`` drops the round-2 labels (the corpus before the on-period labels). The last line
printed is the headline for our model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from joblib import Parallel, delayed
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_union
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.datasets import DOMAIN_STANCES, DOMAIN_TOPICS, load_domain_grown  # noqa: E402
from stance.evaluation import evaluate_by_group, evaluate_predictions  # noqa: E402
from stance.models import topics_to_indicator  # noqa: E402
from stance.training import DEFAULT_SOURCE_BALANCE, DEFAULT_STANCE_PARAMS, DEFAULT_TOPIC_PARAMS  # noqa: E402
from stance.training import predict_held_out  # noqa: E402

N_FOLDS = 5
#: The on-period sources of ``domain/unlabeled_2022.jsonl``.
SOURCES_2022 = ("kremlin2022", "president_ua", "whitehouse")

#: Variants of our recipe tried for the stance model (``--ideas``); each is fit_model keyword arguments.
IDEAS = {
    "ovr": {"stance_params": {"heads": "ovr"}, "source_balance": 0.0},
    "ovr+balance0.5": {"stance_params": {"heads": "ovr"}, "source_balance": 0.5},
    "ovr+balance1": {"stance_params": {"heads": "ovr"}, "source_balance": 1.0},
    "two_stage": {"stance_params": {"heads": "two_stage"}, "source_balance": 0.0},
    "two_stage+balance0.5": {"stance_params": {"heads": "two_stage"}, "source_balance": 0.5},
    "two_stage+balance1": {"stance_params": {"heads": "two_stage"}, "source_balance": 1.0},
}


def plain():
    """Features and classifier of the plain baseline (scikit-learn defaults)."""
    return TfidfVectorizer(), LogisticRegression


def svc():
    """Features and classifier of the LinearSVC baseline."""
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    return features, lambda: LinearSVC(class_weight="balanced")


def _baseline_split(make, X, Y, S, train, test):
    """One split of a baseline: the features are fitted once, then one classifier per label."""
    features, classifier = make()
    A_train, A_test = features.fit_transform(X[train]), features.transform(X[test])
    Y_pred = np.zeros((len(test), Y.shape[1]), dtype=bool)
    for j in range(Y.shape[1]):
        y = Y[train, j]
        Y_pred[:, j] = classifier().fit(A_train, y).predict(A_test).astype(bool) if 0 < y.sum() < len(y) else y[0]
    return Y_pred, list(classifier().fit(A_train, S[train]).predict(A_test))


def _predict(system, data, splits, jobs, fit_params=None):
    """Pooled predictions of ``system`` over ``splits`` (test parts must not overlap)."""
    if system == "stance":
        return predict_held_out(data, splits, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES, n_jobs=jobs,
                                **fit_params)
    X = np.asarray(data.texts, dtype=object)
    Y = topics_to_indicator(data.topics, DOMAIN_TOPICS)
    S = np.asarray(data.stances, dtype=object)
    make = plain if system == "plain" else svc
    outs = Parallel(n_jobs=jobs)(delayed(_baseline_split)(make, X, Y, S, tr, te) for tr, te in splits)
    Y_pred = np.zeros_like(Y)
    s_pred: list = [None] * len(data)
    for (_, test), (yp, sp_) in zip(splits, outs):
        Y_pred[test] = yp
        for i, s in zip(test, sp_):
            s_pred[i] = s
    return Y_pred, s_pred


def _no_topic_none(Y_pred, s_pred):
    """The guideline's rule applied to predictions: a paragraph with no topic is ``none``."""
    return [s if Y_pred[i].any() else "none" for i, s in enumerate(s_pred)]


def _score(data, rows, Y_pred, s_pred, by_source):
    rows = list(rows)
    Y_true = topics_to_indicator([data.topics[i] for i in rows], DOMAIN_TOPICS)
    truth = [data.stances[i] for i in rows]
    pred = [s_pred[i] for i in rows]
    m = evaluate_predictions(Y_true, Y_pred[rows], truth, pred, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
    out = {k: m[k] for k in ("n", "topic_micro_f1", "topic_macro_f1", "stance_macro_f1", "stance_f_avg")}
    out["topic_f1"] = {t: v["f1"] for t, v in m["topics"].items()}
    out["stance_f1"] = {s: v["f1"] for s, v in m["stances"].items()}
    out["confusion"] = m["confusion"]["matrix"]
    if by_source:
        out["by_source"] = evaluate_by_group(Y_true, Y_pred[rows], truth, pred, [data.sources[i] for i in rows],
                                             topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
    return out


def evaluate_system(system, data, cv_splits, holdouts, jobs, fit_params=None) -> dict:
    """Grouped CV (pooled and per source) and every leave-sources-out experiment, with and without the rule."""
    start = time.perf_counter()
    Y_cv, s_cv = _predict(system, data, cv_splits, jobs, fit_params)
    held = {}
    for name, (train, test) in holdouts.items():
        held[name] = _predict(system, data, [(train, test)], jobs, fit_params) + (test,)
    results = {}
    for rule in (False, True):
        s_cv_r = _no_topic_none(Y_cv, s_cv) if rule else s_cv
        res = {"cv": _score(data, range(len(data)), Y_cv, s_cv_r, by_source=True), "held_out": {}}
        for name, (Y_h, s_h, test) in held.items():
            s_h_r = _no_topic_none(Y_h, s_h) if rule else s_h
            res["held_out"][name] = _score(data, test, Y_h, s_h_r, by_source=len(set(data.sources[i] for i in test)) > 1)
        per_source = res["cv"]["by_source"]
        res["selection"] = {
            "stance": round(float(np.mean([np.mean([v["stance_macro_f1"] for v in per_source.values()]),
                                           np.mean([v["stance_macro_f1"] for v in res["held_out"].values()])])), 4),
            "topic": round(float(np.mean([np.mean([v["topic_micro_f1"] for v in per_source.values()]),
                                          np.mean([v["topic_micro_f1"] for v in res["held_out"].values()])])), 4),
        }
        results["no_topic_none" if rule else "as_predicted"] = res
    results["seconds"] = round(time.perf_counter() - start, 1)
    return results


def _line(name, res):
    cv, sel = res["cv"], res["selection"]
    loso = res["held_out"]
    return (f"{name:22s} CV topic {cv['topic_micro_f1']:.3f} stance {cv['stance_macro_f1']:.3f} | "
            f"per-source stance " + " ".join(f"{s}:{v['stance_macro_f1']:.2f}" for s, v in cv["by_source"].items())
            + " | held-out stance " + " ".join(f"{n}:{v['stance_macro_f1']:.2f}" for n, v in loso.items())
            + f" | selection stance {sel['stance']:.3f} topic {sel['topic']:.3f}")


def load_corpus(corpus: str, data_root=None):
    data = load_domain_grown(data_root=data_root)
    if corpus == "round1":
        data = data.subset([i for i, s in enumerate(data.sources) if s not in SOURCES_2022])
    return data


def splits_for(data):
    cv_splits = list(GroupKFold(n_splits=N_FOLDS).split(data.texts, groups=data.docs))
    sources = np.asarray(data.sources, dtype=object)
    holdouts = {}
    for s in sorted(set(data.sources)):
        holdouts[s] = (np.flatnonzero(sources != s), np.flatnonzero(sources == s))
    in_2022 = np.isin(sources, SOURCES_2022)
    if in_2022.any() and not in_2022.all():
        holdouts["all_2022"] = (np.flatnonzero(~in_2022), np.flatnonzero(in_2022))
    return cv_splits, holdouts


def run(data_root=None, corpus="grown", ideas=False, jobs=1, systems=("plain", "svc", "stance")) -> dict:
    data = load_corpus(corpus, data_root)
    cv_splits, holdouts = splits_for(data)
    results = {"corpus": corpus, "n": len(data), "data_sha256": data.sha256,
               "sources": {s: data.sources.count(s) for s in sorted(set(data.sources))},
               "folds": f"GroupKFold(n_splits={N_FOLDS}) by doc", "systems": {}}
    recipe = {"topic_params": DEFAULT_TOPIC_PARAMS, "stance_params": DEFAULT_STANCE_PARAMS,
              "source_balance": DEFAULT_SOURCE_BALANCE}
    todo = [(s, recipe if s == "stance" else None) for s in systems]
    if ideas:
        todo += [(f"idea:{name}", {"topic_params": DEFAULT_TOPIC_PARAMS, **params}) for name, params in IDEAS.items()]
    for name, params in todo:
        system = "stance" if name.startswith("idea:") else name
        res = evaluate_system(system, data, cv_splits, holdouts, jobs, params)
        if params is not None:
            res["params"] = params
        results["systems"][name] = res
        for rule in ("as_predicted", "no_topic_none"):
            print(_line(f"{name}{'+rule' if rule != 'as_predicted' else ''}", res[rule]), flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--corpus", choices=("grown", "round1"), default="grown")
    parser.add_argument("--ideas", action="store_true", help="also run the variants of IDEAS")
    parser.add_argument("--systems", default="plain,svc,stance")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--json", default=None, help="write all metrics to this file")
    args = parser.parse_args(argv)
    results = run(args.data_root, args.corpus, args.ideas, args.jobs, tuple(s for s in args.systems.split(",") if s))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if "stance" in results["systems"]:
        ours = results["systems"]["stance"]["as_predicted"]
        print(f"domain_cv topic_micro_f1 {ours['cv']['topic_micro_f1']:.3f} "
              f"stance_macro_f1 {ours['cv']['stance_macro_f1']:.3f} "
              f"selection_stance {ours['selection']['stance']:.3f} selection_topic {ours['selection']['topic']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
