"""The user-facing model: topics + stance per paragraph, and article analysis.

Examples
--------
>>> import stance
>>> model = stance.load_model()
>>> res = model.classify(["NATO must stop its eastward expansion, Moscow said."])
>>> res[0].stance in model.stances
True
>>> sorted(res[0].topic_scores) == sorted(model.topics)
True
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np

from .datasets import LabelledData
from .models import StanceClassifier, TopicClassifier, check_texts
from .text import DEFAULT_MAX_ARTICLE_CHARS, DEFAULT_MAX_PARAGRAPH_CHARS, split_paragraphs

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_EVIDENCE_TERMS",
    "Document",
    "Evidence",
    "ParagraphResult",
    "StanceModel",
    "analyze",
]

#: Paragraphs scored per sparse matrix product.
DEFAULT_BATCH_SIZE = 512
#: Evidence terms reported per decision (the stance and each predicted topic).
DEFAULT_EVIDENCE_TERMS = 3


@dataclass(frozen=True)
class Evidence:
    """A word n-gram that pushed a decision, with its contribution (tf-idf x weight)."""

    term: str
    weight: float
    label: str


@dataclass(frozen=True)
class ParagraphResult:
    """Labels of one paragraph.

    Attributes
    ----------
    index : int
        Position of the paragraph in the input.
    text : str
    topics : list of str
        Predicted topics (possibly empty), in the model's topic order.
    topic_scores : dict of str to float
        Probability of every topic of the model.
    stance : str
    stance_scores : dict of str to float
        Calibrated probability of every stance; sums to 1.
    evidence : list of Evidence
        Terms that pushed the stance and each predicted topic most.
    """

    index: int
    text: str
    topics: list[str]
    topic_scores: dict[str, float]
    stance: str
    stance_scores: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        return asdict(self)


@dataclass(frozen=True)
class Document(Sequence):
    """An analysed article: its paragraphs' results, in order (a sequence of :class:`ParagraphResult`)."""

    paragraphs: list[ParagraphResult]

    def __getitem__(self, i):
        return self.paragraphs[i]

    def __len__(self) -> int:
        return len(self.paragraphs)

    def __iter__(self) -> Iterator[ParagraphResult]:
        return iter(self.paragraphs)


class StanceModel:
    """A topic classifier and a stance classifier used together on paragraphs.

    Parameters
    ----------
    topic_classifier : TopicClassifier
        Fitted.
    stance_classifier : StanceClassifier
        Fitted.
    manifest : dict or None, default=None
        What :func:`stance.load_model` read from the model directory.

    See Also
    --------
    stance.load_model : load the shipped model or another model directory.
    stance.train_model : fit a new one from labelled data.
    """

    def __init__(self, topic_classifier: TopicClassifier, stance_classifier: StanceClassifier, manifest=None):
        self.topic_classifier = topic_classifier
        self.stance_classifier = stance_classifier
        self.manifest = dict(manifest or {})
        # Trained together on the same texts, both heads have the same TF-IDF
        # features: compute them once per batch.
        self._shared_features = _same_features(topic_classifier.features_, stance_classifier.features_)

    @property
    def topics(self) -> list[str]:
        """The model's topics."""
        return [str(t) for t in self.topic_classifier.classes_]

    @property
    def stances(self) -> list[str]:
        """The model's stance labels."""
        return [str(s) for s in self.stance_classifier.classes_]

    def __repr__(self) -> str:
        name = self.manifest.get("name", "unsaved")
        return f"<StanceModel {name!r}: topics={self.topics}, stances={self.stances}>"

    def classify(
        self,
        paragraphs: Sequence[str],
        *,
        targets: str | Sequence[str] | None = None,
        evidence: int = DEFAULT_EVIDENCE_TERMS,
        batch_size: int = DEFAULT_BATCH_SIZE,
        max_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS,
    ) -> list[ParagraphResult]:
        """Label each paragraph with topics and a stance.

        Parameters
        ----------
        paragraphs : list of str
            One result per item, same order. Empty or whitespace-only items get
            no topic and, when the model has the label, stance ``"none"``.
        targets : str, list of str or None, default=None
            For stance models trained with targets.
        evidence : int, default=3
            Terms reported per decision; 0 for none (faster).
        batch_size : int, default=512
        max_chars : int or None, default=DEFAULT_MAX_PARAGRAPH_CHARS
            Longest accepted paragraph.

        Returns
        -------
        list of ParagraphResult

        Raises
        ------
        InvalidInputError
            If ``paragraphs`` is a single string or holds a non-text item.
        InputTooLargeError
            If a paragraph is longer than ``max_chars``.
        """
        texts = check_texts(paragraphs, name="paragraphs", max_chars=max_chars)
        if batch_size < 1:
            raise ValueError(f"'batch_size' must be a positive int, got {batch_size!r}")
        target_list = self.stance_classifier._targets_for(len(texts), targets)
        results: list[ParagraphResult] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            batch_targets = None if target_list is None else target_list[start : start + batch_size]
            results.extend(self._classify_batch(batch, batch_targets, start, evidence))
        return results

    def _classify_batch(self, texts, targets, offset, n_evidence) -> list[ParagraphResult]:
        tc, sc = self.topic_classifier, self.stance_classifier
        A_topic = tc._text_features(texts)
        topic_proba = tc.predict_proba_features(A_topic)
        topic_pred = topic_proba >= tc.thresholds_
        A_stance = sc._features(texts, targets, text_features=A_topic if self._shared_features else None)
        stance_proba = sc.predict_proba_features(A_stance)
        stance_idx = sc.decide(stance_proba)
        blank = np.array([not t.strip() for t in texts])
        none_idx = self._none_index()
        topics, stances = self.topics, self.stances
        out = []
        for i, text in enumerate(texts):
            if blank[i]:
                topic_pred[i] = False
                if none_idx is not None:
                    stance_idx[i] = none_idx
            chosen = [topics[j] for j in np.flatnonzero(topic_pred[i])]
            ev: list[Evidence] = []
            if n_evidence > 0 and not blank[i]:
                s = int(stance_idx[i])
                ev.extend(Evidence(t, w, f"stance:{stances[s]}") for t, w in sc.explain(A_stance[i], s, n_evidence))
                for j in np.flatnonzero(topic_pred[i]):
                    ev.extend(Evidence(t, w, topics[j]) for t, w in tc.explain(A_topic[i], int(j), n_evidence))
            out.append(
                ParagraphResult(
                    index=offset + i,
                    text=text,
                    topics=chosen,
                    topic_scores={t: round(float(p), 4) for t, p in zip(topics, topic_proba[i])},
                    stance=stances[int(stance_idx[i])],
                    stance_scores={s: round(float(p), 4) for s, p in zip(stances, stance_proba[i])},
                    evidence=ev,
                )
            )
        return out

    def _none_index(self) -> int | None:
        return self.stances.index("none") if "none" in self.stances else None

    def analyze(self, text: str | bytes, *, max_chars: int | None = DEFAULT_MAX_ARTICLE_CHARS, **kwargs) -> Document:
        """Split an article into paragraphs and classify each.

        Parameters
        ----------
        text : str or bytes
            The article (bytes must be UTF-8).
        max_chars : int or None, default=DEFAULT_MAX_ARTICLE_CHARS
        **kwargs
            Passed to :meth:`classify`.

        Returns
        -------
        Document
        """
        return Document(self.classify(split_paragraphs(text, max_chars=max_chars), **kwargs))

    def save(self, path: str | os.PathLike, **kwargs) -> None:
        """Write the model directory; see :func:`stance.persistence.save_model`."""
        from .persistence import save_model

        save_model(self, path, **kwargs)


def _same_features(a, b) -> bool:
    """Whether two fitted feature unions compute the same matrix (same blocks, parameters, vocabularies, idf)."""
    if a is b:
        return True
    blocks_a, blocks_b = a.transformer_list, b.transformer_list
    if [n for n, _ in blocks_a] != [n for n, _ in blocks_b]:
        return False
    for (_, va), (_, vb) in zip(blocks_a, blocks_b):
        if repr(va.get_params()) != repr(vb.get_params()) or va.vocabulary_ != vb.vocabulary_:
            return False
        if not np.array_equal(va.idf_, vb.idf_):
            return False
    return True


def analyze(text: str | bytes, *, model: StanceModel | None = None, **kwargs) -> Document:
    """Split an article into paragraphs and label each with the shipped (or given) model.

    Parameters
    ----------
    text : str or bytes
    model : StanceModel or None, default=None
        ``None`` uses :func:`stance.load_model` (cached).
    **kwargs
        Passed to :meth:`StanceModel.classify`.

    Returns
    -------
    Document

    Examples
    --------
    >>> import stance
    >>> doc = stance.analyze("MOSCOW, February 9. /TASS/.\\nRussia wants security guarantees.\\n\\nTalks go on.")
    >>> [(p.index, p.text[:6]) for p in doc]
    [(0, 'MOSCOW'), (1, 'Talks ')]
    """
    if model is None:
        from .persistence import load_default_model

        model = load_default_model()
    return model.analyze(text, **kwargs)


def fit_model(
    data: LabelledData,
    *,
    topics: Sequence[str] | None = None,
    stances: Sequence[str] | None = None,
    topic_params: dict | None = None,
    stance_params: dict | None = None,
    random_state: int | None = 0,
) -> StanceModel:
    """Fit a :class:`StanceModel` on labelled data (internal CV grouped by article)."""
    groups = data.docs if len(set(data.docs)) >= 2 else None
    tc = TopicClassifier(topics=topics, random_state=random_state, **(topic_params or {}))
    tc.fit(data.texts, data.topics, groups=groups)
    sc = StanceClassifier(labels=stances, random_state=random_state, **(stance_params or {}))
    sc.fit(data.texts, data.stances, targets=data.targets if data.has_targets else None, groups=groups)
    return StanceModel(tc, sc)
