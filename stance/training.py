"""Training a :class:`~stance.api.StanceModel` from labelled JSONL and saving it with its manifest.

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

from .api import StanceModel, fit_model
from .datasets import DOMAIN_STANCES, DOMAIN_TOPICS, LabelledData, add_label_files, read_labelled_jsonl
from .evaluation import evaluate_model
from .models import DEFAULT_STANCE_C, DEFAULT_TOPIC_C
from .persistence import FORMATS, check_model_destination, save_model

__all__ = ["DEFAULT_RANDOM_STATE", "DEFAULT_STANCE_PARAMS", "DEFAULT_TOPIC_PARAMS", "cross_validate", "train_model"]

#: Parameters of the shipped model's topic classifier. C was chosen by 5-fold CV grouped by article
#: on domain/train.jsonl (topic micro-F1: C=1 0.736, 3 0.736, 10 0.727, 30 0.733; 3 has the best macro-F1).
DEFAULT_TOPIC_PARAMS: dict = {"C": DEFAULT_TOPIC_C}
#: Parameters of the shipped model's stance classifier, chosen the same way
#: (stance macro-F1: C=1 0.690, 3 0.686, 10 0.685, 30 0.676).
DEFAULT_STANCE_PARAMS: dict = {"C": DEFAULT_STANCE_C}
#: Seed of every random choice in training.
DEFAULT_RANDOM_STATE = 0


def _label_set(value: Sequence[str] | str | None, default: Sequence[str]) -> tuple[str, ...] | None:
    if value is None:
        return tuple(default)
    if value == "auto":
        return None
    if isinstance(value, str):
        return tuple(v.strip() for v in value.split(",") if v.strip())
    return tuple(value)


def cross_validate(
    data: LabelledData,
    *,
    n_splits: int = 5,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    topic_params: dict | None = None,
    stance_params: dict | None = None,
    random_state: int = DEFAULT_RANDOM_STATE,
    progress=None,
) -> dict:
    """Cross-validate the training recipe with folds grouped by article (``doc``).

    Each fold's model is trained from scratch (features, thresholds,
    calibration) on the other folds' articles; the metrics are computed on the
    pooled out-of-fold predictions.

    Parameters
    ----------
    data : LabelledData
    n_splits : int, default=5
    topics, stances : sequence of str or None
        Label sets (``None``: the labels found in ``data``).
    topic_params, stance_params : dict or None
    random_state : int, default=0
    progress : callable or None, default=None
        Called with ``"cross-validation fold K/N"`` as each fold starts.

    Returns
    -------
    dict
        :func:`stance.evaluation.evaluate_predictions` output plus ``folds``.
    """
    from sklearn.model_selection import GroupKFold

    from .evaluation import evaluate_predictions
    from .models import topics_to_indicator

    n_groups = len(set(data.docs))
    if n_splits < 2 or n_groups < n_splits:
        raise ValueError(f"'n_splits' must be between 2 and the number of articles ({n_groups}), got {n_splits}")
    topic_list = list(topics) if topics is not None else sorted(data.topic_labels())
    stance_list = list(stances) if stances is not None else data.stance_labels()
    Y_pred = np.zeros((len(data), len(topic_list)), dtype=bool)
    s_pred: list = [None] * len(data)
    for fold, (train, test) in enumerate(GroupKFold(n_splits=n_splits).split(data.texts, groups=data.docs), 1):
        if progress is not None:
            progress(f"cross-validation fold {fold}/{n_splits}")
        part = data.subset(train)
        model = fit_model(part, topics=topic_list, stances=stance_list, topic_params=topic_params,
                          stance_params=stance_params, random_state=random_state)
        held_out = data.subset(test)
        results = model.classify(held_out.texts, targets=held_out.targets if held_out.has_targets else None,
                                 evidence=0)
        Y_pred[test] = topics_to_indicator([r.topics for r in results], topic_list)
        for i, r in zip(test, results):
            s_pred[i] = r.stance
    metrics = evaluate_predictions(topics_to_indicator(data.topics, topic_list), Y_pred, data.stances, s_pred,
                                   topics=topic_list, stances=stance_list)
    metrics["folds"] = f"GroupKFold(n_splits={n_splits}) by doc"
    return metrics


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
    format: str = "joblib",
    cv: int = 0,
    extra_labels: str | os.PathLike | None = None,
    extra_text: str | os.PathLike | None = None,
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
        (:data:`~stance.datasets.DOMAIN_TOPICS`, :data:`~stance.datasets.DOMAIN_STANCES`);
        ``"auto"`` takes the labels found in the data.
    min_df : int or None, default=None
        Override the features' minimum document frequency (tiny corpora need 1).
    random_state : int, default=0
    name : str or None, default=None
        Name recorded in the manifest.
    overwrite : bool, default=False
        Replace an existing model directory at ``out``. Checked before training starts.
    format : {"joblib", "safe", "both"}, default="joblib"
        Serialisation of the saved model (see :func:`stance.persistence.save_model`).
    extra_labels : path-like or None, default=None
        A directory of our label files (``datasets/domain/labels``): their paragraphs are
        added to the training data, with the text read from ``extra_text``.
    extra_text : path-like or None, default=None
        JSONL with ``id``, ``text`` and ``doc`` of those paragraphs; default:
        ``unlabeled.jsonl`` beside ``data``.
    cv : int, default=0
        When 2 or more, also run :func:`cross_validate` with that many folds
        grouped by article and record its metrics in the manifest (``metrics["cv"]``).
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
            extra_text = Path(data.path).parent / "unlabeled.jsonl"
        data = add_label_files(data, extra_text, extra_labels)
    if dev is not None and not isinstance(dev, LabelledData):
        stage("reading the dev data")
        dev = read_labelled_jsonl(dev, topics=topic_set, stances=stance_set)
    topic_params = dict(DEFAULT_TOPIC_PARAMS)
    stance_params = dict(DEFAULT_STANCE_PARAMS)
    if min_df is not None:
        topic_params["min_df"] = stance_params["min_df"] = min_df
    start = time.perf_counter()
    model = fit_model(data, topics=topic_set, stances=stance_set, topic_params=topic_params,
                      stance_params=stance_params, random_state=random_state, progress=stage)
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
                                       stance_params=stance_params, random_state=random_state, progress=stage)
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
