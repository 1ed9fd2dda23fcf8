"""Shared fixtures: a tiny made-up labelled corpus and one tiny trained model.

Everything here is written for the tests (no text comes from ../shared/data).
The session-scoped model is trained once (about a second) and reused; tests
that save or otherwise mutate a model must load their own copy with
``fresh_model`` instead of touching ``tiny_model``.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

#: (text, topics, stance, doc) -- a dozen short made-up paragraphs.
TRAIN_ROWS = [
    ("NATO must stop its eastward expansion toward Russian borders, Moscow said.", ["nato_expansion"], "favor", "d1"),
    ("The alliance's open door policy threatens Russia, the Kremlin warned.", ["nato_expansion"], "favor", "d1"),
    ("Ukraine has every right to choose its alliances and join NATO.", ["nato_expansion"], "against", "d2"),
    ("Finland's accession to NATO strengthens European security.", ["nato_expansion"], "against", "d2"),
    ("The European Union adopted a new package of sanctions against Russian banks.", ["sanctions"], "against", "d3"),
    ("Western sanctions are illegal and will only hurt Europe, Lavrov said.", ["sanctions"], "favor", "d3"),
    ("Washington froze the assets of several oligarchs under the new sanctions.", ["sanctions"], "none", "d4"),
    ("The New START treaty limits deployed nuclear warheads on both sides.", ["arms_control"], "none", "d4"),
    ("Moscow suspended its participation in the arms control treaty.", ["arms_control"], "against", "d5"),
    ("Russia proposed a moratorium on intermediate-range missiles in Europe.", ["arms_control"], "favor", "d5"),
    ("Diplomats met in Geneva for talks on security guarantees.", ["diplomacy", "arms_control"], "none", "d6"),
    ("The foreign ministers held a phone call and agreed to continue talks.", ["diplomacy"], "none", "d6"),
]

TINY_TOPICS = ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
TINY_STANCES = ["against", "favor", "none"]


def row_dict(text, topics, stance, doc):
    return {"text": text, "topics": topics, "stance": stance, "doc": doc}


def write_jsonl(path: Path, rows) -> Path:
    """Write dicts (or (text, topics, stance, doc) tuples) as JSON lines."""
    path = Path(path)
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            if not isinstance(row, dict):
                row = row_dict(*row)
            fh.write(json.dumps(row) + "\n")
    return path


@pytest.fixture(scope="session", autouse=True)
def _single_threaded_blas():
    """Keep BLAS to one thread: tiny problems only lose time to thread start-up and spinning."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):
        yield


@pytest.fixture(scope="session")
def train_rows():
    return list(TRAIN_ROWS)


@pytest.fixture(scope="session")
def train_jsonl(tmp_path_factory) -> Path:
    return write_jsonl(tmp_path_factory.mktemp("data") / "train.jsonl", TRAIN_ROWS)


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, train_jsonl) -> Path:
    from stance.training import train_model

    out = tmp_path_factory.mktemp("models") / "tiny"
    # pickles only (the default writes both formats): the trust and integrity tests need a joblib model
    train_model(train_jsonl, out, topics="auto", stances="auto", min_df=1, name="tiny", format="joblib")
    return out


@pytest.fixture(scope="session")
def tiny_model(tiny_model_dir):
    """The tiny model loaded from disk. Shared: do not mutate or save it."""
    from stance.io.persistence import load_model

    return load_model(tiny_model_dir, trusted=True)  # a joblib model the tests wrote themselves


@pytest.fixture
def fresh_model(tiny_model_dir):
    """A private copy of the tiny model (safe to save or mutate)."""
    from stance.io.persistence import load_model

    return load_model(tiny_model_dir, trusted=True)


@pytest.fixture
def copy_model_dir(tiny_model_dir, tmp_path):
    """A function that copies the tiny model directory to a fresh place and returns it."""
    import shutil

    def _copy(name: str = "model") -> Path:
        dst = tmp_path / name
        shutil.copytree(tiny_model_dir, dst)
        return dst

    return _copy


@pytest.fixture(scope="session")
def tiny_safe_model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny model saved in the pickle-free "safe" format (shared: copy it before changing it)."""
    from stance.io.persistence import load_model, save_model

    out = tmp_path_factory.mktemp("safe-models") / "tiny-safe"
    save_model(load_model(tiny_model_dir, trusted=True), out, format="safe", name="tiny-safe")
    return out


@pytest.fixture
def copy_safe_model_dir(tiny_safe_model_dir, tmp_path):
    """A function that copies the safe tiny model directory to a fresh place and returns it."""
    import shutil

    def _copy(name: str = "safe-model") -> Path:
        dst = tmp_path / name
        shutil.copytree(tiny_safe_model_dir, dst)
        return dst

    return _copy


@pytest.fixture(scope="session")
def tiny_v1_safe_model_dir(tmp_path_factory, tiny_model_dir) -> Path:
    """The tiny model in the layout of stance 1.0 (``stance-model/1``, shared ``vocabulary.json``)."""
    from _old_formats import write_v1_safe
    from stance.io.persistence import load_model

    return write_v1_safe(load_model(tiny_model_dir, trusted=True), tmp_path_factory.mktemp("v1") / "tiny-v1")


@pytest.fixture
def copy_v1_safe_model_dir(tiny_v1_safe_model_dir, tmp_path):
    """A function that copies the v1-layout tiny model to a fresh place and returns it."""
    import shutil

    def _copy(name: str = "v1-model") -> Path:
        dst = tmp_path / name
        shutil.copytree(tiny_v1_safe_model_dir, dst)
        return dst

    return _copy
