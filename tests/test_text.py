"""Tests of stance.text.processing: normalisation, paragraphs, sentences, tokens, check_text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from _fuzz import fuzz

from stance.exceptions import InputTooLargeError, InvalidInputError
from stance.text.processing import (
    DEFAULT_MAX_ARTICLE_CHARS,
    check_text,
    normalize,
    split_paragraphs,
    split_sentences,
    tokenize,
    words,
)

# --------------------------------------------------------------------------- normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("\u201cSecurity\u201d \u2014 guarantees", '"Security" - guarantees'),
        ("Russia\u2019s \u00abred lines\u00bb", 'Russia\'s "red lines"'),
        ("\u2018open door\u2019", "'open door'"),
        ("\u201eQuote\u201f", '"Quote"'),
        ("pre\u2013 and post\u2012war \u2212 5", "pre- and post-war - 5"),
        ("a\u00a0b\u2009c\u202fd", "a b c d"),
        ("tab\there", "tab here"),
        ("in\u200bvis\u00adible\ufeff", "invisible"),
        ("nul\x00byte", "nulbyte"),
        ("bell\x07char", "bell char"),
        ("\uff2e\uff21\uff34\uff2f", "NATO"),  # full-width letters (NFKC)
        ("plain ascii stays", "plain ascii stays"),
    ],
)
def test_normalize_quotes_dashes_spaces(raw, expected):
    assert normalize(raw) == expected


def test_normalize_keeps_line_breaks():
    assert normalize("one\ntwo\r\nthree\rfour") == "one\ntwo\r\nthree\rfour"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Both characters are listed in the quote table of text._TRANSLATION, but NFKC
        # decomposes them before the table is applied ("\u00b4" -> " \u0301",
        # "\u2033" -> "\u2032\u2032"), so they never become straight quotes.
        ("it\u00b4s", "it's"),
        ("\u2033quoted\u2033", '"quoted"'),
    ],
)
def test_normalize_acute_accent_and_double_prime_become_straight_quotes(raw, expected):
    assert normalize(raw) == expected


def test_normalize_translates_every_code_point_as_its_table_says():
    # normalize applies the table with a regex (faster than str.translate on prose): the same mapping
    from stance.text.processing import _TRANSLATE_RE, _TRANSLATION, _translated

    every = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    assert _TRANSLATE_RE.sub(_translated, every) == every.translate(_TRANSLATION)
    assert normalize("a\x00b\tc\u00ad\u2019d\r\n") == "ab c'd\r\n"


def test_normalize_rejects_non_string():
    with pytest.raises(InvalidInputError, match="text must be a str, got int"):
        normalize(42)


# --------------------------------------------------------------------------- tokenize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("The U.S. didn't reply.", ["The", "U.S.", "didn't", "reply", "."]),
        ("U.K. and e.g. Washington D.C.", ["U.K.", "and", "e.g.", "Washington", "D.C."]),
        ("U.S.-Russia talks", ["U.S.", "-", "Russia", "talks"]),
        ("won't can't Russia's", ["won't", "can't", "Russia's"]),
        ("Russia\u2019s \u201cred lines\u201d \u2014 NATO", ["Russia's", '"', "red", "lines", '"', "-", "NATO"]),
        ("#NATO and @mfa_russia", ["#NATO", "and", "@mfa_russia"]),
        ("state-of-the-art 3.5% 1,000", ["state-of-the-art", "3.5", "%", "1", ",", "000"]),
        ("see https://nato.int/news?id=1 now", ["see", "https://nato.int/news?id=1", "now"]),
        ("http://tass.com/politics", ["http://tass.com/politics"]),
        ("", []),
        ("   \n\t ", []),
    ],
)
def test_tokenize(raw, expected):
    assert tokenize(raw) == expected


def test_tokenize_accepts_utf8_bytes():
    assert tokenize("Caf\u00e9 talks".encode()) == ["Caf\u00e9", "talks"]


def test_tokenize_rejects_non_string():
    with pytest.raises(InvalidInputError, match="must be a str, got NoneType"):
        tokenize(None)


def test_words_lowercases_and_drops_punctuation():
    assert words(normalize("NATO's \u2018open door\u2019 - 3.5% U.S.")) == ["nato's", "open", "door", "3.5", "u.s."]


# --------------------------------------------------------------------------- split_paragraphs


def test_split_paragraphs_single_and_blank_lines_both_separate():
    assert split_paragraphs("One.\nTwo.\n\n\nThree.") == ["One.", "Two.", "Three."]


def test_split_paragraphs_crlf_and_cr():
    assert split_paragraphs("First.\r\nSecond.\r\n\r\nThird.\rFourth.") == ["First.", "Second.", "Third.", "Fourth."]


def test_split_paragraphs_collapses_inner_whitespace():
    assert split_paragraphs("  Too   many\t spaces\u00a0here.  \n") == ["Too many spaces here."]


def test_split_paragraphs_joins_tass_dateline_to_next_paragraph():
    text = "MOSCOW, February 9. /TASS/.\nRussia expects a written reply.\n\nTalks will go on."
    assert split_paragraphs(text) == [
        "MOSCOW, February 9. /TASS/. Russia expects a written reply.",
        "Talks will go on.",
    ]


def test_split_paragraphs_joins_dateline_across_blank_lines_and_crlf():
    text = "MOSCOW, February 9. /TASS/.\r\n\r\nRussia expects a reply."
    assert split_paragraphs(text) == ["MOSCOW, February 9. /TASS/. Russia expects a reply."]


def test_split_paragraphs_joins_reuters_dateline():
    assert split_paragraphs("WASHINGTON (Reuters) -\nThe State Department replied.") == [
        "WASHINGTON (Reuters) - The State Department replied."
    ]


def test_split_paragraphs_trailing_dateline_is_kept():
    assert split_paragraphs("Body text.\nMOSCOW, February 9. /TASS/.") == ["Body text.", "MOSCOW, February 9. /TASS/."]


def test_split_paragraphs_ordinary_uppercase_line_is_not_a_dateline():
    assert split_paragraphs("NATO SUMMIT\nLeaders met.") == ["NATO SUMMIT", "Leaders met."]


@pytest.mark.parametrize("blank", ["", "   ", "\n\n\n", " \t \r\n \u00a0 \n", "\u200b\ufeff"])
def test_split_paragraphs_whitespace_only_gives_empty_list(blank):
    assert split_paragraphs(blank) == []


def test_split_paragraphs_accepts_utf8_bytes():
    assert split_paragraphs("Caf\u00e9 one.\n\nTwo.".encode()) == ["Caf\u00e9 one.", "Two."]


def test_split_paragraphs_rejects_invalid_utf8_bytes():
    with pytest.raises(InvalidInputError, match=r"must be UTF-8 text; byte 2 \(b'\\xff'\)"):
        split_paragraphs(b"ab\xffcd")


def test_split_paragraphs_rejects_non_text():
    with pytest.raises(InvalidInputError, match="text must be a str, got list"):
        split_paragraphs(["a", "b"])


def test_split_paragraphs_too_large():
    with pytest.raises(InputTooLargeError, match="more than the limit of 10"):
        split_paragraphs("x" * 11, max_chars=10)
    assert split_paragraphs("x" * 10, max_chars=10) == ["x" * 10]
    assert split_paragraphs("x" * 11, max_chars=None) == ["x" * 11]


def test_split_paragraphs_default_limit_is_the_article_limit():
    assert DEFAULT_MAX_ARTICLE_CHARS == 20_000_000


# --------------------------------------------------------------------------- split_sentences


def test_split_sentences_keeps_mr_abbreviations():
    assert split_sentences("Mr. Lavrov met Mr. Blinken in Geneva. They talked for 90 minutes.") == [
        "Mr. Lavrov met Mr. Blinken in Geneva.",
        "They talked for 90 minutes.",
    ]


def test_split_sentences_keeps_us_abbreviation():
    assert split_sentences("The U.S. and Russia met. Talks ended.") == ["The U.S. and Russia met.", "Talks ended."]


def test_split_sentences_keeps_a_leading_dateline_with_the_first_sentence():
    assert split_sentences("MOSCOW, February 9. /TASS/. Talks go on. Both sides agree.") == [
        "MOSCOW, February 9. /TASS/. Talks go on.",
        "Both sides agree.",
    ]


def test_split_sentences_single_sentence_and_blank():
    assert split_sentences("No full stop here") == ["No full stop here"]
    assert split_sentences("  \n ") == []
    assert split_sentences("") == []


def test_split_sentences_rejects_non_string():
    with pytest.raises(InvalidInputError, match="must be a str, got float"):
        split_sentences(1.5)


# --------------------------------------------------------------------------- check_text


def test_check_text_passes_str_through():
    s = "NATO talks"
    assert check_text(s) is s


def test_check_text_decodes_utf8_bytes_and_bytearray():
    assert check_text(b"caf\xc3\xa9") == "caf\u00e9"
    assert check_text(bytearray(b"caf\xc3\xa9")) == "caf\u00e9"


def test_check_text_invalid_utf8_names_the_value_and_byte():
    with pytest.raises(InvalidInputError, match=r"^article must be UTF-8 text; byte 3 \(b'\\xe9'\) is not valid UTF-8$"):
        check_text(b"caf\xe9", name="article")


@pytest.mark.parametrize("bad", [None, 3, 2.5, ["text"], {"text": "x"}])
def test_check_text_rejects_non_text(bad):
    with pytest.raises(InvalidInputError, match=f"^text must be a str, got {type(bad).__name__}$"):
        check_text(bad)


def test_check_text_too_large():
    with pytest.raises(InputTooLargeError, match="para has 1,001 characters, more than the limit of 1,000"):
        check_text("x" * 1001, name="para", max_chars=1000)
    assert check_text("x" * 1000, max_chars=1000) == "x" * 1000


def test_input_too_large_is_an_invalid_input_error():
    with pytest.raises(InvalidInputError):
        check_text("abc", max_chars=2)


# --------------------------------------------------------------------------- properties


@fuzz(100)
@given(st.text())
def test_text_functions_never_raise_on_unicode(text):
    paragraphs = split_paragraphs(text)
    tokens = tokenize(text)
    normalized = normalize(text)
    assert isinstance(normalized, str)
    assert all(isinstance(t, str) and t and not t.isspace() for t in tokens)
    for p in paragraphs:
        assert p and p == p.strip()
        assert "\n" not in p and "\r" not in p
    assert isinstance(split_sentences(text), list)


@fuzz(100)
@given(st.lists(st.text(alphabet=st.characters(categories=["L", "N", "P", "Zs"]), min_size=1), max_size=6))
def test_split_paragraphs_one_paragraph_per_nonblank_line(lines):
    # Lines without a dateline: every line with a visible character is one paragraph.
    lines = [line for line in lines if "/" not in normalize(line) and "(" not in normalize(line)]
    expected = [" ".join(normalize(line).split()) for line in lines]
    expected = [e for e in expected if e]
    assert split_paragraphs("\n".join(lines)) == expected


def test_lone_surrogate_is_invalid_input():
    from stance.text.processing import check_text

    with pytest.raises(InvalidInputError, match=r"not valid Unicode: lone surrogate U\+D800 at position 5"):
        check_text("NATO \ud800 expands.")
