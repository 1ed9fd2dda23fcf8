"""The word-vector block of the estimators: fitting, the scoring core, both save formats."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.estimators.linear import StanceClassifier, TopicClassifier
from stance.exceptions import InvalidParameterError, ModelIntegrityError
from stance.features.embeddings import WordVectors
from stance.features.vectors import WordVectorFeatures
from stance.io.persistence import load_model, save_model
from stance.model.stance_model import StanceModel

from _vector_corpus import CORPUS, STANCES, TEXTS, TOPICS


@pytest.fixture(scope="module")
def vectors():
    return WordVectors(dim=4, window=3, min_count=2, random_state=0).fit(CORPUS)


def _fit_pair(word_vectors, **kw):
    tc = TopicClassifier(min_df=1, cv=2, random_state=0, word_vectors=word_vectors, **kw).fit(TEXTS, TOPICS)
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=word_vectors, **kw).fit(TEXTS, STANCES)
    return tc, sc


@pytest.fixture(scope="module")
def pair(vectors):
    return _fit_pair(vectors)


def test_block_adds_dim_columns(vectors, pair, tmp_path):
    plain_tc, plain_sc = _fit_pair(None)
    tc, sc = pair
    assert tc.coef_.shape[1] == plain_tc.coef_.shape[1] + 4
    assert sc.coef_.shape[1] == plain_sc.coef_.shape[1] + 4
    assert tc.word_vectors_.dim == 4 and plain_tc.word_vectors_ is None
    # a directory gives the same model as the fitted object
    by_path = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=str(vectors.save(tmp_path / "wv")))
    assert np.allclose(by_path.fit(TEXTS, STANCES).predict_proba(TEXTS), sc.predict_proba(TEXTS))
    # the block's weight scales its columns
    heavy = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=vectors, word_vector_weight=3.0)
    A1, A3 = sc.transform_texts(TEXTS[:2]), heavy.fit(TEXTS, STANCES).transform_texts(TEXTS[:2])
    assert np.allclose(A3[:, -4:].toarray(), 3 * A1[:, -4:].toarray(), atol=1e-6)
    assert np.abs(A1[:, -4:].toarray()).sum() > 0
    assert clone(heavy).get_params()["word_vector_weight"] == 3.0


def test_block_parameter_errors(vectors):
    with pytest.raises(InvalidParameterError, match=r"The 'word_vectors' parameter of StanceClassifier must be a "
                                                    r"word-vector directory \(str or path\), a fitted WordVectors or "
                                                    r"a PooledVectors or None. Got 3 instead."):
        StanceClassifier(word_vectors=3).fit(TEXTS, STANCES)
    with pytest.raises(InvalidParameterError, match=r"The 'word_vector_weight' parameter of TopicClassifier must be "
                                                    r"a float in the range \(0.0, inf\). Got 0 instead."):
        TopicClassifier(word_vectors=vectors, word_vector_weight=0).fit(TEXTS, TOPICS)
    with pytest.raises(NotFittedError):
        WordVectors().pooled()


def test_scoring_core_and_estimator_paths_agree(pair):
    tc, sc = pair
    model = StanceModel(tc, sc)
    assert model.predictor is not None  # the numpy core serves the block
    assert isinstance(model.predictor.features, WordVectorFeatures)
    fast = model.classify(TEXTS[:6])
    # the estimators' own path: the scikit-learn matrix (block appended with scipy) times the weights
    A = sc.transform_texts(TEXTS[:6])
    raw = np.asarray(A @ sc.coef_.T, dtype=np.float64) + sc.intercept_
    slow_stances = sc.calibrator_.predict_proba(raw)
    slow_topics = tc.predict_proba(TEXTS[:6])
    for r, tp, sp_ in zip(fast, slow_topics, slow_stances):
        assert np.allclose(list(r.stance_scores.values()), sp_, atol=1e-3)
        assert np.allclose(list(r.topic_scores.values()), tp, atol=1e-3)
    # a pair whose blocks differ gets no shared core
    other = clone(sc).set_params(word_vectors=sc.word_vectors_, word_vector_weight=2.0).fit(TEXTS, STANCES)
    assert StanceModel(tc, other).predictor is None


@pytest.mark.parametrize("serialization", ["safe", "joblib"])
def test_model_with_word_vectors_round_trips(vectors, pair, tmp_path, serialization):
    tc, sc = pair
    model = StanceModel(tc, sc)
    fast = model.classify(TEXTS[:6])
    save_model(model, tmp_path / "m")
    back = load_model(tmp_path / "m", trusted=True, serialization=serialization)
    again = back.classify(TEXTS[:6])
    assert [r.stance_scores for r in again] == [r.stance_scores for r in fast]
    assert [r.topic_scores for r in again] == [r.topic_scores for r in fast]
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["stance_classifier"]["word_vectors"] == "stored"
    if serialization == "safe":
        meta = json.loads((tmp_path / "m" / "stance.json").read_text(encoding="utf-8"))
        assert meta["params"]["word_vectors"] == "stored" and len(meta["word_vectors"]) == len(vectors.vocabulary_)
        sc_back = back.stance_classifier
        assert np.allclose(sc_back.predict_proba(TEXTS[:6]), sc.predict_proba(TEXTS[:6]), atol=1e-6)
        # a loaded estimator refits with the stored table
        assert clone(sc_back).fit(TEXTS, STANCES).coef_.shape == sc.coef_.shape


def test_model_without_word_vectors_stores_none(tmp_path):
    tc, sc = _fit_pair(None)
    save_model(StanceModel(tc, sc), tmp_path / "m", format="safe")
    meta = json.loads((tmp_path / "m" / "topic.json").read_text(encoding="utf-8"))
    assert meta["params"]["word_vectors"] is None and "word_vectors" not in meta
    assert load_model(tmp_path / "m").stance_classifier.word_vectors_ is None


def test_safe_format_checks_the_table(pair, tmp_path):
    save_model(StanceModel(*pair), tmp_path / "m", format="safe")
    path = tmp_path / "m" / "stance.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    meta["word_vectors"] = meta["word_vectors"][:-1]
    path.write_text(json.dumps(meta), encoding="utf-8")
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"]["stance.json"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "m" / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(ModelIntegrityError, match="field 'word_vectors' must be an array of shape"):
        load_model(tmp_path / "m")


def test_block_with_targets_round_trips(vectors, tmp_path):
    targets = ["russia", "ukraine"] * 12
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=vectors.pooled()).fit(
        TEXTS, STANCES, targets=targets)
    plain = StanceClassifier(min_df=1, cv=2, random_state=0).fit(TEXTS, STANCES, targets=targets)
    assert sc.coef_.shape[1] > plain.coef_.shape[1]  # the block is in the shared and the per-target copies
    proba = sc.predict_proba(TEXTS[:4], targets=targets[:4])
    tc = TopicClassifier(min_df=1, cv=2, random_state=0).fit(TEXTS, TOPICS)
    save_model(StanceModel(tc, sc), tmp_path / "m", format="safe")
    back = load_model(tmp_path / "m").stance_classifier
    assert np.allclose(back.predict_proba(TEXTS[:4], targets=targets[:4]), proba, atol=1e-6)


def test_loaded_model_scores_the_block_without_scikit_learn(pair, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    save_model(StanceModel(*pair), tmp_path / "m", format="safe")
    code = (f"import sys, stance; m = stance.load_model({str(tmp_path / 'm')!r}); m.classify(['Troops at the border']); "
            "print(type(m.predictor.features).__name__, 'sklearn' in sys.modules)")
    root = str(Path(__file__).resolve().parents[1])
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"}).stdout.split()
    assert out == ["WordVectorFeatures", "False"]
