"""Estimator contracts of stance.estimators.claims.ClaimStanceClassifier (tiny made-up corpus)."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from stance import ClaimStanceClassifier
from stance.exceptions import InvalidParameterError, LabelError, NotFittedError

from tests._claim_corpus import CLAIMS, LABELS, TEXTS

# three times, with the unrelated pairs crossed over so that every claim meets unrelated texts
X = TEXTS * 3
C = CLAIMS * 3
Y = LABELS * 3


def make(**kw):
    return ClaimStanceClassifier(**{"n_svd": 2, "n_bins": 2, "min_df": 1, "random_state": 0, **kw})


@pytest.fixture(scope="module")
def clf():
    return make().fit(X, Y, claims=C)


def test_fit_predict_and_probabilities(clf):
    assert clf.classes_.tolist() == ["agree", "disagree", "discuss", "unrelated"]
    pred = clf.predict(TEXTS, claims=CLAIMS)
    assert pred.tolist() == LABELS  # the training pairs are learned
    proba = clf.predict_proba(TEXTS, claims=CLAIMS)
    assert proba.shape == (8, 4)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert clf.score(TEXTS, LABELS, claims=CLAIMS) == 1.0


def test_one_claim_for_every_text(clf):
    one = clf.predict_proba(TEXTS[:3], claims=CLAIMS[0])
    np.testing.assert_allclose(one, clf.predict_proba(TEXTS[:3], claims=CLAIMS[:3]))


def test_threshold_decides_unrelated(clf):
    strict = clone(clf).set_params(threshold=1.0)
    strict.__dict__.update({k: v for k, v in clf.__dict__.items() if k.endswith("_")})
    assert set(strict.predict(TEXTS, claims=CLAIMS)) == {"unrelated"}


def test_sample_weight_is_used():
    sw = np.ones(len(Y))
    sw[[i for i, y in enumerate(Y) if y == "disagree"]] = 5.0
    a = make().fit(X, Y, claims=C).predict_proba(TEXTS, claims=CLAIMS)
    b = make().fit(X, Y, claims=C, sample_weight=sw).predict_proba(TEXTS, claims=CLAIMS)
    assert not np.allclose(a, b)
    with pytest.raises(ValueError, match=r"'sample_weight' must have shape \(24,\), got \(3,\)"):
        make().fit(X, Y, claims=C, sample_weight=[1, 2, 3])


def test_not_fitted_and_clone():
    with pytest.raises(NotFittedError):
        make().predict(TEXTS, claims=CLAIMS)
    est = make(threshold=0.4)
    assert clone(est).get_params() == est.get_params()


def test_inputs_are_checked(clf):
    with pytest.raises(ValueError, match=r"claims=\.\.\. is required"):
        clf.predict(TEXTS, claims=None)
    with pytest.raises(ValueError, match="claims must have one entry per text, got 2 for 8 texts"):
        clf.predict(TEXTS, claims=CLAIMS[:2])
    with pytest.raises(LabelError, match=r"labels must be among .*got \['refute'\]"):
        make().fit(X, ["refute"] + Y[1:], claims=C)
    with pytest.raises(LabelError, match="needs both unrelated and related"):
        make().fit(X, ["agree"] * len(X), claims=C)


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("threshold", 1.5, r"must be a float in the range \[0\.0, 1\.0\]\. Got 1\.5 instead\."),
        ("related_C", 0, r"must be a float in the range \(0\.0, inf\)\. Got 0 instead\."),
        ("n_bins", 1, r"must be an int in the range \[2, inf\)\. Got 1 instead\."),
        ("decision_weights", (1, 2), r"must be a sequence of 3 non-negative floats, one at least positive\."),
        ("random_state", "seed", r"must be an int in the range \[0, 4294967295\]"),
    ],
)
def test_bad_params(param, value, expected):
    with pytest.raises(InvalidParameterError, match=f"^The '{param}' parameter of ClaimStanceClassifier {expected}"):
        make(**{param: value}).fit(X, Y, claims=C)


def test_too_little_text_is_a_data_error():
    from stance.exceptions import DataError

    with pytest.raises(DataError, match="too few distinct claims or texts for min_df=2"):
        make(min_df=2).fit(X, Y, claims=C)


def test_every_parameter_has_a_rule():
    assert set(ClaimStanceClassifier._parameter_constraints) == set(ClaimStanceClassifier().get_params())


def test_joblib_round_trip(clf, tmp_path):
    joblib.dump(clf, tmp_path / "claims.joblib")
    restored = joblib.load(tmp_path / "claims.joblib")
    assert restored.get_params() == clf.get_params()
    np.testing.assert_array_equal(restored.predict_proba(TEXTS, claims=CLAIMS), clf.predict_proba(TEXTS, claims=CLAIMS))
    assert restored.predict(TEXTS, claims=CLAIMS).tolist() == clf.predict(TEXTS, claims=CLAIMS).tolist()


def test_sim_names_are_the_declared_ones(clf):
    from stance.estimators.claims import SIM_NAMES

    assert clf.transform_pairs(TEXTS[:2], claims=CLAIMS[:2])["sim_names"] == list(SIM_NAMES)


# -- quantile bins --------------------------------------------------------------------------


def test_quantile_bins_match_kbins_discretizer():
    import warnings

    from sklearn.preprocessing import KBinsDiscretizer

    from stance.estimators.claims import QuantileOneHot

    rng = np.random.RandomState(0)
    S = np.column_stack([rng.randn(300), rng.randint(0, 3, 300).astype(float), np.zeros(300), rng.rand(300) ** 5])
    T = np.vstack([S[:100], rng.randn(20, 4) * 3])
    for n_bins in (2, 7, 20):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # tied and constant columns lose bins, as intended
            ref = KBinsDiscretizer(n_bins=n_bins, encode="onehot", strategy="quantile",
                                   quantile_method="averaged_inverted_cdf").fit(S).transform(T)
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the same bins, without scikit-learn's warnings about them
            ours = QuantileOneHot.fit(S, n_bins).transform(T)
        ref.sort_indices()
        assert ours.shape == ref.shape and ours.dtype == ref.dtype
        for part in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(ours, part), getattr(ref, part))
    with pytest.raises(ValueError, match=r"expected an array of shape \(n, 4\), got \(2, 3\)"):
        QuantileOneHot.fit(S, 2).transform(np.zeros((2, 3)))


# -- word vectors --------------------------------------------------------------------------


def table(dim=4):
    """A made-up word-vector table over the corpus's words (random vectors, fixed seed)."""
    from stance.features.vectors import PooledVectors
    from stance.text.processing import preprocess, words

    vocab = sorted({w for t in TEXTS + CLAIMS for w in words(preprocess(t))})
    return PooledVectors(vocab, np.random.RandomState(1).randn(len(vocab), dim))


def test_word_vectors_add_a_stage2_block():
    from stance.estimators.claims import drop_word_vectors

    with_wv = make(word_vectors=table()).fit(X, Y, claims=C)
    assert with_wv.word_vectors_.dim == 4 and make().fit(X, Y, claims=C).word_vectors_ is None
    F = with_wv.transform_pairs(TEXTS, claims=CLAIMS)
    assert F["vec"].shape == (8, 16)  # pooled text and top sentences, and each times the claim
    norms = np.linalg.norm(F["vec"][:, :8].reshape(8, 2, 4), axis=2)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)  # the pooled parts have unit length
    n_stage2 = with_wv.stance_model_.coef_.shape[1]
    assert with_wv.stance_model_.coef_[:, n_stage2 - 16:].any()
    # without the vector parts, the blocks are those of a model without word vectors
    plain = drop_word_vectors(F)
    assert "vec" not in plain
    reference = make().fit(X, Y, claims=C).transform_pairs(TEXTS, claims=CLAIMS)
    for key in ("sim", "cue", "head", "body", "lead"):
        a, b = plain[key], reference[key]
        np.testing.assert_array_equal(a.toarray() if hasattr(a, "toarray") else a,
                                      b.toarray() if hasattr(b, "toarray") else b)
    assert with_wv.predict_proba(TEXTS, claims=CLAIMS).shape == (8, 4)


def test_word_vector_weight_scales_the_block():
    a = make(word_vectors=table(), word_vector_weight=0.5).fit(X, Y, claims=C)
    b = make(word_vectors=table(), word_vector_weight=4.0).fit(X, Y, claims=C)
    assert not np.allclose(a.predict_proba(TEXTS, claims=CLAIMS), b.predict_proba(TEXTS, claims=CLAIMS))
    with pytest.raises(InvalidParameterError, match=r"^The 'word_vector_weight' parameter of ClaimStanceClassifier "
                                                    r"must be a float in the range \(0\.0, inf\)\. Got 0 instead\."):
        make(word_vectors=table(), word_vector_weight=0).fit(X, Y, claims=C)
    with pytest.raises(InvalidParameterError, match=r"^The 'word_vectors' parameter of ClaimStanceClassifier must "
                                                    r"be a word-vector directory"):
        make(word_vectors=3).fit(X, Y, claims=C)


def test_word_vectors_from_a_directory(tmp_path):
    tab = table()
    tab.save(tmp_path / "wv")
    a = make(word_vectors=str(tmp_path / "wv")).fit(X, Y, claims=C)
    b = make(word_vectors=tab).fit(X, Y, claims=C)
    np.testing.assert_array_equal(a.predict_proba(TEXTS, claims=CLAIMS), b.predict_proba(TEXTS, claims=CLAIMS))
    assert clone(a).get_params()["word_vectors"] == str(tmp_path / "wv")
