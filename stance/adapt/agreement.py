"""Agreement between two labelling passes: Cohen's kappa, Krippendorff's alpha, confusion.

Two people (or one person twice) label the same paragraphs independently; how
often they agree, beyond what chance would give, says how far the labels can be
trusted and where the guideline needs work. This is what ``stance agreement``
prints and what ``tools/agreement.py`` computes for our own rounds.

Examples
--------
>>> first = {"p1": {"topics": ["sanctions"], "stance": "against"},
...          "p2": {"topics": [], "stance": "none"},
...          "p3": {"topics": ["diplomacy"], "stance": "favor"}}
>>> second = {"p1": {"topics": ["sanctions"], "stance": "against"},
...           "p2": {"topics": [], "stance": "none"},
...           "p3": {"topics": ["diplomacy", "sanctions"], "stance": "none"}}
>>> report = agreement_report(first, second)
>>> report["n"], report["stance_agreement"], report["disagreements"]
(3, 0.667, ['p3'])
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np

from ..datasets import DOMAIN_STANCES, DOMAIN_TOPICS
from ..exceptions import DataError
from ..io.files import iter_jsonl
from .records import record_key

__all__ = [
    "agreement_report",
    "cohen_kappa",
    "format_agreement",
    "jaccard_distance",
    "krippendorff_alpha_sets",
    "read_label_passes",
]


def cohen_kappa(a: Sequence, b: Sequence) -> float | None:
    """Cohen's kappa of two raters' nominal labels of the same items.

    Parameters
    ----------
    a, b : sequence
        Labels of the same items, in the same order.

    Returns
    -------
    float or None
        ``None`` when undefined: both raters used one and the same value throughout.

    Examples
    --------
    >>> cohen_kappa(["x", "y", "x", "y"], ["x", "y", "x", "x"])
    0.5
    >>> cohen_kappa([True, True], [True, True]) is None
    True
    """
    from sklearn.metrics import cohen_kappa_score

    a, b = list(a), list(b)
    if len(a) != len(b):
        raise ValueError(f"the two raters must label the same items, got {len(a)} and {len(b)} labels")
    if len(set(a) | set(b)) < 2:
        return None
    return float(cohen_kappa_score(a, b))


def jaccard_distance(x: Iterable, y: Iterable) -> float:
    """``1 - |x & y| / |x | y|`` between two label sets; 0 between two empty sets.

    Examples
    --------
    >>> jaccard_distance({"a", "b"}, {"b"})
    0.5
    >>> jaccard_distance(set(), set())
    0.0
    """
    x, y = frozenset(x), frozenset(y)
    if not x and not y:
        return 0.0
    return 1.0 - len(x & y) / len(x | y)


def krippendorff_alpha_sets(first: Sequence[Iterable], second: Sequence[Iterable]) -> float:
    """Krippendorff's alpha of two coders' set-valued labels, with the Jaccard distance.

    ``alpha = 1 - D_o / D_e``: ``D_o`` is the mean distance between the two
    coders' sets of each unit, ``D_e`` the mean distance between all pairs of
    the ``2N`` pooled sets. Two coders, no missing values.

    Parameters
    ----------
    first, second : sequence of iterable
        The label set each coder gave each unit, in the same unit order.

    Returns
    -------
    float
        1 for perfect agreement, about 0 for chance; ``nan`` when every set is the same.

    Examples
    --------
    >>> krippendorff_alpha_sets([{"a"}, {"b"}, set()], [{"a"}, {"b"}, set()])
    1.0
    """
    first = [frozenset(x) for x in first]
    second = [frozenset(y) for y in second]
    n = len(first)
    if n != len(second):
        raise ValueError(f"the two coders must label the same units, got {n} and {len(second)}")
    if n == 0:
        raise ValueError("no unit to compare")
    observed = float(np.mean([jaccard_distance(x, y) for x, y in zip(first, second)]))
    counts: dict[frozenset, int] = {}
    for v in first + second:
        counts[v] = counts.get(v, 0) + 1
    values, freq = list(counts), list(counts.values())
    total = 0.0
    for (i, vi), (j, vj) in combinations(enumerate(values), 2):
        total += 2 * freq[i] * freq[j] * jaccard_distance(vi, vj)
    expected = total / (2 * n * (2 * n - 1))
    return float(1.0 - observed / expected) if expected > 0 else float("nan")


def read_label_passes(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> dict[str, dict]:
    """Read the label files of one pass into ``{key: record}`` (see :func:`stance.adapt.records.record_key`).

    Parameters
    ----------
    paths : path-like or sequence of path-like
        JSON-lines files with ``topics`` (list) and ``stance`` per line, and ``id``
        or ``text`` to match the other pass by (:func:`stance.adapt.records.record_key`).

    Returns
    -------
    dict of str to dict

    Raises
    ------
    DataError
        On a malformed line, a missing or mistyped field, or a paragraph labelled
        twice in the same pass.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    out: dict[str, dict] = {}
    where_seen: dict[str, str] = {}
    for path in paths:
        if not os.path.isfile(path):
            raise DataError(f"label file not found: {path}")
        for lineno, row in iter_jsonl(path):
            where = f"{path}:{lineno}"
            try:
                key = record_key(row)
            except DataError as exc:
                raise DataError(f"{where}: {exc}") from None
            topics = row.get("topics")
            if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
                raise DataError(f"{where}: 'topics' must be a list of strings, got {topics!r:.60}")
            if not isinstance(row.get("stance"), str):
                raise DataError(f"{where}: 'stance' must be a string, got {row.get('stance')!r:.60}")
            if key in out:
                raise DataError(f"{where}: paragraph {key!r} is labelled twice in this pass "
                                f"(first at {where_seen[key]})")
            out[key] = row
            where_seen[key] = where
    return out


def _label_order(observed: set[str], domain: Sequence[str]) -> list[str]:
    return list(domain) if observed <= set(domain) else sorted(observed)


def agreement_report(
    first: Mapping[str, Mapping],
    second: Mapping[str, Mapping],
    *,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
) -> dict:
    """Agreement between two passes on the paragraphs both labelled, JSON-ready.

    Parameters
    ----------
    first, second : mapping of str to mapping
        ``{key: {"topics": [...], "stance": ...}}`` of each pass (e.g. from
        :func:`read_label_passes`, keyed by :func:`stance.adapt.records.record_key`); only keys in both are compared.
    topics, stances : sequence of str or None, default=None
        Label orders. ``None``: the domain guideline's labels when every label
        used is one of them, else the labels used, sorted.

    Returns
    -------
    dict
        ``n`` (paragraphs in both), ``only_first``/``only_second`` (labelled by
        one pass only), ``stance_kappa`` (Cohen's kappa), ``stance_agreement``
        (raw), ``stance_confusion`` (rows first pass, columns second),
        ``topic_kappa`` (per topic, present/absent; ``None`` where neither pass
        used the topic), ``topic_alpha_jaccard`` (Krippendorff's alpha over the
        topic sets, Jaccard distance), ``topic_set_exact_agreement`` and
        ``disagreements`` (the keys where stance or topic set differ).
        Figures are rounded to 3 decimals.

    Raises
    ------
    DataError
        If no paragraph was labelled by both passes.
    """
    keys = sorted(set(first) & set(second))
    if not keys:
        raise DataError("no paragraph was labelled by both passes (matched by 'id', else by text)")
    s1 = [str(first[k]["stance"]) for k in keys]
    s2 = [str(second[k]["stance"]) for k in keys]
    t1 = [frozenset(first[k]["topics"]) for k in keys]
    t2 = [frozenset(second[k]["topics"]) for k in keys]
    stance_order = list(stances) if stances is not None else _label_order(set(s1) | set(s2), DOMAIN_STANCES)
    topic_order = (list(topics) if topics is not None
                   else _label_order({t for ts in t1 + t2 for t in ts}, DOMAIN_TOPICS))
    confusion = [[sum(1 for a, b in zip(s1, s2) if a == x and b == y) for y in stance_order] for x in stance_order]
    per_topic = {}
    for t in topic_order:
        k = cohen_kappa([t in x for x in t1], [t in y for y in t2])
        per_topic[t] = None if k is None else round(k, 3)
    kappa = cohen_kappa(s1, s2)
    alpha = krippendorff_alpha_sets(t1, t2)
    return {
        "n": len(keys),
        "only_first": len(set(first) - set(second)),
        "only_second": len(set(second) - set(first)),
        "stance_kappa": None if kappa is None else round(kappa, 3),
        "stance_agreement": round(float(np.mean([a == b for a, b in zip(s1, s2)])), 3),
        "stance_confusion": {"labels": stance_order, "rows": "first pass", "columns": "second pass",
                             "matrix": confusion},
        "topic_kappa": per_topic,
        "topic_alpha_jaccard": None if np.isnan(alpha) else round(alpha, 3),
        "topic_set_exact_agreement": round(float(np.mean([x == y for x, y in zip(t1, t2)])), 3),
        "disagreements": [k for k, a, b, x, y in zip(keys, s1, s2, t1, t2) if a != b or x != y],
    }


def format_agreement(report: Mapping) -> str:
    """The report of :func:`agreement_report` as plain text for a terminal."""
    def f(v):
        return "undefined" if v is None else f"{v:.3f}"

    lines = [f"paragraphs labelled by both passes: {report['n']:,}"
             + (f" (first pass only: {report['only_first']:,}, second pass only: {report['only_second']:,})"
                if report.get("only_first") or report.get("only_second") else ""),
             "",
             f"stance  Cohen's kappa {f(report['stance_kappa'])}  raw agreement {report['stance_agreement']:.1%}",
             "  confusion (rows: first pass, columns: second pass)"]
    conf = report["stance_confusion"]
    w = max(8, *(len(x) for x in conf["labels"]))
    lines.append("  " + " " * w + "".join(x.rjust(w + 1) for x in conf["labels"]))
    for label, row in zip(conf["labels"], conf["matrix"]):
        lines.append("  " + label.ljust(w) + "".join(str(v).rjust(w + 1) for v in row))
    lines += ["", f"topics  Krippendorff's alpha over topic sets (Jaccard) {f(report['topic_alpha_jaccard'])}  "
                  f"identical sets {report['topic_set_exact_agreement']:.1%}"]
    tw = max([5, *(len(t) for t in report["topic_kappa"])])
    lines.append(f"  {'topic'.ljust(tw)}  kappa")
    for t, k in report["topic_kappa"].items():
        lines.append(f"  {t.ljust(tw)}  {f(k)}")
    lines += ["", f"disagreements: {len(report['disagreements']):,}"
              + (" (" + ", ".join(report["disagreements"][:10]) + (", ..." if len(report["disagreements"]) > 10
                                                                  else "") + ")" if report["disagreements"] else "")]
    return "\n".join(lines) + "\n"
