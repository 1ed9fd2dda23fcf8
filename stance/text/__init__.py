"""Text: checks, normalisation, paragraphs, sentences (Punkt parameters shipped as JSON), tokens, language.

Nothing here needs scikit-learn; every other part of the package builds on it.
"""

from .language import ENGLISH, NOT_ENGLISH, UNKNOWN, detect_language, detect_languages
from .processing import (
    DEFAULT_MAX_ARTICLE_CHARS,
    DEFAULT_MAX_PARAGRAPH_CHARS,
    check_targets,
    check_text,
    check_texts,
    normalize,
    preprocess,
    split_paragraphs,
    split_sentences,
    tokenize,
    words,
)

__all__ = [
    "DEFAULT_MAX_ARTICLE_CHARS",
    "DEFAULT_MAX_PARAGRAPH_CHARS",
    "ENGLISH",
    "NOT_ENGLISH",
    "UNKNOWN",
    "check_targets",
    "check_text",
    "check_texts",
    "detect_language",
    "detect_languages",
    "normalize",
    "preprocess",
    "split_paragraphs",
    "split_sentences",
    "tokenize",
    "words",
]
