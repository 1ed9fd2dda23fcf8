"""Two models side by side on the same labelled paragraphs: per label, per group, and what changed.

After a round of labelling, the question is whether the retrained model is
better where it matters: per stance and per topic, in each outlet or source,
and on which paragraphs its answer changed (fixed or broken). This is what
``stance compare`` prints.

Examples
--------
>>> import stance
>>> from stance.datasets import LabelledData
>>> data = LabelledData(texts=["NATO must not expand east, Moscow said.", "Talks were held in Geneva."],
...                     topics=[["nato_expansion"], ["diplomacy"]], stances=["favor", "none"],
...                     targets=[None, None], docs=["d1", "d2"], ids=["p1", "p2"], sources=[None, None])
>>> model = stance.load_model()
>>> report = compare_models(model, model, data)
>>> report["n"], report["changed"], report["delta"]["stance_macro_f1"]
(2, [], 0.0)
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from ..exceptions import DataError, LabelError
from ..io.files import iter_jsonl

__all__ = ["compare_models", "format_comparison", "read_field"]

#: Changed paragraphs listed by :func:`format_comparison` (all of them are in the JSON report).
DEFAULT_MAX_CHANGED = 20


def read_field(path: str | os.PathLike, name: str) -> list:
    """The value of field ``name`` on each record of a JSON-lines file (``None`` where absent), blank lines skipped.

    The values line up with :func:`stance.datasets.read_labelled_jsonl` of the same file.
    """
    return [row.get(name) for _, row in iter_jsonl(path)]


def _present_macro_f1(metrics: dict, s_true: Sequence[str]) -> float:
    present = [s for s in metrics["stances"] if s in set(s_true)]
    return round(float(np.mean([metrics["stances"][s]["f1"] for s in present])), 4) if present else 0.0


def _predict(model, data):
    results = model.classify(data.texts, targets=data.targets if data.has_targets else None, evidence=0)
    return [r.topics for r in results], [r.stance for r in results]


def compare_models(model_a, model_b, data, *, groups: Sequence | None = None, group_name: str | None = None,
                   names: Sequence[str] | None = None) -> dict:
    """Score two models on the same labelled data and list the paragraphs whose prediction changed.

    Parameters
    ----------
    model_a, model_b : StanceModel
        The models to compare (typically before and after a round of labelling);
        they must have the same topics and stances.
    data : LabelledData
        Held-out labelled paragraphs (neither model trained on them).
    groups : sequence or None, default=None
        One value per paragraph (e.g. its outlet): metrics are also given per value.
    group_name : str or None, default=None
        What ``groups`` are (recorded in the report).
    names : sequence of two str or None, default=None
        Names of the models in the report (default: their manifest names, else ``A``, ``B``).

    Returns
    -------
    dict
        ``n``; ``models`` (names); ``a`` and ``b``:
        :func:`~stance.evaluation.evaluate_predictions` metrics plus
        ``stance_macro_f1_present`` (macro-F1 over the stances the data has);
        ``delta``: B minus A for the headline figures and per stance and per topic F1;
        ``by`` (with ``groups``): ``{"field", "groups": {value: {"n", "a", "b"}}}`` with
        :func:`~stance.evaluation.evaluate_by_group` metrics; ``changed``: one entry per
        paragraph whose stance or topic set changed, ``{"id", "truth", "a", "b",
        "stance": "fixed"|"broken"|"both wrong"|"same", "topics": ...}``; and
        ``changes``: counts of those.

    Raises
    ------
    LabelError
        If the models' label sets differ, or the data has a label the models do not know.
    DataError
        If ``groups`` does not have one value per paragraph.
    """
    from ..estimators import topics_to_indicator
    from ..evaluation import evaluate_by_group, evaluate_predictions

    topics, stances = list(model_a.topics), list(model_a.stances)
    if set(topics) != set(model_b.topics) or set(stances) != set(model_b.stances):
        raise LabelError(f"the models have different label sets: A topics {topics}, stances {stances}; "
                         f"B topics {list(model_b.topics)}, stances {list(model_b.stances)}")
    unknown = sorted({s for s in data.stances if s not in stances})
    if unknown:
        raise LabelError(f"'stance' must be one of {tuple(stances)!r}, got {unknown[0]!r} in the comparison data")
    if groups is not None and len(groups) != len(data):
        raise DataError(f"'groups' must have one value per paragraph ({len(data)}), got {len(groups)}")
    if names is None:
        names = [m.manifest.get("name") or default for m, default in ((model_a, "A"), (model_b, "B"))]
        if names[0] == names[1]:
            names = [f"{names[0]} (A)", f"{names[1]} (B)"]
    Y_true = topics_to_indicator(data.topics, topics)
    report: dict = {"n": len(data), "models": {"a": names[0], "b": names[1]}}
    preds = {}
    for side, model in (("a", model_a), ("b", model_b)):
        t_pred, s_pred = _predict(model, data)
        Y_pred = topics_to_indicator(t_pred, topics)
        m = evaluate_predictions(Y_true, Y_pred, data.stances, s_pred, topics=topics, stances=stances)
        m["stance_macro_f1_present"] = _present_macro_f1(m, data.stances)
        report[side] = m
        preds[side] = (t_pred, s_pred, Y_pred)
    a, b = report["a"], report["b"]
    report["delta"] = {
        **{k: round(b[k] - a[k], 4) for k in ("topic_micro_f1", "topic_macro_f1", "stance_macro_f1",
                                             "stance_macro_f1_present")},
        "stance_f1": {s: round(b["stances"][s]["f1"] - a["stances"][s]["f1"], 4) for s in stances},
        "topic_f1": {t: round(b["topics"][t]["f1"] - a["topics"][t]["f1"], 4) for t in topics},
    }
    if groups is not None:
        per = {side: evaluate_by_group(Y_true, preds[side][2], data.stances, preds[side][1], groups,
                                       topics=topics, stances=stances) for side in ("a", "b")}
        report["by"] = {"field": group_name, "groups": {
            g: {"n": per["a"][g]["n"], "a": per["a"][g], "b": per["b"][g]} for g in per["a"]}}
    changed = []
    counts = {"stance_changed": 0, "stance_fixed": 0, "stance_broken": 0, "topics_changed": 0, "topics_fixed": 0,
              "topics_broken": 0}
    order = {t: j for j, t in enumerate(topics)}
    for i in range(len(data)):
        ta, sa = preds["a"][0][i], preds["a"][1][i]
        tb, sb = preds["b"][0][i], preds["b"][1][i]
        if sa == sb and set(ta) == set(tb):
            continue
        truth_t = sorted(data.topics[i], key=lambda t: order.get(t, len(order)))
        entry = {"id": data.ids[i], "truth": {"topics": truth_t, "stance": data.stances[i]},
                 "a": {"topics": list(ta), "stance": sa}, "b": {"topics": list(tb), "stance": sb}}
        for kind, x, y, truth in (("stance", sa, sb, data.stances[i]),
                                  ("topics", set(ta), set(tb), set(data.topics[i]))):
            if x == y:
                entry[kind] = "same"
                continue
            counts[f"{kind}_changed"] += 1
            if y == truth:
                entry[kind] = "fixed"
                counts[f"{kind}_fixed"] += 1
            elif x == truth:
                entry[kind] = "broken"
                counts[f"{kind}_broken"] += 1
            else:
                entry[kind] = "both wrong"
        changed.append(entry)
    report["changes"] = counts
    report["changed"] = changed
    return report


def format_comparison(report: dict, *, max_changed: int = DEFAULT_MAX_CHANGED) -> str:
    """The report of :func:`compare_models` as plain text for a terminal."""
    a, b, d = report["a"], report["b"], report["delta"]
    name_a, name_b = report["models"]["a"], report["models"]["b"]
    present = [s for s, v in a["stances"].items() if v["support"] > 0]
    rows = [("stance macro-F1", a["stance_macro_f1"], b["stance_macro_f1"], d["stance_macro_f1"])]
    if len(present) < len(a["stances"]):
        rows.append((f"  over {', '.join(present)} (in the data)", a["stance_macro_f1_present"],
                     b["stance_macro_f1_present"], d["stance_macro_f1_present"]))
    rows += [(f"  F1 {s} ({a['stances'][s]['support']})", a["stances"][s]["f1"], b["stances"][s]["f1"],
              d["stance_f1"][s]) for s in a["stances"]]
    rows += [("topic micro-F1", a["topic_micro_f1"], b["topic_micro_f1"], d["topic_micro_f1"]),
             ("topic macro-F1", a["topic_macro_f1"], b["topic_macro_f1"], d["topic_macro_f1"])]
    rows += [(f"  F1 {t} ({a['topics'][t]['support']})", a["topics"][t]["f1"], b["topics"][t]["f1"],
              d["topic_f1"][t]) for t in a["topics"]]
    w = max(len(r[0]) for r in rows)
    lines = [f"paragraphs: {report['n']:,}    A: {name_a}    B: {name_b}", "",
             f"{'':{w}}  {'A':>6}  {'B':>6}  {'B-A':>7}"]
    lines += [f"{label:{w}}  {x:6.3f}  {y:6.3f}  {z:+7.3f}" for label, x, y, z in rows]
    if "by" in report:
        by = report["by"]
        gw = max([len(by["field"] or "group"), *(len(g) for g in by["groups"])])
        lines += ["", f"by {by['field'] or 'group'} (stance macro-F1 over the stances each group has; topic micro-F1)",
                  f"{(by['field'] or 'group'):{gw}}  {'n':>6}  {'stance A':>8}  {'stance B':>8}  {'topic A':>7}  "
                  f"{'topic B':>7}"]
        for g, v in by["groups"].items():
            lines.append(f"{g:{gw}}  {v['n']:6,}  {v['a']['stance_macro_f1']:8.3f}  {v['b']['stance_macro_f1']:8.3f}  "
                         f"{v['a']['topic_micro_f1']:7.3f}  {v['b']['topic_micro_f1']:7.3f}")
    c = report["changes"]
    still_wrong = c["stance_changed"] - c["stance_fixed"] - c["stance_broken"]
    lines += ["", f"stance changed on {c['stance_changed']:,} paragraphs: fixed {c['stance_fixed']:,}, broken "
                  f"{c['stance_broken']:,}, wrong both times {still_wrong:,}",
              f"topic set changed on {c['topics_changed']:,} paragraphs: fixed {c['topics_fixed']:,}, broken "
              f"{c['topics_broken']:,}"]
    stance_changes = [e for e in report["changed"] if e["stance"] != "same"]
    if stance_changes and max_changed:
        iw = max(2, *(len(str(e["id"])) for e in stance_changes[:max_changed]))
        lines += ["", f"{'id':{iw}}  {'truth':8}  {'A':8}  {'B':8}"]
        lines += [f"{e['id']:{iw}}  {e['truth']['stance']:8}  {e['a']['stance']:8}  {e['b']['stance']:8}  {e['stance']}"
                  for e in stance_changes[:max_changed]]
        if len(stance_changes) > max_changed:
            lines.append(f"... {len(stance_changes) - max_changed:,} more (--json for all)")
    return "\n".join(lines) + "\n"
