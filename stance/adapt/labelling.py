"""A labelling loop for one person in a terminal: one paragraph at a time, one line of keys per answer.

Each paragraph is shown with the label keys: a digit (then a capital letter
past ten topics) per topic, a letter per stance; an answer is one line such as
``25a`` (topics 2 and 5, stance ``against``) or ``n`` (no topic, stance
``none``). ``u`` undoes the last answer, ``s`` skips a paragraph (it comes back
in the next session), ``q`` quits, ``?`` shows the help. Every answer is
appended to the output file and flushed to disk at once, so a crash or a kill
loses at most the answer being typed, and running the same command again
resumes with the first paragraph that has no answer. The model's guess is shown
only when asked for (``model=``), so that answers are not anchored on it.

The output is plain JSON lines in the shape ``stance train`` reads: the input
record's fields (``id``, ``text``, ``doc``, ``source``...) with ``topics`` and
``stance`` (and ``annotator`` when given). This is what ``stance label`` runs.

Examples
--------
>>> import io, json, os, tempfile
>>> items = [{"id": "p1", "text": "Russia demands that NATO stop its expansion."},
...          {"id": "p2", "text": "The weather was fine in Geneva."}]
>>> out = os.path.join(tempfile.mkdtemp(), "labels.jsonl")
>>> summary = label_records(items, out, topics=["nato_expansion", "diplomacy"],
...                         stances=["favor", "against", "none"],
...                         input=io.StringIO("1f\\nn\\n"), output=io.StringIO())
>>> summary.labelled, summary.remaining
(2, 0)
>>> [(r["id"], r["topics"], r["stance"]) for r in map(json.loads, open(out))]
[('p1', ['nato_expansion'], 'favor'), ('p2', [], 'none')]
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import textwrap
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from ..exceptions import DataError
from .records import record_key

__all__ = [
    "COMMAND_KEYS",
    "DROPPED_FIELDS",
    "LabelSummary",
    "TOPIC_KEYS",
    "assign_keys",
    "label_records",
    "read_answers",
]

#: One-key commands of the loop.
COMMAND_KEYS = {"u": "undo", "s": "skip", "q": "quit", "?": "help"}
#: Keys given to topics, in order (at most 36 topics).
TOPIC_KEYS = "1234567890ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Input fields not copied into an answer: previous labels and how a paragraph was chosen.
DROPPED_FIELDS = ("topics", "stance", "annotator", "how")
#: Label shown when a paragraph takes no side (a paragraph with no topic must have it, see the guideline).
_NEUTRAL = "none"
_DEFAULT_WIDTH = 100


def assign_keys(topics: Sequence[str], stances: Sequence[str]) -> tuple[dict[str, str], dict[str, str]]:
    """The keys of the topics and of the stances: ``({key: topic}, {key: stance})``.

    Topics get ``1``-``9``, ``0``, then ``A``-``Z``; each stance gets the first
    letter of its name (then its next letters, then any letter) that no command
    (:data:`COMMAND_KEYS`) or earlier stance uses, in lower case.

    Examples
    --------
    >>> assign_keys(["sanctions", "diplomacy"], ["favor", "against", "none", "support"])
    ({'1': 'sanctions', '2': 'diplomacy'}, {'f': 'favor', 'a': 'against', 'n': 'none', 'p': 'support'})
    """
    topics, stances = list(topics), list(stances)
    if len(topics) > len(TOPIC_KEYS):
        raise ValueError(f"at most {len(TOPIC_KEYS)} topics can be given keys, got {len(topics)}")
    if not stances:
        raise ValueError("the stance set is empty: give at least one stance")
    for kind, labels in (("topic", topics), ("stance", stances)):
        if len(set(labels)) != len(labels) or any(not isinstance(x, str) or not x.strip() for x in labels):
            raise ValueError(f"{kind} labels must be distinct non-empty strings, got {labels!r}")
    topic_keys = dict(zip(TOPIC_KEYS, topics))
    used = set(COMMAND_KEYS)
    stance_keys: dict[str, str] = {}
    for s in stances:
        letters = [c for c in s.lower() if c.isalpha()] + list("abcdefghijklmnopqrstuvwxyz")
        key = next((c for c in letters if c not in used), None)
        if key is None:
            raise ValueError(f"no key left for stance {s!r}: too many stances")
        stance_keys[key] = s
        used.add(key)
    return topic_keys, stance_keys


@dataclass
class LabelSummary:
    """What a labelling session did.

    Attributes
    ----------
    total : int
        Distinct paragraphs in the input.
    done : int
        Of them, paragraphs with an answer in the output when the session ended.
    labelled : int
        Answers given in this session (undone ones not counted).
    skipped : int
        Paragraphs skipped in this session.
    undone : int
        Answers taken back in this session.
    remaining : int
        Paragraphs still without an answer.
    stopped : str
        ``"finished"``, ``"quit"``, ``"end of input"`` or ``"interrupted"``.
    """

    total: int = 0
    done: int = 0
    labelled: int = 0
    skipped: int = 0
    undone: int = 0
    remaining: int = 0
    stopped: str = "finished"


def _key(record: Mapping) -> str:
    return record_key(record)


def read_answers(path: str | os.PathLike, *, repair: bool = False) -> list[tuple[str, int]]:
    """The answers in a label file: ``[(paragraph key, byte offset of its line)]`` in file order.

    Parameters
    ----------
    path : path-like
        A label file written by :func:`label_records` (missing: no answers).
    repair : bool, default=False
        Cut off a torn last line (no line end, not JSON) left by a killed run.
        Without it such a line is an error.

    Raises
    ------
    DataError
        On a line that is not a JSON object with ``topics`` (list) and ``stance`` (str),
        naming ``file:line``.
    """
    from ..io.files import JSONLineError, loads_line

    path = Path(path)
    if not path.exists():
        return []
    answers: list[tuple[str, int]] = []
    with open(path, "rb+" if repair else "rb") as fh:
        data = fh.read()
        offset = 0
        lines = data.split(b"\n")
        for lineno, raw in enumerate(lines, 1):
            start = offset
            offset += len(raw) + 1
            last = lineno == len(lines)
            if not raw.strip():
                continue
            where = f"{path}:{lineno}"
            try:
                obj = loads_line(raw.decode("utf-8"))
            except (UnicodeDecodeError, JSONLineError) as exc:
                if last and repair:  # a torn line: the answer being written when the run was killed
                    fh.truncate(start)
                    break
                raise DataError(f"{where}: not a JSON line ({exc})") from None
            if last and repair:  # complete JSON but no line end: finish the line
                fh.seek(0, os.SEEK_END)
                fh.write(b"\n")
            if not isinstance(obj, dict) or not isinstance(obj.get("topics"), list) or \
                    not isinstance(obj.get("stance"), str):
                raise DataError(f"{where}: expected an answer with 'topics' (a list) and 'stance' (a string)")
            try:
                answers.append((_key(obj), start))
            except DataError as exc:
                raise DataError(f"{where}: {exc}") from None
    return answers


class _Session:
    def __init__(self, items, path, topics, stances, input, output, predictions, annotator,
                 require_topic_for_side, width):
        self.items, self.path = items, Path(path)
        self.topic_keys, self.stance_keys = assign_keys(topics, stances)
        self.letters_are_topics = len(topics) > 10
        self.input, self.out = input, output
        self.predictions, self.annotator = predictions, annotator
        self.require_topic = require_topic_for_side and _NEUTRAL in self.stance_keys.values()
        self.width = width
        self.summary = LabelSummary(total=len(items))

    def say(self, text: str = "") -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def legend(self) -> str:
        topics = "  ".join(f"{k} {t}" for k, t in self.topic_keys.items())
        stances = "  ".join(f"{k} {s}" for k, s in self.stance_keys.items())
        commands = "  ".join(f"{k} {c}" for k, c in COMMAND_KEYS.items())
        return (f"topics: {topics or '(none)'}\nstance: {stances}    {commands}")

    def help(self) -> str:
        rule = ("\nA paragraph with no topic takes stance 'none'." if self.require_topic else "")
        return ("Answer with one line: the keys of the paragraph's topics (any number, or none), then the key "
                "of its stance,\ne.g. '25a' for topics 2 and 5 with stance 'against', or 'n' for no topic and "
                "stance 'none'; Enter sends it.\n'u' takes back the last answer, 's' skips this paragraph (it "
                "comes back next time), 'q' quits;\nevery answer is saved at once, and running the same command "
                "again resumes." + rule)

    def parse(self, line: str):
        """``("command", name)``, ``("answer", (topics, stance))`` or ``("error", message)``."""
        keys = "".join(ch for ch in line.strip() if ch not in " ,;")
        if not self.letters_are_topics:
            keys = keys.lower()
        if not keys:
            return "error", "type the keys of the answer, or ? for help"
        if len(keys) == 1 and keys.lower() in COMMAND_KEYS:
            return "command", COMMAND_KEYS[keys.lower()]
        topics, stance = [], None
        for ch in keys:
            if ch in self.topic_keys:
                if self.topic_keys[ch] not in topics:
                    topics.append(self.topic_keys[ch])
            elif ch.lower() in self.stance_keys:
                if stance is not None and stance != self.stance_keys[ch.lower()]:
                    return "error", f"two stances given ({stance}, {self.stance_keys[ch.lower()]}): give one"
                stance = self.stance_keys[ch.lower()]
            else:
                return "error", f"unknown key {ch!r}; ? for help"
        if stance is None:
            return "error", "give a stance key too (" + ", ".join(f"{k} {s}" for k, s in self.stance_keys.items()) + ")"
        if self.require_topic and not topics and stance != _NEUTRAL:
            return "error", (f"a paragraph with no topic takes stance '{_NEUTRAL}': add a topic key or answer "
                             f"with the key of '{_NEUTRAL}'")
        order = list(self.topic_keys.values())
        return "answer", (sorted(topics, key=order.index), stance)

    def show(self, i: int, position: int) -> None:
        item = self.items[i]
        ident = f"  id {item['id']}" if item.get("id") is not None else ""
        self.say(f"\n[{position}/{self.summary.total}]{ident}")
        for para in str(item["text"]).splitlines() or [""]:
            self.say(textwrap.fill(para, width=self.width) if para.strip() else "")
        if self.predictions is not None:
            p = self.predictions[i]
            if p is not None:
                self.say(f"model's guess: stance {p.stance} ({p.stance_scores[p.stance]:.2f}); "
                         f"topics {', '.join(p.topics) or '(none)'}")
        self.say(self.legend())
        self.out.write("> ")
        self.out.flush()

    def run(self) -> LabelSummary:
        answers = read_answers(self.path, repair=True)
        keys = [_key(item) for item in self.items]
        index = {}
        for i, k in enumerate(keys):
            index.setdefault(k, i)
        done = {k for k, _ in answers}
        stack = [(k, off) for k, off in answers]
        queue = deque(i for k, i in index.items() if k not in done)
        self.summary.total = len(index)
        n_done = sum(1 for k in index if k in done)
        if n_done:
            self.say(f"resuming: {n_done:,} of {len(index):,} paragraphs have an answer in {self.path}")
        skipped = 0
        session_keys: list[str] = []  # answers written in this session, in order
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab") as fh:
            while queue:
                i = queue.popleft()
                self.show(i, n_done + 1)
                while True:
                    try:
                        line = self.input.readline()
                    except KeyboardInterrupt:
                        queue.appendleft(i)
                        self.summary.stopped = "interrupted"
                        break
                    if line == "":
                        queue.appendleft(i)
                        self.summary.stopped = "end of input"
                        self.say()
                        break
                    kind, value = self.parse(line)
                    if kind == "error":
                        self.out.write(f"{value}\n> ")
                        self.out.flush()
                        continue
                    if kind == "answer":
                        record = {k: v for k, v in self.items[i].items() if k not in DROPPED_FIELDS}
                        record["topics"], record["stance"] = value
                        if self.annotator is not None:
                            record["annotator"] = self.annotator
                        offset = fh.seek(0, os.SEEK_END)
                        fh.write((json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8"))
                        fh.flush()
                        os.fsync(fh.fileno())
                        stack.append((keys[i], offset))
                        session_keys.append(keys[i])
                        done.add(keys[i])
                        n_done += 1
                        self.summary.labelled += 1
                        break
                    if value == "help":
                        self.say(self.help())
                        self.out.write("> ")
                        self.out.flush()
                        continue
                    if value == "quit":
                        queue.appendleft(i)
                        self.summary.stopped = "quit"
                        break
                    if value == "skip":
                        skipped += 1
                        break
                    # undo
                    if not stack:
                        self.out.write("nothing to undo\n> ")
                        self.out.flush()
                        continue
                    key, offset = stack.pop()
                    fh.truncate(offset)
                    fh.flush()
                    os.fsync(fh.fileno())
                    done.discard(key)
                    self.summary.undone += 1
                    if session_keys and session_keys[-1] == key:
                        session_keys.pop()
                        self.summary.labelled -= 1
                    if key in index:
                        n_done -= 1
                        queue.appendleft(i)
                        queue.appendleft(index[key])
                        shown = key if not key.startswith("sha256:") else "the last paragraph"
                        self.say(f"took back the answer for {shown}")
                    else:
                        self.out.write(f"took back the last answer in the file ({key}), which is not in this input\n> ")
                        self.out.flush()
                        continue
                    break
                if self.summary.stopped != "finished":
                    break
        self.summary.skipped = skipped
        self.summary.done = sum(1 for k in index if k in done)
        self.summary.remaining = self.summary.total - self.summary.done
        return self.summary


def label_records(
    items: Sequence[Mapping],
    path: str | os.PathLike,
    *,
    topics: Sequence[str],
    stances: Sequence[str],
    input: TextIO | None = None,
    output: TextIO | None = None,
    model=None,
    annotator: str | None = None,
    require_topic_for_side: bool = True,
    width: int | None = None,
) -> LabelSummary:
    """Run the labelling loop over ``items``, appending each answer to the label file ``path``.

    Parameters
    ----------
    items : sequence of mapping
        Paragraphs to label: records with a string ``text`` and, to resume and
        to undo reliably, an ``id`` (else the text identifies them). Other fields
        are copied into the answers (see :data:`DROPPED_FIELDS` for those that are not).
    path : path-like
        Label file (JSON lines; its folder is created if needed). Answers already
        in it are kept; the paragraphs they answer are not shown again.
    topics, stances : sequence of str
        The label sets offered (see :func:`assign_keys` for their keys).
    input : text stream or None, default=None
        Where answers are read from, one line each (default: standard input).
    output : text stream or None, default=None
        Where paragraphs and prompts are written (default: standard output).
    model : StanceModel or None, default=None
        When given, its guess (stance, its probability and topics) is shown under
        each paragraph. Leave it out to avoid anchoring the answers on the model.
    annotator : str or None, default=None
        Recorded in every answer as ``annotator``.
    require_topic_for_side : bool, default=True
        When the stances include ``none``, refuse a side (any other stance) for
        a paragraph given no topic, as the domain guideline requires.
    width : int or None, default=None
        Wrap paragraphs at this width (default: the terminal's, at most 100).

    Returns
    -------
    LabelSummary

    Raises
    ------
    DataError
        On an item without text, or an output file that holds something else than answers.
    ValueError
        On label sets that cannot be given keys.
    """
    items = list(items)
    for i, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("text"), str) or not item["text"].strip():
            raise DataError(f"item {i + 1}: expected a record with a non-empty string 'text', got {item!r:.60}")
    stream_in = input if input is not None else sys.stdin
    stream_out = output if output is not None else sys.stdout
    if width is None:
        width = min(_DEFAULT_WIDTH, shutil.get_terminal_size((_DEFAULT_WIDTH, 24)).columns)
    predictions = None
    if model is not None:
        done = {k for k, _ in read_answers(path)}
        todo = [i for i, item in enumerate(items) if _key(item) not in done]
        results = model.classify([items[i]["text"] for i in todo], evidence=0) if todo else []
        predictions = [None] * len(items)
        for i, res in zip(todo, results):
            predictions[i] = res
    session = _Session(items, path, topics, stances, stream_in, stream_out, predictions, annotator,
                       require_topic_for_side, width)
    return session.run()
