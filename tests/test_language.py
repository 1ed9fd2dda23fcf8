"""Tests of stance.text.language.detect_language and of how results flag text that is not English."""

from __future__ import annotations

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
