"""Scale-out helper: classify partitions of a corpus on dask (or any) workers.

:func:`classify_partition` takes one partition, a list of records (dicts with a
``text`` field), of strings, or a pandas DataFrame with a text column, and
returns it with the result fields added. Each worker process loads the model
once, on its first partition, and keeps it. The function needs nothing but
this package, so it is usable with ``dask.bag.Bag.map_partitions``,
``dask.dataframe.DataFrame.map_partitions`` or any pool that maps a function
over chunks; dask itself is the optional extra ``stance-nlp[dask]``.

Examples
--------
>>> from stance.batch.distributed import classify_partition
>>> out = classify_partition([{"id": "a1", "text": "NATO must stop its eastward expansion."}])
>>> out[0]["id"], sorted(out[0])
('a1', ['evidence', 'id', 'language', 'stance', 'stance_scores', 'text', 'topic_scores', 'topics'])

With dask (``pip install "stance-nlp[dask]"``)::

    import json
    import dask.bag as db
    from dask.distributed import Client, LocalCluster
    from stance.batch.distributed import classify_partition

    client = Client(LocalCluster(n_workers=2, threads_per_worker=1))
    bag = db.read_text("big.jsonl", blocksize="32MiB").map(json.loads)
    bag.map_partitions(classify_partition).map(json.dumps).to_textfiles("out/*.jsonl")

    # dask.dataframe: an empty partition loads no model, so it gives the meta cheaply
    ddf = ddf.map_partitions(classify_partition, meta=classify_partition(ddf._meta))
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

from ..model.stance_model import DEFAULT_EVIDENCE_TERMS
from ..exceptions import InvalidInputError
from ..batch.stream import RESERVED_RECORDS, cached_model, is_model, metadata, merge_result

__all__ = ["RESULT_COLUMNS", "classify_partition"]

#: Columns (or record fields) that :func:`classify_partition` adds.
RESULT_COLUMNS = ("topics", "topic_scores", "stance", "stance_scores", "evidence", "language")


def classify_partition(
    partition,
    *,
    model=None,
    trusted: bool = False,
    text_field: str = "text",
    evidence: int = DEFAULT_EVIDENCE_TERMS,
    target: str | None = None,
):
    """Classify one partition of paragraphs; the model is loaded once per worker process.

    Parameters
    ----------
    partition : pandas.DataFrame, iterable of dict or iterable of str
        A DataFrame with a string column ``text_field``; or records (dicts)
        with a string field ``text_field``; or the paragraphs themselves.
    model : path-like, StanceModel or None, default=None
        A model directory (loaded once per process and kept; prefer this on a
        cluster), a loaded model, or ``None`` for the shipped model.
    trusted : bool, default=False
        Allow a joblib model directory from outside the shipped models.
    text_field : str, default="text"
    evidence : int, default=3
    target : str or None, default=None
        Stance target, for models trained with targets.

    Returns
    -------
    pandas.DataFrame or list of dict
        A DataFrame: a copy with the columns of :data:`RESULT_COLUMNS` added
        (an input column of the same name is an error). Records: one dict per
        record, its fields then the result fields, as written by ``stance
        classify --jsonl`` (an input field named like a result field is kept
        under ``input``). Strings: ``{"text": ..., <result fields>}``.
        Results equal :meth:`StanceModel.classify` on the same texts (without ``index``).

    Raises
    ------
    InvalidInputError
        If an item is not a record with a string text.
    ValueError
        If a DataFrame lacks ``text_field`` or already has a result column.
    """
    pd = sys.modules.get("pandas")
    if pd is not None and isinstance(partition, pd.DataFrame):
        return _classify_frame(pd, partition, model, trusted, text_field, evidence, target)
    if isinstance(partition, (str, bytes)) or not isinstance(partition, Iterable):
        raise InvalidInputError(
            f"partition must be a pandas DataFrame or an iterable of records or strings, got {type(partition).__name__}"
        )
    records = []
    for i, item in enumerate(partition):
        if isinstance(item, str):
            item = {text_field: item}
        if not isinstance(item, dict):
            raise InvalidInputError(f"partition item {i} must be a dict (record) or a str, got {type(item).__name__}")
        if not isinstance(item.get(text_field), str):
            raise InvalidInputError(f"partition item {i}: {text_field!r} must be a string, "
                                    f"got {type(item.get(text_field)).__name__}")
        records.append(item)
    if not records:
        return []
    results = _model(model, trusted).classify([r[text_field] for r in records], targets=target, evidence=evidence)
    if text_field == "text":
        return [merge_result(record, result) for record, result in zip(records, results)]
    out = []
    for record, result in zip(records, results):  # the text stays in its own field
        merged = metadata(record, RESERVED_RECORDS)
        merged.update((k, v) for k, v in result.to_dict().items() if k in RESULT_COLUMNS)
        out.append(merged)
    return out


def _classify_frame(pd, frame, model, trusted, text_field, evidence, target):
    if text_field not in frame.columns:
        raise ValueError(f"the DataFrame has no column {text_field!r}; pass text_field=")
    clash = [c for c in RESULT_COLUMNS if c in frame.columns]
    if clash:
        raise ValueError(f"the DataFrame already has column(s) {clash}, which classify_partition adds; rename them")
    out = frame.copy()
    if len(frame) == 0:  # e.g. dask's meta: no model needed
        for column in RESULT_COLUMNS:
            out[column] = pd.Series([], index=out.index, dtype=object)
        return out
    texts = frame[text_field].tolist()
    for i, text in enumerate(texts):
        if not isinstance(text, str):
            raise InvalidInputError(f"row {frame.index[i]!r}: {text_field!r} must be a string, got {type(text).__name__}")
    results = [r.to_dict() for r in _model(model, trusted).classify(texts, targets=target, evidence=evidence)]
    for column in RESULT_COLUMNS:
        out[column] = pd.Series([r[column] for r in results], index=out.index, dtype=object)
    return out


def _model(model, trusted: bool):
    if is_model(model):
        return model
    return cached_model(None if model is None else os.fspath(os.path.abspath(model)), trusted)
