"""Training a :class:`~stance.api.StanceModel` from labelled JSONL and saving it with its manifest.

This is the script behind ``stance train`` and the shipped default model
(``python -m stance train --data ../shared/data/domain/train.jsonl --out models/default``).

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
from collections.abc import Sequence

import numpy as np

from .api import StanceModel, fit_model
from .datasets import DOMAIN_STANCES, DOMAIN_TOPICS, LabelledData, read_labelled_jsonl
from .evaluation import evaluate_model
from .persistence import check_model_destination, save_model

__all__ = ["DEFAULT_RANDOM_STATE", "DEFAULT_STANCE_PARAMS", "DEFAULT_TOPIC_PARAMS", "train_model"]

#: Parameters of the shipped model's topic classifier (chosen by grouped CV on the training data).
DEFAULT_TOPIC_PARAMS: dict = {"C": 10.0}
#: Parameters of the shipped model's stance classifier (chosen by grouped CV on the training data).
DEFAULT_STANCE_PARAMS: dict = {"C": 10.0}
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
    if out is not None:
        check_model_destination(out, overwrite=overwrite)
    topic_set = _label_set(topics, DOMAIN_TOPICS)
    stance_set = _label_set(stances, DOMAIN_STANCES)
    if not isinstance(data, LabelledData):
        data = read_labelled_jsonl(data, topics=topic_set, stances=stance_set, require_all_labels=True)
    if dev is not None and not isinstance(dev, LabelledData):
        dev = read_labelled_jsonl(dev, topics=topic_set, stances=stance_set)
    topic_params = dict(DEFAULT_TOPIC_PARAMS)
    stance_params = dict(DEFAULT_STANCE_PARAMS)
    if min_df is not None:
        topic_params["min_df"] = stance_params["min_df"] = min_df
    start = time.perf_counter()
    model = fit_model(data, topics=topic_set, stances=stance_set, topic_params=topic_params,
                      stance_params=stance_params, random_state=random_state)
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
    if dev is not None:
        metrics["dev"] = evaluate_model(model, dev)
    if out is not None:
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
