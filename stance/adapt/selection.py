"""Choosing paragraphs to label next: uncertainty sampling with diversity, a random share, balance by group.

A model adapts to a new corpus fastest when the paragraphs people label are the
ones it is least sure of, and not twenty near-copies of the same one. This
module scores a pool of unlabelled paragraphs with a model, keeps the most
uncertain ones and, among them, picks greedily the paragraph farthest (TF-IDF
cosine) from those already picked. ``strategy="mixed"`` draws a share at random
as well, so that scores measured on the labels reflect the pool; ``by=`` spreads
the picks evenly over the values of a metadata field (an outlet, a month).
Paragraphs already labelled (matched by ``id`` or by their text) are never
picked again. This is what ``stance select`` runs.

Examples
--------
>>> import stance
>>> pool = [{"id": f"p{i}", "text": t} for i, t in enumerate([
...     "NATO must stop its eastward expansion, Moscow said.",
...     "The ministers met in Geneva on Monday.",
...     "New sanctions hit Russian banks.",
...     "Kyiv asked for air defence systems."])]
>>> sel = select_for_labelling(stance.load_model(), pool, 2, exclude={"p0"}, random_state=0)
>>> len(sel.records), "p0" in [r["id"] for r in sel.records], sel.n_excluded
(2, False, 1)
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..exceptions import DataError
from .records import record_keys, text_key

__all__ = [
    "DEFAULT_CANDIDATE_FACTOR",
    "DEFAULT_RANDOM_SHARE",
    "DEFAULT_STRATEGY",
    "DEFAULT_TOPIC_WEIGHT",
    "MISSING_GROUP",
    "STRATEGIES",
    "Selection",
    "select_for_labelling",
    "uncertainty_scores",
]

#: The ways of choosing: by the model's uncertainty (with diversity), uniformly at random, or both.
STRATEGIES = ("uncertainty", "random", "mixed")
#: Strategy of :func:`select_for_labelling` and ``stance select``.
DEFAULT_STRATEGY = "uncertainty"
#: Share of the picks drawn uniformly at random with ``strategy="mixed"``.
DEFAULT_RANDOM_SHARE = 0.25
#: Diversity is sought among the ``factor x n`` most uncertain paragraphs (1: uncertainty alone).
DEFAULT_CANDIDATE_FACTOR = 4
#: Weight of the topic uncertainty beside the stance uncertainty in the score.
DEFAULT_TOPIC_WEIGHT = 1.0
#: Group of the paragraphs that lack the ``by`` field.
MISSING_GROUP = "(missing)"
#: Paragraphs scored per batch.
_SCORE_BATCH = 2000


def _model_scores(model, texts: list[str], targets: list[str] | None):
    """Topic probabilities, topic thresholds and stance probabilities of ``texts``."""
    predictor = None if model.uses_targets else model.predictor
    topic_parts, stance_parts = [], []
    for start in range(0, len(texts), _SCORE_BATCH):
        batch = texts[start : start + _SCORE_BATCH]
        if predictor is not None:
            _, tp, sp = predictor.score(batch)
        else:
            tc, sc = model.topic_classifier, model.stance_classifier
            tp = tc.predict_proba(batch)
            sp = sc.predict_proba(batch, targets=None if targets is None else targets[start : start + _SCORE_BATCH])
        topic_parts.append(np.asarray(tp, dtype=float))
        stance_parts.append(np.asarray(sp, dtype=float))
    thresholds = predictor.thresholds if predictor is not None else model.topic_classifier.thresholds_
    return np.vstack(topic_parts), np.asarray(thresholds, dtype=float), np.vstack(stance_parts)


def uncertainty_scores(model, texts: Sequence[str], *, targets: Sequence[str] | None = None,
                       topic_weight: float = DEFAULT_TOPIC_WEIGHT) -> np.ndarray:
    """How unsure ``model`` is of each paragraph: stance entropy plus topic closeness to threshold.

    The stance part is the entropy of the stance probabilities divided by its
    maximum (1 when every stance is equally likely, 0 when one is certain). The
    topic part is 1 for a paragraph with a topic probability exactly at that
    topic's decision threshold and falls to 0 as every topic moves away from its
    threshold (distance measured as a share of the room on that side).

    Parameters
    ----------
    model : StanceModel
    texts : sequence of str
    targets : sequence of str or None, default=None
        For models trained with targets.
    topic_weight : float, default=DEFAULT_TOPIC_WEIGHT
        Weight of the topic part (0: stance uncertainty only).

    Returns
    -------
    ndarray of shape (n,)
        Between 0 and ``1 + topic_weight``; higher is less sure.
    """
    texts = list(texts)
    if not texts:
        return np.zeros(0)
    if model.uses_targets and targets is None:
        raise DataError("this model was trained with targets: every pool paragraph needs a 'target'")
    topic_proba, thresholds, stance_proba = _model_scores(model, texts, None if targets is None else list(targets))
    p = np.clip(stance_proba, 1e-12, 1.0)
    entropy = -(p * np.log(p)).sum(axis=1) / np.log(max(stance_proba.shape[1], 2))
    if topic_proba.shape[1]:
        room = np.where(topic_proba < thresholds, thresholds, 1.0 - thresholds)
        closeness = 1.0 - np.abs(topic_proba - thresholds) / np.maximum(room, 1e-6)
        topic_part = np.clip(closeness.max(axis=1), 0.0, 1.0)
    else:
        topic_part = np.zeros(len(texts))
    return entropy + topic_weight * topic_part


def _diverse(texts: list[str], order: np.ndarray, k: int) -> list[int]:
    """Greedy max-min on TF-IDF cosine distance among ``order`` (most uncertain first): ``k`` positions."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    if k >= len(order):
        return list(order)
    try:
        X = TfidfVectorizer(sublinear_tf=True).fit_transform([texts[i] for i in order])
    except ValueError:  # no word at all in the candidates: uncertainty alone
        return list(order[:k])
    chosen = [0]
    min_dist = 1.0 - np.asarray((X @ X[0].T).todense()).ravel()
    min_dist[0] = -np.inf
    while len(chosen) < k:
        # np.argmax takes the first of equals, i.e. the most uncertain of the farthest
        j = int(np.argmax(min_dist))
        chosen.append(j)
        min_dist = np.minimum(min_dist, 1.0 - np.asarray((X @ X[j].T).todense()).ravel())
        min_dist[chosen] = -np.inf
    return [int(order[j]) for j in chosen]


def _quotas(sizes: Mapping[str, int], n: int) -> dict[str, int]:
    """Split ``n`` as evenly as possible over groups of the given sizes (a group never gets more than it has)."""
    quota = dict.fromkeys(sizes, 0)
    left = min(n, sum(sizes.values()))
    while left > 0:  # one at a time to the open group with the fewest so far (ties: name order)
        g = min((g for g in sizes if quota[g] < sizes[g]), key=lambda g: (quota[g], g))
        quota[g] += 1
        left -= 1
    return quota


@dataclass
class Selection:
    """Paragraphs chosen for labelling, and what the choice saw.

    Attributes
    ----------
    records : list of dict
        The chosen pool records in the order to label them (shuffled: the order
        says nothing about scores), each with ``how`` added (``"uncertainty"`` or ``"random"``).
    n_pool : int
        Paragraphs in the pool.
    n_excluded : int
        Pool paragraphs left out because they are labelled already.
    n_duplicates : int
        Pool paragraphs left out because the same text came earlier in the pool.
    n_available : int
        Paragraphs that could be chosen.
    counts : dict
        ``{"how": {...}, "group": {...}}`` counts of the chosen paragraphs
        (``group`` only with ``by``).
    """

    records: list = field(default_factory=list)
    n_pool: int = 0
    n_excluded: int = 0
    n_duplicates: int = 0
    n_available: int = 0
    counts: dict = field(default_factory=dict)


def select_for_labelling(
    model,
    pool: Sequence[Mapping],
    n: int,
    *,
    strategy: str = DEFAULT_STRATEGY,
    by: str | None = None,
    random_share: float = DEFAULT_RANDOM_SHARE,
    exclude: Iterable[str] = (),
    candidate_factor: int = DEFAULT_CANDIDATE_FACTOR,
    topic_weight: float = DEFAULT_TOPIC_WEIGHT,
    random_state: int | None = 0,
) -> Selection:
    """Choose ``n`` paragraphs of ``pool`` to label.

    Parameters
    ----------
    model : StanceModel or None
        Scores the pool; may be ``None`` for ``strategy="random"``.
    pool : sequence of mapping
        Records with a string ``text`` and any other fields (``id``, ``doc``,
        ``source``, ``target``...), which are kept in the output.
    n : int
        How many to choose (fewer when fewer are available).
    strategy : {"uncertainty", "random", "mixed"}, default="uncertainty"
        ``"uncertainty"``: take the ``candidate_factor x n`` paragraphs with the
        highest :func:`uncertainty_scores`, then pick among them greedily the one
        whose TF-IDF cosine distance to the nearest paragraph picked so far is
        largest (the most uncertain first; ties go to the more uncertain).
        ``"random"``: uniformly at random. ``"mixed"``: ``random_share`` of the
        picks at random, the rest by uncertainty among the others.
    by : str or None, default=None
        A metadata field: the picks are spread as evenly as possible over its
        values (a group with too few paragraphs gives its share to the others);
        records without the field form the group :data:`MISSING_GROUP`.
    random_share : float, default=DEFAULT_RANDOM_SHARE
        Share of random picks for ``strategy="mixed"``, between 0 and 1.
    exclude : iterable of str
        Keys of paragraphs labelled already (see :func:`~stance.adapt.records.labelled_keys`): a pool
        record whose ``id`` or :func:`~stance.adapt.records.text_key` is among them is never chosen.
        Repeated texts within the pool are chosen at most once, too.
    candidate_factor : int, default=DEFAULT_CANDIDATE_FACTOR
        Size of the uncertain candidate set as a multiple of the picks (1: no diversity step).
    topic_weight : float, default=DEFAULT_TOPIC_WEIGHT
        See :func:`uncertainty_scores`.
    random_state : int or None, default=0
        Seed of the random picks and of the output order.

    Returns
    -------
    Selection

    Raises
    ------
    ValueError
        On a bad ``n``, ``strategy``, ``random_share`` or ``candidate_factor``.
    DataError
        If no paragraph of the pool can be chosen.
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"'n' must be a whole number of 1 or more, got {n!r}")
    if strategy not in STRATEGIES:
        raise ValueError(f"'strategy' must be one of {STRATEGIES!r}, got {strategy!r}")
    if isinstance(random_share, bool) or not isinstance(random_share, (int, float)) or not 0 <= random_share <= 1:
        raise ValueError(f"'random_share' must be a number between 0 and 1, got {random_share!r}")
    if (isinstance(candidate_factor, bool) or not isinstance(candidate_factor, (int, np.integer))
            or candidate_factor < 1):
        raise ValueError(f"'candidate_factor' must be a whole number of 1 or more, got {candidate_factor!r}")
    if model is None and strategy != "random":
        raise ValueError(f"strategy {strategy!r} needs a model to score the pool; only 'random' works without one")
    excluded_keys = set(exclude)
    pool = list(pool)
    rows, seen = [], set()
    n_excluded = n_dup = 0
    for i, record in enumerate(pool):
        if not isinstance(record, Mapping) or not isinstance(record.get("text"), str) or not record["text"].strip():
            raise DataError(f"pool[{i}]: expected a record with a non-empty string 'text', got {record!r:.60}")
        keys = record_keys(record)
        if keys & excluded_keys:
            n_excluded += 1
            continue
        tkey = text_key(record["text"])
        if tkey in seen:
            n_dup += 1
            continue
        seen.add(tkey)
        rows.append(record)
    if not rows:
        raise DataError(f"no paragraph of the pool can be chosen: {n_excluded} of {len(pool)} are labelled already"
                        + (f" and {n_dup} repeat an earlier text" if n_dup else ""))
    rng = np.random.default_rng(random_state)
    groups = np.array([MISSING_GROUP if by is None or r.get(by) is None else str(r.get(by)) for r in rows],
                      dtype=object)
    sizes = Counter(groups.tolist())
    quota = _quotas(sizes, n) if by is not None else {MISSING_GROUP: min(n, len(rows))}
    scores = None
    if strategy != "random":
        texts = [r["text"] for r in rows]
        targets = [r.get("target") for r in rows] if model.uses_targets else None
        if targets is not None and any(not isinstance(t, str) for t in targets):
            raise DataError("this model was trained with targets: every pool paragraph needs a string 'target'")
        scores = uncertainty_scores(model, texts, targets=targets, topic_weight=topic_weight)
    picked: list[tuple[int, str]] = []
    for g in sorted(quota):
        k = quota[g]
        if k == 0:
            continue
        members = np.flatnonzero(groups == g)
        n_random = k if strategy == "random" else int(round(random_share * k)) if strategy == "mixed" else 0
        taken = set()
        if n_random:
            for i in rng.choice(members, size=n_random, replace=False):
                picked.append((int(i), "random"))
                taken.add(int(i))
        k_active = k - n_random
        if k_active:
            rest = np.array([i for i in members if int(i) not in taken], dtype=int)
            order = rest[np.argsort(-scores[rest], kind="stable")]
            candidates = order[: k_active * candidate_factor]
            for i in _diverse([r["text"] for r in rows], candidates, k_active):
                picked.append((int(i), "uncertainty"))
    out_order = rng.permutation(len(picked))
    records = [{**rows[picked[j][0]], "how": picked[j][1]} for j in out_order]
    counts = {"how": dict(Counter(how for _, how in picked))}
    if by is not None:
        counts["group"] = {g: quota[g] for g in sorted(quota)}
    return Selection(records=records, n_pool=len(pool), n_excluded=n_excluded, n_duplicates=n_dup,
                     n_available=len(rows), counts=counts)
