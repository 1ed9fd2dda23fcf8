"""Tests of stance.adapt.labelling: the terminal loop driven through injected streams."""

from __future__ import annotations

import io
import json

import pytest

from stance.exceptions import DataError
from stance.adapt.labelling import assign_keys, label_records, read_answers

TOPICS = ["nato_expansion", "sanctions", "diplomacy"]
STANCES = ["favor", "against", "none"]
ITEMS = [
    {"id": "p1", "text": "Moscow demands that NATO stop its expansion.", "source": "x", "how": "uncertainty"},
    {"id": "p2", "text": "Brussels adopted new sanctions.", "source": "y", "how": "random"},
    {"id": "p3", "text": "It rained in Geneva.", "source": "x", "how": "random"},
]


def run(path, answers: str, items=ITEMS, **kwargs):
    out = io.StringIO()
    summary = label_records(items, path, topics=TOPICS, stances=STANCES, input=io.StringIO(answers), output=out,
                            **kwargs)
    return summary, out.getvalue()


def answers(path):
    return [(r["id"], r["topics"], r["stance"]) for r in map(json.loads, open(path, encoding="utf-8"))]


def test_keys_of_topics_and_stances():
    topic_keys, stance_keys = assign_keys(TOPICS, STANCES)
    assert topic_keys == {"1": "nato_expansion", "2": "sanctions", "3": "diplomacy"}
    assert stance_keys == {"f": "favor", "a": "against", "n": "none"}
    many = [f"t{i}" for i in range(12)]
    assert list(assign_keys(many, STANCES)[0])[9:] == ["0", "A", "B"]
    # a stance whose first letter is a command key gets its next letter
    assert assign_keys([], ["support", "skeptical", "neutral"])[1] == {"p": "support", "k": "skeptical", "n": "neutral"}


@pytest.mark.parametrize(("topics", "stances", "match"), [
    ([f"t{i}" for i in range(37)], STANCES, "at most 36 topics"),
    (TOPICS, [], "the stance set is empty"),
    (["a", "a"], STANCES, "topic labels must be distinct non-empty strings"),
    (TOPICS, ["favor", ""], "stance labels must be distinct non-empty strings"),
])
def test_label_sets_that_cannot_be_given_keys(topics, stances, match):
    with pytest.raises(ValueError, match=match):
        assign_keys(topics, stances)


def test_answers_are_written_in_the_shape_train_reads(tmp_path):
    from stance.datasets import read_labelled_jsonl

    path = tmp_path / "labels.jsonl"
    summary, shown = run(path, "1f\n12 a\nn\n", annotator="ann1")
    assert (summary.labelled, summary.done, summary.remaining, summary.stopped) == (3, 3, 0, "finished")
    rows = [json.loads(line) for line in open(path, encoding="utf-8")]
    assert rows[0] == {"id": "p1", "text": ITEMS[0]["text"], "source": "x", "topics": ["nato_expansion"],
                       "stance": "favor", "annotator": "ann1"}
    assert answers(path)[1:] == [("p2", ["nato_expansion", "sanctions"], "against"), ("p3", [], "none")]
    data = read_labelled_jsonl(path, topics=TOPICS, stances=STANCES)
    assert data.ids == ["p1", "p2", "p3"] and data.sources == ["x", "y", "x"]
    assert "[1/3]  id p1" in shown and ITEMS[2]["text"] in shown
    assert "model's guess" not in shown  # not shown unless a model is given


def test_previous_labels_of_the_input_are_not_shown_nor_kept(tmp_path):
    items = [{"id": "p1", "text": "Some text.", "topics": ["sanctions"], "stance": "against", "annotator": "old"}]
    summary, shown = run(tmp_path / "l.jsonl", "n\n", items=items)
    assert answers(tmp_path / "l.jsonl") == [("p1", [], "none")]
    assert "against" not in shown.split("stance:")[0]
    assert "annotator" not in json.loads(open(tmp_path / "l.jsonl").read())


def test_undo_takes_back_the_last_answer_and_shows_its_paragraph_again(tmp_path):
    path = tmp_path / "labels.jsonl"
    summary, shown = run(path, "1f\nu\n1a\n2n\nn\n")
    assert answers(path) == [("p1", ["nato_expansion"], "against"), ("p2", ["sanctions"], "none"), ("p3", [], "none")]
    assert (summary.labelled, summary.undone) == (3, 1)
    assert "took back the answer for p1" in shown


def test_the_folder_of_the_label_file_is_created(tmp_path):
    path = tmp_path / "labels" / "round1.jsonl"
    run(path, "n\nq\n")
    assert answers(path) == [("p1", [], "none")]


def test_undo_with_nothing_to_undo(tmp_path):
    summary, shown = run(tmp_path / "l.jsonl", "u\nq\n")
    assert "nothing to undo" in shown
    assert summary.stopped == "quit" and summary.done == 0


def test_skip_quit_and_resume(tmp_path):
    path = tmp_path / "labels.jsonl"
    summary, _ = run(path, "s\n2a\nq\n")
    assert (summary.labelled, summary.skipped, summary.remaining, summary.stopped) == (1, 1, 2, "quit")
    assert answers(path) == [("p2", ["sanctions"], "against")]
    # the next session starts with the first paragraph without an answer, the skipped one included
    summary, shown = run(path, "1f\nn\n")
    assert "resuming: 1 of 3 paragraphs have an answer" in shown
    assert shown.index("id p1") < shown.index("id p3") and "id p2" not in shown
    assert answers(path) == [("p2", ["sanctions"], "against"), ("p1", ["nato_expansion"], "favor"), ("p3", [], "none")]
    assert (summary.done, summary.remaining) == (3, 0)


def test_undo_reaches_into_the_previous_session(tmp_path):
    path = tmp_path / "labels.jsonl"
    run(path, "1f\nq\n")
    summary, _ = run(path, "u\n1a\nq\n")
    assert answers(path) == [("p1", ["nato_expansion"], "against")]
    assert (summary.labelled, summary.undone) == (1, 1)


def test_end_of_input_stops_and_keeps_the_answers(tmp_path):
    path = tmp_path / "labels.jsonl"
    summary, _ = run(path, "1f\n")
    assert summary.stopped == "end of input" and summary.remaining == 2
    assert answers(path) == [("p1", ["nato_expansion"], "favor")]


def test_bad_answers_are_explained_and_asked_again(tmp_path):
    path = tmp_path / "labels.jsonl"
    summary, shown = run(path, "\nx\n12\nfa\nf\n?\n1F\nq\n")
    assert "type the keys of the answer" in shown
    assert "unknown key 'x'" in shown
    assert "give a stance key too (f favor, a against, n none)" in shown
    assert "two stances given (favor, against)" in shown
    assert "a paragraph with no topic takes stance 'none'" in shown
    assert "Answer with one line" in shown
    assert answers(path) == [("p1", ["nato_expansion"], "favor")]  # keys are read in either case


def test_a_side_without_topic_when_allowed(tmp_path):
    path = tmp_path / "labels.jsonl"
    run(path, "f\nq\n", require_topic_for_side=False)
    assert answers(path) == [("p1", [], "favor")]


def test_the_model_guess_is_shown_only_when_asked(tmp_path, tiny_model):
    _, shown = run(tmp_path / "l.jsonl", "q\n", model=tiny_model)
    guess = tiny_model.classify([ITEMS[0]["text"]], evidence=0)[0]
    assert f"model's guess: stance {guess.stance} ({guess.stance_scores[guess.stance]:.2f})" in shown


def test_items_without_ids_are_matched_by_text(tmp_path):
    items = [{"text": "First paragraph."}, {"text": "Second paragraph."}, {"text": "first   paragraph."}]
    path = tmp_path / "labels.jsonl"
    summary, _ = run(path, "n\nq\n", items=items)
    assert summary.total == 2  # the repeated text is one paragraph
    summary, shown = run(path, "1a\n", items=items)
    assert "Second paragraph." in shown and summary.remaining == 0


def test_a_torn_last_line_left_by_a_kill_is_cut_off(tmp_path):
    path = tmp_path / "labels.jsonl"
    run(path, "1f\nq\n")
    with open(path, "ab") as fh:
        fh.write(b'{"id": "p2", "text": "Brussels adopted new sanc')  # killed mid-write
    summary, _ = run(path, "2a\nq\n")
    assert answers(path) == [("p1", ["nato_expansion"], "favor"), ("p2", ["sanctions"], "against")]
    # a complete last record without its line end is kept and finished
    with open(path, "rb+") as fh:
        fh.seek(-1, 2)
        fh.truncate()
    run(path, "n\n")
    assert answers(path)[-1] == ("p3", [], "none")


def test_an_output_that_is_not_a_label_file_is_refused(tmp_path):
    path = tmp_path / "labels.jsonl"
    path.write_text("{broken\n" + json.dumps({"id": "p1", "topics": [], "stance": "none"}) + "\n")
    with pytest.raises(DataError, match=r"labels.jsonl:1: not a JSON line"):
        run(path, "q\n")
    path.write_text(json.dumps({"id": "p1", "text": "x"}) + "\n")
    with pytest.raises(DataError, match=r"labels.jsonl:1: expected an answer with 'topics'"):
        read_answers(path)
    assert read_answers(tmp_path / "missing.jsonl") == []


def test_items_need_text(tmp_path):
    with pytest.raises(DataError, match="item 2: expected a record with a non-empty string 'text'"):
        run(tmp_path / "l.jsonl", "q\n", items=[{"text": "ok"}, {"id": "x"}])
