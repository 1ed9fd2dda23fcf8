"""Training a :class:`~stance.model.stance_model.StanceModel` from labelled JSONL and saving it with its manifest.

This is the script behind ``stance train`` and the shipped default model
(``python -m stance train --data ../shared/data/domain/train.jsonl --out models/default --name default
--force --cv 5``).

Examples
--------
>>> import json, os, tempfile
>>> from stance.training import train_model
>>> tmp = tempfile.mkdtemp()
>>> rows = [{"text": t, "topics": tp, "stance": s} for t, tp, s in [
...     ("NATO must not expand east", ["nato_expansion"], "favor"),
...     ("Russia threatens its neighbours", ["military_activity"], "against"),
...     ("The talks were held in Geneva", ["diplomacy"], "none")] * 4]
>>> with open(os.path.join(tmp, "train.jsonl"), "w") as fh:
...     _ = fh.writelines(json.dumps(r) + "\\n" for r in rows)
>>> model = train_model(os.path.join(tmp, "train.jsonl"), os.path.join(tmp, "model"),
...                     topics="auto", stances="auto", min_df=1)
>>> sorted(model.topics)
['diplomacy', 'military_activity', 'nato_expansion']
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from collections.abc import Sequence

import numpy as np

from .model.stance_model import StanceModel
from .datasets.domain import DOMAIN_POOLS, DOMAIN_STANCES, DOMAIN_TOPICS, LabelledData, add_label_files, read_labelled_jsonl
from .evaluation import evaluate_model
from .exceptions import DataError
from .estimators.linear import DEFAULT_STANCE_C_CHOICE, DEFAULT_TOPIC_C
from .io.files import sha256_file
from .io.persistence import FORMATS, check_model_destination, save_model

__all__ = [
    "DEFAULT_RANDOM_STATE",
    "DEFAULT_SOURCE_BALANCE",
    "DEFAULT_STANCE_PARAMS",
    "DEFAULT_TOPIC_PARAMS",
    "cross_validate",
    "fit_model",
    "leave_sources_out",
    "predict_held_out",
    "train_model",
]

#: Parameters of the shipped model's topic classifier. C was chosen by 5-fold CV grouped by article
#: on domain/train.jsonl (topic micro-F1: C=1 0.736, 3 0.736, 10 0.727, 30 0.733; 3 has the best macro-F1).
DEFAULT_TOPIC_PARAMS: dict = {"C": DEFAULT_TOPIC_C}
#: Parameters of the shipped model's stance classifier, chosen the same way
#: (stance macro-F1: C=1 0.690, 3 0.686, 10 0.685, 30 0.676). ``"auto"`` is that C (``DEFAULT_STANCE_C``)
#: on data without targets, as the domain's, and the targets path's own defaults on data with targets.
DEFAULT_STANCE_PARAMS: dict = {"C": DEFAULT_STANCE_C_CHOICE}
#: Power of the source x stance sample weights of the shipped recipe (see :func:`stance.model.stance_model.fit_model`).
#: Chosen on the selection score of ``benchmarks/domain_cv.py --ideas`` (mean of the per-source CV and
#: leave-sources-out stance macro-F1): power 0 0.524, 0.5 0.535, 1 0.532; two-stage heads 0.519, 0.533
#: with 0.5 (``benchmarks/RESULTS.md``).
DEFAULT_SOURCE_BALANCE = 0.5
#: Seed of every random choice in training.
DEFAULT_RANDOM_STATE = 0


def fit_model(
    data: LabelledData,
    *,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    topic_params: dict | None = None,
    stance_params: dict | None = None,
    random_state: int | None = 0,
    source_balance: float = 0.0,
    progress=None,
) -> StanceModel:
    """Fit a :class:`~stance.model.stance_model.StanceModel` on labelled data (internal CV grouped by article).

    Parameters
    ----------
    data : LabelledData
    topics, stances : sequence of str or None, default=None
        Label sets (``None``: the labels found in ``data``).
    topic_params, stance_params : dict or None, default=None
        Parameters of :class:`~stance.estimators.linear.TopicClassifier` and
        :class:`~stance.estimators.linear.StanceClassifier`.
    random_state : int or None, default=0
    source_balance : float, default=0.0
        When positive and ``data`` has sources, the stance heads are fitted with
        :func:`~stance.estimators.linear.balanced_sample_weight` over source x stance with
        this power (1: every stance of a source weighs the same), so that no
        source's register stands in for a stance.
    progress : callable or None, default=None
        Called with the name of each stage as it starts.
    """
    from .estimators.linear import StanceClassifier, TopicClassifier, balanced_sample_weight

    if isinstance(source_balance, bool) or not isinstance(source_balance, (int, float)) or source_balance < 0:
        raise ValueError(f"'source_balance' must be a number >= 0, got {source_balance!r}")
    stage = progress if progress is not None else (lambda name: None)
    groups = data.docs if len(set(data.docs)) >= 2 else None
    stage(f"fitting the topic classifier ({len(data):,} paragraphs)")
    tc = TopicClassifier(topics=topics, random_state=random_state, **(topic_params or {}))
    tc.fit(data.texts, data.topics, groups=groups)
    stage("fitting the stance classifier")
    sc = StanceClassifier(labels=stances, random_state=random_state, **(stance_params or {}))
    weights = None
    if source_balance > 0 and any(s is not None for s in data.sources):
        weights = balanced_sample_weight(data.sources, data.stances, power=source_balance)
    sc.fit(data.texts, data.stances, targets=data.targets if data.has_targets else None, groups=groups,
           sample_weight=weights)
    return StanceModel(tc, sc)


def _word_vector_hashes(directory: str | os.PathLike) -> dict[str, str]:
    """sha256 of the files of a word-vector directory (read first, so a bad directory fails before training)."""
    from .features.vectors import VECTORS_FILE, VOCABULARY_FILE, PooledVectors

    PooledVectors.load(directory)  # FileNotFoundError / ValueError naming the directory
    return {name: sha256_file(Path(directory) / name) for name in (VOCABULARY_FILE, VECTORS_FILE)}


def _label_set(value: Sequence[str] | str | None, default: Sequence[str]) -> tuple[str, ...] | None:
    if value is None:
        return tuple(default)
    if value == "auto":
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def _fit_and_predict(data: LabelledData, train, test, topics, stances, fit_params: dict):
    part = data.subset(train)
    model = fit_model(part, topics=topics, stances=stances, **fit_params)
    held_out = data.subset(test)
    results = model.classify(held_out.texts, targets=held_out.targets if held_out.has_targets else None, evidence=0)
    return [r.topics for r in results], [r.stance for r in results]


def predict_held_out(
    data: LabelledData,
    splits: Sequence[tuple[Sequence[int], Sequence[int]]],
    *,
    topics: Sequence[str],
    stances: Sequence[str],
    n_jobs: int = 1,
    progress=None,
    **fit_params,
) -> tuple[np.ndarray, list]:
    """Train on each split's first part and predict its second; return the pooled predictions.

    Parameters
    ----------
    data : LabelledData
    splits : sequence of (train indices, test indices)
        Test parts must not overlap; rows in no test part keep no prediction
        (all-False topics, stance ``None``).
    topics, stances : sequence of str
    n_jobs : int, default=1
        Splits fitted in parallel (joblib processes).
    progress : callable or None, default=None
        Called with ``"cross-validation fold K/N"`` as each split starts (once, with
        ``"cross-validation: N folds in parallel"``, when ``n_jobs`` is not 1).
    **fit_params
        Passed to :func:`stance.model.stance_model.fit_model` (``topic_params``, ``stance_params``,
        ``random_state``, ``source_balance``).

    Returns
    -------
    Y_pred : ndarray of bool, shape (n, n_topics)
    s_pred : list of str or None
    """
    from joblib import Parallel, delayed

    from .estimators.linear import topics_to_indicator

    jobs = [delayed(_fit_and_predict)(data, list(train), list(test), list(topics), list(stances), fit_params)
            for train, test in splits]
    if n_jobs != 1:
        if progress is not None:
            progress(f"cross-validation: {len(jobs)} folds in parallel")
        outputs = Parallel(n_jobs=n_jobs)(jobs)
    else:
        outputs = []
        for k, job in enumerate(jobs, 1):
            if progress is not None:
                progress(f"cross-validation fold {k}/{len(jobs)}")
            outputs.append(job[0](*job[1], **job[2]))
    Y_pred = np.zeros((len(data), len(topics)), dtype=bool)
    s_pred: list = [None] * len(data)
    for (_, test), (topic_lists, stance_list) in zip(splits, outputs):
        test = list(test)
        Y_pred[test] = topics_to_indicator(topic_lists, topics)
        for i, s in zip(test, stance_list):
            s_pred[i] = s
    return Y_pred, s_pred


def _metrics(data: LabelledData, rows, Y_pred, s_pred, topics, stances, *, by_source: bool) -> dict:
    from .evaluation import evaluate_by_group, evaluate_predictions
    from .estimators.linear import topics_to_indicator

    rows = list(rows)
    sub = data.subset(rows)
    Y_true = topics_to_indicator(sub.topics, topics)
    s_hat = [s_pred[i] for i in rows]
    metrics = evaluate_predictions(Y_true, Y_pred[rows], sub.stances, s_hat, topics=topics, stances=stances)
    if by_source and any(s is not None for s in sub.sources):
        metrics["by_source"] = evaluate_by_group(Y_true, Y_pred[rows], sub.stances, s_hat, sub.sources,
                                                 topics=topics, stances=stances)
    return metrics


def cross_validate(
    data: LabelledData,
    *,
    n_splits: int = 5,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    topic_params: dict | None = None,
    stance_params: dict | None = None,
    random_state: int = DEFAULT_RANDOM_STATE,
    source_balance: float = 0.0,
    n_jobs: int = 1,
    progress=None,
) -> dict:
    """Cross-validate the training recipe with folds grouped by article (``doc``).

    Each fold's model is trained from scratch (features, thresholds,
    calibration) on the other folds' articles; the metrics are computed on the
    pooled out-of-fold predictions, and per source (``by_source``) when the data
    has a ``source`` field.

    Parameters
    ----------
    data : LabelledData
    n_splits : int, default=5
    topics, stances : sequence of str or None
        Label sets (``None``: the labels found in ``data``).
    topic_params, stance_params : dict or None
    random_state : int, default=0
    source_balance : float, default=0.0
        See :func:`stance.model.stance_model.fit_model`.
    n_jobs : int, default=1
        Folds fitted in parallel.
    progress : callable or None, default=None
        Called as each fold starts (see :func:`predict_held_out`).

    Returns
    -------
    dict
        :func:`stance.evaluation.evaluate_predictions` output plus ``folds`` and,
        with sources, ``by_source`` (:func:`stance.evaluation.evaluate_by_group`).
    """
    from sklearn.model_selection import GroupKFold

    n_groups = len(set(data.docs))
    if n_splits < 2 or n_groups < n_splits:
        raise ValueError(f"'n_splits' must be between 2 and the number of articles ({n_groups}), got {n_splits}")
    topic_list = list(topics) if topics is not None else sorted(data.topic_labels())
    stance_list = list(stances) if stances is not None else data.stance_labels()
    splits = list(GroupKFold(n_splits=n_splits).split(data.texts, groups=data.docs))
    Y_pred, s_pred = predict_held_out(data, splits, topics=topic_list, stances=stance_list, n_jobs=n_jobs,
                                      progress=progress, topic_params=topic_params, stance_params=stance_params,
                                      random_state=random_state, source_balance=source_balance)
    metrics = _metrics(data, range(len(data)), Y_pred, s_pred, topic_list, stance_list, by_source=True)
    metrics["folds"] = f"GroupKFold(n_splits={n_splits}) by doc"
    return metrics


def leave_sources_out(
    data: LabelledData,
    holdouts: dict[str, Sequence[str]] | None = None,
    *,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    topic_params: dict | None = None,
    stance_params: dict | None = None,
    random_state: int = DEFAULT_RANDOM_STATE,
    source_balance: float = 0.0,
    n_jobs: int = 1,
) -> dict:
    """Train without some sources and test on them: how the recipe carries to unseen speakers.

    Parameters
    ----------
    data : LabelledData
        Needs a ``source`` for every example.
    holdouts : dict of str to sequence of str or None, default=None
        Named sets of sources to hold out; each is one experiment (train on every
        other source, test on these). ``None``: each source alone.
    topics, stances, topic_params, stance_params, random_state, source_balance, n_jobs
        As in :func:`cross_validate`.

    Returns
    -------
    dict
        ``{name: metrics}`` with :func:`stance.evaluation.evaluate_predictions` metrics
        of the held-out paragraphs (plus ``by_source`` when several sources are held out);
        ``stance_macro_f1`` there averages over the stances the held-out paragraphs have.

    Raises
    ------
    DataError
        If an example has no source, or a held-out set leaves no training data.
    """
    if any(s is None for s in data.sources):
        raise DataError("leave_sources_out needs a 'source' for every example")
    sources = np.asarray(data.sources, dtype=object)
    if holdouts is None:
        holdouts = {s: [s] for s in sorted(set(data.sources))}
    topic_list = list(topics) if topics is not None else sorted(data.topic_labels())
    stance_list = list(stances) if stances is not None else data.stance_labels()
    out = {}
    names = list(holdouts)
    splits = []
    for name in names:
        held = np.isin(sources, list(holdouts[name]))
        if not held.any() or held.all():
            raise DataError(f"holding out {list(holdouts[name])!r} leaves {'no test' if not held.any() else 'no training'} data")
        splits.append((np.flatnonzero(~held), np.flatnonzero(held)))
    # held-out sets may overlap between experiments: predict each separately, in parallel
    from joblib import Parallel, delayed

    jobs = [delayed(predict_held_out)(data, [split], topics=topic_list, stances=stance_list,
                                      topic_params=topic_params, stance_params=stance_params,
                                      random_state=random_state, source_balance=source_balance)
            for split in splits]
    outputs = Parallel(n_jobs=n_jobs)(jobs) if n_jobs != 1 else [job[0](*job[1], **job[2]) for job in jobs]
    for name, (_, test), (Y_pred, s_pred) in zip(names, splits, outputs):
        m = _metrics(data, test, Y_pred, s_pred, topic_list, stance_list, by_source=len(holdouts[name]) > 1)
        # scored on the stances the held-out paragraphs have, like the per-source figures of cross_validate
        present = [s for s in stance_list if any(data.stances[i] == s for i in test)]
        m["stance_macro_f1"] = round(float(np.mean([m["stances"][s]["f1"] for s in present])), 4)
        m["held_out"] = list(holdouts[name])
        out[name] = m
    return out


def train_model(
    data: str | os.PathLike | LabelledData,
    out: str | os.PathLike | None = None,
    *,
    dev: str | os.PathLike | LabelledData | None = None,
    topics: Sequence[str] | str | None = None,
    stances: Sequence[str] | str | None = None,
    min_df: int | None = None,
    random_state: int = DEFAULT_RANDOM_STATE,
    name: str | None = None,
    overwrite: bool = False,
    format: str = "both",
    cv: int = 0,
    extra_labels: str | os.PathLike | None = None,
    extra_text: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
    source_balance: float = DEFAULT_SOURCE_BALANCE,
    leave_out: bool = False,
    n_jobs: int = 1,
    word_vectors: str | os.PathLike | None = None,
    word_vector_weight: float | None = None,
    progress=None,
) -> StanceModel:
    """Train topic and stance classifiers on labelled JSONL and (optionally) save them.

    Parameters
    ----------
    data : path-like or LabelledData
        Training data (``text``, ``topics``, ``stance``, optional ``target`` and ``doc``).
    out : path-like or None, default=None
        Model directory to write (atomically); ``None`` does not save.
    dev : path-like, LabelledData or None, default=None
        Development data, scored after training and recorded in the manifest.
    topics, stances : sequence of str, comma-separated str, "auto" or None, default=None
        Label sets. ``None`` uses the domain guideline's labels
        (:data:`~stance.datasets.domain.DOMAIN_TOPICS`, :data:`~stance.datasets.domain.DOMAIN_STANCES`);
        ``"auto"`` takes the labels found in the data.
    min_df : int or None, default=None
        Override the features' minimum document frequency (tiny corpora need 1).
    random_state : int, default=0
    name : str or None, default=None
        Name recorded in the manifest.
    overwrite : bool, default=False
        Replace an existing model directory at ``out``. Checked before training starts.
    format : {"joblib", "safe", "both"}, default="both"
        Serialisation of the saved model (see :func:`stance.io.persistence.save_model`).
    extra_labels : path-like or None, default=None
        A directory of our label files (``datasets/domain/labels``): their paragraphs are
        added to the training data, with the text read from ``extra_text``.
    extra_text : path-like, sequence of path-like or None, default=None
        JSONL with ``id``, ``text``, ``doc`` and ``source`` of those paragraphs; default:
        ``unlabeled.jsonl`` and ``unlabeled_2022.jsonl`` beside ``data`` (those that exist).
    cv : int, default=0
        When 2 or more, also run :func:`cross_validate` with that many folds
        grouped by article and record its metrics in the manifest (``metrics["cv"]``,
        with ``by_source`` when the data has sources).
    source_balance : float, default=DEFAULT_SOURCE_BALANCE
        Source x stance sample weights of the stance heads (see :func:`stance.model.stance_model.fit_model`).
    leave_out : bool, default=False
        Also run :func:`leave_sources_out` (each source held out in turn) and record it in the
        manifest (``metrics["leave_sources_out"]``); needs a ``source`` on every example.
    n_jobs : int, default=1
        Cross-validation folds fitted in parallel.
    word_vectors : path-like or None, default=None
        A word-vector directory written by :class:`~stance.WordVectors` (``stance embed``):
        both classifiers get its pooled vectors as an extra feature block, stored in the
        saved model (see the estimators' ``word_vectors`` parameter). The manifest records
        the sha256 of its files.
    word_vector_weight : float or None, default=None
        Weight of that block (``None``: the estimators' default,
        :data:`~stance.estimators.linear.DEFAULT_WORD_VECTOR_WEIGHT`).
    progress : callable or None, default=None
        Called with the name of each stage as it starts (``"reading the training
        data"``, ``"fitting the topic classifier"``, ...); ``stance train`` shows
        them on a terminal.

    Returns
    -------
    StanceModel

    Raises
    ------
    DataError, LabelError
        On malformed data, unknown labels, an empty set or a label with no example.
    ModelError
        If ``out`` holds a model and ``overwrite`` is false, or holds something else.
    """
    if format not in FORMATS:
        raise ValueError(f"'format' must be one of {FORMATS!r}, got {format!r}")
    if out is not None:
        check_model_destination(out, overwrite=overwrite)
    stage = progress if progress is not None else (lambda name: None)
    topic_set = _label_set(topics, DOMAIN_TOPICS)
    stance_set = _label_set(stances, DOMAIN_STANCES)
    if not isinstance(data, LabelledData):
        stage("reading the training data")
        data = read_labelled_jsonl(data, topics=topic_set, stances=stance_set, require_all_labels=True)
    if extra_labels is not None:
        stage("reading the extra labels")
        if extra_text is None:
            if not data.path:
                raise ValueError("extra_labels needs extra_text when data is not read from a file")
            folder = Path(data.path).parent
            extra_text = [folder / Path(pool).name for pool in DOMAIN_POOLS]
        data = add_label_files(data, extra_text, extra_labels)
    if dev is not None and not isinstance(dev, LabelledData):
        stage("reading the dev data")
        dev = read_labelled_jsonl(dev, topics=topic_set, stances=stance_set)
    if leave_out and any(s is None for s in data.sources):
        raise DataError("leave_sources_out needs a 'source' for every example; "
                        f"{sum(s is None for s in data.sources)} of {len(data)} have none")
    topic_params = dict(DEFAULT_TOPIC_PARAMS)
    stance_params = dict(DEFAULT_STANCE_PARAMS)
    if min_df is not None:
        topic_params["min_df"] = stance_params["min_df"] = min_df
    vector_files = None
    if word_vectors is not None:
        vector_files = _word_vector_hashes(word_vectors)
        topic_params["word_vectors"] = stance_params["word_vectors"] = os.fspath(word_vectors)
    if word_vector_weight is not None:
        if word_vectors is None:
            raise ValueError(f"'word_vector_weight' ({word_vector_weight!r}) needs 'word_vectors'")
        topic_params["word_vector_weight"] = stance_params["word_vector_weight"] = word_vector_weight
    start = time.perf_counter()
    model = fit_model(data, topics=topic_set, stances=stance_set, topic_params=topic_params,
                      stance_params=stance_params, random_state=random_state, source_balance=source_balance,
                      progress=stage)
    seconds = time.perf_counter() - start
    tc, sc = model.topic_classifier, model.stance_classifier
    metrics = {
        "training_seconds": round(seconds, 1),
        "internal_cv": {
            "note": "out-of-fold scores of the internal CV (grouped by doc) used to tune thresholds/calibration",
            "topic_f1": {str(t): round(float(f), 4) for t, f in zip(tc.classes_, tc.cv_f1_)},
            "stance_macro_f1": None if np.isnan(sc.cv_macro_f1_) else round(float(sc.cv_macro_f1_), 4),
        },
    }
    if cv:
        metrics["cv"] = cross_validate(data, n_splits=cv, topics=topic_set or model.topics,
                                       stances=stance_set or model.stances, topic_params=topic_params,
                                       stance_params=stance_params, random_state=random_state,
                                       source_balance=source_balance, n_jobs=n_jobs, progress=stage)
    if leave_out:
        stage("leave sources out: one model without each source")
        metrics["leave_sources_out"] = leave_sources_out(
            data, topics=topic_set or model.topics, stances=stance_set or model.stances, topic_params=topic_params,
            stance_params=stance_params, random_state=random_state, source_balance=source_balance, n_jobs=n_jobs)
    if dev is not None:
        stage("scoring the dev data")
        metrics["dev"] = evaluate_model(model, dev)
    if out is not None:
        stage(f"saving {out}")
        save_model(
            model,
            out,
            name=name,
            training_data=[data] + ([dev] if dev is not None else []),
            parameters={
                "topic_classifier": {k: _plain(v) for k, v in tc.get_params().items()},
                "stance_classifier": {k: _plain(v) for k, v in sc.get_params().items()},
                "random_state": random_state,
                "source_balance": source_balance,
                **({"word_vector_files": vector_files} if vector_files else {}),
            },
            metrics=metrics,
            overwrite=overwrite,
            format=format,
        )
    else:
        model.manifest = {"metrics": metrics}
    return model


def _plain(value):
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, np.generic):
        return value.item()
    return value
