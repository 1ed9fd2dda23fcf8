"""Tests of stance.estimators.scoring: the numpy-only Predictor against the scikit-learn estimators."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import stance
from stance.model.stance_model import StanceModel
from stance.estimators.scoring import Evidence, Predictor
from stance.io.persistence import MANIFEST_FILE, default_model_path, load_model, save_model

REPO = Path(__file__).resolve().parents[1]
TEXTS = [
    "NATO must stop its eastward expansion, the Kremlin said.",
    "New sanctions hit Russian banks after the talks failed.",
    "",
    "   ",
    "Arms control: the INF treaty and missile deployments in Europe.",
    "An unrelated paragraph about football.",
]


def _estimator_path(model: StanceModel) -> StanceModel:
    """The same fitted estimators, forced onto the scikit-learn path."""
    slow = StanceModel(model.topic_classifier, model.stance_classifier, manifest=model.manifest)
    slow._predictor = None
    return slow


def test_predictor_matches_estimators(tiny_model):
    assert tiny_model.predictor is not None
    fast = tiny_model.classify(TEXTS)
    slow = _estimator_path(tiny_model).classify(TEXTS)
    assert [r.topics for r in fast] == [r.topics for r in slow]
    assert [r.stance for r in fast] == [r.stance for r in slow]
    for a, b in zip(fast, slow):
        np.testing.assert_allclose(list(a.topic_scores.values()), list(b.topic_scores.values()), atol=2e-4)
        np.testing.assert_allclose(list(a.stance_scores.values()), list(b.stance_scores.values()), atol=2e-4)
        assert [e.term for e in a.evidence] == [e.term for e in b.evidence]


def test_predictor_probabilities_match_predict_proba(tiny_model):
    _, topic_proba, stance_proba = tiny_model.predictor.score(TEXTS)
    np.testing.assert_allclose(topic_proba, tiny_model.topic_classifier.predict_proba(TEXTS), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(stance_proba, tiny_model.stance_classifier.predict_proba(TEXTS), rtol=1e-5, atol=1e-6)


def test_target_models_use_the_estimators(tiny_model, train_rows):
    from stance.estimators.linear import StanceClassifier

    texts = [r[0] for r in train_rows]
    sc = StanceClassifier(min_df=1, cv=2, random_state=0, target_hash_features=2**12)
    sc.fit(texts, [r[2] for r in train_rows], targets=["NATO", "Russia"] * (len(texts) // 2) + ["NATO"] * (len(texts) % 2))
    assert Predictor.from_estimators(tiny_model.topic_classifier, sc) is None
    model = StanceModel(tiny_model.topic_classifier, sc)
    results = model.classify(TEXTS, targets="NATO")
    np.testing.assert_allclose([list(r.stance_scores.values()) for r in results],
                               sc.predict_proba(TEXTS, targets="NATO"), atol=1e-4)


def test_both_format_prefers_the_safe_files(tiny_model, fresh_model, tmp_path):
    out = save_model(fresh_model, tmp_path / "both", format="both")
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert manifest["serialization"] == "both"
    assert {"topic.joblib", "topic.npz", "topic.json", "stance.joblib"} <= set(manifest["files"])
    safe = load_model(out)  # no trusted=True needed: the safe files are read
    assert safe._topic_classifier is None and safe.predictor is not None
    assert [r.to_dict() for r in safe.classify(TEXTS)] == [r.to_dict() for r in tiny_model.classify(TEXTS)]
    with pytest.raises(stance.UntrustedModelError, match="trusted=True"):
        load_model(out, serialization="joblib")
    pickled = load_model(out, serialization="joblib", trusted=True)
    assert [r.stance for r in pickled.classify(TEXTS)] == [r.stance for r in safe.classify(TEXTS)]


def test_safe_only_model_has_no_joblib(tiny_model, fresh_model, tmp_path):
    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    with pytest.raises(stance.ModelNotFoundError, match="has no 'joblib' files"):
        load_model(out, serialization="joblib", trusted=True)


def test_estimators_are_built_on_demand_from_safe_files(tiny_model, fresh_model, tmp_path):
    out = save_model(fresh_model, tmp_path / "safe", format="safe")
    model = load_model(out)
    np.testing.assert_array_equal(model.topic_classifier.predict_proba(TEXTS),
                                  tiny_model.topic_classifier.predict_proba(TEXTS))


@pytest.mark.skipif(not (default_model_path() / MANIFEST_FILE).is_file(), reason="models/default is not built")
def test_cold_start_imports_neither_sklearn_nor_nltk():
    code = (
        "import sys, stance\n"
        "r = stance.load_model().classify(['NATO expansion'])\n"
        "print(r[0].stance, 'sklearn' in sys.modules, 'nltk' in sys.modules, 'scipy' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    stance_label, sk, nl, sc = out.stdout.split()
    assert stance_label in ("favor", "against", "none")
    assert (sk, nl, sc) == ("False", "False", "False")


@pytest.mark.skipif(not (default_model_path() / MANIFEST_FILE).is_file(), reason="models/default is not built")
@pytest.mark.parametrize("text", ["Это статья о погоде в Москве.", "Der Bundestag hat heute über das Wetter beraten.",
                                  "北约东扩", "asdf qwer zxcv", "🙂🙂🙂", "\x00\x01\x02"])
def test_odd_but_valid_text_gets_low_scores_and_none(text):
    result = stance.load_model().classify([text])[0]
    assert result.topics == []
    assert result.stance == "none"
    assert max(result.topic_scores.values()) < 0.5


# --------------------------------------------------------------------------- one scoring core


def _union_core(model: StanceModel):
    """The model's heads scored over scikit-learn's own transform of the fitted union (not the compiled one)."""
    from stance.estimators.scoring import ScoringCore, stance_head, topic_head
    from stance.estimators.linear import _UnionFeatures

    tc, sc = model.topic_classifier, model.stance_classifier
    return ScoringCore(features=_UnionFeatures(tc), **topic_head(tc), **stance_head(sc))


def _assert_paths_agree(model: StanceModel, texts: list[str]) -> None:
    """Compiled-features core and scikit-learn-transform core: same labels, scores to 1e-6."""
    fast = model.predictor
    assert fast is not None
    X_fast, topic_fast, stance_fast = fast.score(texts)
    slow = _union_core(model)
    X_slow, topic_slow, stance_slow = slow.score(texts)
    np.testing.assert_allclose(topic_fast, topic_slow, rtol=0, atol=1e-6)
    np.testing.assert_allclose(stance_fast, stance_slow, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(topic_fast >= fast.thresholds, topic_slow >= slow.thresholds)
    np.testing.assert_array_equal(fast.decide(stance_fast), slow.decide(stance_slow))
    # the estimators' public methods are the same core
    np.testing.assert_allclose(model.topic_classifier.predict_proba(texts), topic_fast, rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.stance_classifier.predict_proba(texts), stance_fast, rtol=0, atol=1e-6)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("word_range", [(1, 1), (1, 2)])
@pytest.mark.parametrize("char_range", [None, (1, 3), (2, 4), (2, 5), (3, 5), (4, 5), (5, 5)])
def test_numpy_and_estimator_paths_agree_over_a_grid_of_ngram_ranges(train_rows, word_range, char_range, binary):
    from stance.estimators.linear import StanceClassifier, TopicClassifier

    texts = [r[0] for r in train_rows]
    params = dict(min_df=1, cv=2, random_state=0, word_ngram_range=word_range, char_ngram_range=char_range,
                  binary=binary)
    tc = TopicClassifier(**params).fit(texts, [r[1] for r in train_rows])
    sc = StanceClassifier(**params).fit(texts, [r[2] for r in train_rows])
    model = StanceModel(tc, sc)
    assert model.predictor.features.binary is binary
    _assert_paths_agree(model, TEXTS + texts + ["a b", "NATO a ox", "x"])
    fast = model.classify(TEXTS)
    slow = _estimator_path(model).classify(TEXTS)
    assert [r.to_dict() for r in fast] == [r.to_dict() for r in slow]


def test_classify_scores_are_rounded_in_float64(tiny_model):
    for result in tiny_model.classify(TEXTS):
        for value in [*result.topic_scores.values(), *result.stance_scores.values(),
                      *(e.weight for e in result.evidence)]:
            assert type(value) is float and value == round(value, 4)
            assert len(repr(value)) <= 7, value  # 0.0185, not 0.01850000023841858


def test_batch_evidence_equals_one_row_at_a_time(tiny_model):
    together = tiny_model.classify(TEXTS * 3, batch_size=512)
    alone = [r for t in TEXTS * 3 for r in tiny_model.classify([t])]
    assert [r.evidence for r in together] == [r.evidence for r in alone]
    assert [(r.topics, r.stance) for r in together] == [(r.topics, r.stance) for r in alone]


def test_evidence_is_the_estimators_explain(tiny_model):
    results = tiny_model.classify(TEXTS)
    stance_ev = tiny_model.stance_classifier.explain(TEXTS)
    topic_ev = tiny_model.topic_classifier.explain(TEXTS)
    for r, s_ev, t_ev in zip(results, stance_ev, topic_ev):
        if not r.text.strip() or r.language == "other":
            continue
        assert r.evidence == [Evidence(e.term, e.weight, f"stance:{e.label}") for e in s_ev] + t_ev


def _real_paragraphs(n: int) -> list[str]:
    import os

    root = Path(os.environ.get("STANCE_DATA_ROOT", REPO.parent / "shared" / "data"))
    path = root / "domain" / "unlabeled.jsonl"
    if not path.is_file():
        pytest.skip(f"needs the corpus {path} (set STANCE_DATA_ROOT to the shared data folder)")
    texts = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
            if len(texts) == n:
                break
    return texts


@pytest.mark.skipif(not (default_model_path() / MANIFEST_FILE).is_file(), reason="models/default is not built")
def test_shipped_model_numpy_and_estimator_paths_agree_on_1000_real_paragraphs():
    texts = _real_paragraphs(1000)
    assert len(texts) == 1000
    model = load_model()
    _assert_paths_agree(model, texts)


@pytest.mark.skipif(not (default_model_path() / MANIFEST_FILE).is_file(), reason="models/default is not built")
def test_shipped_model_gives_the_same_results_with_and_without_the_c_loops(monkeypatch):
    import stance.features.compiled as compiled

    if compiled._kernels is None:
        pytest.skip("stance.features._kernels was not built (no C compiler at install time)")
    texts = _real_paragraphs(1000)
    with_c = [r.to_dict() for r in load_model().classify(texts, batch_size=100)]
    monkeypatch.setattr(compiled, "_kernels", None)
    assert [r.to_dict() for r in load_model().classify(texts, batch_size=100)] == with_c


@pytest.mark.parametrize("k", [1, 3, 8, 9, 20])
def test_top_k_per_group_is_what_a_stable_sort_keeps(k):
    from stance.estimators.scoring import _top_k_per_group

    rng = np.random.default_rng(k)
    group = np.sort(rng.integers(0, 40, size=600))
    value = rng.choice([0.5, 0.25, 1.0, 0.125, 2.0, 3.0], size=600) * rng.integers(1, 3, size=600)  # many ties
    value[::7] = 0.0  # not positive: never picked
    order = np.lexsort((-value, group))
    expected = [[p for p in order if group[p] == g and value[p] > 0][:k] for g in range(40)]
    got = [[] for _ in range(40)]
    for p in _top_k_per_group(group, value, k).tolist():
        got[group[p]].append(p)
    assert got == expected


def test_result_to_dict_is_what_asdict_gives(tiny_model):
    import dataclasses

    results = tiny_model.classify(TEXTS + ["НАТО должно прекратить расширение на восток, заявили в Москве.", ""])
    for r in results:
        d = r.to_dict()
        assert d == dataclasses.asdict(r) and list(d) == [f.name for f in dataclasses.fields(r)]
        assert json.dumps(d) == json.dumps(dataclasses.asdict(r))
        d["topics"].append("x"), d["topic_scores"].clear(), d["evidence"].clear()  # a copy: the result is unchanged
        assert r.to_dict() == dataclasses.asdict(r) and r.to_dict() != d
