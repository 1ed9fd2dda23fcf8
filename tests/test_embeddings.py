"""Tests of stance.features.embeddings and stance.features.vectors (PPMI + SVD word vectors), ``stance embed``."""

from __future__ import annotations

import json
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from stance.cli.commands import main
from stance.exceptions import DataError
from stance.features.embeddings import WordVectors, load_word_vectors

from _vector_corpus import CORPUS


@pytest.fixture(scope="module")
def vectors():
    return WordVectors(dim=4, window=3, min_count=2, random_state=0).fit(CORPUS)


def test_fit_learns_a_table_of_unit_vectors(vectors):
    assert vectors.vectors_.shape == (len(vectors.vocabulary_), 4)
    assert vectors.vectors_.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors.vectors_, axis=1), 1.0, atol=1e-5)
    assert vectors.n_tokens_ == sum(len(t.split()) for t in CORPUS)
    assert vectors.counts_[vectors.vocabulary_["the"]] > vectors.counts_[vectors.vocabulary_["tanks"]]
    # frequent words weigh less in the pooled vector
    assert vectors.weights_[vectors.vocabulary_["the"]] < vectors.weights_[vectors.vocabulary_["tanks"]]


def test_words_that_share_contexts_are_close(vectors):
    v, idx = vectors.vectors_, vectors.vocabulary_
    assert v[idx["troops"]] @ v[idx["tanks"]] > v[idx["troops"]] @ v[idx["tariffs"]]
    assert v[idx["sanctions"]] @ v[idx["tariffs"]] > v[idx["sanctions"]] @ v[idx["soldiers"]]
    assert vectors.most_similar("Sanctions", k=3)[0][0] != "sanctions"
    with pytest.raises(KeyError, match="'missiles' is not in the vocabulary"):
        vectors.most_similar("missiles")


def test_transform_pools_known_words(vectors):
    X = vectors.transform(["Troops near the border", "unknown words only", ""])
    assert X.shape == (3, 4)
    assert np.isclose(np.linalg.norm(X[0]), 1.0, atol=1e-5)
    assert not X[1].any() and not X[2].any()
    one = vectors.vectors_[vectors.vocabulary_["troops"]]
    assert np.allclose(vectors.transform(["troops"])[0], one, atol=1e-6)


def test_min_count_and_max_vocab():
    wv = WordVectors(dim=2, min_count=13, max_vocab=5, random_state=0).fit(CORPUS)
    assert len(wv.vocabulary_) == 5
    assert "the" in wv.vocabulary_ and "night" not in wv.vocabulary_


def test_same_seed_same_vectors(vectors):
    again = WordVectors(dim=4, window=3, min_count=2, random_state=0).fit(CORPUS)
    assert np.array_equal(again.vectors_, vectors.vectors_)


def test_save_load_round_trip_without_pickle(vectors, tmp_path, monkeypatch):
    path = vectors.save(tmp_path / "wv")
    assert sorted(p.name for p in path.iterdir()) == ["counts.npz", "vectors.npz", "vocabulary.json"]
    meta = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
    assert meta["params"]["dim"] == 4 and len(meta["vocabulary"]) == len(vectors.vocabulary_)

    def refuse(*args, **kwargs):
        raise AssertionError("a word-vector file was unpickled")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    back = load_word_vectors(path)
    assert back.vocabulary_ == vectors.vocabulary_
    assert np.array_equal(back.vectors_, vectors.vectors_)
    assert np.array_equal(back.counts_, vectors.counts_)
    assert back.get_params()["window"] == 3
    assert np.array_equal(back.transform(CORPUS[:5]), vectors.transform(CORPUS[:5]))


def test_load_errors(tmp_path, vectors):
    with pytest.raises(FileNotFoundError, match="not a word-vector directory"):
        load_word_vectors(tmp_path)
    path = vectors.save(tmp_path / "wv")
    meta = json.loads((path / "vocabulary.json").read_text(encoding="utf-8"))
    meta["format"] = "something else"
    (path / "vocabulary.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="field 'format' must be 'stance-word-vectors/1'"):
        load_word_vectors(path)
    meta["format"] = "stance-word-vectors/1"
    meta["vocabulary"] = meta["vocabulary"][:-1]
    (path / "vocabulary.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(ValueError, match="vectors must have shape"):
        load_word_vectors(path)


def test_estimator_conventions(vectors):
    wv = WordVectors(dim=3)
    assert clone(wv).get_params() == wv.get_params()
    with pytest.raises(NotFittedError):
        wv.transform(["troops"])
    with pytest.raises(ValueError, match="The 'dim' parameter of WordVectors must be an int greater than 0, got 0"):
        WordVectors(dim=0).fit(CORPUS)
    with pytest.raises(ValueError, match="The 'eig' parameter of WordVectors must be a float from 0 to 1, got 2"):
        WordVectors(eig=2).fit(CORPUS)
    with pytest.raises(DataError, match="only 3 distinct words occur at least min_count=1"):
        WordVectors(dim=5, min_count=1).fit(["a b c"])
    assert pickle.loads(pickle.dumps(vectors)).transform(["troops"]).shape == (1, 4)


def test_progress_bar_goes_to_stderr(capsys):
    WordVectors(dim=2, min_count=2, progress=True, random_state=0).fit(CORPUS)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "counting co-occurrences" in captured.err and "SVD" in captured.err


def test_cli_embed(tmp_path, capsys):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(CORPUS) + "\n", encoding="utf-8")
    assert main(["embed", "--input", str(corpus), "-o", str(tmp_path / "wv"), "--dim", "3", "--min-count", "2"]) == 0
    assert "words x 3 dimensions" in capsys.readouterr().out
    assert load_word_vectors(tmp_path / "wv").vectors_.shape[1] == 3
    assert main(["embed", "--input", str(corpus), "-o", str(tmp_path / "x"), "--dim", "500"]) == 1
    assert "needs more than 500" in capsys.readouterr().err
