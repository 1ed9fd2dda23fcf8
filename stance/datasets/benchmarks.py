"""Loaders of the public stance benchmarks: SemEval-2016 Task 6, FNC-1 and RUW.

The corpora are read from the data root (see :func:`stance.datasets.domain.resolve_data_root`),
never copied into this repository. Each loader returns a small dataclass with one
row per (text, target) pair and labels normalised to lowercase strings:

- SemEval-2016 Task 6 (TweetEval split, ``semeval2016/<target>/{split}_text.txt``
  and ``{split}_labels.txt``, label ids from ``mapping.txt``): ``favor``,
  ``against``, ``none``; the target is the official SemEval target name.
- FNC-1 (``fnc1/``): the text is the article body, the target the headline;
  ``agree``, ``disagree``, ``discuss``, ``unrelated``. The ``dev`` split is the
  official body-ID hold-out (``hold_out_ids.txt``), ``train`` the rest
  (``training_ids.txt``) and ``test`` the competition test set.
- RUW (``ruw/raw_{split}_Russia_Ukraine.csv``): each tweet is labelled toward
  two targets (Russia and Ukraine) and gives two rows; ``favor``, ``against``,
  ``none``.

Examples
--------
>>> import os, tempfile
>>> root = tempfile.mkdtemp()
>>> for folder in SEMEVAL2016_TARGETS:
...     os.makedirs(os.path.join(root, "semeval2016", folder))
...     for name, line in (("test_text.txt", f"a tweet on {folder}"), ("test_labels.txt", "1")):
...         with open(os.path.join(root, "semeval2016", folder, name), "w") as fh:
...             _ = fh.write(line + "\\n")
>>> data = load_semeval2016("test", data_root=root)
>>> data.texts[1], data.targets[1], data.labels[1]
('a tweet on atheism', 'Atheism', 'against')
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar
from pathlib import Path

from .domain import resolve_data_root
from .labelled import LabelledData
from ..exceptions import DataError, DataRootNotFoundError, LabelError

__all__ = [
    "FNC_SPLITS",
    "FNCData",
    "RUW_SPLITS",
    "RUW_TARGETS",
    "SEMEVAL2016_SPLITS",
    "SEMEVAL2016_TARGETS",
    "STANCE_LABELS",
    "load_fnc1",
    "load_ruw",
    "load_semeval2016",
]

#: Stance labels of SemEval-2016 and RUW.
STANCE_LABELS = ("favor", "against", "none")
#: TweetEval folder of each SemEval-2016 Task 6 target, and the official target name.
SEMEVAL2016_TARGETS = {
    "abortion": "Legalization of Abortion",
    "atheism": "Atheism",
    "climate": "Climate Change is a Real Concern",
    "feminist": "Feminist Movement",
    "hillary": "Hillary Clinton",
}
#: Splits of :func:`load_semeval2016` (``"dev"`` is accepted for ``"val"``).
SEMEVAL2016_SPLITS = ("train", "val", "test")
#: Splits of :func:`load_fnc1`.
FNC_SPLITS = ("train", "dev", "test")
#: Splits of :func:`load_ruw` (``"dev"`` is accepted for ``"val"``).
RUW_SPLITS = ("train", "val", "test")
#: The two targets of every RUW tweet.
RUW_TARGETS = ("Russia", "Ukraine")

_FNC_LABELS = ("agree", "disagree", "discuss", "unrelated")
_DEFAULT_SEMEVAL_MAPPING = {"0": "none", "1": "against", "2": "favor"}
_RUW_LABELS = {"favor": "favor", "against": "against", "none": "none"}


@dataclass
class FNCData(LabelledData):
    """One split of FNC-1: headline-body pairs.

    ``texts`` holds the body of each pair and ``targets`` its headline; ``stances``
    (also ``labels``) is one of ``agree``, ``disagree``, ``discuss``, ``unrelated``.

    Attributes
    ----------
    body_ids : list of int
        Body ID of each pair.
    bodies : dict of int to str
        Every body of the split, by Body ID (pairs share bodies).
    """

    body_ids: list[int] = field(default_factory=list)
    bodies: dict[int, str] = field(default_factory=dict)

    ROW_FIELDS: ClassVar[tuple[str, ...]] = LabelledData.ROW_FIELDS + ("body_ids",)

    @property
    def headlines(self) -> list[str]:
        """The headline of each pair (the same list as ``targets``)."""
        return self.targets

    def subset(self, indices: Iterable[int]) -> FNCData:
        part = super().subset(indices)
        part.bodies = {b: self.bodies[b] for b in dict.fromkeys(part.body_ids)}
        return part


# -- helpers ---------------------------------------------------------------------------------


def _require(root: Path, relative: str, what: str) -> Path:
    path = root / relative
    if not path.is_file():
        raise DataRootNotFoundError(f"{what}: expected the file {path} (data root {root})")
    return path


def _read_text(path: Path, encodings: Sequence[str] = ("utf-8-sig",)) -> str:
    raw = path.read_bytes()
    for enc in encodings:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise DataError(f"{path}: cannot decode the file as {' or '.join(encodings)}")


def _read_csv(path: Path, columns: Sequence[str], encodings: Sequence[str] = ("utf-8-sig",)) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(_read_text(path, encodings), newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing!r}; found {reader.fieldnames!r}")
    rows = list(reader)
    for lineno, row in enumerate(rows, 2):
        if any(row.get(c) is None for c in columns):
            raise DataError(f"{path}: record {lineno - 1} has fewer fields than the header")
    return rows


def _check_split(split: str, allowed: Sequence[str], aliases: dict[str, str] | None = None) -> str:
    split = (aliases or {}).get(split, split)
    if split not in allowed:
        raise ValueError(f"'split' must be one of {tuple(allowed)!r}, got {split!r}")
    return split


def _lines(path: Path) -> list[str]:
    text = _read_text(path)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.rstrip("\r").rstrip() for line in lines]


# -- SemEval-2016 Task 6 -------------------------------------------------------------------


def load_semeval2016(split: str, *, data_root: str | os.PathLike | None = None) -> LabelledData:
    """Load one split of SemEval-2016 Task 6 (TweetEval's files), all five targets.

    Parameters
    ----------
    split : {"train", "val", "test"}
        ``"dev"`` is accepted as a name of ``"val"``.
    data_root : path-like or None, default=None
        Folder that holds ``semeval2016/``; see :func:`stance.datasets.domain.resolve_data_root`.

    Returns
    -------
    LabelledData
        Rows in folder order (abortion, atheism, climate, feminist, hillary), the
        target of each row its official SemEval name (:data:`SEMEVAL2016_TARGETS`),
        labels ``favor``/``against``/``none`` (read through ``mapping.txt``).

    Raises
    ------
    DataRootNotFoundError
        If ``semeval2016/`` or one of its files is missing.
    DataError
        If a text file and its label file have different numbers of lines.
    LabelError
        On a label id that ``mapping.txt`` does not define.
    """
    split = _check_split(split, SEMEVAL2016_SPLITS, {"dev": "val"})
    root = resolve_data_root(data_root, require="semeval2016")
    mapping = dict(_DEFAULT_SEMEVAL_MAPPING)
    mapping_path = root / "semeval2016" / "mapping.txt"
    if mapping_path.is_file():
        mapping = {}
        for line in _lines(mapping_path):
            if line.strip():
                key, _, value = line.strip().partition("\t")
                mapping[key.strip()] = value.strip().lower()
    data = LabelledData(name="semeval2016", split=split)
    for folder, target in SEMEVAL2016_TARGETS.items():
        what = f"SemEval-2016 Task 6 {split} split of target {folder!r}"
        texts = _lines(_require(root, f"semeval2016/{folder}/{split}_text.txt", what))
        label_path = _require(root, f"semeval2016/{folder}/{split}_labels.txt", what)
        labels = _lines(label_path)
        if len(texts) != len(labels):
            raise DataError(f"{label_path}: {len(labels)} labels for {len(texts)} tweets in {split}_text.txt")
        for i, (text, label) in enumerate(zip(texts, labels)):
            key = label.strip()
            if key not in mapping:
                raise LabelError(f"{label_path}:{i + 1}: label id must be one of {tuple(mapping)!r}, got {key!r}")
            data.texts.append(text)
            data.targets.append(target)
            data.stances.append(mapping[key])
            data.ids.append(f"{folder}-{split}-{i}")
    data.fill_defaults()
    return data


# -- FNC-1 ------------------------------------------------------------------------------------


def _fnc_ids(path: Path) -> set[int]:
    try:
        return {int(tok) for tok in _read_text(path).split()}
    except ValueError:
        raise DataError(f"{path}: expected one integer Body ID per line") from None


def load_fnc1(split: str, *, data_root: str | os.PathLike | None = None) -> FNCData:
    """Load one split of the Fake News Challenge FNC-1 headline-body pairs.

    Parameters
    ----------
    split : {"train", "dev", "test"}
        ``"train"``: pairs of ``train_stances.csv`` whose body is in
        ``training_ids.txt``; ``"dev"``: those whose body is in
        ``hold_out_ids.txt`` (the official body-ID hold-out); ``"test"``: the
        competition test set.
    data_root : path-like or None, default=None
        Folder that holds ``fnc1/``.

    Returns
    -------
    FNCData
        ``texts`` the body of each pair, ``targets`` its headline, ``labels`` one of
        ``agree``/``disagree``/``discuss``/``unrelated``, plus ``body_ids`` and ``bodies``.

    Raises
    ------
    DataRootNotFoundError
        If ``fnc1/`` or one of the files of the split is missing.
    DataError
        On a missing column, a pair whose body is not in the bodies file, or a bad ID list.
    LabelError
        On an unknown stance label.
    """
    split = _check_split(split, FNC_SPLITS, {"val": "dev"})
    root = resolve_data_root(data_root, require="fnc1")
    what = f"FNC-1 {split} split"
    prefix = "competition_test" if split == "test" else "train"
    stances_path = _require(root, f"fnc1/{prefix}_stances.csv", what)
    bodies_path = _require(root, f"fnc1/{prefix}_bodies.csv", what)
    keep: set[int] | None = None
    if split != "test":
        ids_file = "training_ids.txt" if split == "train" else "hold_out_ids.txt"
        keep = _fnc_ids(_require(root, f"fnc1/{ids_file}", what))
    all_bodies: dict[int, str] = {}
    for row in _read_csv(bodies_path, ("Body ID", "articleBody")):
        try:
            all_bodies[int(row["Body ID"])] = row["articleBody"]
        except ValueError:
            raise DataError(f"{bodies_path}: Body ID must be an integer, got {row['Body ID']!r}") from None
    data = FNCData(name="fnc1", split=split)
    for n, row in enumerate(_read_csv(stances_path, ("Headline", "Body ID", "Stance"))):
        try:
            body_id = int(row["Body ID"])
        except ValueError:
            raise DataError(f"{stances_path}: Body ID must be an integer, got {row['Body ID']!r}") from None
        if keep is not None and body_id not in keep:
            continue
        if body_id not in all_bodies:
            raise DataError(f"{stances_path}: pair {n + 1} refers to Body ID {body_id}, absent from {bodies_path.name}")
        label = row["Stance"].strip().lower()
        if label not in _FNC_LABELS:
            raise LabelError(f"{stances_path}: pair {n + 1}: 'Stance' must be one of {_FNC_LABELS!r}, got {label!r}")
        data.texts.append(all_bodies[body_id])
        data.targets.append(row["Headline"])
        data.stances.append(label)
        data.ids.append(f"fnc1-{prefix}-{n}")
        data.body_ids.append(body_id)
        data.docs.append(str(body_id))
    data.bodies = {b: all_bodies[b] for b in dict.fromkeys(data.body_ids)}
    data.fill_defaults()
    return data


# -- RUW ----------------------------------------------------------------------------------------


def load_ruw(split: str, *, data_root: str | os.PathLike | None = None) -> LabelledData:
    """Load one split of RUW (tweets on the Russia-Ukraine war, stance toward Russia and Ukraine).

    The distributed CSV files are GB18030-encoded (they decode as UTF-8 where
    they are pure ASCII); both encodings are accepted.

    Parameters
    ----------
    split : {"train", "val", "test"}
        ``"dev"`` is accepted as a name of ``"val"``.
    data_root : path-like or None, default=None
        Folder that holds ``ruw/``.

    Returns
    -------
    LabelledData
        Two rows per tweet, in file order: first toward ``Target 1``, then
        ``Target 2`` (Russia, Ukraine); ids ``ruw-{split}-{n}/{target}``.

    Raises
    ------
    DataRootNotFoundError
        If ``ruw/raw_{split}_Russia_Ukraine.csv`` is missing.
    DataError
        On a missing column or an empty tweet.
    LabelError
        On a stance other than FAVOR, AGAINST or NONE.
    """
    split = _check_split(split, RUW_SPLITS, {"dev": "val"})
    root = resolve_data_root(data_root, require="ruw")
    path = _require(root, f"ruw/raw_{split}_Russia_Ukraine.csv", f"RUW {split} split")
    columns = ("Tweet", "Target 1", "Stance 1", "Target 2", "Stance 2")
    data = LabelledData(name="ruw", split=split)
    for n, row in enumerate(_read_csv(path, columns, ("utf-8-sig", "gb18030"))):
        text = row["Tweet"]
        if not text.strip():
            raise DataError(f"{path}: record {n + 1} has an empty tweet")
        for k in (1, 2):
            target = row[f"Target {k}"].strip()
            label = _RUW_LABELS.get(row[f"Stance {k}"].strip().lower())
            if label is None:
                raise LabelError(
                    f"{path}: record {n + 1}: 'Stance {k}' must be one of ('FAVOR', 'AGAINST', 'NONE'), "
                    f"got {row[f'Stance {k}']!r}"
                )
            data.texts.append(text)
            data.targets.append(target)
            data.stances.append(label)
            data.ids.append(f"ruw-{split}-{n}/{target}")
            data.docs.append(f"ruw-{split}-{n}")
    data.fill_defaults()
    return data
