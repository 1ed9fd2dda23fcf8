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
import re
import threading
from itertools import compress, repeat
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np


from ..exceptions import InvalidInputError
from ..estimators.scoring import Evidence, Predictor, ScoringCore
from ..text.language import ENGLISH, NOT_ENGLISH, UNKNOWN, detect_languages
from ..text.processing import DEFAULT_MAX_ARTICLE_CHARS, DEFAULT_MAX_PARAGRAPH_CHARS, check_targets, check_texts, split_paragraphs


__all__ = [
    "ArticleSummary",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_EVIDENCE_TERMS",
    "Document",
    "Evidence",
    "ParagraphResult",
    "StanceModel",
]

#: Paragraphs scored per feature pass and sparse matrix product. With the C loops, per-batch costs weigh on
#: small batches: in a fresh process 1,024 news paragraphs per batch were faster than 256 or 512 and as fast
#: as 2,048 (``benchmarks/speed.py`` measures 1,024 against 256 in its own process).
DEFAULT_BATCH_SIZE = 1024
#: Evidence terms reported per decision (the stance and each predicted topic).
DEFAULT_EVIDENCE_TERMS = 3
_UNSET = object()
#: The stance label that takes no side: it never makes an article's overall stance.
NEUTRAL_STANCE = "none"


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
        Terms that pushed the stance and each predicted topic most. From
        :meth:`StanceModel.classify` it is computed when first read (for the
        paragraph's whole batch at once, then kept), so results whose evidence is
        never read do not pay for it; reading it, comparing, printing, copying or
        pickling a result gives exactly what computing it at once gives.
    language : str
        ``"en"``, ``"other"`` (not English: the model cannot read it, so its stance
        is ``"none"`` with every stance equally likely) or ``"unknown"`` (too
        little text to tell; read as English). See :func:`stance.text.language.detect_language`.
    """

    index: int
    text: str
    topics: list[str]
    topic_scores: dict[str, float]
    stance: str
    stance_scores: dict[str, float]
    evidence: list[Evidence] = field(default_factory=list)
    language: str = ENGLISH

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field, in field order (what :func:`dataclasses.asdict` gives, built
        directly: several times faster, and bulk output calls it for every paragraph)."""
        return {"index": self.index, "text": self.text, "topics": list(self.topics),
                "topic_scores": dict(self.topic_scores), "stance": self.stance,
                "stance_scores": dict(self.stance_scores),
                "evidence": [{"term": e.term, "weight": e.weight, "label": e.label} for e in self.evidence],
                "language": self.language}

    def __getstate__(self) -> dict:
        """Pickled and copied results carry their evidence (computed now if it was still pending)."""
        self.evidence  # noqa: B018 - resolves pending evidence into __dict__
        return self.__dict__


class _EvidenceField:
    """The ``evidence`` field of :class:`ParagraphResult`: a list, or the :class:`_PendingEvidence` of the
    result's batch until first read, when the whole batch's evidence is computed and this result's list
    replaces the pending marker."""

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        value = instance.__dict__["evidence"]
        if type(value) is _PendingEvidence:
            value = value.resolve(instance.index)
            instance.__dict__["evidence"] = value
        return value

    def __set__(self, instance, value) -> None:  # reached only from __init__ (the dataclass is frozen)
        instance.__dict__["evidence"] = value


class _PendingEvidence:
    """Evidence of one batch of :meth:`StanceModel.classify`, not computed yet.

    Holds only what the evidence needs: the batch's word-block rows (of each core), the rows and heads
    to explain and ``k``. The first :meth:`resolve` computes every paragraph's list in one vectorised
    call (under a lock: two threads compute it once), keeps the lists and drops the rest.
    """

    __slots__ = ("_offset", "_n", "_args", "_lists", "_lock")

    def __init__(self, offset: int, n: int, args: tuple) -> None:
        self._offset, self._n, self._args = offset, n, args
        self._lists: list[list[Evidence]] | None = None
        self._lock = threading.Lock()

    def resolve(self, index: int) -> list[Evidence]:
        """The evidence list of the paragraph at ``index`` (its position in the input)."""
        lists = self._lists
        if lists is None:
            with self._lock:
                lists = self._lists
                if lists is None:
                    lists = [[] for _ in range(self._n)]
                    StanceModel._add_evidence(lists, *self._args)
                    self._lists, self._args = lists, None
        return lists[index - self._offset]


ParagraphResult.evidence = _EvidenceField()  # after @dataclass, which saw a plain list field


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

    def summary(self) -> ArticleSummary:
        """The article as a whole: its topics, its overall stance and the paragraphs that carry it.

        The aggregation rule
        --------------------
        * **Weight**: every paragraph votes for its predicted stance with its
          confidence, the calibrated probability of that stance
          (``p.stance_scores[p.stance]``); ``stance_weights`` holds the sum per stance.
        * **Stance**: paragraphs labelled ``"none"`` take no side and do not vote
          against the others (news articles are mostly neutral reporting). The
          article's stance is the other stance with the largest total weight, if it
          is strictly larger than every other non-neutral stance's weight; with no
          paragraph taking a side, or a tie, it is ``"none"``.
        * **Confidence**: the winning weight divided by the weight of *all*
          paragraphs, the neutral ones included: an article whose few
          side-taking paragraphs sit among many confidently neutral ones gets a
          low confidence even when they all agree (0.0 for ``"none"``).
        * **Paragraphs**: the indices of the paragraphs predicted with the
          article's stance, most confident first (empty for ``"none"``).
        * **Topics**: each topic predicted for at least one paragraph, with the
          share of the article's paragraphs labelled with it, largest first.

        Returns
        -------
        ArticleSummary

        Examples
        --------
        >>> p = lambda i, stance, conf: ParagraphResult(i, "...", [], {}, stance, {stance: conf})
        >>> s = Document([p(0, "favor", 0.6), p(1, "against", 0.9), p(2, "favor", 0.5), p(3, "none", 0.99)]).summary()
        >>> s.stance, s.confidence, s.paragraphs
        ('favor', 0.3679, (0, 2))
        """
        n = len(self.paragraphs)
        topic_counts: dict[str, int] = {}
        weights: dict[str, float] = {}
        for p in self.paragraphs:
            for topic in p.topics:
                topic_counts[topic] = topic_counts.get(topic, 0) + 1
            weights[p.stance] = weights.get(p.stance, 0.0) + float(p.stance_scores.get(p.stance, 0.0))
        shares = {t: round(c / n, 4) for t, c in sorted(topic_counts.items(), key=lambda kv: -kv[1])}
        sided = {s: w for s, w in weights.items() if s != NEUTRAL_STANCE and w > 0}
        stance, confidence, carriers = NEUTRAL_STANCE, 0.0, ()
        if sided:
            ranked = sorted(sided.items(), key=lambda kv: -kv[1])
            if len(ranked) == 1 or ranked[0][1] > ranked[1][1]:
                stance = ranked[0][0]
                confidence = round(ranked[0][1] / sum(weights.values()), 4)
                chosen = [p for p in self.paragraphs if p.stance == stance]
                chosen.sort(key=lambda p: (-p.stance_scores.get(stance, 0.0), p.index))
                carriers = tuple(p.index for p in chosen)
        return ArticleSummary(
            n_paragraphs=n,
            topic_shares=shares,
            stance=stance,
            confidence=confidence,
            stance_weights={s: round(w, 4) for s, w in weights.items()},
            paragraphs=carriers,
        )


@dataclass(frozen=True)
class ArticleSummary:
    """What an article is about and which side it takes (see :meth:`Document.summary` for the rule).

    Attributes
    ----------
    n_paragraphs : int
    topic_shares : dict of str to float
        Topics present in the article with the share of its paragraphs labelled
        with each (0 to 1), largest first.
    stance : str
        The article's overall stance (``"none"`` when no side prevails).
    confidence : float
        Share of the weight of all paragraphs (neutral ones included) that supports ``stance``
        (0 for ``"none"``).
    stance_weights : dict of str to float
        Sum of the paragraph confidences per predicted stance.
    paragraphs : tuple of int
        Indices of the paragraphs that carry ``stance``, most confident first.
    """

    n_paragraphs: int
    topic_shares: dict[str, float]
    stance: str
    confidence: float
    stance_weights: dict[str, float]
    paragraphs: tuple[int, ...]

    def to_dict(self) -> dict:
        """A JSON-ready dict of every field."""
        d = asdict(self)
        d["paragraphs"] = list(self.paragraphs)
        return d


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

    Notes
    -----
    When both heads share their TF-IDF features (as :func:`stance.train_model`
    trains them) and the stance head uses no targets, :meth:`classify` runs on
    a numpy-only :class:`~stance.estimators.scoring.Predictor`: one feature pass and one
    matrix product for all heads. Otherwise it goes through the estimators.
    A loaded model is safe to share between threads.

    See Also
    --------
    stance.load_model : load the shipped model or another model directory.
    stance.train_model : fit a new one from labelled data.
    """

    def __init__(self, topic_classifier, stance_classifier, manifest=None):
        self._topic_classifier = topic_classifier
        self._stance_classifier = stance_classifier
        self._estimator_loader = None
        self._predictor = _UNSET
        self.manifest = dict(manifest or {})

    @classmethod
    def _from_predictor(cls, predictor: Predictor, manifest: dict, estimator_loader) -> StanceModel:
        """A model served by ``predictor``; the estimators are built by ``estimator_loader()`` on first access."""
        model = cls(None, None, manifest)
        model._predictor = predictor
        model._estimator_loader = estimator_loader
        return model

    def _load_estimators(self) -> None:
        if self._topic_classifier is None:
            self._topic_classifier, self._stance_classifier = self._estimator_loader()

    @property
    def topic_classifier(self):
        """The fitted :class:`~stance.estimators.linear.TopicClassifier`."""
        self._load_estimators()
        return self._topic_classifier

    @property
    def stance_classifier(self):
        """The fitted :class:`~stance.estimators.linear.StanceClassifier`."""
        self._load_estimators()
        return self._stance_classifier

    @property
    def predictor(self) -> Predictor | None:
        """The numpy-only fast path, or ``None`` when this model cannot use it."""
        if self._predictor is _UNSET:
            self._predictor = Predictor.from_estimators(self._topic_classifier, self._stance_classifier)
        return self._predictor

    @property
    def topics(self) -> list[str]:
        """The model's topics."""
        if self._topic_classifier is None:
            return list(self._predictor.topics)
        return [str(t) for t in self._topic_classifier.classes_]

    @property
    def stances(self) -> list[str]:
        """The model's stance labels."""
        if self._stance_classifier is None:
            return list(self._predictor.stances)
        return [str(s) for s in self._stance_classifier.classes_]

    @property
    def uses_targets(self) -> bool:
        """Whether the stance head was trained with targets (and needs them)."""
        if self._stance_classifier is None:
            return False
        return bool(self._stance_classifier.uses_targets_)

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
        check_language: bool = True,
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
            Terms reported per decision; 0 for none. They are computed when a
            result's ``evidence`` is first read (for its whole batch at once, then
            kept), so results whose evidence is never read cost little more than 0.
        batch_size : int, default=1024
            Paragraphs per feature pass and matrix product (any size gives the same results).
        max_chars : int or None, default=DEFAULT_MAX_PARAGRAPH_CHARS
            Longest accepted paragraph.
        check_language : bool, default=True
            Flag paragraphs that are not English (``language="other"``) and give
            them stance ``"none"`` with every stance equally likely (the model's
            scores mean nothing for a language it was not trained on). ``False``
            for a model trained on another language.

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
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"'batch_size' must be a positive int, got {batch_size!r}")
        if isinstance(evidence, bool) or not isinstance(evidence, int) or evidence < 0:
            raise ValueError(f"'evidence' must be an int >= 0, got {evidence!r}")
        target_list = check_targets(len(texts), targets)
        if target_list is not None and not self.uses_targets:
            target_list = None  # a model without targets ignores them
        elif target_list is None and self.uses_targets:
            raise InvalidInputError(
                "this model was fitted with targets; pass targets=... (one str, or one per paragraph)"
            )
        cores = self._cores()
        results: list[ParagraphResult] = []
        for start in range(0, len(texts), batch_size):
            batch = texts[start : start + batch_size]
            batch_targets = None if target_list is None else target_list[start : start + batch_size]
            results.extend(self._classify_batch(cores, batch, batch_targets, start, evidence, check_language))
        return results

    def _cores(self) -> tuple[ScoringCore, ScoringCore]:
        """The scoring core of the topics and of the stance: one shared core (one feature pass, one
        product) for a numpy-servable model, else each estimator's own."""
        predictor = None if self.uses_targets else self.predictor
        if predictor is not None:
            return predictor, predictor
        return self.topic_classifier._core(), self.stance_classifier._core()

    def _classify_batch(self, cores, texts, targets, offset: int, n_evidence: int,
                        check_language: bool) -> list[ParagraphResult]:
        topic_core, stance_core = cores
        X_topic = topic_core.transform(texts)
        raw = topic_core.raw(X_topic)
        topic_proba = topic_core.topic_proba(raw)
        if stance_core is topic_core:
            X_stance = X_topic
        else:
            X_stance = stance_core.transform(texts, targets)
            raw = stance_core.raw(X_stance)
        stance_proba = stance_core.stance_proba(raw)
        stance_idx = stance_core.decide(stance_proba)
        topic_pred = topic_proba >= topic_core.thresholds
        topics, stances = self.topics, self.stances
        none_idx = stances.index(NEUTRAL_STANCE) if NEUTRAL_STANCE in stances else None
        n = len(texts)
        blank = np.array([not t or t.isspace() for t in texts], dtype=bool)  # what strip() would empty
        if check_language:
            languages = detect_languages(texts)  # a blank text is "unknown"
        else:
            languages = [UNKNOWN] * n
        unreadable = np.array([lang == NOT_ENGLISH for lang in languages], dtype=bool) & (none_idx is not None)
        topic_pred[blank] = False
        if none_idx is not None:
            stance_idx[blank | unreadable] = none_idx
        if n_evidence > 0:  # computed when first read, for the whole batch (see _PendingEvidence)
            word_topic = _word_rows(X_topic)
            word_stance = word_topic if X_stance is X_topic else _word_rows(X_stance)
            evidence = repeat(_PendingEvidence(offset, n, (topic_core, stance_core, word_topic, word_stance,
                                                           topic_pred, stance_idx, ~blank & ~unreadable,
                                                           n_evidence)), n)
        else:
            evidence = [[] for _ in range(n)]
        topic_rows = np.round(topic_proba, 4).tolist()
        stance_rows = np.round(stance_proba, 4).tolist()
        uniform = dict.fromkeys(stances, round(1.0 / len(stances), 4))
        chosen = [list(compress(topics, row)) for row in topic_pred.tolist()]
        stance_names = [stances[s] for s in stance_idx.tolist()]
        topic_scores = [dict(zip(topics, row)) for row in topic_rows]
        stance_scores = [dict(uniform) if u else dict(zip(stances, row))
                         for u, row in zip(unreadable.tolist(), stance_rows)]
        return list(map(ParagraphResult, range(offset, offset + n), texts, chosen, topic_scores, stance_names,
                        stance_scores, evidence, languages))

    @staticmethod
    def _add_evidence(evidence, topic_core, stance_core, X_topic, X_stance, topic_pred, stance_idx, sided,
                      k: int) -> None:
        """Evidence of a whole batch: the stance's terms, then each predicted topic's, per paragraph."""
        stance_rows = np.flatnonzero(sided)
        stance_cols = stance_core.n_topics + stance_idx[stance_rows]
        topic_rows, topic_cols = np.nonzero(topic_pred)
        stances, topics = stance_core.stances, topic_core.topics
        stance_labels = [f"stance:{s}" for s in stances]
        labels = [stance_labels[c] for c in stance_idx[stance_rows].tolist()] + [topics[c] for c in topic_cols.tolist()]
        owners = stance_rows.tolist() + topic_rows.tolist()
        if stance_core is topic_core:  # one pass for all requests; they come back request by request
            req, terms, weights = topic_core.top_terms(X_topic, np.concatenate([stance_rows, topic_rows]),
                                                       np.concatenate([stance_cols, topic_cols]), k)
        else:
            n_stance = len(stance_rows)
            req, terms, weights = stance_core.top_terms(X_stance, stance_rows, stance_cols, k)
            topic_req, topic_terms, topic_weights = topic_core.top_terms(X_topic, topic_rows, topic_cols, k)
            req, terms, weights = req + [q + n_stance for q in topic_req], terms + topic_terms, weights + topic_weights
        for q, term, w in zip(req, terms, weights):
            evidence[owners[q]].append(Evidence(term, w, labels[q]))

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
        _check_not_a_path(text)
        return Document(self.classify(split_paragraphs(text, max_chars=max_chars), **kwargs))



def _word_rows(X):
    """The word n-gram block of feature rows (the only columns evidence reads), without the others."""
    return X.word_rows() if hasattr(X, "word_rows") else X


_PATH_RE = re.compile(r"(?:~|\.{1,2})?/[^\s/]+(?:/[^\s/]+)*/?|[^\s/]+(?:/[^\s/]+)*\."
                      r"(?:txt|text|jsonl|ndjson|json|md|html?|csv|tsv|xml|pdf|docx?|rtf)", re.IGNORECASE)


def _check_not_a_path(text) -> None:
    """Refuse a file path given where an article's text is expected."""
    if isinstance(text, os.PathLike):
        raise InvalidInputError(f"analyze() takes the text of an article, got the path {os.fspath(text)!r}; "
                                f"read the file first: analyze(Path({os.fspath(text)!r}).read_text())")
    if not isinstance(text, str) or len(text) > 4096 or "\n" in text.strip():
        return
    candidate = text.strip()
    if _PATH_RE.fullmatch(candidate) is not None or (candidate and " " not in candidate and os.path.isfile(candidate)):
        raise InvalidInputError(f"analyze() takes the text of an article, got what looks like a file path "
                                f"{candidate!r}; read the file first: analyze(Path({candidate!r}).read_text())")
