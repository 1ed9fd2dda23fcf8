"""Does the grown domain corpus help? Before/after comparison, cross-validated by article.

Two measurements, each for the plain scikit-learn pipeline (``TfidfVectorizer()`` +
``LogisticRegression()`` per label) and for this library's recipe (``stance train``):

1. **Same test folds.** ``GroupKFold(5)`` over the articles (``doc``) of ``domain/train.jsonl``,
   the folds of ``benchmarks/domain_cv.py``. "before" trains on the other folds of
   ``train.jsonl``; "after" trains on the same plus every paragraph of our labels
   (``datasets/domain/labels``) whose article is not in the test fold. Both are scored on the
   same held-out ``train.jsonl`` paragraphs, so the comparison isolates the effect of the new labels.
2. **Grown corpus.** ``GroupKFold(5)`` by article over ``train.jsonl`` plus our labels, scored on
   all held-out paragraphs (new ones included).

Usage::

    python benchmarks/domain_grown.py [--data-root DIR] [--json benchmarks/results/domain_grown.json]
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
from sklearn.pipeline import make_pipeline

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stance.training import fit_model  # noqa: E402
from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, load_domain, load_domain_grown  # noqa: E402
from stance.evaluation import evaluate_predictions  # noqa: E402
from stance.estimators.linear import topics_to_indicator  # noqa: E402
from stance.training import DEFAULT_STANCE_PARAMS, DEFAULT_TOPIC_PARAMS  # noqa: E402

N_FOLDS = 5


def _plain():
    return make_pipeline(TfidfVectorizer(), LogisticRegression())


def _predict(system: str, train, texts: list[str]):
    if system == "stance":
        model = fit_model(train, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES, topic_params=DEFAULT_TOPIC_PARAMS,
                          stance_params=DEFAULT_STANCE_PARAMS)
        res = model.classify(texts, evidence=0)
        return topics_to_indicator([r.topics for r in res], DOMAIN_TOPICS), [r.stance for r in res]
    Y = topics_to_indicator(train.topics, DOMAIN_TOPICS)
    X = np.asarray(train.texts, dtype=object)
    pred = np.zeros((len(texts), len(DOMAIN_TOPICS)), dtype=bool)
    for j in range(len(DOMAIN_TOPICS)):
        pred[:, j] = _plain().fit(X, Y[:, j]).predict(texts).astype(bool)
    return pred, list(_plain().fit(X, train.stances).predict(texts))


def _summary(m: dict) -> dict:
    keys = ("topic_micro_f1", "topic_macro_f1", "stance_macro_f1", "stance_f_avg")
    return {k: m[k] for k in keys} | {"topic_f1": {t: v["f1"] for t, v in m["topics"].items()},
                                      "stance_f1": {s: v["f1"] for s, v in m["stances"].items()}}


def run(data_root=None) -> dict:
    base = load_domain(data_root=data_root)
    grown = load_domain_grown(data_root=data_root)
    n_base = len(base)
    extra = grown.subset(range(n_base, len(grown)))
    results = {"train_examples": n_base, "new_examples": len(extra), "data_sha256": grown.sha256}
    folds = list(GroupKFold(n_splits=N_FOLDS).split(base.texts, groups=base.docs))
    Y_true = topics_to_indicator(base.topics, DOMAIN_TOPICS)
    for system in ("plain", "stance"):
        for variant in ("before", "after"):
            start = time.perf_counter()
            Y_pred = np.zeros_like(Y_true)
            s_pred: list = [None] * n_base
            for train_idx, test_idx in folds:
                train = base.subset(train_idx)
                if variant == "after":
                    held_docs = {base.docs[i] for i in test_idx}
                    keep = [i for i, d in enumerate(extra.docs) if d not in held_docs]
                    add = extra.subset(keep)
                    train = grown.subset(list(train_idx) + [n_base + i for i in keep]) if add else train
                Y_pred[test_idx], stances = _predict(system, train, [base.texts[i] for i in test_idx])
                for i, s in zip(test_idx, stances):
                    s_pred[i] = s
            m = evaluate_predictions(Y_true, Y_pred, base.stances, s_pred, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
            results[f"same_folds/{system}/{variant}"] = _summary(m) | {"seconds": round(time.perf_counter() - start, 1)}
            print(f"same folds {system:6s} {variant:6s} topic micro {m['topic_micro_f1']:.3f} macro "
                  f"{m['topic_macro_f1']:.3f} | stance macro {m['stance_macro_f1']:.3f} F_avg {m['stance_f_avg']:.3f}",
                  flush=True)
    folds = list(GroupKFold(n_splits=N_FOLDS).split(grown.texts, groups=grown.docs))
    Y_all = topics_to_indicator(grown.topics, DOMAIN_TOPICS)
    for system in ("plain", "stance"):
        Y_pred = np.zeros_like(Y_all)
        s_pred = [None] * len(grown)
        for train_idx, test_idx in folds:
            Y_pred[test_idx], stances = _predict(system, grown.subset(train_idx), [grown.texts[i] for i in test_idx])
            for i, s in zip(test_idx, stances):
                s_pred[i] = s
        m = evaluate_predictions(Y_all, Y_pred, grown.stances, s_pred, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
        results[f"grown_cv/{system}"] = _summary(m)
        print(f"grown cv   {system:6s}        topic micro {m['topic_micro_f1']:.3f} macro {m['topic_macro_f1']:.3f} | "
              f"stance macro {m['stance_macro_f1']:.3f} F_avg {m['stance_f_avg']:.3f}", flush=True)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=str(Path(__file__).resolve().parent / "results" / "domain_grown.json"))
    args = parser.parse_args(argv)
    results = run(args.data_root)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    a, b = results["same_folds/stance/after"], results["same_folds/stance/before"]
    print(f"domain_grown stance_macro_f1 {b['stance_macro_f1']:.3f}->{a['stance_macro_f1']:.3f} "
          f"topic_micro_f1 {b['topic_micro_f1']:.3f}->{a['topic_micro_f1']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
