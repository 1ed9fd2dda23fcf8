"""Is a paragraph English? A small offline check, without any language-identification dependency.

The models are trained on English news. A paragraph in another language still
gets scores, but they mean nothing (a Russian paragraph came back ``none`` with
probability 0.99). :func:`detect_language` looks at two things:

- the **script**: the share of letters that are Latin (ASCII and the Latin
  supplements). Cyrillic, Greek, Arabic, CJK... text is not English;
- the **English function words**: the share of words that are common English
  stopwords ("the", "of", "and", "to", "is", ...). English prose has 30-50 %,
  French, German, Spanish or a transliteration almost none of these.

Too little text to judge (fewer than :data:`MIN_LETTERS` letters, or fewer than
:data:`MIN_WORDS` words in Latin script) is ``"unknown"``, which is treated as English.

Examples
--------
>>> detect_language("NATO must stop its eastward expansion, Moscow said on Tuesday.")
'en'
>>> detect_language("НАТО должно прекратить расширение на восток, заявили в Москве во вторник.")
'other'
>>> detect_language("L'OTAN doit cesser son expansion vers l'est, a déclaré Moscou mardi dernier.")
'other'
>>> detect_language("NATO talks")
'unknown'
"""

from __future__ import annotations

import operator
import re
from collections.abc import Sequence

import numpy as np

try:  # the word counts of most samples in C, built at install time where a C compiler is there (setup.py)
    from . import _language
except ImportError:  # pragma: no cover - depends on the install; detect_language counts the same in Python
    _language = None

__all__ = ["ENGLISH", "LANGUAGES", "MIN_LETTERS", "MIN_WORDS", "NOT_ENGLISH", "UNKNOWN", "detect_language",
           "detect_languages"]

#: Values of :func:`detect_language` (and of ``ParagraphResult.language``).
ENGLISH, NOT_ENGLISH, UNKNOWN = "en", "other", "unknown"
LANGUAGES = (ENGLISH, NOT_ENGLISH, UNKNOWN)
#: Fewer letters than this: ``"unknown"``.
MIN_LETTERS = 20
#: Fewer words than this: ``"unknown"``.
MIN_WORDS = 6
#: Letters in other scripts than Latin beyond this share: not English.
_MAX_NON_LATIN_SHARE = 0.5
#: At least this share of English function words: English.
_MIN_ENGLISH_SHARE = 0.08
#: Only the start of a long paragraph is looked at.
_SAMPLE_CHARS = 400

# Function words frequent in English and rare as words of other Latin-script languages
# ("a", "in", "die", "on"... are left out: they are words of French, German, Italian, Dutch too).
_ENGLISH = frozenset("""
the of and to is was that with for are as by it be this from has have had not but said its which were
will would their they he she his her been who after about more than also can into there should could
what when where while we our you your them these those such other over under between because being did
does do no so if all any each only most some up out just how why very new one two i am my at
""".split())
# Function words of the Latin-script languages a news corpus meets most (French, German, Spanish,
# Italian, Portuguese, Dutch, Polish, Czech, Romanian, Turkish), none of them an English word.
_FOREIGN = frozenset("""
le la les des est et une du que pour dans qui sur pas au aux ce cette sont avec ont été il elle nous
der die das und ist nicht mit den dem von zu ein eine sich auf für auch wird wurde sind werden bei nach
ihre ihr am im zum zur aus hat haben wie oder über noch nur einer einen eines sagte
un sa ses mais ou leur très aussi selon entre avait sont
el los las por con una del es se lo su al como más pero sus fue ha han muy entre cuando también
il che di per non della sono gli nel alla anche come più dei delle questo
não em os uma com para mais pelo pela foi são ao seu sua também
het een van niet zijn op voor worden werd ook maar bij
i w z na się nie jest do że to od za po jak ale czy oraz jego
je se na že ve pro jako jsou byl ale tak
și în cu pe nu din este care sau fost mai
ve bir bu ile için da de olarak olan çok daha
""".split()) - _ENGLISH - frozenset(
    # words of other languages that English text also holds: names ("Le Pen", "Des Moines", "Van Jones",
    # "Los Angeles", "George W. Bush"), abbreviations ("UN", "LA", "EST", "MIT", "SA") and English words
    "i a am hat son un et von de die den dem al ha la des est mit los las con del han per non come van w z pro "
    "care sa em da im sur lo din il na".split())
# One lookup scores a word: 1 for an English function word, 1 << 32 for a foreign one (the sets are disjoint).
_FOREIGN_UNIT = 1 << 32
_WORD_SCORE = {**dict.fromkeys(_ENGLISH, 1), **dict.fromkeys(_FOREIGN, _FOREIGN_UNIT)}
#: Distinct words (as split, before stripping punctuation) whose score is remembered.
_SCORE_CACHE_SIZE = 100_000


class _ScoreCache(dict):
    """Word as split (punctuation not yet stripped) -> its score; a missing word is scored and remembered
    (up to :data:`_SCORE_CACHE_SIZE` words), so a known word costs one dict lookup."""

    def __missing__(self, word: str) -> int:
        score = _WORD_SCORE.get(_strip(word), 0)
        if len(self) < _SCORE_CACHE_SIZE:
            self[word] = score
        return score


_SCORES = _ScoreCache()
# The same scores for the C counts (stance.text._language): ASCII function words of at most 8 characters
# packed into 8 bytes (little-endian), sorted, with their kind (1: English, 2: foreign). The other listed words
# hold letters outside ASCII, which send a sample to Python, and every listed ASCII word is that short
# (test_language checks it).
_PACKED = sorted((int.from_bytes(w.encode("ascii"), "little"), 1 if score == 1 else 2)
                 for w, score in _WORD_SCORE.items() if w.isascii() and len(w) <= 8)
_C_KEYS = np.array([k for k, _ in _PACKED], dtype=np.uint64)
_C_KINDS = np.array([kind for _, kind in _PACKED], dtype=np.int8)
# Letters outside the Latin script: not a-z, Latin-1 and Latin Extended, modifier letters, phonetic
# extensions, Latin Extended Additional or full-width Latin.
_NON_LATIN_LETTER_RE = re.compile(r"[^\W\d_a-zA-Z\u00C0-\u024F\u02B0-\u02FF\u1D00-\u1DBF\u1E00-\u1EFF"
                                  r"\uFF21-\uFF3A\uFF41-\uFF5A]")
_LETTER_RE = re.compile(r"[^\W\d_]")
_strip = operator.methodcaller("strip", ".,;:!?\"'()[]{}<>«»“”‘’„-–—…*#@/")


# French and Italian elisions (l'est, d'un, qu'il, dell'...) count as foreign function words.
# Written from the apostrophe, which the regex engine finds fast, looking back at the elided word: the same
# matches as r"\b(?:[ldjnsc]|qu|dell|all|nell|sull)['’](?=[^\W\d_])", one per apostrophe, about 4x faster.
_ELISION_RE = re.compile(r"['’](?:(?<=\b[ldjnsc].)|(?<=\bqu.)|(?<=\bdell.)|(?<=\ball.)|(?<=\bnell.)|(?<=\bsull.))"
                         r"(?=[^\W\d_])")


def detect_language(text: str) -> str:
    """``"en"`` for English text, ``"other"`` for text in another language, ``"unknown"`` when it cannot tell.

    Parameters
    ----------
    text : str

    Returns
    -------
    str
        One of :data:`LANGUAGES`. Text in another script (Cyrillic, Greek, Arabic,
        CJK...) is ``"other"``; Latin-script text is ``"other"`` when it holds at
        least two function words of other languages and more than twice as many
        as of English, ``"en"`` when at least
        8 % of its words are English function words, else ``"unknown"`` (a caption,
        a list of names: read as English).
    """
    sample = text[:_SAMPLE_CHARS]
    # every non-Latin letter is a non-ASCII character: with fewer of those than MIN_LETTERS, skip the regexes
    if not sample.isascii() and len(sample) - len(sample.encode("ascii", "ignore")) >= MIN_LETTERS:
        non_latin = len(_NON_LATIN_LETTER_RE.findall(sample))
        if non_latin >= MIN_LETTERS and non_latin > _MAX_NON_LATIN_SHARE * len(_LETTER_RE.findall(sample)):
            return NOT_ENGLISH
    lowered = sample.lower()
    words = lowered.split()
    n_words = len(words)
    if n_words < MIN_WORDS:
        return UNKNOWN
    # C-level loops (this runs on every paragraph classified): strip each word, score it, add up
    score = sum(map(_SCORES.__getitem__, words))
    english, foreign = score % _FOREIGN_UNIT, score // _FOREIGN_UNIT
    if "'" in lowered or "’" in lowered:
        foreign += len(_ELISION_RE.findall(lowered))
    return _decide(english, foreign, n_words)


def _decide(english: int, foreign: int, n_words: int) -> str:
    """The verdict on a sample of ``n_words`` words (at least :data:`MIN_WORDS`) holding ``english`` English and
    ``foreign`` foreign function words (elisions included)."""
    if foreign >= 2 and foreign > 2 * english:
        return NOT_ENGLISH
    return ENGLISH if english >= _MIN_ENGLISH_SHARE * n_words else UNKNOWN


def detect_languages(texts: Sequence[str]) -> list[str]:
    """:func:`detect_language` of each text: the same values, faster for many texts.

    The word counts of a text whose first 400 characters hold only ASCII, whitespace and the
    quotes and dashes of English typography (most English text) come from the optional C extension
    ``stance.text._language`` when it was built; every other text goes through :func:`detect_language`.

    Parameters
    ----------
    texts : sequence of str

    Returns
    -------
    list of str

    Examples
    --------
    >>> detect_languages(["NATO must stop its eastward expansion, Moscow said on Tuesday.", "NATO talks"])
    ['en', 'unknown']
    """
    texts = list(texts)
    if _language is None or not texts:
        return [detect_language(t) for t in texts]
    counts = np.empty((len(texts), 4), dtype=np.int64)
    _language.language_counts(texts, _C_KEYS, _C_KINDS, _SAMPLE_CHARS, counts)
    out = []
    for text, (english, foreign, n_words, elisions) in zip(texts, counts.tolist()):
        if n_words < 0:  # a sample the C counts leave to Python
            out.append(detect_language(text))
        else:
            out.append(UNKNOWN if n_words < MIN_WORDS else _decide(english, foreign + elisions, n_words))
    return out
