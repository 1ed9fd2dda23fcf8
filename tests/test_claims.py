"""Estimator contracts of stance.estimators.claims.ClaimStanceClassifier (tiny made-up corpus)."""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.base import clone

from stance import ClaimStanceClassifier
from stance.exceptions import InvalidParameterError, LabelError, NotFittedError

# Made-up claims and texts: two claims, each text agrees, disagrees, discusses or is about something else.
CLAIMS = ["Cat elected mayor of small town", "Cat elected mayor of small town", "Cat elected mayor of small town",
          "Moon base opened by space agency", "Moon base opened by space agency", "Moon base opened by space agency",
          "Cat elected mayor of small town", "Moon base opened by space agency"]
TEXTS = ["The town confirmed on Monday that the cat was elected mayor after a landslide vote.",
         "Officials denied that any cat was elected mayor; the story is a hoax spread online.",
         "A cat may have been elected mayor of a small town, according to unverified reports.",
         "The space agency confirmed it opened the moon base, with officials showing the new modules.",
         "The agency said no moon base was opened and called the claim fake and baseless.",
         "Reports claim a moon base might have opened, but the agency has not said whether it did.",
         "The football season starts next week with a match in the capital city stadium.",
         "Bakers in the region report record sales of bread and cakes during the holidays."]
LABELS = ["agree", "disagree", "discuss", "agree", "disagree", "discuss", "unrelated", "unrelated"]
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
