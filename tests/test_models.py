"""Estimator contracts of stance.estimators.linear.TopicClassifier and StanceClassifier."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from stance.exceptions import InputTooLargeError, InvalidInputError, InvalidParameterError, LabelError, NotFittedError
from stance.estimators.linear import StanceClassifier, TopicClassifier, check_texts, topics_to_indicator
from stance.text.processing import DEFAULT_MAX_PARAGRAPH_CHARS

# A dozen made-up paragraphs with topics (multi-label) and stances.
TEXTS = [
    "NATO must halt its eastward expansion, the Kremlin said.",
    "Georgia and Ukraine should never join the alliance, Moscow insists.",
    "Sweden's NATO membership makes the Baltic region safer.",
    "Kyiv has the sovereign right to seek NATO membership.",
    "Brussels approved a tenth round of sanctions on Russian oil.",
    "The sanctions are economic warfare against ordinary Russians, Peskov said.",
    "Treasury added two shipping firms to the sanctions list.",
    "The INF treaty banned ground-launched intermediate missiles.",
    "Russia quit the Open Skies arms control treaty.",
    "Moscow offered to extend the nuclear arms treaty for five years.",
    "Negotiators met in Vienna for a second round of talks on the treaty.",
    "The envoys agreed to resume talks next month.",
]
TOPICS = [
    ["nato_expansion"],
    ["nato_expansion"],
    ["nato_expansion"],
    ["nato_expansion"],
    ["sanctions"],
    ["sanctions"],
    ["sanctions"],
    ["arms_control"],
    ["arms_control"],
    ["arms_control"],
    ["diplomacy", "arms_control"],
    ["diplomacy"],
]
STANCES = ["favor", "favor", "against", "against", "against", "favor", "none", "none", "against", "favor", "none", "none"]
DOCS = ["a", "a", "b", "b", "c", "c", "d", "d", "e", "e", "f", "f"]

# A clearly separable stance corpus: each class has its own vocabulary.
SEP_FAVOR = [f"Moscow rightly warns that NATO expansion is a threat {i}" for i in range(6)]
SEP_AGAINST = [f"Kyiv condemns the brutal Russian aggression and invasion {i}" for i in range(6)]
SEP_NONE = [f"Diplomats scheduled routine consultations on Tuesday {i}" for i in range(6)]
SEP_TEXTS = SEP_FAVOR + SEP_AGAINST + SEP_NONE
SEP_STANCES = ["favor"] * 6 + ["against"] * 6 + ["none"] * 6

QUERY = ["NATO membership for Ukraine", "sanctions on oil", "", "the treaty talks"]


def make_topic(**kw):
    params = {"min_df": 1, "cv": 3, "random_state": 0, **kw}
    return TopicClassifier(**params)


def make_stance(**kw):
    params = {"min_df": 1, "cv": 2, "random_state": 0, **kw}
    return StanceClassifier(**params)


@pytest.fixture(scope="module")
def topic_clf():
    return make_topic().fit(TEXTS, TOPICS)


@pytest.fixture(scope="module")
def stance_clf():
    return make_stance().fit(TEXTS, STANCES)


@pytest.fixture(scope="module")
def target_stance_clf():
    targets = ["NATO" if i % 2 else "Russia" for i in range(len(TEXTS))]
    return make_stance(target_hash_features=2**12).fit(TEXTS, STANCES, targets=targets)


# --------------------------------------------------------------------------- params, clone


@pytest.mark.parametrize(
    "est",
    [
        TopicClassifier(topics=("sanctions", "diplomacy"), C=2.5, min_df=1, cv=3, char_ngram_range=None, random_state=7),
        StanceClassifier(labels=("favor", "against"), C=0.5, min_df=1, cv=2, tune_decision=False, target_features=False),
    ],
    ids=["topic", "stance"],
)
def test_clone_and_get_params_round_trip(est):
    params = est.get_params()
    cloned = clone(est)
    assert type(cloned) is type(est)
    assert cloned is not est
    assert cloned.get_params() == params
    rebuilt = type(est)(**params)
    assert rebuilt.get_params() == params
    assert est.set_params(C=3.0) is est and est.get_params()["C"] == 3.0


@pytest.mark.parametrize("cls", [TopicClassifier, StanceClassifier])
def test_set_params_rejects_unknown_parameter(cls):
    with pytest.raises(ValueError, match="Invalid parameter 'threshold_cv'"):
        cls().set_params(threshold_cv=3)


def test_clone_of_fitted_estimator_is_unfitted(topic_clf):
    cloned = clone(topic_clf)
    assert not hasattr(cloned, "coef_")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        cloned.predict_proba(["x"])


@pytest.mark.parametrize("cls", [TopicClassifier, StanceClassifier])
def test_estimators_take_keyword_only_params(cls):
    with pytest.raises(TypeError):
        cls(None)


# --------------------------------------------------------------------------- not fitted


@pytest.mark.parametrize("cls", [TopicClassifier, StanceClassifier])
@pytest.mark.parametrize("method", ["predict", "predict_proba", "transform_texts"])
def test_not_fitted_error_before_fit(cls, method):
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not fitted yet"):
        getattr(cls(), method)(["NATO expansion"])


def test_topic_predict_labels_and_score_not_fitted():
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TopicClassifier().predict_labels(["x"])
    with pytest.raises(NotFittedError, match="not fitted yet"):
        TopicClassifier().score(["x"], [["a"]])


# --------------------------------------------------------------------------- bad params


@pytest.mark.parametrize("cls", [TopicClassifier, StanceClassifier])
@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [  # one case per rule kind: float interval, int interval, options, None allowed, ngram range, bool, seed
        # (StanceClassifier also accepts "auto" for C, binary and the text-feature settings)
        ("C", -1, r"must be a float in the range \(0\.0, inf\)( or a str among \{'auto'\})?\. Got -1 instead\."),
        ("C", 0, r"must be a float in the range \(0\.0, inf\)( or a str among \{'auto'\})?\. Got 0 instead\."),
        ("C", "high", r"must be a float in the range \(0\.0, inf\)( or a str among \{'auto'\})?\. "
                      r"Got 'high' instead\."),
        ("binary", "yes", r"must be an instance of 'bool'( or a str among \{'auto'\})?\. Got 'yes' instead\."),
        ("cv", 1, r"must be an int in the range \[2, inf\)\. Got 1 instead\."),
        ("cv", 2.5, r"must be an int in the range \[2, inf\)\. Got 2\.5 instead\."),
        ("cv", True, r"must be an int in the range \[2, inf\)\. Got True instead\."),
        ("max_iter", 0, r"must be an int in the range \[1, inf\)\. Got 0 instead\."),
        ("class_weight", "auto", r"must be a str among \{'balanced'\} or None\. Got 'auto' instead\."),
        ("max_word_features", 0, r"must be an int in the range \[1, inf\)(, a str among \{'auto'\})? or None\. "
                                 r"Got 0 instead\."),
        ("min_df", 1.5, r"must be an int in the range \[1, inf\)(,| or) a float in the range \(0\.0, 1\.0\]"
                        r"( or a str among \{'auto'\})?\. Got 1\.5 instead\."),
        ("word_ngram_range", (2, 1), r"must be a tuple \(min_n, max_n\) of ints with 1 <= min_n <= max_n\. "
                                     r"Got \(2, 1\) instead\."),
        ("char_ngram_range", "2-5", r"must be a tuple \(min_n, max_n\) .* or None\. Got '2-5' instead\."),
        ("random_state", -1, r"must be an int in the range \[0, 4294967295\], an instance of "
                             r"'numpy\.random\.mtrand\.RandomState' or None\. Got -1 instead\."),
    ],
)
def test_bad_params_raise_value_error_naming_the_parameter(cls, param, value, expected):
    est = cls(**{"min_df": 1, param: value})
    y = TOPICS if cls is TopicClassifier else STANCES
    with pytest.raises(InvalidParameterError, match=f"^The '{param}' parameter of {cls.__name__} {expected}$"):
        est.fit(TEXTS, y)


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        ("heads", "cascade", r"must be a str among \{'ovr', 'two_stage'\}\. Got 'cascade' instead\."),
        ("tune_decision", "yes", r"must be an instance of 'bool'\. Got 'yes' instead\."),
        ("target_design", "cross", r"must be a str among \{'augment', 'hash'\}\. Got 'cross' instead\."),
        ("shared_weight", -0.5, r"must be a float in the range \[0\.0, inf\)\. Got -0\.5 instead\."),
        ("neutral_label", "", r"must be a non-empty str\. Got '' instead\."),
        ("labels", "favor", r"must be a list of str or None\. Got 'favor' instead\."),
        ("decision_metric", "accuracy", r"must be a str among \{'auto', 'f_avg', 'macro_f1'\}\."),
    ],
)
def test_stance_only_params_are_validated_before_any_work(param, value, expected):
    with pytest.raises(InvalidParameterError, match=f"^The '{param}' parameter of StanceClassifier {expected}"):
        StanceClassifier(**{param: value}).fit(None, None)  # the parameters are checked before the data


def test_invalid_parameter_error_is_a_value_and_type_error():
    assert issubclass(InvalidParameterError, ValueError) and issubclass(InvalidParameterError, TypeError)


@pytest.mark.parametrize("cls", [TopicClassifier, StanceClassifier])
def test_every_parameter_has_a_rule(cls):
    assert set(cls._parameter_constraints) == set(cls().get_params())


def test_no_false_fitted_attributes(stance_clf):
    assert not hasattr(stance_clf, "n_features_in_")


# --------------------------------------------------------------------------- labels


def test_topic_unknown_label_with_topics_given():
    clf = make_topic(topics=("nato_expansion", "sanctions", "arms_control"))
    with pytest.raises(
        LabelError,
        match=r"y\[10\]: topic must be one of \('nato_expansion', 'sanctions', 'arms_control'\), got 'diplomacy'",
    ):
        clf.fit(TEXTS, TOPICS)


def test_topic_declared_label_without_example():
    clf = make_topic(topics=("nato_expansion", "sanctions", "arms_control", "diplomacy", "military_activity"))
    with pytest.raises(LabelError, match=r"no example for topic\(s\) \['military_activity'\]"):
        clf.fit(TEXTS, TOPICS)


def test_topic_bare_string_label_is_rejected():
    with pytest.raises(LabelError, match=r"got the string 'sanctions'; use \['sanctions'\]"):
        make_topic().fit(TEXTS, ["sanctions"] * len(TEXTS))


def test_topic_no_topics_at_all():
    with pytest.raises(LabelError, match="y has no topic at all"):
        make_topic().fit(TEXTS, [[] for _ in TEXTS])


def test_topic_needs_two_paragraphs():
    with pytest.raises(LabelError, match="need at least 2 training paragraphs, got 1"):
        make_topic().fit(TEXTS[:1], TOPICS[:1])


def test_stance_unknown_label_with_labels_given():
    clf = make_stance(labels=("favor", "against"))
    with pytest.raises(LabelError, match=r"y\[6\]: 'stance' must be one of \('favor', 'against'\), got 'none'"):
        clf.fit(TEXTS, STANCES)


def test_stance_declared_label_without_example():
    clf = make_stance(labels=("favor", "against", "none", "neutral"))
    with pytest.raises(LabelError, match=r"no example for stance label\(s\) \['neutral'\]"):
        clf.fit(TEXTS, STANCES)


def test_stance_needs_two_labels():
    with pytest.raises(LabelError, match=r"need at least 2 stance labels with examples, got \['none'\]"):
        make_stance().fit(TEXTS, ["none"] * len(TEXTS))


def test_stance_non_string_label():
    with pytest.raises(LabelError, match=r"y\[0\]: stance must be a str, got int"):
        make_stance().fit(TEXTS, [1] * len(TEXTS))


@pytest.mark.parametrize(("factory", "y"), [(make_topic, TOPICS), (make_stance, STANCES)], ids=["topic", "stance"])
def test_length_mismatch(factory, y):
    with pytest.raises(ValueError, match="X and y must have the same length, got 12 and 5"):
        factory().fit(TEXTS, y[:5])


# --------------------------------------------------------------------------- input validation


@pytest.mark.parametrize("factory", [make_topic, make_stance], ids=["topic", "stance"])
@pytest.mark.parametrize("single", ["NATO expansion", b"NATO expansion"])
def test_single_string_as_x_is_rejected(factory, single, topic_clf, stance_clf):
    fitted = topic_clf if factory is make_topic else stance_clf
    y = TOPICS if factory is make_topic else STANCES
    kind = type(single).__name__
    with pytest.raises(InvalidInputError, match=f"got a single {kind}; wrap it in a list"):
        factory().fit(single, y)
    with pytest.raises(InvalidInputError, match=f"got a single {kind}; wrap it in a list"):
        fitted.predict(single)
    with pytest.raises(InvalidInputError, match=f"got a single {kind}; wrap it in a list"):
        fitted.predict_proba(single)


def test_non_text_item_is_rejected(topic_clf, stance_clf):
    with pytest.raises(InvalidInputError, match=r"X\[1\] must be a str, got int"):
        topic_clf.predict_proba(["ok", 3])
    with pytest.raises(InvalidInputError, match=r"X\[0\] must be UTF-8 text"):
        stance_clf.predict_proba([b"\xff\xfe"])


def test_paragraph_over_the_limit_is_rejected(topic_clf):
    n = DEFAULT_MAX_PARAGRAPH_CHARS + 1
    with pytest.raises(InputTooLargeError, match=rf"X\[0\] has {n:,} characters, more than the limit of {n - 1:,}"):
        topic_clf.predict_proba(["x" * n])


def test_check_texts_accepts_iterables_and_rejects_non_iterables():
    assert check_texts(t for t in ("a", b"b")) == ["a", "b"]
    assert check_texts(("a",)) == ["a"]
    with pytest.raises(InvalidInputError, match=r"X must be an iterable of paragraphs \(a list of str\), got NoneType"):
        check_texts(None)
    with pytest.raises(InvalidInputError, match="docs must be an iterable of paragraphs"):
        check_texts(3, name="docs")


def test_topics_to_indicator():
    Y = topics_to_indicator([["b"], [], ["a", "b"]], ["a", "b"])
    assert Y.dtype == bool
    assert Y.astype(int).tolist() == [[0, 1], [0, 0], [1, 1]]
    with pytest.raises(LabelError, match=r"y\[1\]: topic must be one of \('a', 'b'\), got 'c'"):
        topics_to_indicator([["a"], ["c"]], ["a", "b"])
    with pytest.raises(LabelError, match="got the string 'a'"):
        topics_to_indicator(["a"], ["a", "b"])


# --------------------------------------------------------------------------- topic classifier behaviour


def test_topic_fitted_attributes(topic_clf):
    k = 4
    assert topic_clf.classes_.tolist() == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
    assert topic_clf.coef_.shape[0] == k and topic_clf.coef_.dtype == np.float32
    assert topic_clf.intercept_.shape == (k,)
    assert topic_clf.thresholds_.shape == (k,)
    assert np.all((topic_clf.thresholds_ >= 0.05) & (topic_clf.thresholds_ <= 0.95))
    assert topic_clf.cv_f1_.shape == (k,)
    assert np.all((topic_clf.cv_f1_ >= 0) & (topic_clf.cv_f1_ <= 1))


def test_topic_predict_proba_shape_and_range(topic_clf):
    proba = topic_clf.predict_proba(QUERY)
    assert proba.shape == (len(QUERY), len(topic_clf.classes_))
    assert np.all((proba > 0) & (proba < 1))


def test_topic_predict_is_proba_at_thresholds(topic_clf):
    proba = topic_clf.predict_proba(QUERY)
    pred = topic_clf.predict(QUERY)
    assert pred.dtype == bool
    np.testing.assert_array_equal(pred, proba >= topic_clf.thresholds_)
    labels = topic_clf.predict_labels(QUERY)
    assert labels == [[str(t) for t, on in zip(topic_clf.classes_, row) if on] for row in pred]


def test_topic_learns_training_topics(topic_clf):
    proba = topic_clf.predict_proba(TEXTS)
    Y = topics_to_indicator(TOPICS, topic_clf.classes_)
    # every paragraph scores higher on each of its own topics than on any topic it does not have
    for i in range(len(TEXTS)):
        assert proba[i, Y[i]].min() > proba[i, ~Y[i]].max()
    assert topic_clf.score(TEXTS, TOPICS) == pytest.approx(
        2 * (topic_clf.predict(TEXTS) & Y).sum() / (topic_clf.predict(TEXTS).sum() + Y.sum())
    )


def test_topic_predict_proba_columns_follow_classes(topic_clf):
    order = ("sanctions", "nato_expansion", "diplomacy", "arms_control")
    custom = make_topic(topics=order).fit(TEXTS, TOPICS)
    assert custom.classes_.tolist() == list(order)
    perm = [order.index(t) for t in topic_clf.classes_]
    np.testing.assert_allclose(custom.predict_proba(QUERY)[:, perm], topic_clf.predict_proba(QUERY), rtol=1e-6)
    np.testing.assert_array_equal(custom.thresholds_[perm], topic_clf.thresholds_)
    # the column named "sanctions" is the top one for a sanctions paragraph
    proba = custom.predict_proba(["new sanctions list"])
    assert custom.classes_[proba.argmax()] == "sanctions"


def test_topic_present_everywhere_is_always_predicted():
    y = [ts + ["russia"] for ts in TOPICS]
    clf = make_topic().fit(TEXTS, y)
    j = clf.classes_.tolist().index("russia")
    assert np.all(clf.predict(["anything at all", ""])[:, j])


def test_topic_fit_with_groups():
    clf = make_topic().fit(TEXTS, TOPICS, groups=DOCS)
    assert clf.thresholds_.shape == (4,)
    assert clf.predict_proba(QUERY).shape == (4, 4)


def test_topic_random_state_makes_fit_deterministic(topic_clf):
    again = make_topic().fit(TEXTS, TOPICS)
    np.testing.assert_array_equal(again.predict_proba(QUERY), topic_clf.predict_proba(QUERY))
    np.testing.assert_array_equal(again.thresholds_, topic_clf.thresholds_)


def test_topic_explain_returns_terms_of_the_paragraph(topic_clf):
    terms = topic_clf.explain(["new sanctions on oil"], labels="sanctions", k=2)[0]
    assert 1 <= len(terms) <= 2
    assert all(e.term in {"new", "sanctions", "on", "oil", "new sanctions", "sanctions on", "on oil"} for e in terms)
    assert all(e.weight > 0 and e.label == "sanctions" for e in terms)
    assert topic_clf.explain(["zzzz qqqq"], labels="sanctions") == [[]]


def test_explain_defaults_to_the_predicted_labels_and_checks_its_arguments(topic_clf, stance_clf):
    predicted = topic_clf.predict_labels(QUERY)
    for labels, evidence in zip(predicted, topic_clf.explain(QUERY)):
        assert {e.label for e in evidence} <= set(labels)
    stances = stance_clf.predict(QUERY)
    for label, evidence in zip(stances, stance_clf.explain(QUERY)):
        assert {e.label for e in evidence} <= {label}
    with pytest.raises(LabelError, match="'labels' must hold labels of .*got 'bogus'"):
        stance_clf.explain(QUERY, labels="bogus")
    with pytest.raises(ValueError, match=r"'labels' must be one str or one per paragraph \(4\), got 1"):
        topic_clf.explain(QUERY, labels=["sanctions"])
    with pytest.raises(ValueError, match="'k' must be an int >= 0, got -1"):
        topic_clf.explain(QUERY, k=-1)


@pytest.mark.parametrize("factory", [make_topic, make_stance], ids=["topic", "stance"])
def test_refit_after_explain_reports_terms_of_the_new_vocabulary(factory):
    # explain() caches the word names of the fitted vocabulary; fitting again must not
    # leave the old names behind (the evidence would name words of the old corpus).
    first_texts = ["alpha beta", "gamma delta", "alpha gamma", "beta delta"]
    second_texts = ["zulu yankee", "xray whiskey", "zulu xray", "yankee whiskey"]
    y = [["x"], ["y"], ["x"], ["y"]] if factory is make_topic else ["favor", "against", "favor", "against"]
    labels = ["x", "y"] if factory is make_topic else ["favor", "against"]
    clf = factory(cv=2, char_ngram_range=None)
    clf.fit(first_texts, y)
    clf.explain(["alpha beta"], labels=labels[0])
    clf.fit(second_texts, y)
    terms = [e.term for label in labels for e in clf.explain(["zulu yankee"], labels=label, k=5)[0]]
    assert terms
    assert set(terms) <= {"zulu", "yankee", "zulu yankee"}


def test_topic_pickle_round_trip(topic_clf):
    before = topic_clf.predict_proba(QUERY)
    topic_clf.explain(["sanctions"], labels=str(topic_clf.classes_[0]))  # fills the caches
    restored = pickle.loads(pickle.dumps(topic_clf))
    assert "_word_names_cache" not in restored.__dict__ and "_core_cache" not in restored.__dict__
    np.testing.assert_array_equal(restored.predict_proba(QUERY), before)
    np.testing.assert_array_equal(restored.thresholds_, topic_clf.thresholds_)
    assert restored.get_params() == topic_clf.get_params()


def test_topic_sklearn_tags(topic_clf):
    tags = topic_clf.__sklearn_tags__()
    assert tags.input_tags.string is True
    assert tags.input_tags.two_d_array is False
    assert tags.target_tags.multi_output is True


# --------------------------------------------------------------------------- stance classifier behaviour


def test_stance_fitted_attributes(stance_clf):
    assert stance_clf.classes_.tolist() == ["against", "favor", "none"]
    assert stance_clf.coef_.shape[0] == 3 and stance_clf.coef_.dtype == np.float32
    assert stance_clf.decision_weights_.shape == (3,)
    assert stance_clf.decision_weights_.max() == 1.0
    assert stance_clf.uses_targets_ is False
    assert stance_clf.targets_ is None
    assert np.isnan(stance_clf.cv_macro_f1_) or 0 <= stance_clf.cv_macro_f1_ <= 1


def test_stance_probabilities_sum_to_one(stance_clf):
    proba = stance_clf.predict_proba(QUERY)
    assert proba.shape == (len(QUERY), 3)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-9)


def test_stance_predict_uses_decision_weights(stance_clf):
    proba = stance_clf.predict_proba(QUERY)
    expected = stance_clf.classes_[np.argmax(proba * stance_clf.decision_weights_, axis=1)]
    np.testing.assert_array_equal(stance_clf.predict(QUERY), expected)
    assert set(stance_clf.predict(QUERY)) <= {"against", "favor", "none"}


def test_stance_without_decision_tuning_predicts_most_probable():
    clf = make_stance(tune_decision=False).fit(TEXTS, STANCES)
    np.testing.assert_array_equal(clf.decision_weights_, np.ones(3))
    proba = clf.predict_proba(QUERY)
    np.testing.assert_array_equal(clf.predict(QUERY), clf.classes_[proba.argmax(axis=1)])


def test_stance_learns_a_separable_corpus():
    clf = make_stance(cv=3).fit(SEP_TEXTS, SEP_STANCES)
    np.testing.assert_array_equal(clf.predict(SEP_TEXTS), np.array(SEP_STANCES, dtype=object))
    assert clf.predict(["Kyiv condemns the aggression"]).tolist() == ["against"]


def test_stance_predict_proba_columns_follow_classes():
    order = ("none", "favor", "against")
    clf = make_stance(labels=order, cv=3, tune_decision=False).fit(SEP_TEXTS, SEP_STANCES)
    assert clf.classes_.tolist() == list(order)
    proba = clf.predict_proba(SEP_TEXTS)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], np.array(SEP_STANCES, dtype=object))


def test_stance_binary():
    texts, y = SEP_FAVOR + SEP_AGAINST, ["favor"] * 6 + ["against"] * 6
    clf = make_stance(cv=3).fit(texts, y)
    assert clf.classes_.tolist() == ["against", "favor"]
    assert clf.coef_.shape[0] == 1
    proba = clf.predict_proba(texts)
    assert proba.shape == (12, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    text = ["Moscow rightly warns about NATO expansion"]
    favor_terms = {e.term: e.weight for e in clf.explain(text, labels="favor", k=10)[0]}
    against_terms = {e.term: e.weight for e in clf.explain(text, labels="against", k=10)[0]}
    assert favor_terms and not set(favor_terms) & set(against_terms)


def test_stance_random_state_makes_fit_deterministic(stance_clf):
    again = make_stance().fit(TEXTS, STANCES)
    np.testing.assert_array_equal(again.predict_proba(QUERY), stance_clf.predict_proba(QUERY))


def test_stance_fit_with_groups():
    clf = make_stance(cv=3).fit(TEXTS, STANCES, groups=DOCS)
    np.testing.assert_allclose(clf.predict_proba(QUERY).sum(axis=1), 1.0)


def test_stance_pickle_round_trip(stance_clf):
    before = stance_clf.predict_proba(QUERY)
    restored = pickle.loads(pickle.dumps(stance_clf))
    np.testing.assert_array_equal(restored.predict_proba(QUERY), before)
    np.testing.assert_array_equal(restored.predict(QUERY), stance_clf.predict(QUERY))


def test_stance_sklearn_tags(stance_clf):
    tags = stance_clf.__sklearn_tags__()
    assert tags.input_tags.string is True
    assert tags.input_tags.two_d_array is False


# --------------------------------------------------------------------------- stance targets


def test_stance_with_targets_records_them(target_stance_clf):
    assert target_stance_clf.uses_targets_ is True
    assert target_stance_clf.targets_.tolist() == ["NATO", "Russia"]


@pytest.mark.parametrize("method", ["predict", "predict_proba", "transform_texts"])
def test_stance_with_targets_requires_targets(target_stance_clf, method):
    with pytest.raises(InvalidInputError, match=r"fitted with targets; pass targets=\.\.\."):
        getattr(target_stance_clf, method)(QUERY)


def test_stance_with_targets_accepts_one_str_or_a_list(target_stance_clf):
    one = target_stance_clf.predict_proba(QUERY, targets="NATO")
    many = target_stance_clf.predict_proba(QUERY, targets=["NATO"] * len(QUERY))
    np.testing.assert_array_equal(one, many)
    np.testing.assert_allclose(one.sum(axis=1), 1.0)
    mixed = target_stance_clf.predict(QUERY, targets=("NATO", "Russia", "NATO", "Russia"))
    assert mixed.shape == (len(QUERY),)
    # the target changes the features, hence (in general) the scores
    other = target_stance_clf.predict_proba(QUERY, targets="Russia")
    assert not np.array_equal(one, other)


def test_stance_targets_length_and_type_are_checked(target_stance_clf):
    with pytest.raises(ValueError, match="targets must have one entry per paragraph, got 2 for 4 paragraphs"):
        target_stance_clf.predict(QUERY, targets=["NATO", "Russia"])
    with pytest.raises(InvalidInputError, match=r"targets\[1\] must be a str, got int"):
        target_stance_clf.predict(QUERY, targets=["NATO", 5, "NATO", "NATO"])
    with pytest.raises(InvalidInputError, match=r"targets\[0\] must be a str, got NoneType"):
        make_stance().fit(TEXTS, STANCES, targets=[None] * len(TEXTS))


def test_stance_pickle_round_trip_with_targets(target_stance_clf):
    before = target_stance_clf.predict_proba(QUERY, targets="NATO")
    restored = pickle.loads(pickle.dumps(target_stance_clf))
    np.testing.assert_array_equal(restored.predict_proba(QUERY, targets="NATO"), before)


def test_augment_by_target_copies_each_row_into_its_targets_block():
    import scipy.sparse as sp

    from stance.features.tfidf import augment_by_target

    A = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0], [4.0, 0.0, 0.0]], dtype=np.float32))
    M = augment_by_target(A, ["b", "a", "unseen"], ["a", "b"], shared_weight=0.5, per_target_weight=2.0).toarray()
    assert M.shape == (3, 3 + 2 * 3 + 2)
    np.testing.assert_allclose(M[:, :3], 0.5 * A.toarray())  # the shared copy
    np.testing.assert_allclose(M[0, 3:9], [0, 0, 0, 2, 0, 4])  # row 0 is target "b": second copy
    np.testing.assert_allclose(M[1, 3:9], [0, 6, 0, 0, 0, 0])
    np.testing.assert_allclose(M[2, 3:], 0)  # an unseen target gets the shared copy only
    np.testing.assert_allclose(M[:, 9:], [[0, 2], [2, 0], [0, 0]])  # one bias per target


# Under target "Kyiv" "support" means favor and "condemn" against, under "Moscow" the reverse:
# only weights per target can tell.
FLIP_TEXTS = ["we support them fully", "strong support from us", "we condemn them all",
              "they condemn this plan", "the weather is mild", "a meeting on tuesday"] * 4
FLIP_TARGETS = ["Kyiv"] * 12 + ["Moscow"] * 12
FLIP_STANCES = (["favor", "favor", "against", "against", "none", "none"] * 2
                + ["against", "against", "favor", "favor", "none", "none"] * 2)


def test_augmented_targets_learn_weights_per_target():
    clf = StanceClassifier(min_df=1, cv=2, random_state=0).fit(FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    assert clf.target_design == "augment"
    assert clf.coef_.shape[1] == clf.transform_texts(["x"], targets="Kyiv").shape[1]
    assert clf.predict(["we support them"], targets="Kyiv").tolist() == ["favor"]
    assert clf.predict(["we support them"], targets="Moscow").tolist() == ["against"]
    # evidence is read from the shared copy of the word block (the scoring core's word columns)
    ev = clf.explain(["we condemn them"], targets="Kyiv", labels="against", k=5)[0]
    assert all(e.label == "against" for e in ev)
    # an unseen target falls back on the shared weights
    assert clf.predict_proba(["we support them"], targets="Minsk").shape == (1, 3)


def test_auto_text_features_are_the_shared_defaults_without_targets_and_uncapped_with():
    from stance.estimators.linear import (DEFAULT_STANCE_C, TARGET_BINARY, TARGET_C, TARGET_MAX_FEATURES,
                                          TARGET_MIN_DF)
    from stance.features.tfidf import DEFAULT_MAX_CHAR_FEATURES, DEFAULT_MAX_WORD_FEATURES, DEFAULT_MIN_DF

    params = StanceClassifier().get_params()
    assert (params["min_df"], params["max_word_features"], params["max_char_features"], params["C"],
            params["binary"]) == ("auto",) * 5
    plain = StanceClassifier(cv=2, random_state=0).fit(FLIP_TEXTS, FLIP_STANCES)
    assert plain._text_feature_params() == {"min_df": DEFAULT_MIN_DF, "max_word_features": DEFAULT_MAX_WORD_FEATURES,
                                            "max_char_features": DEFAULT_MAX_CHAR_FEATURES, "binary": False}
    assert plain._head_C() == DEFAULT_STANCE_C == 1.0
    assert plain.features_.transformer_list[0][1].min_df == DEFAULT_MIN_DF
    assert [v.binary for _, v in plain.features_.transformer_list] == [False, False]
    targeted = StanceClassifier(cv=2, random_state=0).fit(FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    assert targeted._text_feature_params() == {"min_df": TARGET_MIN_DF, "max_word_features": TARGET_MAX_FEATURES,
                                               "max_char_features": TARGET_MAX_FEATURES, "binary": TARGET_BINARY}
    assert targeted._head_C() == TARGET_C
    word = targeted.features_.transformer_list[0][1]
    assert word.min_df == 1 and word.max_features is None
    assert [v.binary for _, v in targeted.features_.transformer_list] == [TARGET_BINARY] * 2
    explicit = StanceClassifier(cv=2, random_state=0, min_df=1, max_word_features=None, max_char_features=None,
                                C=TARGET_C, binary=TARGET_BINARY)
    explicit.fit(FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    np.testing.assert_array_equal(targeted.predict_proba(FLIP_TEXTS, targets=FLIP_TARGETS),
                                  explicit.predict_proba(FLIP_TEXTS, targets=FLIP_TARGETS))
    # explicit values win over "auto" with targets; target_features=False is the path without targets
    capped = StanceClassifier(cv=2, random_state=0, min_df=2, max_word_features=5, C=0.5, binary=False).fit(
        FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    assert capped._text_feature_params()["min_df"] == 2 and len(capped.features_.transformer_list[0][1].vocabulary_) == 5
    assert capped._head_C() == 0.5 and capped._text_feature_params()["binary"] is False
    off = StanceClassifier(cv=2, random_state=0, target_features=False).fit(FLIP_TEXTS, FLIP_STANCES,
                                                                            targets=FLIP_TARGETS)
    assert off._text_feature_params()["min_df"] == DEFAULT_MIN_DF
    assert off._head_C() == DEFAULT_STANCE_C and off._text_feature_params()["binary"] is False


@pytest.mark.parametrize("name, value", [("min_df", "automatic"), ("max_word_features", "none"),
                                         ("max_char_features", 0), ("C", "automatic"), ("binary", "auto ")])
def test_auto_text_feature_params_are_checked(name, value):
    with pytest.raises(InvalidParameterError, match=rf"The '{name}' parameter of StanceClassifier must be .*'auto'"):
        StanceClassifier(**{name: value}).fit(FLIP_TEXTS, FLIP_STANCES)


def test_targets_keep_the_rows_of_one_text_in_one_fold(monkeypatch):
    import stance.estimators.linear as linear

    seen = []
    real = linear.StratifiedGroupKFold

    class Spy(real):
        def split(self, X, y=None, groups=None):
            for train, test in super().split(X, y, groups):
                seen.append((set(np.asarray(groups)[train]), set(np.asarray(groups)[test])))
                yield train, test

    monkeypatch.setattr(linear, "StratifiedGroupKFold", Spy)
    texts = FLIP_TEXTS[:6] * 4
    StanceClassifier(min_df=1, cv=2, random_state=0).fit(texts, FLIP_STANCES, targets=FLIP_TARGETS)
    assert seen and all(not (a & b) for a, b in seen)


def test_decision_metric_auto_tunes_f_avg_with_targets(monkeypatch):
    import stance.estimators.linear as linear

    masks = []
    real = linear._tune_weights
    monkeypatch.setattr(linear, "_tune_weights", lambda p, y, mask=None: masks.append(mask) or real(p, y, mask))
    StanceClassifier(min_df=1, cv=2, random_state=0).fit(FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    StanceClassifier(min_df=1, cv=2, random_state=0).fit(FLIP_TEXTS, FLIP_STANCES)
    StanceClassifier(min_df=1, cv=2, random_state=0, decision_metric="macro_f1").fit(
        FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    assert masks[0].tolist() == [True, True, False]  # against, favor; not none
    assert masks[1] is None and masks[2] is None


def test_hash_design_is_kept():
    clf = StanceClassifier(min_df=1, cv=2, random_state=0, target_design="hash", target_hash_features=2**10)
    clf.fit(FLIP_TEXTS, FLIP_STANCES, targets=FLIP_TARGETS)
    n_text = sum(len(v.vocabulary_) for _, v in clf.features_.transformer_list)
    assert clf.coef_.shape[1] == n_text + 2**10


def test_pickles_from_before_the_augmented_design_load_as_hash(target_stance_clf):
    state = target_stance_clf.__getstate__()
    for key in ("target_design", "shared_weight", "per_target_weight", "decision_metric"):
        state.pop(key)
    old = StanceClassifier.__new__(StanceClassifier)
    old.__setstate__(state)
    assert old.target_design == "hash" and old.decision_metric == "macro_f1"


def test_pickles_from_before_the_binary_parameter_load_with_sublinear_tf(target_stance_clf):
    state = target_stance_clf.__getstate__()
    state.pop("binary")
    old = StanceClassifier.__new__(StanceClassifier)
    old.__setstate__(state)
    assert old.binary is False
    np.testing.assert_array_equal(old.predict_proba(QUERY, targets="NATO"),
                                  target_stance_clf.predict_proba(QUERY, targets="NATO"))


def test_binary_parameter_reaches_both_feature_blocks_and_is_validated():
    clf = make_stance(binary=True).fit(TEXTS, STANCES)
    assert [v.binary for _, v in clf.features_.transformer_list] == [True, True]
    assert make_stance().fit(TEXTS, STANCES).features_.transformer_list[0][1].binary is False
    with pytest.raises(ValueError, match=r"The 'binary' parameter of TopicClassifier must be an instance of 'bool'"):
        TopicClassifier(binary=1).fit(TEXTS, [["a"]] * len(TEXTS))


def test_stance_target_features_off_ignores_targets():
    clf = make_stance(target_features=False).fit(TEXTS, STANCES, targets="NATO")
    assert clf.uses_targets_ is False
    np.testing.assert_array_equal(clf.predict_proba(QUERY), clf.predict_proba(QUERY, targets="Russia"))


# --------------------------------------------------------------------------- sample weights, heads, folded decision


def test_balanced_sample_weight_balances_each_group():
    from stance.estimators.linear import balanced_sample_weight

    groups = ["k"] * 4 + ["w"] * 3
    y = ["favor", "favor", "favor", "none", "against", "none", "none"]
    w = balanced_sample_weight(groups, y)
    # within a group every label weighs the same in total, and each group keeps its size
    assert w[:3].sum() == pytest.approx(w[3])
    assert w[4] == pytest.approx(w[5:].sum())
    assert w[:4].sum() == pytest.approx(4) and w[4:].sum() == pytest.approx(3)
    assert np.allclose(balanced_sample_weight(groups, y, power=0.0), 1.0)
    with pytest.raises(ValueError, match="same length"):
        balanced_sample_weight(["a"], ["x", "y"])


def test_stance_sample_weight_of_two_equals_a_duplicate():
    texts, y = list(SEP_TEXTS), list(SEP_STANCES)
    weighted = make_stance(cv=2, tune_decision=False).fit(texts, y, sample_weight=[2.0] + [1.0] * (len(texts) - 1))
    duplicated = make_stance(cv=2, tune_decision=False)
    duplicated.fit(texts + texts[:1], y + y[:1])
    plain = make_stance(cv=2, tune_decision=False).fit(texts, y)
    head = 0  # the heads' scores of the first text move the same way under both
    d_w = (weighted.coef_ - plain.coef_)[head]
    d_d = (duplicated.coef_ - plain.coef_)[head]
    assert np.abs(d_w).max() > 1e-4
    assert np.corrcoef(d_w, d_d)[0, 1] > 0.9


@pytest.mark.parametrize("bad, message", [
    ([1.0, 2.0], r"shape \(18,\)"),
    ([1.0] * 17 + [float("nan")], "finite, non-negative"),
    ([-1.0] + [1.0] * 17, "finite, non-negative"),
    ("abc", "sequence of numbers|shape"),
])
def test_sample_weight_is_validated(bad, message):
    with pytest.raises(ValueError, match=message):
        make_stance(cv=2).fit(SEP_TEXTS, SEP_STANCES, sample_weight=bad)
    with pytest.raises(ValueError, match=message):
        make_topic(cv=2).fit(SEP_TEXTS, [["diplomacy"]] * 9 + [[]] * 9, sample_weight=bad)


def test_topic_score_honours_sample_weight():
    from sklearn.metrics import f1_score

    clf = make_topic().fit(TEXTS, TOPICS)
    y = [["sanctions"]] + [list(t) for t in TOPICS[1:]]  # the first gold label is deliberately wrong
    w = np.ones(len(TEXTS))
    w[0] = 0.0  # ... and weighs nothing
    Y, pred = topics_to_indicator(y, clf.classes_), clf.predict(TEXTS)
    assert clf.score(TEXTS, y, sample_weight=w) == pytest.approx(
        f1_score(Y, pred, average="micro", sample_weight=w))
    assert clf.score(TEXTS, y, sample_weight=w) > clf.score(TEXTS, y)


def test_two_stage_heads():
    clf = make_stance(heads="two_stage").fit(SEP_TEXTS, SEP_STANCES)
    assert clf.head_names_ == ["sided", "favor"]
    assert clf.coef_.shape[0] == 2
    proba = clf.predict_proba(SEP_TEXTS)
    assert proba.shape == (18, 3) and np.allclose(proba.sum(axis=1), 1.0)
    assert list(clf.predict(SEP_TEXTS)) == SEP_STANCES
    assert clone(clf).get_params()["heads"] == "two_stage"
    # the evidence follows the calibrated classes, not the heads
    terms = [e.term for e in clf.explain([SEP_AGAINST[0]], labels="against", k=3)[0]]
    assert set(terms) & {"kyiv", "condemns", "brutal", "russian", "aggression", "invasion"}


def test_two_stage_needs_the_neutral_label():
    with pytest.raises(LabelError, match="two_stage.*neutral label 'none'"):
        make_stance(heads="two_stage").fit(SEP_FAVOR + SEP_AGAINST, ["favor"] * 6 + ["against"] * 6)
    with pytest.raises(InvalidParameterError, match="'heads' parameter of StanceClassifier must be a str among"):
        make_stance(heads="cascade").fit(SEP_TEXTS, SEP_STANCES)


@pytest.mark.parametrize("heads", ["ovr", "two_stage"])
def test_predicted_stance_is_the_most_probable(heads):
    # an imbalanced corpus makes the tuned decision weights differ from 1; they are folded into the probabilities
    texts = TEXTS * 3 + SEP_TEXTS
    y = STANCES * 3 + SEP_STANCES
    clf = make_stance(heads=heads, cv=3).fit(texts, y)
    assert np.allclose(clf.decision_weights_, 1.0)
    proba = clf.predict_proba(texts + QUERY)
    assert list(clf.predict(texts + QUERY)) == list(clf.classes_[np.argmax(proba, axis=1)])


def test_predict_proba_features_is_the_same_core(topic_clf, stance_clf):
    np.testing.assert_allclose(topic_clf.predict_proba_features(topic_clf.transform_texts(QUERY)),
                               topic_clf.predict_proba(QUERY), rtol=0, atol=1e-12)
    np.testing.assert_allclose(stance_clf.predict_proba_features(stance_clf.transform_texts(QUERY)),
                               stance_clf.predict_proba(QUERY), rtol=0, atol=1e-12)
