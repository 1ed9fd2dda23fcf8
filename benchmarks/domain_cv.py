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
- ``svc``: word 1-2 + char_wb 2-5 TF-IDF (sublinear, min_df=2) + ``LinearSVC(class_weight="balanced", random_state=0)`` per label;
- ``stance``: this library's training recipe (:func:`stance.model.stance_model.fit_model`) with the shipped model's
  parameters (``stance.training.DEFAULT_*``); ``--ideas`` adds the variants tried for the stance model.

Usage::

    python benchmarks/domain_cv.py [--data-root DIR] [--corpus grown|round1] [--ideas] [--jobs 2]
        [--source-balance 0.5] [--json benchmarks/results/domain_cv.json]
        [--word-vectors DIR [--word-vector-weight 1.0] [--word-vector-features pooled|clusters|both]]
        [--stance-only]

``--word-vectors DIR`` (a table of ``benchmarks/word_vectors.py``) switches on the pooled
word-vector block of both estimators of our recipe (``word_vectors=DIR``); the other systems
are unchanged. ``--word-vector-features clusters`` (or ``both``) gives the bag of word clusters
instead of (or beside) the pooled vector; the table must have clusters (``_c<K>`` tables). ``--stance-only`` fits only the recipe's stance classifier on the same splits
(about a third of the cost; its stance figures "as predicted" equal the full recipe's: the
``idea:ovr+balance0.5`` row of ``domain_cv_ideas.json`` is the recipe's ``stance`` row, figure for figure).

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

from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, load_domain_grown  # noqa: E402
from stance.evaluation import evaluate_by_group, evaluate_predictions  # noqa: E402
from stance.estimators.linear import topics_to_indicator  # noqa: E402
from stance.training import DEFAULT_SOURCE_BALANCE, DEFAULT_STANCE_PARAMS, DEFAULT_TOPIC_PARAMS  # noqa: E402
from stance.training import predict_held_out  # noqa: E402

N_FOLDS = 5
#: The on-period sources of ``domain/unlabeled_2022.jsonl``.
SOURCES_2022 = ("kremlin2022", "president_ua", "whitehouse")

#: Sources pooled like the external held-out sets: on-period documents, and news articles.
POOLED_GROUPS = {"on_period_2022": SOURCES_2022, "news": ("allsides", "semeval23")}

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
    return features, lambda: LinearSVC(class_weight="balanced", random_state=0)


def _baseline_split(make, X, Y, S, train, test):
    """One split of a baseline: the features are fitted once, then one classifier per label."""
    features, classifier = make()
    A_train, A_test = features.fit_transform(X[train]), features.transform(X[test])
    Y_pred = np.zeros((len(test), Y.shape[1]), dtype=bool)
    for j in range(Y.shape[1]):
        y = Y[train, j]
        Y_pred[:, j] = classifier().fit(A_train, y).predict(A_test).astype(bool) if 0 < y.sum() < len(y) else y[0]
    return Y_pred, list(classifier().fit(A_train, S[train]).predict(A_test))


def _stance_split(data, train, test, fit_params):
    """One split of a stance-only variant: the stance classifier of the recipe with other parameters."""
    from stance.estimators.linear import StanceClassifier, balanced_sample_weight

    part, held = data.subset(train), data.subset(test)
    weights = None
    if fit_params.get("source_balance", 0) > 0:
        weights = balanced_sample_weight(part.sources, part.stances, power=fit_params["source_balance"])
    clf = StanceClassifier(labels=DOMAIN_STANCES, random_state=0, **fit_params.get("stance_params", {}))
    clf.fit(part.texts, part.stances, groups=part.docs, sample_weight=weights)
    return list(clf.predict(held.texts))


def _predict(system, data, splits, jobs, fit_params=None, topic_cache=None):
    """Pooled predictions of ``system`` over ``splits`` (test parts must not overlap).

    With ``topic_cache`` (topic predictions of the same splits), only the stance model is fitted.
    """
    if system == "stance" and topic_cache is not None:
        outs = Parallel(n_jobs=jobs)(delayed(_stance_split)(data, tr, te, fit_params) for tr, te in splits)
        s_pred: list = [None] * len(data)
        for (_, test), sp_ in zip(splits, outs):
            for i, s in zip(test, sp_):
                s_pred[i] = s
        return topic_cache, s_pred
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
    # macro-F1 over the stances these paragraphs have (a source without `against` is not scored on it),
    # as in the per-source figures
    out["stance_macro_f1"] = evaluate_by_group(Y_true, Y_pred[rows], truth, pred, ["all"] * len(rows),
                                               topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)["all"]["stance_macro_f1"]
    out["topic_f1"] = {t: v["f1"] for t, v in m["topics"].items()}
    out["stance_f1"] = {s: v["f1"] for s, v in m["stances"].items()}
    out["confusion"] = m["confusion"]["matrix"]
    if by_source:
        out["by_source"] = evaluate_by_group(Y_true, Y_pred[rows], truth, pred, [data.sources[i] for i in rows],
                                             topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
    return out


def evaluate_system(system, data, cv_splits, holdouts, jobs, fit_params=None, topic_cache=None) -> dict:
    """Grouped CV (pooled and per source) and every leave-sources-out experiment, with and without the rule.

    ``topic_cache`` (``{"cv": Y, name: Y}`` from an earlier run of the recipe) skips the topic fits:
    the stance-only variants of ``IDEAS`` share the recipe's topic predictions.
    """
    start = time.perf_counter()
    cache = topic_cache or {}
    Y_cv, s_cv = _predict(system, data, cv_splits, jobs, fit_params, cache.get("cv"))
    held = {}
    if system == "stance" and topic_cache is not None:  # stance-only: every held-out fit in one parallel batch
        outs = Parallel(n_jobs=jobs)(delayed(_stance_split)(data, tr, te, fit_params) for tr, te in holdouts.values())
        for (name, (_, test)), s_pred in zip(holdouts.items(), outs):
            full = [None] * len(data)
            for i, v in zip(test, s_pred):
                full[i] = v
            held[name] = (cache[name], full, test)
    for name, (train, test) in holdouts.items():
        if name in held:
            continue
        held[name] = _predict(system, data, [(train, test)], jobs, fit_params, cache.get(name)) + (test,)
    topic_predictions = {"cv": Y_cv, **{name: h[0] for name, h in held.items()}}
    results = {}
    for rule in (False, True):
        s_cv_r = _no_topic_none(Y_cv, s_cv) if rule else s_cv
        res = {"cv": _score(data, range(len(data)), Y_cv, s_cv_r, by_source=True), "held_out": {}}
        # the grouped-CV predictions pooled over the paragraphs like each external held-out set
        res["cv_pooled"] = {name: _score(data, [i for i, s in enumerate(data.sources) if s in group], Y_cv, s_cv_r,
                                         by_source=False)
                            for name, group in POOLED_GROUPS.items() if any(s in group for s in data.sources)}
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
    return results, topic_predictions


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


def run(data_root=None, corpus="grown", ideas=False, jobs=1, systems=("plain", "svc", "stance"),
        source_balance=DEFAULT_SOURCE_BALANCE, word_vectors: dict | None = None, stance_only: bool = False) -> dict:
    data = load_corpus(corpus, data_root)
    cv_splits, holdouts = splits_for(data)
    results = {"corpus": corpus, "n": len(data), "data_sha256": data.sha256,
               "sources": {s: data.sources.count(s) for s in sorted(set(data.sources))},
               "folds": f"GroupKFold(n_splits={N_FOLDS}) by doc", "systems": {}}
    wv = word_vectors or {}  # e.g. {"word_vectors": DIR, "word_vector_weight": 1.0}
    recipe = {"topic_params": {**DEFAULT_TOPIC_PARAMS, **wv}, "stance_params": {**DEFAULT_STANCE_PARAMS, **wv},
              "source_balance": source_balance}
    todo = [(s, recipe if s == "stance" else None) for s in systems]
    if ideas and "stance" not in systems:
        raise ValueError("--ideas reuses the topic predictions of the 'stance' system: include it in --systems")
    if ideas:
        todo += [(f"idea:{name}", {"topic_params": recipe["topic_params"], **params,
                                   "stance_params": {**recipe["stance_params"], **params["stance_params"]}})
                 for name, params in IDEAS.items()]
    topic_cache = None
    if stance_only:  # no topic model: empty topic predictions, the stance classifier of each recipe alone
        todo = [(f"idea:{name}" if name == "stance" else name, params) for name, params in todo]
        empty = np.zeros((len(data), len(DOMAIN_TOPICS)), dtype=bool)
        topic_cache = {"cv": empty, **{name: empty for name in holdouts}}
    for name, params in todo:
        system = "stance" if name.startswith("idea:") else name
        res, topic_predictions = evaluate_system(system, data, cv_splits, holdouts, jobs, params,
                                                 topic_cache if name.startswith("idea:") else None)
        if name == "stance":
            topic_cache = topic_predictions
        if params is not None:
            res["params"] = params
        if stance_only:
            del res["no_topic_none"]
            res["stance_only"] = "topic model not fitted: topic figures are not meaningful"
        results["systems"][name] = res
        for rule in ("as_predicted",) if stance_only else ("as_predicted", "no_topic_none"):
            print(_line(f"{name}{'+rule' if rule != 'as_predicted' else ''}", res[rule]), flush=True)
    return results


#: The external held-out sets' targets (topic micro-F1, stance macro-F1) that the pooled CV stands in for.
HELD_OUT_TARGETS = {"on_period_2022": (0.75, 0.68), "news": (0.75, 0.62)}


def _f(v):
    return "" if v is None else f"{v:.3f}"


def render_markdown(*runs: dict) -> str:
    """Markdown tables of one or more runs (e.g. the round-1 corpus and the grown one).

    ``benchmarks/render_results.py`` writes them into ``RESULTS.md``.

    A run made with ``--systems stance --ideas`` (no baselines) appears in the ideas table only.
    """
    out = []
    idea_runs = [run for run in runs if any(name.startswith("idea:") for name in run["systems"])]
    runs, all_runs = [run for run in runs if run not in idea_runs], runs
    sources = sorted({s for run in runs for s in run["sources"]})
    out.append("Corpus sizes: " + "; ".join(
        f"{run['corpus']}: {run['n']:,} paragraphs ({', '.join(f'{k} {v:,}' for k, v in run['sources'].items())})"
        for run in runs) + ".")
    out += [f"\n`{run['corpus']}`: {run['note']}." for run in all_runs if run.get("note")]
    rows = []
    for run in runs:
        for name, res in run["systems"].items():
            r = res["as_predicted"]
            per = r["cv"]["by_source"]
            rows.append([f"{name} ({run['corpus']})", _f(r["cv"]["topic_micro_f1"]), _f(r["cv"]["stance_macro_f1"])]
                        + [_f(per[s]["stance_macro_f1"]) if s in per else "" for s in sources]
                        + [_f(float(np.mean([v["stance_macro_f1"] for v in per.values()])))])
    out.append("\n**Grouped 5-fold CV by article**: pooled topic micro-F1 and stance macro-F1, then stance "
               "macro-F1 within each source (over the stances the source has):\n")
    out.append(_table(["system (corpus)", "topic µF1", "stance mF1"] + sources + ["mean of sources"], rows))
    rows = []
    for run in runs:
        for name, res in run["systems"].items():
            per = res["as_predicted"]["cv"]["by_source"]
            cells = []
            for s in sources:
                rec = per.get(s, {}).get("recall", {})
                cells.append(" / ".join(_f(rec.get(k)) if k in rec else "–" for k in ("favor", "against")))
            rows.append([f"{name} ({run['corpus']})"] + cells)
    out.append("\n**Recall of `favor` / `against` within each source** (grouped CV; – where the source has none):\n")
    out.append(_table(["system (corpus)"] + sources, rows))
    held = sorted({h for run in runs for res in run["systems"].values() for h in res["as_predicted"]["held_out"]},
                  key=lambda h: (h == "all_2022", h))
    rows = []
    for run in runs:
        for name, res in run["systems"].items():
            ho = res["as_predicted"]["held_out"]
            rows.append([f"{name} ({run['corpus']})"]
                        + [f"{_f(ho[h]['stance_macro_f1'])} / {_f(ho[h]['topic_micro_f1'])}" if h in ho else ""
                           for h in held]
                        + [_f(res["as_predicted"]["selection"]["stance"]), _f(res["as_predicted"]["selection"]["topic"])])
    out.append("\n**Leave sources out**: train on every other source, test on the named one (`all_2022`: trained "
               "without the three on-period sources, tested on them); stance macro-F1 / topic micro-F1. The last "
               "two columns are the selection scores (mean of the per-source CV mean and the held-out mean):\n")
    out.append(_table(["system (corpus)"] + held + ["selection stance", "selection topic"], rows))
    rows = []
    for run in runs:
        for name, res in run["systems"].items():
            pooled = res["as_predicted"].get("cv_pooled")
            if not pooled:
                continue
            rows.append([f"{name} ({run['corpus']})"]
                        + [f"{_f(pooled[g]['topic_micro_f1'])} / {_f(pooled[g]['stance_macro_f1'])}" if g in pooled
                           else "" for g in POOLED_GROUPS])
    out.append("\n**Grouped CV pooled like the external held-out sets** (topic micro-F1 / stance macro-F1 over the "
               "on-period sources together, and over the news sources together):\n")
    out.append(_table(["system (corpus)", *POOLED_GROUPS], rows))
    ideas = [(run, name, res) for run in all_runs for name, res in run["systems"].items() if name.startswith("idea:")
             or (name == "stance" and run not in idea_runs)]
    if any(name.startswith("idea:") for _, name, _ in ideas):
        rows = []
        for run, name, res in ideas:
            for rule in ("as_predicted", "no_topic_none"):
                r = res[rule]
                rows.append([f"{name}{' + no-topic rule' if rule == 'no_topic_none' else ''} ({run['corpus']})",
                             _f(r["cv"]["stance_macro_f1"]),
                             _f(float(np.mean([v["stance_macro_f1"] for v in r["cv"]["by_source"].values()]))),
                             _f(float(np.mean([v["stance_macro_f1"] for v in r["held_out"].values()]))),
                             _f(r["held_out"].get("all_2022", {}).get("stance_macro_f1")),
                             _f(r["selection"]["stance"])])
        out.append("\n**Ideas for the stance model** (stance-only variants share the recipe's topic predictions; "
                   "`+ no-topic rule` forces `none` where no topic is predicted):\n")
        out.append(_table(["variant", "CV stance mF1", "mean per-source", "mean held-out", "all_2022",
                           "selection"], rows))
    return "\n".join(out) + "\n"


def _mean(values) -> float:
    values = list(values)
    return float(np.mean(values))


def render_highlights(round1: dict, grown: dict, ideas: dict) -> str:
    """What the tables show, as bullets whose every figure comes from the three runs."""
    ours, svc = grown["systems"]["stance"]["as_predicted"], grown["systems"]["svc"]["as_predicted"]
    before = round1["systems"]["stance"]["as_predicted"]

    def per_source(r):
        return _mean(v["stance_macro_f1"] for v in r["cv"]["by_source"].values())

    def held(r):
        return _mean(v["stance_macro_f1"] for v in r["held_out"].values())

    def cmp(a, b):
        return "better" if round(a, 3) > round(b, 3) else "worse" if round(a, 3) < round(b, 3) else "same"

    sel = {name: res["as_predicted"]["selection"]["stance"] for name, res in ideas["systems"].items()}
    rule_delta = max(abs(res["no_topic_none"]["selection"]["stance"] - res["as_predicted"]["selection"]["stance"])
                     for res in ideas["systems"].values())
    src = ours["cv"]["by_source"]

    def recall(source, stance):
        return f"{src[source]['recall'][stance]:.2f} ({src[source]['support'][stance]} paragraphs)"

    lines = [
        f"- **The shipped recipe** (`stance`, corpus `{grown['corpus']}`) against the SVC: mean per-source stance "
        f"macro-F1 {per_source(ours):.3f} against {per_source(svc):.3f} ({cmp(per_source(ours), per_source(svc))}), "
        f"held-out-source mean {held(ours):.3f} against {held(svc):.3f} ({cmp(held(ours), held(svc))}), pooled stance "
        f"macro-F1 {ours['cv']['stance_macro_f1']:.3f} against {svc['cv']['stance_macro_f1']:.3f} "
        f"({cmp(ours['cv']['stance_macro_f1'], svc['cv']['stance_macro_f1'])}), on-period sources pooled "
        f"{ours['cv_pooled']['on_period_2022']['stance_macro_f1']:.3f} against "
        f"{svc['cv_pooled']['on_period_2022']['stance_macro_f1']:.3f} "
        f"({cmp(ours['cv_pooled']['on_period_2022']['stance_macro_f1'], svc['cv_pooled']['on_period_2022']['stance_macro_f1'])}).",
        f"- **Across speakers**: trained without the three on-period sources, ours scores "
        f"{ours['held_out']['all_2022']['stance_macro_f1']:.3f} on them; trained with them (grouped CV), "
        f"{ours['cv_pooled']['on_period_2022']['stance_macro_f1']:.3f} pooled. Model ideas (selection score, run "
        f"`{ideas['corpus']}`): one-vs-rest {sel['idea:ovr']:.3f}, with source weights 0.5 "
        f"{sel['idea:ovr+balance0.5']:.3f}, two-stage {sel['idea:two_stage']:.3f} ({sel['idea:two_stage+balance0.5']:.3f} "
        f"with weights 0.5); the guideline's \"no topic → `none`\" rule moves a selection score by at most "
        f"{rule_delta:.3f}, so the model does not apply it.",
        f"- **Sides within a source** (recall, with the number of such paragraphs): White House `favor` "
        f"{recall('whitehouse', 'favor')}, Kremlin `against` {recall('kremlin', 'against')} and 2022 "
        f"{recall('kremlin2022', 'against')}; `favor` on Kremlin texts of 2000–2020 {recall('kremlin', 'favor')} and of "
        f"2022 {recall('kremlin2022', 'favor')}; `against` on Ukrainian {recall('president_ua', 'against')} and White "
        f"House texts {recall('whitehouse', 'against')}. Cells of a few paragraphs say little.",
    ]
    pooled_rows = []
    for group, (t_topic, t_stance) in HELD_OUT_TARGETS.items():
        now, then = ours["cv_pooled"][group], before.get("cv_pooled", {}).get(group)
        met = now["topic_micro_f1"] >= t_topic and now["stance_macro_f1"] >= t_stance
        pooled_rows.append(f"{group} {now['topic_micro_f1']:.3f} / {now['stance_macro_f1']:.3f} (targets {t_topic} / "
                           f"{t_stance}: {'met' if met else 'not met'} by this proxy"
                           + (f"; `{round1['corpus']}` before: {then['topic_micro_f1']:.3f} / "
                              f"{then['stance_macro_f1']:.3f}" if then else "") + ")")
    lines.append("- **Proxies for the external held-out sets** (grouped CV pooled like them, topic micro-F1 / stance "
                 "macro-F1): " + "; ".join(pooled_rows) + ".")
    return "\n".join(lines) + "\n"


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--corpus", choices=("grown", "round1"), default="grown")
    parser.add_argument("--ideas", action="store_true", help="also run the variants of IDEAS")
    parser.add_argument("--systems", default="plain,svc,stance")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--source-balance", type=float, default=DEFAULT_SOURCE_BALANCE,
                        help="source x stance weights of our recipe (0: the recipe of stance 1.0)")
    parser.add_argument("--json", default=None, help="write all metrics to this file")
    parser.add_argument("--word-vectors", default=None, metavar="DIR",
                        help="word-vector directory (benchmarks/word_vectors.py): our recipe gets the pooled block")
    parser.add_argument("--word-vector-weight", type=float, default=1.0, metavar="W",
                        help="scale of the word-vector block (default: 1.0)")
    parser.add_argument("--word-vector-features", choices=("pooled", "clusters", "both"), default="pooled",
                        help="what the word-vector block holds (default: pooled)")
    parser.add_argument("--stance-only", action="store_true",
                        help="the cheapest per-source mode: fit only the stance classifiers of our recipe (no topic "
                             "model, no +rule rows; its stance figures equal the full recipe's)")
    args = parser.parse_args(argv)
    wv = None
    if args.word_vectors:
        wv = {"word_vectors": str(Path(args.word_vectors).resolve()), "word_vector_weight": args.word_vector_weight}
        if args.word_vector_features != "pooled":
            wv["word_vector_features"] = args.word_vector_features
    results = run(args.data_root, args.corpus, args.ideas, args.jobs, tuple(s for s in args.systems.split(",") if s),
                  args.source_balance, wv, args.stance_only)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    if "stance" in results["systems"] and not args.stance_only:
        ours = results["systems"]["stance"]["as_predicted"]
        print(f"domain_cv topic_micro_f1 {ours['cv']['topic_micro_f1']:.3f} "
              f"stance_macro_f1 {ours['cv']['stance_macro_f1']:.3f} "
              f"selection_stance {ours['selection']['stance']:.3f} selection_topic {ours['selection']['topic']:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
