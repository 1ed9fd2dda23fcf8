"""The one labelled-data type: texts with their stance (and topics, targets, groups).

Every reader of labelled data returns a :class:`LabelledData`: labelled JSONL
(:func:`stance.datasets.read_labelled_jsonl`), the domain corpus, and the public
benchmarks (SemEval-2016, RUW: tweets with a target; FNC-1: bodies with a
headline as target, in the :class:`~stance.datasets.benchmarks.FNCData` subclass).

Examples
--------
>>> data = LabelledData(texts=["a", "b", "c"], stances=["favor", "none", "favor"], targets=["X", "Y", "X"])
>>> data.label_counts()
{'favor': 2, 'none': 1}
>>> data.for_target("X").ids
['0', '2']
>>> data.topics, data.docs
([[], [], []], ['0', '1', '2'])
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import ClassVar

__all__ = ["LabelledData"]


@dataclass
class LabelledData:
    """Texts with a stance each, and optionally topics, a target, an article and a source.

    Per-row fields left empty at construction are filled with their defaults
    (``topics`` ``[]``, ``targets`` and ``sources`` ``None``, ``ids`` the row
    number, ``docs`` the id); a per-row field of another length than ``texts``
    is an error.

    Attributes
    ----------
    texts : list of str
    topics : list of list of str
    stances : list of str
        The stance label of each row (``labels`` is the same list).
    targets : list of str or None
        ``None`` entries where a row has no target.
    docs : list of str
        Groups for grouped splits: the article of a paragraph, the tweet of a benchmark row.
    ids : list of str
    sources : list of str or None
        The ``source`` field of each line (e.g. ``"kremlin"``), ``None`` where absent;
        per-source evaluation groups by it.
    sha256 : str or None
        Hash of the source file, for manifests.
    path : str or None
    name : str or None
        Corpus name (``"semeval2016"``, ``"fnc1"``, ``"ruw"`` for the public benchmarks).
    split : str or None
        Split name (``"train"``, ``"val"``, ``"test"``...).
    """

    texts: list[str] = field(default_factory=list)
    topics: list[list[str]] = field(default_factory=list)
    stances: list[str] = field(default_factory=list)
    targets: list[str | None] = field(default_factory=list)
    docs: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    sources: list[str | None] = field(default_factory=list)
    sha256: str | None = None
    path: str | None = None
    name: str | None = None
    split: str | None = None

    #: Fields with one entry per row (taken row by row by :meth:`subset`).
    ROW_FIELDS: ClassVar[tuple[str, ...]] = ("texts", "topics", "stances", "targets", "ids", "docs", "sources")

    def __post_init__(self) -> None:
        self.fill_defaults()

    def fill_defaults(self) -> None:
        """Fill per-row fields left empty with their defaults; check every per-row length.

        Call it after appending rows to some fields only (as the loaders do).

        Raises
        ------
        ValueError
            If a per-row field has entries, but not one per text.
        """
        n = len(self.texts)
        defaults = {
            "topics": lambda i: [],
            "targets": lambda i: None,
            "ids": lambda i: str(i),
            "docs": lambda i: self.ids[i],
            "sources": lambda i: None,
        }
        for name in self.ROW_FIELDS:
            values = getattr(self, name)
            if len(values) == n:
                continue
            if values or name not in defaults:
                raise ValueError(f"'{name}' must have one entry per text ({n}), got {len(values)}")
            values.extend(defaults[name](i) for i in range(n))

    def __len__(self) -> int:
        return len(self.texts)

    @property
    def labels(self) -> list[str]:
        """The stance of each row (the same list as ``stances``)."""
        return self.stances

    @property
    def has_targets(self) -> bool:
        """Whether any example carries a ``target``."""
        return any(t is not None for t in self.targets)

    def topic_labels(self) -> list[str]:
        """Topics present in the data, most frequent first."""
        return [t for t, _ in Counter(t for ts in self.topics for t in ts).most_common()]

    def stance_labels(self) -> list[str]:
        """Stances present in the data, sorted."""
        return sorted(set(self.stances))

    def label_counts(self) -> dict[str, int]:
        """Number of rows of each stance, most frequent first (ties by name)."""
        return dict(sorted(Counter(self.stances).items(), key=lambda kv: (-kv[1], kv[0])))

    def subset(self, indices: Iterable[int]) -> LabelledData:
        """The rows at ``indices``, as a new object of the same type (``sha256`` is dropped)."""
        idx = list(indices)
        rows = {name: [getattr(self, name)[i] for i in idx] for name in self.ROW_FIELDS}
        return replace(self, **rows, sha256=None)

    def for_target(self, target: str) -> LabelledData:
        """The rows whose target is ``target``.

        Raises
        ------
        ValueError
            If no row has that target.
        """
        idx = [i for i, t in enumerate(self.targets) if t == target]
        if not idx:
            known = sorted({t for t in self.targets if t is not None})
            raise ValueError(f"no row has target {target!r}; targets are {known!r}")
        return self.subset(idx)
