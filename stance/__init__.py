"""stance: topic and stance of news paragraphs on Russia-West security.

Read an article, split it into paragraphs and label each paragraph with the
topics it discusses and its stance toward Russia's position, using TF-IDF
features and linear models that ship with the package.

Examples
--------
>>> import stance
>>> model = stance.load_model()
>>> res = model.classify(["NATO must give Russia legally binding security guarantees."])
>>> isinstance(res[0].topics, list), res[0].stance in ("favor", "against", "none")
(True, True)
"""

from ._version import __version__
from .exceptions import (
    DataError,
    DataRootNotFoundError,
    InputTooLargeError,
    InvalidInputError,
    InvalidParameterError,
    LabelError,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    StanceError,
    UntrustedModelError,
)

# Everything else is imported on first use (PEP 562), so ``import stance`` stays
# cheap and scikit-learn is loaded only by code that needs estimators.
_LAZY = {
    "ArticleSummary": "model.stance_model",
    "ClaimStanceClassifier": "estimators.claims",
    "Document": "model.stance_model",
    "Evidence": "model.stance_model",
    "ParagraphResult": "model.stance_model",
    "StanceModel": "model.stance_model",
    "detect_language": "text.language",
    "NotFittedError": "exceptions",
    "StanceClassifier": "estimators.linear",
    "TopicClassifier": "estimators.linear",
    "WordVectors": "features.embeddings",
    "load_word_vectors": "features.embeddings",
    "export_model": "io.persistence",
    "load_model": "io.persistence",
    "save_model": "io.persistence",
    "normalize": "text.processing",
    "split_paragraphs": "text.processing",
    "split_sentences": "text.processing",
    "tokenize": "text.processing",
    "train_model": "training",
}


def analyze(text: str | bytes, *, model=None, **kwargs):
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
        The paragraphs' results; ``doc.summary()`` gives the article as a whole
        (:class:`ArticleSummary`: topic shares, overall stance, the paragraphs that carry it).

    Examples
    --------
    >>> import stance
    >>> doc = stance.analyze("MOSCOW, February 9. /TASS/.\\nRussia wants security guarantees.\\n\\nTalks go on.")
    >>> [(p.index, p.text[:6]) for p in doc]
    [(0, 'MOSCOW'), (1, 'Talks ')]
    """
    if model is None:
        from .io.persistence import load_default_model

        model = load_default_model()
    return model.analyze(text, **kwargs)


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'stance' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"stance.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "ArticleSummary",
    "ClaimStanceClassifier",
    "DataError",
    "DataRootNotFoundError",
    "Document",
    "Evidence",
    "InputTooLargeError",
    "InvalidInputError",
    "InvalidParameterError",
    "LabelError",
    "ModelError",
    "ModelIntegrityError",
    "ModelNotFoundError",
    "ModelVersionError",
    "NotFittedError",
    "ParagraphResult",
    "StanceClassifier",
    "StanceError",
    "StanceModel",
    "TopicClassifier",
    "UntrustedModelError",
    "WordVectors",
    "__version__",
    "analyze",
    "detect_language",
    "export_model",
    "load_model",
    "load_word_vectors",
    "normalize",
    "save_model",
    "split_paragraphs",
    "split_sentences",
    "tokenize",
    "train_model",
]
