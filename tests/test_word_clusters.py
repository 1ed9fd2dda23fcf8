"""Word clusters: k-means over the word vectors, the bag-of-clusters block of the estimators, both save formats."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
from sklearn.base import clone

from stance.estimators.linear import StanceClassifier, TopicClassifier
from stance.exceptions import InvalidParameterError, ModelIntegrityError
from stance.features.embeddings import WordVectors, load_word_vectors
from stance.features.vectors import PooledVectors, WordVectorFeatures
from stance.io.persistence import load_model, save_model
from stance.model.stance_model import StanceModel

from _vector_corpus import CORPUS, STANCES, TEXTS, TOPICS


@pytest.fixture(scope="module")
def vectors():
    return WordVectors(dim=4, window=3, min_count=2, n_clusters=3, random_state=0).fit(CORPUS)


def test_cluster_bags_are_sublinear_and_unit_length():
    table = PooledVectors(["nato", "troops", "tanks"], np.eye(3), clusters=np.array([0, 1, 1]))
    bags = table.cluster_bags(["NATO troops tanks tanks", "nothing known", "nato"])
    # cluster 1 seen 3 times: 1 + log 3 beside cluster 0 seen once, then L2
    expected = np.array([1.0, 1.0 + np.log(3.0)])
    assert np.allclose(bags[0], expected / np.linalg.norm(expected))
    assert np.allclose(bags[1], 0) and np.allclose(bags[2], [1.0, 0.0])
    assert table.block(["nato"], "both").shape == (1, 5) and table.block_width("clusters") == 2
    with pytest.raises(ValueError, match=r"block mode must be one of \('pooled', 'clusters', 'both'\), got 'x'"):
        table.block(["nato"], "x")
    with pytest.raises(ValueError, match="these word vectors have no clusters"):
        PooledVectors(["nato"], np.eye(1)).cluster_bags(["nato"])
    with pytest.raises(ValueError, match=r"clusters must be an int array of shape \(3,\), got float64"):
        PooledVectors(["a", "b", "c"], np.eye(3), clusters=np.zeros(3))


def test_word_vectors_cluster_and_round_trip(vectors, tmp_path):
    c = vectors.clusters_
    assert c.shape == (len(vectors.vocabulary_),) and c.min() >= 0 and c.max() < 3
    # words that share contexts share a cluster more often than not: troops/tanks vs banks
    v = vectors.vocabulary_
    assert c[v["troops"]] == c[v["tanks"]]
    back = load_word_vectors(vectors.save(tmp_path / "wv"))
    assert np.array_equal(back.clusters_, c) and back.n_clusters == 3
    assert np.array_equal(back.pooled().cluster_bags(TEXTS), vectors.pooled().cluster_bags(TEXTS))
    # a table without clusters gets them afterwards
    plain = WordVectors(dim=4, window=3, min_count=2, random_state=0).fit(CORPUS)
    assert plain.clusters_ is None
    with pytest.raises(ValueError, match=r"'n_clusters' parameter of WordVectors must be an int from 2 to \d+ .*"
                                         r"got None"):
        plain.fit_clusters()
    assert np.array_equal(plain.set_params(n_clusters=3).fit_clusters().clusters_, c)
    with pytest.raises(ValueError, match=r"'n_clusters' parameter of WordVectors must be an int greater than 1 "
                                         r"or None, got 1"):
        WordVectors(n_clusters=1).fit(CORPUS)


@pytest.mark.parametrize("mode", ["clusters", "both"])
def test_block_modes_widths_and_errors(vectors, mode):
    plain = StanceClassifier(min_df=1, cv=2, random_state=0).fit(TEXTS, STANCES)
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=vectors.pooled(),
                          word_vector_features=mode).fit(TEXTS, STANCES)
    extra = vectors.pooled().block_width(mode)
    assert extra == (3 if mode == "clusters" else 7)
    assert sc.coef_.shape[1] == plain.coef_.shape[1] + extra
    A = sc.transform_texts(TEXTS[:2]).toarray()[:, -3:]
    assert np.allclose(np.linalg.norm(A, axis=1), 1.0)  # the cluster bag of each paragraph, unit length
    assert clone(sc).get_params()["word_vector_features"] == mode
    no_clusters = WordVectors(dim=4, window=3, min_count=2, random_state=0).fit(CORPUS).pooled()
    with pytest.raises(ValueError, match=f"'word_vector_features' parameter of TopicClassifier is '{mode}', which "
                                         "needs word clusters, but the word vectors have none"):
        TopicClassifier(min_df=1, cv=2, word_vectors=no_clusters, word_vector_features=mode).fit(TEXTS, TOPICS)
    with pytest.raises(InvalidParameterError, match=r"The 'word_vector_features' parameter of StanceClassifier must "
                                                    r"be a str among .*Got 'sum' instead."):
        StanceClassifier(word_vectors=vectors, word_vector_features="sum").fit(TEXTS, STANCES)


@pytest.mark.parametrize("serialization", ["safe", "joblib"])
def test_model_with_clusters_round_trips(vectors, tmp_path, serialization):
    kw = dict(min_df=1, cv=2, random_state=0, word_vectors=vectors.pooled(), word_vector_features="both")
    tc = TopicClassifier(**kw).fit(TEXTS, TOPICS)
    sc = StanceClassifier(**kw).fit(TEXTS, STANCES)
    model = StanceModel(tc, sc)
    assert isinstance(model.predictor.features, WordVectorFeatures) and model.predictor.features.mode == "both"
    fast = model.classify(TEXTS[:6])
    # the numpy core and the estimators' scipy path agree
    A = sc.transform_texts(TEXTS[:6])
    slow = sc.calibrator_.predict_proba(np.asarray(A @ sc.coef_.T, dtype=np.float64) + sc.intercept_)
    for r, p in zip(fast, slow):
        assert np.allclose(list(r.stance_scores.values()), p, atol=1e-3)
    save_model(model, tmp_path / "m")
    back = load_model(tmp_path / "m", trusted=True, serialization=serialization)
    assert [r.stance_scores for r in back.classify(TEXTS[:6])] == [r.stance_scores for r in fast]
    assert [r.topic_scores for r in back.classify(TEXTS[:6])] == [r.topic_scores for r in fast]
    assert np.array_equal(back.stance_classifier.word_vectors_.clusters, vectors.clusters_)
    # a pair whose block modes differ gets no shared core
    other = clone(sc).set_params(word_vector_features="clusters").fit(TEXTS, STANCES)
    assert StanceModel(tc, other).predictor is None


def _rewrite_npz(path, **changes):
    with np.load(path, allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in npz.files}
    arrays.update(changes)
    arrays = {k: v for k, v in arrays.items() if v is not None}
    np.savez_compressed(path, **arrays)
    manifest_path = path.parent / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest["files"][path.name] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("change, message", [
    ({"word_clusters": None}, "field 'word_clusters' must be an array of cluster ids when "
                              "params.word_vector_features is 'clusters'"),
    ({"word_clusters": np.zeros(3, dtype=np.float32)}, r"field 'word_clusters' must be an array of ints of shape"),
])
def test_safe_format_checks_the_clusters(vectors, tmp_path, change, message):
    kw = dict(min_df=1, cv=2, random_state=0, word_vectors=vectors.pooled(), word_vector_features="clusters")
    save_model(StanceModel(TopicClassifier(**kw).fit(TEXTS, TOPICS), StanceClassifier(**kw).fit(TEXTS, STANCES)),
               tmp_path / "m", format="safe")
    _rewrite_npz(tmp_path / "m" / "stance.npz", **change)
    with pytest.raises(ModelIntegrityError, match=message):
        load_model(tmp_path / "m")


def test_cli_embed_with_clusters(tmp_path, capsys):
    from stance.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    assert main(["embed", "--input", str(corpus), "-o", str(tmp_path / "wv"), "--dim", "3", "--min-count", "2",
                 "--clusters", "4"]) == 0
    assert "words x 3 dimensions, 4 clusters" in capsys.readouterr().out
    assert load_word_vectors(tmp_path / "wv").clusters_.max() == 3


def test_clusters_with_targets_round_trip(vectors, tmp_path):
    targets = ["russia", "ukraine"] * 12
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, word_vectors=vectors.pooled(),
                          word_vector_features="both").fit(TEXTS, STANCES, targets=targets)
    proba = sc.predict_proba(TEXTS[:4], targets=targets[:4])
    tc = TopicClassifier(min_df=1, cv=2, random_state=0).fit(TEXTS, TOPICS)
    save_model(StanceModel(tc, sc), tmp_path / "m", format="safe")
    back = load_model(tmp_path / "m").stance_classifier
    assert back.word_vector_features == "both"
    assert np.allclose(back.predict_proba(TEXTS[:4], targets=targets[:4]), proba, atol=1e-6)
