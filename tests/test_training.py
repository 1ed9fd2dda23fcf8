"""Tests of stance.training.train_model."""

from __future__ import annotations

import json

import pytest

from stance.model.stance_model import StanceModel
from stance.datasets.domain import DOMAIN_STANCES, DOMAIN_TOPICS, read_labelled_jsonl
from stance.exceptions import DataError, InvalidInputError, LabelError
from stance.io.persistence import MANIFEST_FILE, load_model
from stance.training import DEFAULT_RANDOM_STATE, _label_set, train_model

# Eight made-up paragraphs, two articles each for four topics.
ROWS = [
    {"text": "NATO must not expand to Ukraine, Moscow said.", "topics": ["nato_expansion"], "stance": "favor", "doc": "a"},
    {"text": "Kyiv wants NATO membership soon.", "topics": ["nato_expansion"], "stance": "against", "doc": "a"},
    {"text": "The EU extended sanctions on Russian banks.", "topics": ["sanctions"], "stance": "against", "doc": "b"},
    {"text": "Sanctions only hurt Europe, Lavrov said.", "topics": ["sanctions"], "stance": "favor", "doc": "b"},
    {"text": "The arms control treaty expired in February.", "topics": ["arms_control"], "stance": "none", "doc": "c"},
    {"text": "Moscow offered a missile moratorium.", "topics": ["arms_control"], "stance": "favor", "doc": "c"},
    {"text": "Diplomats met in Geneva for talks.", "topics": ["diplomacy"], "stance": "none", "doc": "d"},
    {"text": "The ministers agreed to continue talks.", "topics": ["diplomacy", "arms_control"], "stance": "none",
     "doc": "d"},
]
PARAGRAPHS = ["NATO expansion to Ukraine", "sanctions on banks", "", "talks in Geneva"]


def write_rows(path, rows):
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write((json.dumps(row) if isinstance(row, dict) else row) + "\n")
    return path


@pytest.fixture
def rows_path(tmp_path):
    return write_rows(tmp_path / "train.jsonl", ROWS)


def test_label_set():
    assert _label_set(None, DOMAIN_TOPICS) == DOMAIN_TOPICS
    assert _label_set("auto", DOMAIN_TOPICS) is None
    assert _label_set(" a, b ,,c ", DOMAIN_TOPICS) == ("a", "b", "c")
    assert _label_set(["x", "y"], DOMAIN_TOPICS) == ("x", "y")


def test_train_model_writes_a_model_directory(rows_path, tmp_path):
    out = tmp_path / "model"
    model = train_model(rows_path, out, topics="auto", stances="auto", min_df=1, name="unit")
    assert isinstance(model, StanceModel)
    assert model.topics == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]
    assert model.stances == ["against", "favor", "none"]
    manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest["name"] == "unit"
    assert manifest["topics"] == model.topics and manifest["stances"] == model.stances
    assert manifest["training_data"][0]["file"] == "train.jsonl"
    assert manifest["training_data"][0]["examples"] == len(ROWS)
    assert manifest["parameters"]["random_state"] == DEFAULT_RANDOM_STATE
    assert manifest["parameters"]["topic_classifier"]["min_df"] == 1
    assert manifest["parameters"]["stance_classifier"]["word_ngram_range"] == [1, 2]
    internal = manifest["metrics"]["internal_cv"]
    assert set(internal["topic_f1"]) == set(model.topics)
    assert all(0 <= f <= 1 for f in internal["topic_f1"].values())
    assert internal["stance_macro_f1"] is None or 0 <= internal["stance_macro_f1"] <= 1
    assert manifest["metrics"]["training_seconds"] >= 0
    assert model.manifest == manifest
    loaded = load_model(out, trusted=True)
    assert [r.to_dict() for r in loaded.classify(PARAGRAPHS)] == [r.to_dict() for r in model.classify(PARAGRAPHS)]


def test_train_model_without_out_saves_nothing(rows_path, tmp_path):
    model = train_model(rows_path, topics="auto", stances="auto", min_df=1)
    assert set(model.manifest) == {"metrics"}
    assert "internal_cv" in model.manifest["metrics"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_train_model_is_deterministic(rows_path):
    a = train_model(rows_path, topics="auto", stances="auto", min_df=1)
    b = train_model(rows_path, topics="auto", stances="auto", min_df=1)
    assert [r.to_dict() for r in a.classify(PARAGRAPHS)] == [r.to_dict() for r in b.classify(PARAGRAPHS)]


def test_train_model_accepts_labelled_data(rows_path):
    data = read_labelled_jsonl(rows_path)
    model = train_model(data, topics="auto", stances="auto", min_df=1)
    assert model.topics == ["arms_control", "diplomacy", "nato_expansion", "sanctions"]


def test_train_model_comma_separated_label_sets(rows_path):
    model = train_model(rows_path, topics="sanctions,nato_expansion,diplomacy,arms_control",
                        stances="favor,against,none", min_df=1)
    assert model.topics == ["sanctions", "nato_expansion", "diplomacy", "arms_control"]
    assert model.stances == ["favor", "against", "none"]


def test_train_model_default_label_sets_need_every_domain_label(rows_path, tmp_path):
    # The tiny corpus has no security_guarantees or military_activity paragraph.
    out = tmp_path / "model"
    with pytest.raises(LabelError, match=r"no example for label\(s\) \['security_guarantees', 'military_activity'\]"):
        train_model(rows_path, out, min_df=1)
    assert not out.exists()


def test_train_model_default_label_sets_are_the_domain_ones(tmp_path):
    rows = [dict(text=f"paragraph about {t} number {i}", topics=[t], stance=s, doc=f"{t}-{i}")
            for t in DOMAIN_TOPICS for i, s in enumerate(DOMAIN_STANCES)]
    model = train_model(write_rows(tmp_path / "d.jsonl", rows), min_df=1)
    assert model.topics == list(DOMAIN_TOPICS)
    assert model.stances == list(DOMAIN_STANCES)


def test_train_model_unknown_label(tmp_path):
    rows = ROWS + [{"text": "Tanks moved to the border.", "topics": ["military_activity"], "stance": "none"}]
    path = write_rows(tmp_path / "t.jsonl", rows)
    out = tmp_path / "model"
    with pytest.raises(LabelError, match=r"t\.jsonl:9: 'topics' must be one of .* got 'military_activity'"):
        train_model(path, out, topics="nato_expansion,sanctions,arms_control,diplomacy", stances="auto", min_df=1)
    assert not out.exists()


def test_train_model_unknown_stance_with_default_stances(tmp_path):
    rows = [dict(r) for r in ROWS]
    rows[3]["stance"] = "pro"
    path = write_rows(tmp_path / "t.jsonl", rows)
    with pytest.raises(LabelError, match=r"t\.jsonl:4: 'stance' must be one of \('favor', 'against', 'none'\), got 'pro'"):
        train_model(path, tmp_path / "model", topics="auto", min_df=1)
    assert not (tmp_path / "model").exists()


def test_train_model_malformed_line(tmp_path):
    path = write_rows(tmp_path / "t.jsonl", ROWS[:3] + ['{"text": oops}'] + ROWS[3:])
    with pytest.raises(DataError, match=r"t\.jsonl:4: not valid JSON"):
        train_model(path, tmp_path / "model", topics="auto", stances="auto", min_df=1)
    assert not (tmp_path / "model").exists()


def test_train_model_with_dev_records_metrics(rows_path, tmp_path):
    dev = write_rows(tmp_path / "dev.jsonl", ROWS[:4])
    model = train_model(rows_path, tmp_path / "model", dev=dev, topics="auto", stances="auto", min_df=1)
    dev_metrics = model.manifest["metrics"]["dev"]
    assert dev_metrics["n"] == 4
    assert {"topic_micro_f1", "stance_macro_f1", "confusion"} <= set(dev_metrics)
    assert [d["file"] for d in model.manifest["training_data"]] == ["train.jsonl", "dev.jsonl"]


def test_train_model_dev_with_unknown_label(rows_path, tmp_path):
    dev = write_rows(tmp_path / "dev.jsonl", [{"text": "x", "topics": [], "stance": "neutral"}])
    with pytest.raises(LabelError, match=r"dev\.jsonl:1: 'stance' must be one of"):
        train_model(rows_path, tmp_path / "model", dev=dev, topics="auto", stances="favor,against,none", min_df=1)
    assert not (tmp_path / "model").exists()


def test_train_model_default_min_df_is_recorded(tmp_path):
    rows = [dict(r) for r in ROWS] * 2
    model = train_model(write_rows(tmp_path / "t.jsonl", rows), tmp_path / "m", topics="auto", stances="auto")
    assert model.manifest["parameters"]["topic_classifier"]["min_df"] == 2


def test_train_model_with_targets_on_some_lines_only_is_a_data_error(tmp_path):
    # LabelledData keeps None for lines without "target"; training must report the data problem
    # (DataError, as train_model documents) rather than an InvalidInputError about "targets[1]".
    rows = [dict(r) for r in ROWS]
    rows[0]["target"] = "NATO"
    path = write_rows(tmp_path / "t.jsonl", rows)
    with pytest.raises(DataError, match="target"):
        train_model(path, tmp_path / "model", topics="auto", stances="auto", min_df=1)
    assert not (tmp_path / "model").exists()


def test_train_model_with_targets(tmp_path, monkeypatch):
    from stance import training

    # a narrow hash space keeps this fast; the default (2**18 columns) only makes the fit slower
    monkeypatch.setattr(training, "DEFAULT_STANCE_PARAMS", {**training.DEFAULT_STANCE_PARAMS,
                                                            "target_hash_features": 2**12})
    rows = [dict(r, target="NATO" if i % 2 else "Russia") for i, r in enumerate(ROWS)]
    out = tmp_path / "model"
    model = train_model(write_rows(tmp_path / "t.jsonl", rows), out, topics="auto", stances="auto", min_df=1)
    assert model.manifest["uses_targets"] is True
    assert model.stance_classifier.targets_.tolist() == ["NATO", "Russia"]
    loaded = load_model(out, trusted=True)
    with pytest.raises(InvalidInputError, match="fitted with targets"):
        loaded.classify(PARAGRAPHS)
    results = loaded.classify(PARAGRAPHS, targets="NATO")
    assert [r.to_dict() for r in results] == [r.to_dict() for r in model.classify(PARAGRAPHS, targets="NATO")]


# --------------------------------------------------------------------------- overwrite and format


def _forbid_training(monkeypatch):
    from stance import training

    def forbidden(*args, **kwargs):
        raise AssertionError("training started")

    monkeypatch.setattr(training, "fit_model", forbidden)


def test_train_model_refuses_an_existing_model_before_training(rows_path, tmp_path, monkeypatch):
    out = tmp_path / "model"
    train_model(rows_path, out, topics="auto", stances="auto", min_df=1, name="first")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    _forbid_training(monkeypatch)
    from stance.exceptions import ModelError

    with pytest.raises(ModelError, match=r"holds a model already; pass overwrite=True \(CLI: --force\)"):
        train_model(rows_path, out, topics="auto", stances="auto", min_df=1, name="second")
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_train_model_overwrite_replaces_the_model(rows_path, tmp_path):
    out = tmp_path / "model"
    train_model(rows_path, out, topics="auto", stances="auto", min_df=1, name="first")
    train_model(rows_path, out, topics="auto", stances="auto", min_df=1, name="second", overwrite=True)
    assert load_model(out, trusted=True).manifest["name"] == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model", "train.jsonl"]


def test_train_model_safe_format(rows_path, tmp_path):
    out = tmp_path / "model"
    model = train_model(rows_path, out, topics="auto", stances="auto", min_df=1, format="safe")
    assert model.manifest["serialization"] == "safe"
    assert sorted(p.name for p in out.iterdir()) == ["features.npz", "manifest.json", "stance.json", "stance.npz",
                                                     "topic.json", "topic.npz"]
    loaded = load_model(out)  # a safe model loads without trusted=True
    assert [r.to_dict() for r in loaded.classify(PARAGRAPHS)] == [r.to_dict() for r in model.classify(PARAGRAPHS)]


def test_train_model_unknown_format_writes_nothing(rows_path, tmp_path):
    with pytest.raises(ValueError, match=r"'format' must be one of \('joblib', 'safe', 'both'\), got 'pickle'"):
        train_model(rows_path, tmp_path / "model", topics="auto", stances="auto", min_df=1, format="pickle")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["train.jsonl"]


def test_train_model_with_extra_labels(rows_path, tmp_path):
    from stance.datasets.domain import read_labelled_jsonl

    base = read_labelled_jsonl(rows_path)
    text_file = tmp_path / "more.jsonl"
    text_file.write_text("".join(json.dumps({"id": f"m{i}", "doc": f"M{i}", "text": t}) + "\n"
                                 for i, t in enumerate(["NATO expansion east again.", "Sanctions on banks."])))
    labels = tmp_path / "labels"
    labels.mkdir()
    (labels / "round1_a0.jsonl").write_text(
        json.dumps({"id": "m0", "topics": ["nato_expansion"], "stance": "favor", "annotator": "t", "round": 1}) + "\n")
    model = train_model(rows_path, tmp_path / "model", topics="auto", stances="auto", min_df=1,
                        extra_labels=labels, extra_text=text_file)
    record = model.manifest["training_data"][0]
    assert record["examples"] == len(base) + 1
    assert record["sha256"] != base.sha256


# --------------------------------------------------------------------------- evaluation by source

# The same rows from two sources; one article per source, so that each of two folds has every label.
SOURCED = [dict(r, source=src, doc=src) for src in ("kremlin", "whitehouse") for r in ROWS]


def _sourced_data(tmp_path):
    return read_labelled_jsonl(write_rows(tmp_path / "s.jsonl", SOURCED))


def test_cross_validate_reports_each_source(tmp_path):
    from stance.training import cross_validate

    data = _sourced_data(tmp_path)
    m = cross_validate(data, n_splits=2, topic_params={"min_df": 1}, stance_params={"min_df": 1})
    assert set(m["by_source"]) == {"kremlin", "whitehouse"}
    for per in m["by_source"].values():
        assert per["n"] == len(ROWS)
        assert 0.0 <= per["stance_macro_f1"] <= 1.0
        assert set(per["recall"]) == {"favor", "against"}


def test_leave_sources_out_trains_without_the_held_out_source(tmp_path, monkeypatch):
    from stance import training

    data = _sourced_data(tmp_path)
    seen = []
    real = training.fit_model

    def spy(part, **kw):
        seen.append(set(part.sources))
        return real(part, **kw)

    monkeypatch.setattr(training, "fit_model", spy)
    out = training.leave_sources_out(data, topic_params={"min_df": 1}, stance_params={"min_df": 1})
    assert set(out) == {"kremlin", "whitehouse"}
    assert sorted(map(sorted, seen)) == [["kremlin"], ["whitehouse"]]
    assert out["kremlin"]["n"] == len(ROWS) and out["kremlin"]["held_out"] == ["kremlin"]


def test_leave_sources_out_needs_sources(rows_path):
    from stance.training import leave_sources_out

    with pytest.raises(DataError, match="needs a 'source' for every example"):
        leave_sources_out(read_labelled_jsonl(rows_path))
    data = read_labelled_jsonl(rows_path)
    data.sources = ["k"] * len(data)
    with pytest.raises(DataError, match="leaves no training data"):
        leave_sources_out(data, {"all": ["k"]})


def test_train_model_records_source_balance(tmp_path):
    path = write_rows(tmp_path / "s.jsonl", SOURCED)
    model = train_model(path, tmp_path / "m", topics="auto", stances="auto", min_df=1, source_balance=1.0)
    manifest = json.loads((tmp_path / "m" / MANIFEST_FILE).read_text())
    assert manifest["parameters"]["source_balance"] == 1.0
    with pytest.raises(ValueError, match="'source_balance' must be a number >= 0, got -1"):
        train_model(path, topics="auto", stances="auto", min_df=1, source_balance=-1)
    assert model.classify(["NATO must not expand"])[0].stance in {"favor", "against", "none"}


# --------------------------------------------------------------------------- one-line errors, never tracebacks

LABEL = {"id": "m0", "topics": ["nato_expansion"], "stance": "favor", "annotator": "t", "round": 1}


def _extra(tmp_path, label_lines, text_lines):
    text_file = tmp_path / "more.jsonl"
    text_file.write_text("".join(line + "\n" for line in text_lines), encoding="utf-8")
    labels = tmp_path / "labels"
    labels.mkdir(exist_ok=True)
    (labels / "round1_a0.jsonl").write_text("".join(line + "\n" for line in label_lines), encoding="utf-8")
    return labels, text_file


GOOD_TEXT = json.dumps({"id": "m0", "doc": "M0", "text": "NATO expansion east again."})


@pytest.mark.parametrize("labels, texts, message", [
    (["5"], [GOOD_TEXT], r"round1_a0\.jsonl:1: expected a JSON object, got int"),
    (["[" * 50_000], [GOOD_TEXT], r"round1_a0\.jsonl:1: not valid JSON \(nested too deeply\)"),
    ([json.dumps({**LABEL, "topics": "nato_expansion"})], [GOOD_TEXT],
     r"round1_a0\.jsonl:1: 'topics' must be a list of strings"),
    ([json.dumps({**LABEL, "id": 7})], [GOOD_TEXT], r"round1_a0\.jsonl:1: 'id' must be a non-empty string"),
    ([json.dumps(LABEL)], ['{"doc": "M0", "text": "no id"}'], r"more\.jsonl:1: 'id' must be a string, got None"),
    ([json.dumps(LABEL)], ['{"id": "m0", "doc": "M0"}'], r"more\.jsonl:1: 'text' must be a non-empty string"),
    ([json.dumps(LABEL)], ["not json"], r"more\.jsonl:1: not valid JSON \(Expecting value at column 1\)"),
    ([json.dumps(LABEL)], [json.dumps({"id": "m0", "text": "x" * 100_001})],
     r"more\.jsonl:1: 'text' has 100,001 characters, more than the paragraph limit of 100,000"),
])
def test_malformed_extra_label_and_text_files_are_data_errors(labels, texts, message, rows_path, tmp_path):
    label_dir, text_file = _extra(tmp_path, labels, texts)
    with pytest.raises(DataError, match=message):
        train_model(rows_path, tmp_path / "model", topics="auto", stances="auto", min_df=1,
                    extra_labels=label_dir, extra_text=text_file)
    assert not (tmp_path / "model").exists()


def test_missing_extra_text_file_is_a_clear_error(rows_path, tmp_path):
    from stance.exceptions import DataRootNotFoundError

    label_dir, _ = _extra(tmp_path, [json.dumps(LABEL)], [GOOD_TEXT])
    with pytest.raises(DataRootNotFoundError, match=r"text of the labelled paragraphs not found: .*absent\.jsonl"):
        train_model(rows_path, None, topics="auto", stances="auto", min_df=1, extra_labels=label_dir,
                    extra_text=tmp_path / "absent.jsonl")


@pytest.mark.parametrize("line, message", [
    ('{"text": ' + "[" * 50_000, r"train\.jsonl:3: not valid JSON \(nested too deeply\)"),
    ('{"text": "a", "n": ' + "1" * 5000 + "}",
     r"train\.jsonl:3: not valid JSON \(an integer of more than 4,300 digits\)"),
    (json.dumps({"text": "x" * 100_001, "topics": [], "stance": "none"}),
     r"train\.jsonl:3: 'text' has 100,001 characters, more than the paragraph limit of 100,000; split it"),
], ids=["deep-nesting", "huge-integer", "too-long"])
def test_hostile_training_lines_name_file_and_line(line, message, tmp_path):
    path = write_rows(tmp_path / "train.jsonl", [ROWS[0], ROWS[1], line, ROWS[2]])
    with pytest.raises(DataError, match=message):
        train_model(path, tmp_path / "model", topics="auto", stances="auto", min_df=1)


def test_too_little_text_is_a_data_error_that_says_what_to_change(tmp_path):
    rows = [{"text": t, "topics": ["diplomacy"], "stance": s} for t, s in [("NATO a", "favor"), ("b c", "none"),
                                                                         ("d e", "none")]]
    path = write_rows(tmp_path / "train.jsonl", rows)
    with pytest.raises(DataError, match=r"no word or character n-gram occurs in at least min_df=2 of the 3 training "
                                        r"paragraphs; .* lower min_df \(CLI: --min-df 1\)"):
        train_model(path, None, topics="auto", stances="auto")


def test_hidden_temporary_directories_of_killed_runs_are_removed(rows_path, tmp_path):
    import os
    import subprocess
    import sys

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                              text=True).stdout)
    leftover = tmp_path / f".model.tmp-{dead}-abc123"
    leftover.mkdir()
    (leftover / "topic.joblib").write_bytes(b"half a model")
    running = tmp_path / f".model.tmp-{os.getpid()}-def456"  # a run of this very process: kept
    running.mkdir()
    train_model(rows_path, tmp_path / "model", topics="auto", stances="auto", min_df=1)
    assert not leftover.exists()
    assert running.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".model.")) == [running.name]


def test_train_model_reports_its_stages_and_cross_validation_folds(tmp_path):
    rows = [dict(r, doc=f"{r['doc']}{k}") for r in ROWS for k in (1, 2)]  # each topic in two articles
    path = write_rows(tmp_path / "train.jsonl", rows)
    stages = []
    train_model(path, None, topics="auto", stances="auto", min_df=1, cv=2, progress=stages.append)
    assert stages[0] == "reading the training data"
    assert stages[1:3] == [f"fitting the topic classifier ({len(rows)} paragraphs)", "fitting the stance classifier"]
    folds = [s for s in stages if s.startswith("cross-validation")]
    assert folds == ["cross-validation fold 1/2", "cross-validation fold 2/2"]


# --------------------------------------------------------------------------- fuzzing training inputs

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _fuzz import fuzz  # noqa: E402
from stance.exceptions import StanceError  # noqa: E402

_TEXT = st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1, max_size=30)


@fuzz(10)
@given(rows=st.lists(st.tuples(_TEXT, st.lists(st.sampled_from(["diplomacy", "sanctions"]), max_size=2, unique=True),
                               st.sampled_from(["favor", "against", "none"]), st.sampled_from("abc")),
                     min_size=1, max_size=6))
def test_training_on_any_tiny_corpus_fits_or_is_a_stance_error(tmp_path_factory, rows):
    path = write_rows(tmp_path_factory.mktemp("fuzz") / "train.jsonl",
                      [{"text": t, "topics": tp, "stance": s, "doc": d} for t, tp, s, d in rows])
    try:
        model = train_model(path, None, topics="auto", stances="auto")
    except StanceError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(model.classify(["NATO talks"])) == 1


_LABEL_LINE = st.one_of(
    st.fixed_dictionaries({"id": st.one_of(st.text(max_size=5), st.integers(), st.none()),
                           "topics": st.one_of(st.lists(st.sampled_from(["diplomacy", "nope"]), max_size=2),
                                               st.text(max_size=5), st.integers()),
                           "stance": st.one_of(st.sampled_from(["none", "favor"]), st.integers(), st.none()),
                           "annotator": st.just("t"), "round": st.just(1)}).map(json.dumps),
    st.sampled_from(["5", "[]", "{", "[" * 50_000, '{"id": NaN}', '{"id": ' + "1" * 5000 + "}"]),
)


@fuzz(60)
@given(lines=st.lists(_LABEL_LINE, min_size=1, max_size=4))
def test_any_label_file_is_read_or_a_data_error(tmp_path_factory, lines):
    from stance.datasets.domain import read_label_files

    labels = tmp_path_factory.mktemp("labels")
    (labels / "round1_a0.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    try:
        read_label_files(labels)
    except DataError as exc:  # LabelError is a DataError
        assert str(exc).startswith(str(labels / "round1_a0.jsonl")) and "\n" not in str(exc)


_TEXT_LINE = st.one_of(
    st.fixed_dictionaries({"id": st.one_of(st.sampled_from(["m0", "m1"]), st.integers(), st.none()),
                           "text": st.one_of(st.text(max_size=20), st.integers(), st.none())},
                          optional={"doc": st.one_of(st.text(max_size=3), st.integers())}).map(json.dumps),
    st.sampled_from(["5", "{", "[" * 50_000, '{"id": "m0", "text": NaN}',
                     json.dumps({"id": "m0", "text": "x" * 100_001})]),
)


@fuzz(60)
@given(lines=st.lists(_TEXT_LINE, max_size=4))
def test_any_extra_text_file_is_joined_or_a_data_error(tmp_path_factory, lines):
    from stance.datasets.domain import LabelledData, add_label_files

    tmp = tmp_path_factory.mktemp("extra")
    labels = tmp / "labels"
    labels.mkdir()
    (labels / "round1_a0.jsonl").write_text(json.dumps(LABEL) + "\n", encoding="utf-8")
    text_file = tmp / "more.jsonl"
    text_file.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    base = LabelledData(texts=["NATO talks"], topics=[["diplomacy"]], stances=["none"], targets=[None],
                        docs=["d"], ids=["b0"])
    try:
        data = add_label_files(base, text_file, labels)
    except DataError as exc:
        assert "\n" not in str(exc)
    else:
        assert data.ids[-1] == "m0" and isinstance(data.texts[-1], str)
