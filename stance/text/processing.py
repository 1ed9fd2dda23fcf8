"""Text handling: normalisation, paragraphs, sentences and word tokens.

Everything here works offline. Sentence splitting uses nltk's Punkt algorithm
with parameters that :mod:`tools.train_punkt` learned from the project's own
corpus and that ship with the package as plain JSON (``stance/data/punkt_en.json``);
no pickle is read and ``nltk.download`` is never called. Word tokens come from
nltk's :class:`~nltk.tokenize.RegexpTokenizer`, which needs no data.

Examples
--------
>>> from stance.text.processing import normalize, split_paragraphs, tokenize
>>> normalize("“Security” — guarantees")
'"Security" - guarantees'
>>> split_paragraphs("MOSCOW, February 9. /TASS/.\\nRussia said so.\\n\\nSecond one.")
['MOSCOW, February 9. /TASS/. Russia said so.', 'Second one.']
>>> tokenize("The U.S. didn't reply.")
['The', 'U.S.', "didn't", 'reply', '.']
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from collections.abc import Iterable
from importlib import resources

from ..exceptions import InputTooLargeError, InvalidInputError

__all__ = [
    "DEFAULT_MAX_ARTICLE_CHARS",
    "DEFAULT_MAX_PARAGRAPH_CHARS",
    "check_targets",
    "check_text",
    "check_texts",
    "normalize",
    "preprocess",
    "split_paragraphs",
    "split_sentences",
    "tokenize",
]

#: Largest article (in characters) that :func:`split_paragraphs` accepts by default.
DEFAULT_MAX_ARTICLE_CHARS = 20_000_000
#: Largest paragraph (in characters) that classification accepts by default.
#: Longer paragraphs are a sign of a file that is not prose (a data dump, a binary).
DEFAULT_MAX_PARAGRAPH_CHARS = 100_000

PUNKT_RESOURCE = "punkt_en.json"

_TRANSLATION = {
    # single quotes and primes
    **{ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032\u00b4\u0060"},
    # double quotes
    **{ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb"},
    # hyphens and dashes
    **{ord(c): "-" for c in "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"},
    # spaces
    **{ord(c): " " for c in "\u00a0\u2007\u202f\u2009\u200a\u3000\t\x0b\x0c"},
    # invisible characters
    **{ord(c): None for c in "\u200b\u200c\u200d\u2060\ufeff\u00ad"},
}
# C0/C1 control characters other than newline and carriage return become spaces.
_TRANSLATION.update({c: " " for c in range(0x20) if c not in (0x0A, 0x0D)})
_TRANSLATION.update({c: " " for c in range(0x7F, 0xA0)})
_TRANSLATION[0x00] = None
# The same mapping as a regex and a dict of replacements: ``_TRANSLATE_RE.sub(_translated, text)`` equals
# ``text.translate(_TRANSLATION)`` and is about 3x faster on prose, where few characters change.
_TRANSLATE_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TRANSLATION)) + "]")
_REPLACEMENTS = {chr(c): "" if v is None else v for c, v in _TRANSLATION.items()}


def _translated(match: re.Match, _get=_REPLACEMENTS.__getitem__) -> str:
    return _get(match.group())

# Words (with internal apostrophes, hyphens or periods), abbreviations such as
# "U.S.", numbers, hashtags/mentions, URLs and single punctuation marks.
TOKEN_PATTERN = (
    r"https?://\S+?(?=[.,;:!?)\]}'\"]*(?:\s|$))"
    r"|(?:[^\W\d_]\.){2,}"
    r"|[#@]?\w+(?:['\-.]\w+)*"
    r"|[^\w\s]"
)
_WORD_RE = re.compile(r"(?:[^\W\d_]\.){2,}|\w+(?:['\-.]\w+)*")

# A line that is only a dateline: "MOSCOW, February 9. /TASS/." or "WASHINGTON (Reuters) -".
_DATELINE_RE = re.compile(
    r"^[A-Z][A-Z .'\-]{1,40}(?:,[^\n]{0,40})?"
    r"(?:\s*/[A-Za-z\- ]{2,20}/\.?|\s*\([A-Za-z\- ]{2,20}\)\s*-?)\s*$"
)
_DATELINE_PREFIX_RE = re.compile(
    r"^[A-Z][A-Z .'\-]{1,40}(?:,[^\n/()]{0,40})?(?:\s*/[A-Za-z\- ]{2,20}/\.?|\s*\([A-Za-z\- ]{2,20}\)\s*-)\s+"
)
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
_LINE_RE = re.compile(r"\r\n|[\r\n\u2028\u2029]")


def _encodes(text: str) -> bool:
    """Whether ``text`` encodes to UTF-8 (it holds no lone surrogate): several times faster than a regex search."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(text: object, *, name: str = "text", max_chars: int | None = None) -> str:
    """Return ``text`` as a ``str``, or raise a clear error.

    Parameters
    ----------
    text : str or bytes
        The text. Bytes must be UTF-8.
    name : str, default="text"
        What to call the value in error messages.
    max_chars : int or None, default=None
        Largest accepted length in characters; ``None`` for no limit.

    Returns
    -------
    str

    Raises
    ------
    InvalidInputError
        If ``text`` is neither ``str`` nor UTF-8 ``bytes``.
    InputTooLargeError
        If ``text`` is longer than ``max_chars``.

    Examples
    --------
    >>> check_text(b"caf\\xc3\\xa9")
    'café'
    """
    if isinstance(text, (bytes, bytearray)):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInputError(
                f"{name} must be UTF-8 text; byte {exc.start} ({bytes(text)[exc.start:exc.start + 1]!r}) "
                "is not valid UTF-8"
            ) from None
    if not isinstance(text, str):
        raise InvalidInputError(f"{name} must be a str, got {type(text).__name__}")
    if not text.isascii() and not _encodes(text):  # only lone surrogates fail to encode; the regex finds one
        bad = _SURROGATE_RE.search(text)
        if bad:
            raise InvalidInputError(
                f"{name} is not valid Unicode: lone surrogate U+{ord(bad.group()):04X} at position {bad.start()}"
            )
    if max_chars is not None and len(text) > max_chars:
        raise InputTooLargeError(
            f"{name} has {len(text):,} characters, more than the limit of {max_chars:,}; "
            "split it or raise the limit (max_chars)"
        )
    return text


def check_texts(X: object, *, name: str = "X", max_chars: int | None = DEFAULT_MAX_PARAGRAPH_CHARS) -> list[str]:
    """Validate an iterable of paragraphs and return it as a list of ``str``.

    Parameters
    ----------
    X : iterable of str or bytes
    name : str, default="X"
    max_chars : int or None, default=DEFAULT_MAX_PARAGRAPH_CHARS

    Returns
    -------
    list of str

    Raises
    ------
    InvalidInputError
        If ``X`` is a single string, not iterable, or holds a non-text item.

    Examples
    --------
    >>> check_texts("one paragraph")
    Traceback (most recent call last):
    ...
    stance.exceptions.InvalidInputError: X must be an iterable of paragraphs (a list of str), got a single str; wrap it in a list
    """
    if isinstance(X, (str, bytes, bytearray)):
        raise InvalidInputError(
            f"{name} must be an iterable of paragraphs (a list of str), got a single {type(X).__name__}; wrap it in a list"
        )
    if not isinstance(X, Iterable):
        raise InvalidInputError(f"{name} must be an iterable of paragraphs (a list of str), got {type(X).__name__}")
    return [check_text(x, name=f"{name}[{i}]", max_chars=max_chars) for i, x in enumerate(X)]


def check_targets(n: int, targets) -> list[str] | None:
    """One stance target per paragraph, from ``None``, a single str, or a sequence of str.

    Raises
    ------
    ValueError
        If a sequence does not have ``n`` items.
    InvalidInputError
        If an item is not a str.

    Examples
    --------
    >>> check_targets(2, "NATO")
    ['NATO', 'NATO']
    """
    if targets is None:
        return None
    if isinstance(targets, str):
        return [targets] * n
    targets = list(targets)
    if len(targets) != n:
        raise ValueError(f"targets must have one entry per paragraph, got {len(targets)} for {n} paragraphs")
    for i, t in enumerate(targets):
        if not isinstance(t, str):
            raise InvalidInputError(f"targets[{i}] must be a str, got {type(t).__name__}")
    return targets


def normalize(text: str) -> str:
    """Normalise unicode: NFKC, straight quotes, ASCII hyphens, plain spaces.

    Control and invisible characters are removed or turned into spaces; line
    breaks are kept.

    Parameters
    ----------
    text : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalize("Russia\\u2019s \\u00abred lines\\u00bb\\u00a0\\u2014 NATO")
    'Russia\\'s "red lines" - NATO'
    """
    text = check_text(text)
    if text.isascii():
        return _TRANSLATE_RE.sub(_translated, text)
    # Translate first (NFKC would decompose some quote marks into combining
    # characters), then again for characters that NFKC composes into listed ones
    # (the translated text holds none of them, so text NFKC leaves alone is done).
    translated = _TRANSLATE_RE.sub(_translated, text)
    composed = unicodedata.normalize("NFKC", translated)
    return translated if composed == translated else _TRANSLATE_RE.sub(_translated, composed)


def split_paragraphs(text: str | bytes, *, max_chars: int | None = DEFAULT_MAX_ARTICLE_CHARS) -> list[str]:
    """Split an article into paragraphs.

    Paragraphs are separated by line breaks (single or blank lines). A line
    that holds only a dateline ("MOSCOW, February 9. /TASS/.") is joined to
    the paragraph that follows it. Whitespace is normalised; empty
    paragraphs are dropped.

    Parameters
    ----------
    text : str or bytes
        The article. Bytes must be UTF-8.
    max_chars : int or None, default=DEFAULT_MAX_ARTICLE_CHARS
        Largest accepted article, in characters.

    Returns
    -------
    list of str
        The paragraphs, in order; empty if the text holds no visible character.

    Raises
    ------
    InvalidInputError
        If ``text`` is not text.
    InputTooLargeError
        If ``text`` is longer than ``max_chars``.

    Examples
    --------
    >>> split_paragraphs("One.\\nTwo.\\n\\n\\nThree.")
    ['One.', 'Two.', 'Three.']
    """
    text = normalize(check_text(text, max_chars=max_chars))
    paragraphs: list[str] = []
    pending = ""
    for line in _LINE_RE.split(text):
        line = " ".join(line.split())
        if not line:
            continue
        if pending:
            line = f"{pending} {line}"
            pending = ""
        if _DATELINE_RE.match(line):
            pending = line
            continue
        paragraphs.append(line)
    if pending:
        paragraphs.append(pending)
    return paragraphs


@functools.lru_cache(maxsize=1)
def _word_tokenizer():
    from nltk.tokenize import RegexpTokenizer  # nltk is imported on first use: it takes ~1 s to import

    return RegexpTokenizer(TOKEN_PATTERN)


@functools.lru_cache(maxsize=1)
def _sentence_tokenizer():
    from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer

    data = json.loads(resources.files("stance.text").joinpath(PUNKT_RESOURCE).read_text("utf-8"))
    params = PunktParameters()
    params.abbrev_types = set(data["abbrev_types"])
    params.collocations = {tuple(pair) for pair in data["collocations"]}
    params.sent_starters = set(data["sent_starters"])
    for word, flags in data["ortho_context"].items():
        params.ortho_context[word] = int(flags)
    return PunktSentenceTokenizer(params)


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences with the shipped Punkt parameters.

    A leading dateline ("MOSCOW, February 9. /TASS/.") stays with the first sentence.

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Examples
    --------
    >>> split_sentences("Mr. Lavrov met Mr. Blinken in Geneva. They talked for 90 minutes.")
    ['Mr. Lavrov met Mr. Blinken in Geneva.', 'They talked for 90 minutes.']
    >>> split_sentences("MOSCOW, February 9. /TASS/. Talks go on. Both sides agree.")
    ['MOSCOW, February 9. /TASS/. Talks go on.', 'Both sides agree.']
    """
    text = " ".join(normalize(text).split())
    if not text:
        return []
    dateline = _DATELINE_PREFIX_RE.match(text)
    prefix = dateline.group(0) if dateline else ""
    sentences = [s for s in _sentence_tokenizer().tokenize(text[len(prefix):]) if s.strip()]
    if prefix:
        sentences = [prefix + sentences[0]] + sentences[1:] if sentences else [prefix.strip()]
    return sentences


def tokenize(text: str) -> list[str]:
    """Split text into word, number and punctuation tokens (nltk ``RegexpTokenizer``).

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokenize("NATO's 'open door' - 3.5%")
    ["NATO's", "'", 'open', 'door', "'", '-', '3.5', '%']
    """
    return _word_tokenizer().tokenize(normalize(text))


def preprocess(text: str) -> str:
    """Normalise and lower-case: the preprocessor of every TF-IDF block.

    Examples
    --------
    >>> preprocess("\u201cNATO\u201d \u2014 U.S.")
    '"nato" - u.s.'
    """
    return normalize(text).lower()


def words(text: str) -> list[str]:
    """Lower-cased word tokens without punctuation: the analyzer of the word features.

    Parameters
    ----------
    text : str
        Text already passed through :func:`normalize`.

    Returns
    -------
    list of str

    Examples
    --------
    >>> words("NATO's 'open door' - 3.5%")
    ["nato's", 'open', 'door', '3.5']
    """
    return _WORD_RE.findall(text.lower())
