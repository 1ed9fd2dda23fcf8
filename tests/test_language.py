"""Tests of stance.text.language.detect_language and of how results flag text that is not English."""

from __future__ import annotations

import numpy as np
import pytest

from stance.text.language import ENGLISH, NOT_ENGLISH, UNKNOWN, detect_language

RUSSIAN = "НАТО должно прекратить расширение на восток, заявили в Москве во вторник журналистам."
UKRAINIAN = "Україна має право обирати свої союзи, заявили в Києві у вівторок на брифінгу."
GERMAN = "Die NATO muss ihre Osterweiterung stoppen, sagte Moskau am Dienstag in einer Erklärung."
FRENCH = "L'OTAN doit cesser son expansion vers l'est, a déclaré Moscou mardi dans un communiqué."
SPANISH = "La OTAN debe detener su expansión hacia el este, dijo Moscú el martes en un comunicado."
GREEK = "Η Μόσχα δήλωσε ότι το ΝΑΤΟ πρέπει να σταματήσει την επέκτασή του προς ανατολάς."
CHINESE = "北约必须停止东扩，莫斯科周二表示。北约必须停止东扩，莫斯科周二表示。"
ENGLISH_TEXTS = [
    "NATO must stop its eastward expansion toward Russian borders, Moscow said.",
    "The European Union adopted a new package of sanctions against Russian banks on Monday.",
    "I don't think the U.S. should've said it's d'accord with O'Neill's plan for Kyiv.",
    "Lavrov said the talks in Geneva were «useful» but that Washington had ignored Moscow's key demands.",
]


@pytest.mark.parametrize("text", [RUSSIAN, UKRAINIAN, GERMAN, FRENCH, SPANISH, GREEK, CHINESE],
                         ids=["ru", "uk", "de", "fr", "es", "el", "zh"])
def test_other_languages_are_not_english(text):
    assert detect_language(text) == NOT_ENGLISH


@pytest.mark.parametrize("text", ENGLISH_TEXTS, ids=["nato", "sanctions", "apostrophes", "guillemets"])
def test_english_is_english(text):
    assert detect_language(text) == ENGLISH


@pytest.mark.parametrize("text", ["", "NATO talks", "Putin, Biden, Macron, Scholz, Zelensky, Stoltenberg",
                                  "President Trump in Helsinki, July 16, 2018. (Kevin Lamarque/Reuters)"])
def test_too_little_to_tell_is_unknown(text):
    assert detect_language(text) == UNKNOWN


@pytest.mark.parametrize("text", [
    "Liberals say I need more tolerance. I say screw tolerating murder.",
    "I am a survivor and I say that this is wrong! -Sibylle Heidrich von Campe",
    "Let em Hate kill em with success, that is what I say",
    "@ da end of da day we all go home to the ones we love",
    "The UN said LA and Des Moines were hit, per the EST bulletin of Le Pen's party.",
])
def test_english_with_words_that_other_languages_share_is_not_other(text):
    assert detect_language(text) != NOT_ENGLISH


def test_english_quoting_a_few_russian_words_stays_english():
    text = "The Kremlin called it a «специальная операция», a term Western officials rejected as a euphemism for war."
    assert detect_language(text) == ENGLISH


def test_results_flag_non_english_text_with_stance_none_at_low_confidence(tiny_model):
    results = tiny_model.classify([RUSSIAN, ENGLISH_TEXTS[0], "", GERMAN])
    assert [r.language for r in results] == [NOT_ENGLISH, ENGLISH, UNKNOWN, NOT_ENGLISH]
    for r in (results[0], results[3]):
        assert r.stance == "none"
        assert r.stance_scores == {s: 0.3333 for s in tiny_model.stances}
        assert not any(e.label.startswith("stance:") for e in r.evidence)
    assert results[1].to_dict()["language"] == ENGLISH


def test_check_language_false_keeps_the_model_scores(tiny_model):
    checked = tiny_model.classify([RUSSIAN])[0]
    raw = tiny_model.classify([RUSSIAN], check_language=False)[0]
    assert raw.language == UNKNOWN
    assert raw.stance_scores != checked.stance_scores
    assert abs(sum(raw.stance_scores.values()) - 1) < 1e-3


def test_elision_regex_counts_what_the_plain_pattern_counts():
    import random
    import re

    from stance.text.language import _ELISION_RE

    plain = re.compile(r"\b(?:[ldjnsc]|qu|dell|all|nell|sull)['’](?=[^\W\d_])")
    rng = random.Random(0)
    texts = ["".join(rng.choice("ldjnscqueal'’ x1_é") for _ in range(30)) for _ in range(3000)]
    texts += ["dell'italia nell'anno sull'acqua all'una qu'il c'est j'ai n'est s'il d'un l'l'x 'l'x l''x l'1"]
    assert [len(_ELISION_RE.findall(t)) for t in texts] == [len(plain.findall(t)) for t in texts]


def test_word_scores_are_remembered_as_split():
    from stance.text.language import _SCORES, _WORD_SCORE

    assert _SCORES["(the,"] == _WORD_SCORE["the"] and _SCORES["«und»"] == _WORD_SCORE["und"]
    assert _SCORES["nato"] == 0 and "(the," in _SCORES


# --------------------------------------------------------------------------- detect_languages and its C counts

import stance.text.language as language_module  # noqa: E402
from stance.text.language import detect_languages  # noqa: E402

needs_c_counts = pytest.mark.skipif(language_module._language is None,
                                    reason="stance.text._language was not built (no C compiler at install time)")
ALL_TEXTS = [RUSSIAN, UKRAINIAN, GERMAN, FRENCH, SPANISH, GREEK, CHINESE, *ENGLISH_TEXTS, "", "   \n",
             "NATO talks", "L’OTAN doit cesser son expansion vers l’est, a déclaré Moscou mardi dans un communiqué.",
             "C’est l’OTAN qui a dit qu’il fallait, d’un côté, que l’est reste «neutre» — dit-il…",
             "the\u00a0of\u2009and\u3000to is was that", "and\x00 the\x00 of\x00 to\x00 is\x00 was\x00",
             "“The” ‘of’ „and” «to» –is– —was— that… with", "x" * 500 + " the of and", "the " * 200 + "é"]


def test_detect_languages_is_detect_language_of_each_text():
    assert detect_languages(ALL_TEXTS) == [detect_language(t) for t in ALL_TEXTS]
    assert detect_languages(iter(ALL_TEXTS[:3])) == [NOT_ENGLISH] * 3
    assert detect_languages([]) == []


def test_detect_languages_without_the_c_counts(monkeypatch):
    monkeypatch.setattr(language_module, "_language", None)
    assert detect_languages(ALL_TEXTS) == [detect_language(t) for t in ALL_TEXTS]


def test_every_ascii_function_word_fits_the_c_table():
    from stance.text.language import _C_KEYS, _WORD_SCORE

    ascii_words = [w for w in _WORD_SCORE if w.isascii()]
    assert all(len(w) <= 8 for w in ascii_words) and len(_C_KEYS) == len(ascii_words)
    assert (language_module._C_KEYS[1:] > language_module._C_KEYS[:-1]).all()  # sorted, for the binary search


from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from _fuzz import fuzz  # noqa: E402

# words that score, elisions, typographic quotes and dashes, Unicode and ASCII whitespace, NUL, and
# characters that send a text back to Python (é, █)
_PIECES = ["the", "of", "and", "le", "la", "des", "der", "die", "est", "THE", "Die", "l'", "d’", "qu'", "dell’",
           "all'", "sull'", "nell'", "c'", "j'", "x", "nato", "(the)", "«und»", "—and—", "the…", "été", "über",
           " ", "  ", "\t", "\n", "\x0b", "\x1c", "\x1f", "\u00a0", "\u2009", "\x00", "'", "’", "“", "”", "‘",
           "„", "–", "é", "█", "-", ".", ",", "1", "_", "@", "#"]


@needs_c_counts
@fuzz(200)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=120).map("".join), min_size=1, max_size=8))
def test_c_counts_decide_as_detect_language(texts):
    assert detect_languages(texts) == [detect_language(t) for t in texts]


@needs_c_counts
def test_c_counts_refuse_what_they_cannot_read():
    from stance.text import _language
    from stance.text.language import _C_KEYS, _C_KINDS

    out = np.empty((2, 4), dtype=np.int64)
    with pytest.raises(TypeError, match=r"texts\[1\] must be a str"):
        _language.language_counts(["the", b"of"], _C_KEYS, _C_KINDS, 400, out)
    with pytest.raises(ValueError, match="out int64 of 4 per text"):
        _language.language_counts(["the"], _C_KEYS, _C_KINDS, 400, out)
    with pytest.raises(ValueError, match="sample_chars must be at most 4096"):
        _language.language_counts(["the", "of"], _C_KEYS, _C_KINDS, 5000, out)
