"""Tests of stance.batch.distributed.classify_partition, alone and on a local dask cluster.

The dask tests start a ``LocalCluster`` of two worker processes on the loopback
interface; they are skipped when dask (the ``stance-nlp[dask]`` extra) is not installed.
"""

from __future__ import annotations

import pytest

import stance
from stance.batch.distributed import RESULT_COLUMNS, classify_partition
from stance.exceptions import InvalidInputError

TEXTS = [
    "NATO must stop its eastward expansion toward Russian borders, Moscow said.",
    "The European Union adopted a new package of sanctions against Russian banks.",
    "Russia proposed a moratorium on intermediate-range missiles in Europe.",
    "Diplomats met in Geneva for talks on security guarantees.",
    "Troops held drills near the border on Tuesday.",
    "",
    "The weather in Geneva was mild.",
]


@pytest.fixture(scope="module")
def model():
    return stance.load_model()


def expected(model, texts, **kwargs):
    out = []
    for res in model.classify(texts, **kwargs):
        d = res.to_dict()
        del d["index"]
        out.append(d)
    return out


def records(n: int) -> list[dict]:
    return [{"id": i, "text": f"{TEXTS[i % len(TEXTS)]} {i}", "source": "test"} for i in range(n)]


# --------------------------------------------------------------------------- without dask


def test_records_get_the_results_of_model_classify(model):
    rows = records(12)
    out = classify_partition(rows)
    assert [{k: r[k] for k in ("id", "source")} for r in out] == [{"id": i, "source": "test"} for i in range(12)]
    assert [{k: v for k, v in r.items() if k not in ("id", "source")} for r in out] == \
        expected(model, [r["text"] for r in rows])


def test_strings_and_iterators_are_accepted(model):
    out = classify_partition(iter(TEXTS))
    assert out == expected(model, TEXTS)


def test_empty_partition(model):
    assert classify_partition([]) == []


def test_fields_named_like_results_are_kept_under_input():
    [out] = classify_partition([{"text": TEXTS[0], "stance": "favor"}])
    assert out["input"] == {"stance": "favor"}
    assert out["stance"] in ("favor", "against", "none")


def test_other_text_field_and_evidence(model):
    out = classify_partition([{"body": TEXTS[0], "text": "not this"}], text_field="body", evidence=0)
    assert out[0]["body"] == TEXTS[0] and out[0]["text"] == "not this"
    assert {k: out[0][k] for k in RESULT_COLUMNS} == \
        {k: v for k, v in expected(model, [TEXTS[0]], evidence=0)[0].items() if k in RESULT_COLUMNS}
    assert out[0]["evidence"] == []


def test_model_directory_is_loaded_once_per_process():
    from stance.io.persistence import default_model_path
    from stance.batch.stream import _load_cached

    classify_partition(TEXTS[:1], model=default_model_path())
    misses = _load_cached.cache_info().misses
    classify_partition(TEXTS[1:2], model=default_model_path())
    assert _load_cached.cache_info().misses == misses


@pytest.mark.parametrize(
    ("partition", "match"),
    [("a string", "got str"), ([{"id": 1}], "item 0: 'text' must be a string"), ([3], "item 0 must be a dict")],
    ids=["string", "no-text", "not-a-record"],
)
def test_bad_partitions(partition, match):
    with pytest.raises(InvalidInputError, match=match):
        classify_partition(partition)


def test_dataframe(model):
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    df = pd.DataFrame({"id": range(len(TEXTS)), "text": TEXTS}, index=range(10, 10 + len(TEXTS)))
    out = classify_partition(df)
    assert list(out.columns) == ["id", "text", *RESULT_COLUMNS]
    assert list(out.index) == list(df.index)
    assert list(df.columns) == ["id", "text"]  # the input is not modified
    rows = [{k: out.iloc[i][k] for k in ("text", *RESULT_COLUMNS)} for i in range(len(out))]
    assert rows == expected(model, TEXTS)
    empty = classify_partition(df.iloc[:0])
    assert list(empty.columns) == ["id", "text", *RESULT_COLUMNS] and len(empty) == 0
    with pytest.raises(ValueError, match=r"already has column\(s\) \['stance'\]"):
        classify_partition(df.assign(stance="x"))


# --------------------------------------------------------------------------- on a dask cluster


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("dask", reason="dask is not installed (pip install 'stance-nlp[dask]')")
    distributed = pytest.importorskip("distributed",
                                      reason="dask.distributed is not installed (pip install 'stance-nlp[dask]')")
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, worker_dashboard_address=None)
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _model_loads() -> int:
    from stance.batch.stream import _load_cached

    return _load_cached.cache_info().misses


def test_dask_bag_on_a_local_cluster_equals_model_classify(model, client):
    import dask.bag as db

    rows = records(40)
    bag = db.from_sequence(rows, npartitions=8)
    out = bag.map_partitions(classify_partition).compute()
    assert [r["id"] for r in out] == list(range(40))
    assert [{k: v for k, v in r.items() if k not in ("id", "source")} for r in out] == \
        expected(model, [r["text"] for r in rows])
    loads = client.run(_model_loads)  # {worker address: models loaded}
    assert len(loads) == 2
    assert all(n <= 1 for n in loads.values()), loads  # eight partitions, at most one load per worker
    assert sum(loads.values()) >= 1


def test_dask_dataframe_on_a_local_cluster_equals_model_classify(model, client):
    pd = pytest.importorskip("pandas", reason="pandas is not installed")
    dd = pytest.importorskip("dask.dataframe", reason="dask.dataframe is not installed (pip install 'dask[dataframe]')")
    df = pd.DataFrame({"id": range(len(TEXTS) * 3), "text": TEXTS * 3})
    ddf = dd.from_pandas(df, npartitions=3)
    out = ddf.map_partitions(classify_partition, meta=classify_partition(ddf._meta)).compute()
    assert list(out["id"]) == list(df["id"])
    rows = [{k: out.iloc[i][k] for k in ("text", *RESULT_COLUMNS)} for i in range(len(out))]
    assert rows == expected(model, TEXTS * 3)
