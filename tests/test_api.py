"""Tests of stance.model.stance_model: StanceModel.classify / analyze, results, Document and analyze()."""

from __future__ import annotations

import dataclasses
import json
import os
import re

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from _fuzz import fuzz

import stance
from stance.model.stance_model import Document, Evidence, ParagraphResult, StanceModel
from stance.training import fit_model
from stance.datasets.domain import LabelledData
from stance.exceptions import InputTooLargeError, InvalidInputError
from stance.estimators.linear import StanceClassifier, TopicClassifier
from stance.text.processing import normalize, split_paragraphs, words

PARAGRAPHS = [
    "NATO must stop its expansion toward Russia, the Kremlin said.",
    "The EU adopted new sanctions against Russian banks.",
    "Diplomats held talks in Geneva on the arms control treaty.",
    "Ukraine has the right to join NATO.",
]

ARTICLE = (
    "MOSCOW, February 9. /TASS/.\n"
    "Russia expects NATO to stop its eastward expansion.\n"
    "\n"
    "New sanctions against Russian banks were announced.\r\n"
    "\r\n"
    "   \n"
    "Talks on the arms control treaty will continue in Geneva.\n"
)

# A small corpus for models built from estimators (targets, label sets).
EST_TEXTS = [
    "NATO must halt its eastward expansion, the Kremlin said.",
    "Sweden's NATO membership makes the region safer.",
    "Brussels approved a new round of sanctions.",
    "The sanctions are economic warfare, Peskov said.",
    "Russia quit the arms control treaty.",
    "Moscow offered to extend the arms treaty.",
    "Ukraine may join NATO one day, Kyiv said.",
    "The sanctions hurt Europe more than Russia.",
]
EST_TOPICS = [["nato"], ["nato"], ["sanctions"], ["sanctions"], ["arms"], ["arms"], ["nato"], ["sanctions"]]
EST_STANCES = ["favor", "against", "against", "favor", "against", "favor", "against", "favor"]


@pytest.fixture(scope="module")
def est_topic_clf():
    return TopicClassifier(min_df=1, cv=2, random_state=0).fit(EST_TEXTS, EST_TOPICS)


@pytest.fixture(scope="module")
def target_model(est_topic_clf):
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, target_hash_features=2**12)
    sc.fit(EST_TEXTS, EST_STANCES, targets=["NATO", "Russia"] * 4)
    return StanceModel(est_topic_clf, sc)


# --------------------------------------------------------------------------- classify


def test_classify_one_result_per_input_in_order(tiny_model):
    results = tiny_model.classify(PARAGRAPHS)
    assert len(results) == len(PARAGRAPHS)
    assert all(isinstance(r, ParagraphResult) for r in results)
    assert [r.index for r in results] == list(range(len(PARAGRAPHS)))
    assert [r.text for r in results] == PARAGRAPHS


def test_classify_scores_cover_every_label(tiny_model):
    for r in tiny_model.classify(PARAGRAPHS):
        assert list(r.topic_scores) == tiny_model.topics
        assert all(0.0 <= p <= 1.0 for p in r.topic_scores.values())
        assert list(r.stance_scores) == tiny_model.stances
        assert sum(r.stance_scores.values()) == pytest.approx(1.0, abs=2e-3)
        assert r.stance in tiny_model.stances
        assert set(r.topics) <= set(tiny_model.topics)
        # predicted topics keep the model's topic order
        assert r.topics == [t for t in tiny_model.topics if t in r.topics]


def test_classify_agrees_with_the_estimators(tiny_model):
    results = tiny_model.classify(PARAGRAPHS)
    tc, sc = tiny_model.topic_classifier, tiny_model.stance_classifier
    assert [r.topics for r in results] == tc.predict_labels(PARAGRAPHS)
    assert [r.stance for r in results] == sc.predict(PARAGRAPHS).tolist()
    proba = sc.predict_proba(PARAGRAPHS)
    got = np.array([[r.stance_scores[s] for s in tiny_model.stances] for r in results])
    np.testing.assert_allclose(got, proba, atol=1e-4)
    topic_proba = tc.predict_proba(PARAGRAPHS)
    got = np.array([[r.topic_scores[t] for t in tiny_model.topics] for r in results])
    np.testing.assert_allclose(got, topic_proba, atol=1e-4)


def test_classify_evidence_items(tiny_model):
    results = tiny_model.classify(PARAGRAPHS, evidence=2)
    assert any(r.evidence for r in results)
    for r in results:
        labels = [e.label for e in r.evidence]
        allowed = {f"stance:{r.stance}", *r.topics}
        assert set(labels) <= allowed
        for label in set(labels):
            assert labels.count(label) <= 2
        text_words = set(words(normalize(r.text)))
        for e in r.evidence:
            assert isinstance(e, Evidence)
            assert isinstance(e.term, str) and set(e.term.split()) <= text_words
            assert isinstance(e.weight, float) and e.weight >= 0


def test_classify_evidence_zero_gives_none(tiny_model):
    results = tiny_model.classify(PARAGRAPHS, evidence=0)
    assert all(r.evidence == [] for r in results)
    with_evidence = tiny_model.classify(PARAGRAPHS)
    assert [r.stance for r in results] == [r.stance for r in with_evidence]
    assert [r.topic_scores for r in results] == [r.topic_scores for r in with_evidence]


@pytest.mark.parametrize("blank", ["", " ", "\n\t  ", "\u00a0"])
def test_classify_blank_paragraph_gets_no_topic_and_stance_none(tiny_model, blank):
    results = tiny_model.classify([PARAGRAPHS[0], blank, PARAGRAPHS[1]])
    r = results[1]
    assert r.index == 1 and r.text == blank
    assert r.topics == []
    assert r.stance == "none"
    assert r.evidence == []
    assert list(r.topic_scores) == tiny_model.topics
    assert sum(r.stance_scores.values()) == pytest.approx(1.0, abs=2e-3)
    # neighbours are not affected by the blank one
    alone = tiny_model.classify([PARAGRAPHS[0], PARAGRAPHS[1]])
    assert results[0].to_dict() == alone[0].to_dict()
    assert {**results[2].to_dict(), "index": 1} == alone[1].to_dict()


def test_classify_blank_paragraph_without_none_label_keeps_model_decision(est_topic_clf):
    # Without a "none" label, a blank paragraph gets no topic and the model's own stance decision.
    sc = StanceClassifier(labels=("favor", "against"), min_df=1, cv=2, random_state=0).fit(EST_TEXTS, EST_STANCES)
    sc.decision_weights_ = np.array([1.0, 1e-6])  # every paragraph now gets "favor"
    model = StanceModel(est_topic_clf, sc)
    assert model.stances == ["favor", "against"]
    results = model.classify(["NATO", "", "   "])
    assert [r.stance for r in results] == ["favor", "favor", "favor"]
    assert [r.topics for r in results[1:]] == [[], []]


def test_classify_empty_list(tiny_model):
    assert tiny_model.classify([]) == []


def test_classify_accepts_any_iterable_and_utf8_bytes(tiny_model):
    from_tuple = tiny_model.classify(tuple(PARAGRAPHS))
    from_gen = tiny_model.classify(p.encode("utf-8") for p in PARAGRAPHS)
    assert [r.to_dict() for r in from_gen] == [r.to_dict() for r in from_tuple]


def test_classify_non_string_item(tiny_model):
    with pytest.raises(InvalidInputError, match=r"paragraphs\[1\] must be a str, got int"):
        tiny_model.classify(["fine", 42])
    with pytest.raises(InvalidInputError, match=r"paragraphs\[0\] must be a str, got NoneType"):
        tiny_model.classify([None])


def test_classify_invalid_utf8_item(tiny_model):
    with pytest.raises(InvalidInputError, match=r"paragraphs\[0\] must be UTF-8 text; byte 1"):
        tiny_model.classify([b"a\xffb"])


@pytest.mark.parametrize("single", ["NATO talks", b"NATO talks"])
def test_classify_single_string(tiny_model, single):
    with pytest.raises(InvalidInputError, match="paragraphs must be an iterable of paragraphs.*wrap it in a list"):
        tiny_model.classify(single)


def test_classify_not_iterable(tiny_model):
    with pytest.raises(InvalidInputError, match="paragraphs must be an iterable of paragraphs .* got int"):
        tiny_model.classify(7)


def test_classify_too_large_paragraph(tiny_model):
    with pytest.raises(InputTooLargeError, match=r"paragraphs\[1\] has 11 characters, more than the limit of 10"):
        tiny_model.classify(["short", "x" * 11], max_chars=10)
    assert len(tiny_model.classify(["x" * 11], max_chars=None)) == 1


def test_classify_bad_batch_size(tiny_model):
    with pytest.raises(ValueError, match="'batch_size' must be a positive int, got 0"):
        tiny_model.classify(PARAGRAPHS, batch_size=0)


def test_classify_batches_do_not_change_results(tiny_model):
    whole = [r.to_dict() for r in tiny_model.classify(PARAGRAPHS)]
    in_pairs = [r.to_dict() for r in tiny_model.classify(PARAGRAPHS, batch_size=2)]
    one_by_one = [r.to_dict() for r in tiny_model.classify(PARAGRAPHS, batch_size=1)]
    assert in_pairs == whole
    assert one_by_one == whole


def test_classify_targets_length_must_match(tiny_model):
    with pytest.raises(ValueError, match="targets must have one entry per paragraph, got 1 for 4"):
        tiny_model.classify(PARAGRAPHS, targets=["NATO"])


def test_classify_targets_ignored_by_a_model_without_targets(tiny_model):
    assert not tiny_model.stance_classifier.uses_targets_
    plain = [r.to_dict() for r in tiny_model.classify(PARAGRAPHS)]
    assert [r.to_dict() for r in tiny_model.classify(PARAGRAPHS, targets="NATO")] == plain


def test_classify_with_target_model_requires_targets(target_model):
    with pytest.raises(InvalidInputError, match=r"fitted with targets; pass targets=\.\.\."):
        target_model.classify(PARAGRAPHS)


def test_classify_with_target_model_checks_target_types(target_model):
    # the same check and message as StanceClassifier.predict(targets=...)
    with pytest.raises(InvalidInputError, match=r"targets\[1\] must be a str, got int"):
        target_model.classify(PARAGRAPHS, targets=["NATO", 1, "NATO", "NATO"])


def test_classify_with_target_model_one_str_or_a_list(target_model):
    one = [r.to_dict() for r in target_model.classify(PARAGRAPHS, targets="NATO")]
    many = [r.to_dict() for r in target_model.classify(PARAGRAPHS, targets=["NATO"] * len(PARAGRAPHS))]
    assert one == many
    proba = target_model.stance_classifier.predict_proba(PARAGRAPHS, targets="NATO")
    got = np.array([[r["stance_scores"][s] for s in target_model.stances] for r in one])
    np.testing.assert_allclose(got, proba, atol=1e-4)


# --------------------------------------------------------------------------- results


def test_paragraph_result_to_dict_is_json_ready(tiny_model):
    r = tiny_model.classify(PARAGRAPHS[:1])[0]
    d = r.to_dict()
    assert set(d) == {"index", "text", "topics", "topic_scores", "stance", "stance_scores", "evidence", "language"}
    assert all(set(e) == {"term", "weight", "label"} for e in d["evidence"])
    assert json.loads(json.dumps(d)) == d


def test_results_are_frozen(tiny_model):
    r = tiny_model.classify(PARAGRAPHS[:1])[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        r.stance = "favor"
    with pytest.raises(dataclasses.FrozenInstanceError):
        Evidence("nato", 0.5, "x").term = "y"


def test_model_labels_and_repr(tiny_model):
    assert tiny_model.topics == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
    assert tiny_model.stances == ["against", "favor", "none"]
    assert repr(tiny_model) == (
        "<StanceModel 'tiny': topics=['arms_control', 'diplomacy', 'nato_expansion', 'sanctions'], "
        "stances=['against', 'favor', 'none']>"
    )
    unsaved = StanceModel(tiny_model.topic_classifier, tiny_model.stance_classifier)
    assert unsaved.manifest == {}
    assert repr(unsaved).startswith("<StanceModel 'unsaved'")


# --------------------------------------------------------------------------- analyze


def test_analyze_splits_and_indexes_paragraphs(tiny_model):
    doc = tiny_model.analyze(ARTICLE)
    assert isinstance(doc, Document)
    expected = split_paragraphs(ARTICLE)
    assert expected == [
        "MOSCOW, February 9. /TASS/. Russia expects NATO to stop its eastward expansion.",
        "New sanctions against Russian banks were announced.",
        "Talks on the arms control treaty will continue in Geneva.",
    ]
    assert len(doc) == 3
    assert [p.index for p in doc] == [0, 1, 2]
    assert [p.text for p in doc] == expected
    assert [p.to_dict() for p in doc] == [r.to_dict() for r in tiny_model.classify(expected)]


def test_document_is_a_sequence(tiny_model):
    doc = tiny_model.analyze(ARTICLE)
    assert doc[0] is doc.paragraphs[0]
    assert doc[-1].index == 2
    assert [p.index for p in doc[1:]] == [1, 2]
    assert list(reversed(doc))[0] is doc[2]
    assert doc.index(doc[1]) == 1


def test_analyze_bytes_and_blank_article(tiny_model):
    assert [p.text for p in tiny_model.analyze(ARTICLE.encode("utf-8"))] == split_paragraphs(ARTICLE)
    assert len(tiny_model.analyze(" \n\n \t")) == 0


def test_analyze_passes_options_to_classify(tiny_model):
    doc = tiny_model.analyze(ARTICLE, evidence=0)
    assert all(p.evidence == [] for p in doc)


def test_analyze_errors(tiny_model):
    with pytest.raises(InvalidInputError, match="must be UTF-8 text"):
        tiny_model.analyze(b"\xff\xfe")
    with pytest.raises(InvalidInputError, match="text must be a str, got list"):
        tiny_model.analyze(["not", "an", "article"])
    with pytest.raises(InputTooLargeError, match="more than the limit of 5"):
        tiny_model.analyze("long article", max_chars=5)


def test_module_analyze_with_a_given_model(tiny_model):
    doc = stance.analyze(ARTICLE, model=tiny_model)
    assert [p.to_dict() for p in doc] == [p.to_dict() for p in tiny_model.analyze(ARTICLE)]


# --------------------------------------------------------------------------- fit_model


def test_fit_model_from_labelled_data():
    data = LabelledData(
        texts=EST_TEXTS,
        topics=EST_TOPICS,
        stances=EST_STANCES,
        targets=[None] * len(EST_TEXTS),
        docs=["a", "a", "b", "b", "c", "c", "d", "d"],
        ids=[str(i) for i in range(len(EST_TEXTS))],
    )
    model = fit_model(data, topic_params={"min_df": 1, "cv": 2}, stance_params={"min_df": 1, "cv": 2})
    assert isinstance(model, StanceModel)
    assert model.topics == ["arms", "nato", "sanctions"]
    assert model.stances == ["against", "favor"]
    assert model.stance_classifier.uses_targets_ is False
    assert model.topic_classifier.random_state == 0
    assert len(model.classify(EST_TEXTS[:3])) == 3


# --------------------------------------------------------------------------- properties


@fuzz(100)
@given(st.lists(st.text(max_size=200), max_size=6))
def test_classify_returns_one_result_per_input_for_any_unicode(tiny_model, paragraphs):
    results = tiny_model.classify(paragraphs)
    assert len(results) == len(paragraphs)
    assert [r.index for r in results] == list(range(len(paragraphs)))
    for r, text in zip(results, paragraphs):
        assert r.text == text
        assert r.stance in tiny_model.stances
        if not text.strip():
            assert r.topics == [] and r.stance == "none"


@fuzz(100)
@given(st.text(max_size=400))
def test_analyze_matches_split_paragraphs_for_any_unicode(tiny_model, text):
    if " " not in text.strip() and ("/" in text or "." in text or os.path.isfile(text.strip())):  # a file path?
        try:
            tiny_model.analyze(text, evidence=0)
        except InvalidInputError as exc:
            assert "looks like a file path" in str(exc)
            return
    doc = tiny_model.analyze(text, evidence=0)
    assert [p.text for p in doc] == split_paragraphs(text)


# --------------------------------------------------------------------------- misread input


@pytest.mark.parametrize("given, shown", [
    ("article.txt", "'article.txt'"), ("../shared/data/seed/tass.txt", "'../shared/data/seed/tass.txt'"),
    ("/tmp/article", "'/tmp/article'"), ("  corpus.jsonl\n", "'corpus.jsonl'"),
])
def test_a_path_given_to_analyze_is_refused(tiny_model, given, shown):
    with pytest.raises(InvalidInputError, match=rf"analyze\(\) takes the text of an article, got what looks like a "
                                                rf"file path {re.escape(shown)}; read the file first"):
        tiny_model.analyze(given)


def test_a_path_object_given_to_analyze_is_refused(tiny_model, tmp_path):
    path = tmp_path / "article"
    path.write_text("NATO must stop.", encoding="utf-8")
    with pytest.raises(InvalidInputError, match=r"got the path '.*article'; read the file first"):
        stance.analyze(path, model=tiny_model)
    with pytest.raises(InvalidInputError, match=r"looks like a file path '.*article'"):
        tiny_model.analyze(str(path))  # an existing file, even without an extension


def test_prose_with_slashes_or_dots_is_still_text(tiny_model):
    assert len(tiny_model.analyze("Talks went on and/or off in Geneva.")) == 1
    assert len(tiny_model.analyze("NATO.")) == 1


# --- evidence computed on first read -------------------------------------------------------------------------

def _count_evidence_calls(monkeypatch) -> list[int]:
    """Wrap StanceModel._add_evidence (the one vectorised evidence call per batch) and count its calls."""
    calls: list[int] = []
    compute = StanceModel._add_evidence

    def counted(evidence, *args):
        calls.append(len(evidence))
        return compute(evidence, *args)

    monkeypatch.setattr(StanceModel, "_add_evidence", staticmethod(counted))
    return calls


def test_evidence_is_computed_on_first_read_once_per_batch(tiny_model, monkeypatch):
    calls = _count_evidence_calls(monkeypatch)
    results = tiny_model.classify(PARAGRAPHS * 3, batch_size=len(PARAGRAPHS))
    assert calls == []  # labels and scores only
    assert [r.stance for r in results] and [r.topic_scores for r in results]
    assert calls == []
    first = results[0].evidence
    assert calls == [len(PARAGRAPHS)]  # the whole first batch in one call
    assert all(r.evidence is not None for r in results[: len(PARAGRAPHS)]) and calls == [len(PARAGRAPHS)]
    assert results[0].evidence is first  # kept, not recomputed
    results[-1].to_dict()
    assert calls == [len(PARAGRAPHS)] * 2  # the last batch, not the middle one


def test_evidence_zero_computes_nothing(tiny_model, monkeypatch):
    calls = _count_evidence_calls(monkeypatch)
    results = tiny_model.classify(PARAGRAPHS, evidence=0)
    assert [r.evidence for r in results] == [[]] * len(PARAGRAPHS) and calls == []


@pytest.mark.parametrize("k", [1, 3, 5])
@pytest.mark.parametrize("batch_size", [1, 3, 256])
def test_lazy_evidence_equals_evidence_computed_at_once(tiny_model, k, batch_size):
    texts = PARAGRAPHS * 2
    lazy = tiny_model.classify(texts, evidence=k, batch_size=batch_size)
    X = tiny_model.predictor.transform(texts)
    eager = [[] for _ in texts]
    results = tiny_model.classify(texts, evidence=0)
    topic_pred = np.array([[t in r.topics for t in tiny_model.topics] for r in results])
    stance_idx = np.array([tiny_model.stances.index(r.stance) for r in results])
    sided = np.array([bool(r.text.strip()) and r.language != "other" for r in results])
    StanceModel._add_evidence(eager, tiny_model.predictor, tiny_model.predictor, X, X, topic_pred, stance_idx,
                              sided, k)
    assert [r.evidence for r in lazy] == eager
    assert any(eager)
    assert [r.to_dict() for r in tiny_model.classify(texts, evidence=k, batch_size=batch_size)] == [
        dataclasses.replace(r, evidence=e).to_dict() for r, e in zip(results, eager)]


def test_equality_and_repr_read_the_evidence(tiny_model):
    a, b = tiny_model.classify(PARAGRAPHS), tiny_model.classify(PARAGRAPHS)
    assert a == b
    assert [repr(r) for r in a] == [repr(r) for r in b]
    assert "Evidence(term=" in repr(a[0]) and a[0].evidence
    assert a[0] != dataclasses.replace(a[0], evidence=[])


def test_pickled_and_copied_results_carry_their_evidence(tiny_model, monkeypatch):
    import copy
    import pickle

    expected = [r.evidence for r in tiny_model.classify(PARAGRAPHS)]
    results = tiny_model.classify(PARAGRAPHS)
    calls = _count_evidence_calls(monkeypatch)
    for loaded in (pickle.loads(pickle.dumps(results)), copy.deepcopy(results), [copy.copy(r) for r in results]):
        assert type(loaded[0]) is ParagraphResult
        assert [vars(r)["evidence"] for r in loaded] == expected  # stored as a list, not as pending work
    assert calls == [len(PARAGRAPHS)]  # computed once, on the first pickling


def test_threads_reading_one_batch_compute_its_evidence_once(tiny_model, monkeypatch):
    import threading
    import time

    expected = [r.evidence for r in tiny_model.classify(PARAGRAPHS)]
    compute = StanceModel._add_evidence
    calls: list[int] = []

    def slow(evidence, *args):  # widen the window in which a second thread could start computing too
        calls.append(len(evidence))
        time.sleep(0.05)
        return compute(evidence, *args)

    monkeypatch.setattr(StanceModel, "_add_evidence", staticmethod(slow))
    results = tiny_model.classify(PARAGRAPHS)
    seen: dict[int, list] = {}
    barrier = threading.Barrier(4)

    def read(i: int) -> None:
        barrier.wait()
        seen[i] = [r.evidence for r in (results if i % 2 else results[::-1])]

    threads = [threading.Thread(target=read, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [len(PARAGRAPHS)]
    assert seen[1] == seen[3] == expected and seen[0] == seen[2] == expected[::-1]


def test_results_built_by_hand_keep_their_evidence():
    ev = [Evidence("nato", 0.5, "stance:favor")]
    r = ParagraphResult(0, "NATO", [], {}, "favor", {"favor": 1.0}, ev)
    assert r.evidence is ev and r.to_dict()["evidence"] == [{"term": "nato", "weight": 0.5, "label": "stance:favor"}]
    assert ParagraphResult(0, "x", [], {}, "none", {}).evidence == []
    with pytest.raises(dataclasses.FrozenInstanceError, match="evidence"):
        r.evidence = []
    assert [f.name for f in dataclasses.fields(ParagraphResult)][6] == "evidence"
