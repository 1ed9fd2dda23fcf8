"""Cross-validate the shipped model's recipe against two scikit-learn baselines on the domain corpus.

Five folds grouped by article (the ``doc`` field, ``GroupKFold``), the same
folds for every system; each system is fitted on four folds and scored on the
held-out articles of the fifth. Reports topic micro/macro-F1 and stance
macro-F1 and F_avg on the pooled out-of-fold predictions.

Systems:
- ``plain``: ``TfidfVectorizer()`` + ``LogisticRegression()`` per label (one per topic, one for stance);
- ``svc``: word 1-2 + char_wb 2-5 TF-IDF (sublinear, min_df=2) + ``LinearSVC(class_weight="balanced")`` per label;
- ``stance``: this library's :func:`stance.training.cross_validate` with the shipped model's parameters
  (the recipe of ``stance train``: thresholds and calibration tuned inside each training fold).

Usage::

    python benchmarks/domain_cv.py [--data-root DIR] [--json OUT.json]

The last line printed is the headline for our model.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline, make_union
from sklearn.svm import LinearSVC

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.datasets import DOMAIN_STANCES, DOMAIN_TOPICS, load_domain  # noqa: E402
from stance.evaluation import evaluate_predictions  # noqa: E402
from stance.models import topics_to_indicator  # noqa: E402
from stance.training import DEFAULT_STANCE_PARAMS, DEFAULT_TOPIC_PARAMS, cross_validate  # noqa: E402

N_FOLDS = 5


def _per_label(make, X_train, Y_train, S_train, X_test):
    Y_pred = np.zeros((len(X_test), Y_train.shape[1]), dtype=bool)
    for j in range(Y_train.shape[1]):
        Y_pred[:, j] = make().fit(X_train, Y_train[:, j]).predict(X_test).astype(bool)
    return Y_pred, make().fit(X_train, S_train).predict(X_test)


def plain():
    return make_pipeline(TfidfVectorizer(), LogisticRegression())


def svc():
    features = make_union(
        TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2),
    )
    return make_pipeline(features, LinearSVC(class_weight="balanced"))


def run(data_root=None) -> dict:
    data = load_domain(data_root=data_root)
    X = np.asarray(data.texts, dtype=object)
    Y = topics_to_indicator(data.topics, DOMAIN_TOPICS)
    S = np.asarray(data.stances, dtype=object)
    folds = list(GroupKFold(n_splits=N_FOLDS).split(X, S, data.docs))
    results = {}
    for name in ("plain", "svc", "stance"):
        Y_pred = np.zeros_like(Y)
        S_pred = np.empty(len(S), dtype=object)
        start = time.perf_counter()
        for train, test in folds:
            if name != "stance":
                Y_pred[test], S_pred[test] = _per_label(plain if name == "plain" else svc, X[train], Y[train], S[train], X[test])
        if name == "stance":  # the same GroupKFold folds, inside the library's own cross-validation
            metrics = cross_validate(data, n_splits=N_FOLDS, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES,
                                     topic_params=DEFAULT_TOPIC_PARAMS, stance_params=DEFAULT_STANCE_PARAMS)
        else:
            metrics = evaluate_predictions(Y, Y_pred, S, S_pred, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
        metrics["seconds"] = round(time.perf_counter() - start, 1)
        results[name] = metrics
        print(f"{name:7s} topic micro-F1 {metrics['topic_micro_f1']:.3f} macro-F1 {metrics['topic_macro_f1']:.3f} | "
              f"stance macro-F1 {metrics['stance_macro_f1']:.3f} F_avg {metrics['stance_f_avg']:.3f} | "
              f"{metrics['seconds']}s", flush=True)
    results["data_sha256"] = data.sha256
    results["folds"] = f"GroupKFold(n_splits={N_FOLDS}) by doc"
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=None, help="write all metrics to this file")
    args = parser.parse_args(argv)
    results = run(args.data_root)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    ours = results["stance"]
    print(f"domain_cv topic_micro_f1 {ours['topic_micro_f1']:.3f} stance_macro_f1 {ours['stance_macro_f1']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
