"""Tests of stance.datasets.domain: labelled JSONL reading and the data root."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from stance.datasets.domain import (
    DATA_ROOT_ENV,
    DOMAIN_STANCES,
    DOMAIN_TOPICS,
    LabelledData,
    load_domain,
    load_seed_article,
    read_labelled_jsonl,
    resolve_data_root,
    sha256_file,
)
from stance.exceptions import DataError, DataRootNotFoundError, LabelError

GOOD = {"text": "NATO and Russia held talks.", "topics": ["diplomacy"], "stance": "none"}
ROWS = [
    {"text": "NATO must not expand east.", "topics": ["nato_expansion"], "stance": "favor", "doc": "a1", "id": "p1"},
    {"text": "Sanctions hit Russian banks.", "topics": ["sanctions", "sanctions"], "stance": "against", "doc": "a1"},
    {"text": "Talks in Geneva.", "topics": [], "stance": "none"},
]
TARGET_ROWS = [dict(row, target=target) for row, target in zip(ROWS, ["NATO", "Russia", "NATO"])]


def write_lines(path: Path, lines) -> Path:
    """Write raw lines (str, or dicts dumped as JSON)."""
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write((json.dumps(line) if isinstance(line, dict) else line) + "\n")
    return path


# --------------------------------------------------------------------------- reading


def test_read_labelled_jsonl_fields(tmp_path):
    path = write_lines(tmp_path / "train.jsonl", ROWS)
    data = read_labelled_jsonl(path)
    assert isinstance(data, LabelledData)
    assert len(data) == 3
    assert data.texts == [r["text"] for r in ROWS]
    assert data.topics == [["nato_expansion"], ["sanctions"], []]  # duplicates dropped
    assert data.stances == ["favor", "against", "none"]
    assert data.targets == [None, None, None]
    assert data.docs == ["a1", "a1", "line-3"]
    assert data.ids == ["p1", "line-2", "line-3"]
    assert data.path == str(path)
    assert data.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() == sha256_file(path)
    assert data.has_targets is False


def test_targets_are_read_when_every_line_has_one(tmp_path):
    data = read_labelled_jsonl(write_lines(tmp_path / "t.jsonl", TARGET_ROWS))
    assert data.targets == ["NATO", "Russia", "NATO"]
    assert data.has_targets is True


def test_targets_on_some_lines_only(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [ROWS[0], TARGET_ROWS[1]])
    with pytest.raises(DataError, match="either every line has a 'target' or none does; example 2 differs"):
        read_labelled_jsonl(path)


def test_utf8_bom_at_start_is_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(ROWS[0]).encode() + b"\n")
    assert read_labelled_jsonl(path).texts == [ROWS[0]["text"]]


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", ["", GOOD, "   ", GOOD])
    data = read_labelled_jsonl(path)
    assert len(data) == 2
    assert data.docs == ["line-2", "line-4"]


def test_topics_may_be_omitted(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [{"text": "x", "stance": "none"}])
    assert read_labelled_jsonl(path).topics == [[]]


def test_labelled_data_helpers(tmp_path):
    rows = [
        {"text": "a", "topics": ["x", "y"], "stance": "none"},
        {"text": "b", "topics": ["y"], "stance": "favor"},
        {"text": "c", "topics": [], "stance": "favor"},
    ]
    data = read_labelled_jsonl(write_lines(tmp_path / "t.jsonl", rows))
    assert data.topic_labels() == ["y", "x"]  # most frequent first
    assert data.stance_labels() == ["favor", "none"]
    assert data.has_targets is False
    sub = data.subset([2, 0])
    assert sub.texts == ["c", "a"]
    assert sub.topics == [[], ["x", "y"]]
    assert sub.stances == ["favor", "none"]
    assert sub.sha256 is None and sub.path == data.path
    assert len(data) == 3  # subset does not change the original


def test_label_sets_are_checked_when_given(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", ROWS)
    data = read_labelled_jsonl(path, topics=DOMAIN_TOPICS, stances=DOMAIN_STANCES)
    assert len(data) == 3


# --------------------------------------------------------------------------- errors


def test_malformed_json_line_names_file_and_line(tmp_path):
    path = write_lines(tmp_path / "bad.jsonl", [GOOD, GOOD, '{"text": "x", "stance": '])
    with pytest.raises(DataError, match=rf"^{re.escape(str(path))}:3: not valid JSON"):
        read_labelled_jsonl(path)


@pytest.mark.parametrize(("line", "kind"), [("[1, 2]", "list"), ('"text"', "str"), ("42", "int"), ("null", "NoneType")])
def test_non_object_line(tmp_path, line, kind):
    path = write_lines(tmp_path / "t.jsonl", [GOOD, line])
    with pytest.raises(DataError, match=rf"t\.jsonl:2: expected a JSON object, got {kind}"):
        read_labelled_jsonl(path)


@pytest.mark.parametrize(
    "row",
    [{"topics": [], "stance": "none"}, {"text": "", "topics": [], "stance": "none"},
     {"text": "  \n", "topics": [], "stance": "none"}, {"text": 5, "topics": [], "stance": "none"}],
    ids=["missing", "empty", "blank", "number"],
)
def test_missing_or_empty_text(tmp_path, row):
    path = write_lines(tmp_path / "t.jsonl", [row])
    with pytest.raises(DataError, match=r"t\.jsonl:1: 'text' must be a non-empty string"):
        read_labelled_jsonl(path)


@pytest.mark.parametrize("topics", ["sanctions", {"a": 1}, ["ok", 3], None])
def test_topics_not_a_list_of_strings(tmp_path, topics):
    path = write_lines(tmp_path / "t.jsonl", [{"text": "x", "topics": topics, "stance": "none"}])
    with pytest.raises(DataError, match=r"t\.jsonl:1: 'topics' must be a list of strings"):
        read_labelled_jsonl(path)


def test_stance_missing_or_not_a_string(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [{"text": "x", "topics": []}])
    with pytest.raises(DataError, match=r"t\.jsonl:1: 'stance' must be a string, got None"):
        read_labelled_jsonl(path)
    path = write_lines(tmp_path / "u.jsonl", [{"text": "x", "topics": [], "stance": ["favor"]}])
    with pytest.raises(DataError, match=r"u\.jsonl:1: 'stance' must be a string"):
        read_labelled_jsonl(path)


def test_unknown_stance(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [GOOD, {"text": "x", "topics": [], "stance": "pro"}])
    with pytest.raises(LabelError, match=r"t\.jsonl:2: 'stance' must be one of \('favor', 'against', 'none'\), got 'pro'"):
        read_labelled_jsonl(path, stances=DOMAIN_STANCES)


def test_unknown_topic(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [{"text": "x", "topics": ["economy"], "stance": "none"}])
    with pytest.raises(LabelError, match=r"t\.jsonl:1: 'topics' must be one of \('security_guarantees'.*got 'economy'"):
        read_labelled_jsonl(path, topics=DOMAIN_TOPICS)


def test_target_not_a_string(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [{"text": "x", "topics": [], "stance": "none", "target": 3}])
    with pytest.raises(DataError, match=r"t\.jsonl:1: 'target' must be a string, got 3"):
        read_labelled_jsonl(path)


def test_non_utf8_line(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_bytes(json.dumps(GOOD).encode() + b"\n" + b'{"text": "caf\xe9"}\n')
    with pytest.raises(DataError, match=r"t\.jsonl:2: line is not valid UTF-8"):
        read_labelled_jsonl(path)


@pytest.mark.parametrize("content", ["", "\n\n   \n"], ids=["empty", "blank-lines"])
def test_empty_file(tmp_path, content):
    path = tmp_path / "t.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=r"t\.jsonl: no examples \(the file is empty\)"):
        read_labelled_jsonl(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataRootNotFoundError, match=r"labelled data not found: .*absent\.jsonl is not a file"):
        read_labelled_jsonl(tmp_path / "absent.jsonl")


def test_label_without_example_with_require_all_labels(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", [GOOD, {"text": "y", "topics": ["sanctions"], "stance": "favor"}])
    with pytest.raises(LabelError, match=r"no example for label\(s\) \['nato_expansion', 'against'\]"):
        read_labelled_jsonl(path, topics=("diplomacy", "sanctions", "nato_expansion"),
                            stances=("favor", "against", "none"), require_all_labels=True)
    # without require_all_labels the same file is fine
    assert len(read_labelled_jsonl(path, topics=("diplomacy", "sanctions", "nato_expansion"),
                                   stances=("favor", "against", "none"))) == 2


def test_data_errors_are_value_errors(tmp_path):
    path = write_lines(tmp_path / "t.jsonl", ["nope"])
    with pytest.raises(ValueError):
        read_labelled_jsonl(path)


# --------------------------------------------------------------------------- data root


def test_resolve_data_root_missing_explicit_dir(tmp_path, monkeypatch):
    monkeypatch.delenv(DATA_ROOT_ENV, raising=False)
    with pytest.raises(DataRootNotFoundError, match=rf"data not found from the data_root argument.*{DATA_ROOT_ENV}"):
        resolve_data_root(tmp_path / "missing")


def test_resolve_data_root_explicit_dir_wins_over_env(tmp_path, monkeypatch):
    (tmp_path / "explicit").mkdir()
    (tmp_path / "env").mkdir()
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "env"))
    assert resolve_data_root(tmp_path / "explicit") == (tmp_path / "explicit").resolve()


def test_resolve_data_root_honours_env_var(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path))
    assert resolve_data_root() == tmp_path.resolve()


def test_resolve_data_root_env_var_pointing_nowhere(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path / "gone"))
    with pytest.raises(DataRootNotFoundError, match=rf"data not found from \${DATA_ROOT_ENV}: looked for .*gone"):
        resolve_data_root()


def test_resolve_data_root_require(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path))
    with pytest.raises(DataRootNotFoundError, match=r"looked for .*domain/train\.jsonl"):
        resolve_data_root(require="domain/train.jsonl")
    (tmp_path / "domain").mkdir()
    (tmp_path / "domain" / "train.jsonl").write_text(json.dumps(GOOD) + "\n", encoding="utf-8")
    assert resolve_data_root(require="domain/train.jsonl") == tmp_path.resolve()


def test_resolve_data_root_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        resolve_data_root(tmp_path / "missing")


def test_load_domain_from_env_root(tmp_path, monkeypatch):
    (tmp_path / "domain").mkdir()
    rows = [{"text": "NATO talks", "topics": ["diplomacy"], "stance": "none"},
            {"text": "bad", "topics": [], "stance": "neutral"}]
    write_lines(tmp_path / "domain" / "train.jsonl", rows[:1])
    monkeypatch.setenv(DATA_ROOT_ENV, str(tmp_path))
    assert load_domain().texts == ["NATO talks"]
    write_lines(tmp_path / "domain" / "train.jsonl", rows)
    with pytest.raises(LabelError, match="'stance' must be one of .* got 'neutral'"):
        load_domain(data_root=tmp_path)
    with pytest.raises(ValueError, match=r"'split' must be one of \('train',\), got 'test'"):
        load_domain("test", data_root=tmp_path)


def test_load_seed_article(tmp_path):
    (tmp_path / "seed").mkdir()
    with pytest.raises(DataRootNotFoundError, match=r"no \.txt file in"):
        load_seed_article(data_root=tmp_path)
    (tmp_path / "seed" / "b.txt").write_text("second", encoding="utf-8")
    (tmp_path / "seed" / "a.txt").write_text("MOSCOW, February 9. /TASS/.\nFirst.", encoding="utf-8")
    assert load_seed_article(data_root=tmp_path).startswith("MOSCOW")


# --------------------------------------------------------------------------- our label files

from stance.datasets.domain import load_domain_grown, read_label_files  # noqa: E402


def _label(pid, topics, stance, annotator="r1-x", rnd=1):
    return {"id": pid, "topics": topics, "stance": stance, "annotator": annotator, "round": rnd}


def _tiny_root(tmp_path):
    root = tmp_path / "data"
    (root / "domain").mkdir(parents=True)
    write_lines(root / "domain" / "train.jsonl", [dict(r, id=f"t{i}") for i, r in enumerate(ROWS)])
    write_lines(root / "domain" / "unlabeled.jsonl", [
        {"id": "u1", "doc": "D1", "text": "NATO enlargement to the east worries Moscow."},
        {"id": "u2", "doc": "D1", "text": "The weather was fine."},
        {"id": "u3", "doc": "D2", "text": "Never labelled."},
    ])
    return root


def test_read_label_files_and_adjudication_override(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [_label("u1", ["nato_expansion"], "none"), _label("u2", [], "none")])
    write_lines(labels / "round1_second.jsonl", [_label("u1", ["nato_expansion"], "favor", "r1-b")])
    write_lines(labels / "adjudicated.jsonl", [_label("u1", ["nato_expansion"], "favor", "adj")])
    got = read_label_files(labels)
    assert set(got) == {"u1", "u2"}
    assert got["u1"]["stance"] == "favor" and got["u1"]["annotator"] == "adj"  # second pass not read, adjudication wins


def test_load_domain_grown_joins_text_by_id(tmp_path):
    root = _tiny_root(tmp_path)
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [_label("u1", ["nato_expansion"], "favor"), _label("u2", [], "none")])
    data = load_domain_grown(data_root=root, labels_dir=labels)
    assert len(data) == len(ROWS) + 2
    assert data.texts[-2:] == ["NATO enlargement to the east worries Moscow.", "The weather was fine."]
    assert data.topics[-2:] == [["nato_expansion"], []]
    assert data.stances[-2:] == ["favor", "none"]
    assert data.docs[-2:] == ["D1", "D1"]


@pytest.mark.parametrize(("row", "error", "match"), [
    (_label("u1", ["nato"], "none"), LabelError, r"'topics' must be one of .* got 'nato'"),
    (_label("u1", ["sanctions"], "pro"), LabelError, r"'stance' must be one of \('favor', 'against', 'none'\), got 'pro'"),
    (_label("u1", [], "favor"), LabelError, "no topic must have stance 'none'"),
    ({"id": "u1", "topics": [], "stance": "none"}, DataError, "missing field 'annotator'"),
])
def test_label_file_errors(tmp_path, row, error, match):
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [row])
    with pytest.raises(error, match=match):
        read_label_files(labels)


def test_label_twice_and_unknown_id(tmp_path):
    root = _tiny_root(tmp_path)
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [_label("u1", [], "none")])
    write_lines(labels / "round1_a1.jsonl", [_label("u1", [], "none")])
    with pytest.raises(DataError, match="labelled twice"):
        read_label_files(labels)
    (labels / "round1_a1.jsonl").unlink()
    write_lines(labels / "round1_a2.jsonl", [_label("nope", [], "none")])
    with pytest.raises(DataError, match=r"not in unlabeled.jsonl, e.g. .nope."):
        load_domain_grown(data_root=root, labels_dir=labels)


def test_labels_join_text_from_both_pools_with_sources(tmp_path):
    root = _tiny_root(tmp_path)
    write_lines(root / "domain" / "unlabeled_2022.jsonl", [
        {"id": "k1", "doc": "K", "source": "kremlin2022", "text": "Russia demands legally binding guarantees."},
    ])
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [_label("u1", ["nato_expansion"], "favor")])
    write_lines(labels / "round2_a0.jsonl", [_label("k1", ["security_guarantees"], "favor", "r2-a0", 2)])
    data = load_domain_grown(data_root=root, labels_dir=labels)
    assert data.ids[-2:] == ["u1", "k1"]
    assert data.sources[-1] == "kremlin2022"
    assert data.subset([len(data) - 1]).sources == ["kremlin2022"]


def test_sources_are_read_from_labelled_jsonl(tmp_path):
    path = tmp_path / "d.jsonl"
    write_lines(path, [{"text": "a", "topics": [], "stance": "none", "source": "kremlin"},
                       {"text": "b", "topics": [], "stance": "none"}])
    assert read_labelled_jsonl(path).sources == ["kremlin", None]


def test_convention_corrections_override_first_pass_and_need_one(tmp_path):
    labels = tmp_path / "labels"
    labels.mkdir()
    write_lines(labels / "round1_a0.jsonl", [_label("u1", ["sanctions"], "none")])
    write_lines(labels / "adjudicated.jsonl", [_label("u1", ["sanctions"], "favor", "adj")])
    write_lines(labels / "conventions_round1.jsonl", [_label("u1", ["sanctions"], "against", "conv")])
    got = read_label_files(labels)
    assert (got["u1"]["stance"], got["u1"]["annotator"]) == ("against", "conv")  # applied after adjudication
    write_lines(labels / "conventions_round1.jsonl", [_label("zz", [], "none", "conv")])
    with pytest.raises(DataError, match="'zz' overrides a label that no first-pass file has"):
        read_label_files(labels)


# --------------------------------------------------------------------------- fuzzing the labelled-data reader

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from _fuzz import fuzz  # noqa: E402

_VALUES = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20),
                                 st.floats(allow_nan=False)),
                       lambda inner: st.one_of(st.lists(inner, max_size=3),
                                               st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                       max_leaves=6)
_ROW = st.fixed_dictionaries({"text": st.one_of(st.text(max_size=40), _VALUES),
                              "topics": st.one_of(st.lists(st.sampled_from(["diplomacy", "x"]), max_size=2), _VALUES),
                              "stance": st.one_of(st.sampled_from(["none", "favor"]), _VALUES)},
                             optional={"target": _VALUES, "doc": _VALUES, "id": _VALUES})
_LINE = st.one_of(_ROW.map(json.dumps), _VALUES.map(json.dumps), st.sampled_from([
    '{"text": "a", "topics": [], "stance": "none", "n": ' + "1" * 5000 + "}",
    "[" * 50_000, '{"text": NaN}', "{", "", "\ufeff{}",
    json.dumps({"text": "x" * 100_001, "topics": [], "stance": "none"}),
]), st.text(max_size=30).filter(lambda t: "\n" not in t and "\r" not in t))


@fuzz(100)
@given(lines=st.lists(_LINE, max_size=6))
def test_any_labelled_file_is_read_or_refused_with_a_data_error(tmp_path_factory, lines):
    path = tmp_path_factory.mktemp("fuzz") / "data.jsonl"
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8", errors="surrogatepass")
    try:
        data = read_labelled_jsonl(path, topics=["diplomacy"], stances=["none", "favor"])
    except DataError as exc:  # LabelError is a DataError
        message = str(exc)
        assert message.startswith(str(path)) and "\n" not in message, message
    else:
        assert all(isinstance(t, str) and t.strip() for t in data.texts)
        assert len(data.texts) == len(data.topics) == len(data.stances) == len(data.docs)
