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
from .api import Document, Evidence, ParagraphResult, StanceModel, analyze
from .exceptions import (
    DataError,
    DataRootNotFoundError,
    InputTooLargeError,
    InvalidInputError,
    LabelError,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
    ModelVersionError,
    NotFittedError,
    StanceError,
    UntrustedModelError,
)
from .models import StanceClassifier, TopicClassifier
from .persistence import export_model, load_model, save_model
from .text import normalize, split_paragraphs, split_sentences, tokenize
from .training import train_model

__all__ = [
    "DataError",
    "DataRootNotFoundError",
    "Document",
    "Evidence",
    "InputTooLargeError",
    "InvalidInputError",
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
    "__version__",
    "analyze",
    "export_model",
    "load_model",
    "normalize",
    "save_model",
    "split_paragraphs",
    "split_sentences",
    "tokenize",
    "train_model",
]
