"""Tests of stance.features.tfidf: TF-IDF feature unions and hashed target crosses."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.pipeline import FeatureUnion

from stance.exceptions import InvalidInputError
from stance.features.tfidf import (
    DEFAULT_TARGET_HASH_FEATURES,
    make_text_features,
    preprocess,
    prune_vectorizers,
    target_cross_features,
)

TEXTS = [
    "NATO expansion threatens Russia",
    "Arms control talks resumed in Geneva",
    "New sanctions on Russian banks",
    "NATO and Russia held talks",
]


def test_preprocess_normalises_and_lowercases():
    assert preprocess("\u201cNATO\u201d \u2014 U.S.") == '"nato" - u.s.'


def test_make_text_features_has_word_and_char_blocks():
    union = make_text_features(min_df=1)
    assert isinstance(union, FeatureUnion)
    assert [name for name, _ in union.transformer_list] == ["word", "char"]
    X = union.fit_transform(TEXTS)
    assert sp.issparse(X)
    assert X.shape[0] == len(TEXTS)
    assert X.dtype == np.float32
    names = union.get_feature_names_out()
    assert "word__nato" in names
    assert "word__arms control" in names  # word bigrams by default
    assert any(n.startswith("char__") for n in names)


def test_make_text_features_without_char_block():
    union = make_text_features(char_ngram_range=None, min_df=1)
    assert [name for name, _ in union.transformer_list] == ["word"]
    assert union.fit(["a b", "b c"]).get_feature_names_out().tolist() == [
        "word__a",
        "word__a b",
        "word__b",
        "word__b c",
        "word__c",
    ]


def test_make_text_features_words_are_normalised():
    # Curly apostrophes and capitals map to the same feature as straight/lower-case ones.
    union = make_text_features(char_ngram_range=None, word_ngram_range=(1, 1), min_df=1)
    union.fit(["Russia\u2019s NATO", "russia's nato"])
    assert union.get_feature_names_out().tolist() == ["word__nato", "word__russia's"]


def test_make_text_features_min_df_drops_rare_terms():
    union = make_text_features(char_ngram_range=None, word_ngram_range=(1, 1), min_df=2)
    union.fit(TEXTS)
    assert sorted(union.get_feature_names_out().tolist()) == ["word__nato", "word__russia", "word__talks"]


def test_make_text_features_max_word_features_caps_vocabulary():
    union = make_text_features(char_ngram_range=None, min_df=1, max_word_features=3)
    union.fit(TEXTS)
    assert len(union.get_feature_names_out()) == 3


def test_make_text_features_rows_are_l2_normalised_per_block():
    union = make_text_features(char_ngram_range=None, min_df=1)
    X = union.fit_transform(TEXTS).toarray()
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, rtol=1e-5)


def test_make_text_features_rejects_non_text_items():
    union = make_text_features(min_df=1).fit(TEXTS)
    with pytest.raises(InvalidInputError, match="must be a str, got int"):
        union.transform([5])


def test_prune_vectorizers_drops_stop_words_attribute():
    union = make_text_features(min_df=1).fit(TEXTS)
    for _, vectorizer in union.transformer_list:
        vectorizer.stop_words_ = {"dropped"}
    before = union.transform(TEXTS).toarray()
    assert prune_vectorizers(union) is union
    assert not any(hasattr(v, "stop_words_") for _, v in union.transformer_list)
    np.testing.assert_array_equal(union.transform(TEXTS).toarray(), before)


def test_target_cross_features_shape_dtype_and_norm():
    M = target_cross_features(["no to NATO", "yes to talks"], ["NATO", "Russia"], n_features=2**10)
    assert isinstance(M, sp.csr_matrix)
    assert M.shape == (2, 2**10)
    assert M.dtype == np.float32
    np.testing.assert_allclose(np.sqrt(np.asarray(M.multiply(M).sum(axis=1))).ravel(), [1.0, 1.0], rtol=1e-6)


def test_target_cross_features_default_width():
    assert target_cross_features(["no to NATO"], ["NATO"]).shape == (1, DEFAULT_TARGET_HASH_FEATURES)


def test_target_cross_features_is_stateless_and_depends_on_target():
    a = target_cross_features(["no to NATO"], ["NATO"], n_features=2**12)
    b = target_cross_features(["no to NATO"], ["NATO"], n_features=2**12)
    c = target_cross_features(["no to NATO"], ["Russia"], n_features=2**12)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    assert (a != c).nnz > 0
    # one column per word plus a target bias column: "no", "to", "nato", bias
    assert a.nnz == 4


def test_target_cross_features_target_spelling_is_normalised():
    a = target_cross_features(["talks"], ["Donald Trump"], n_features=2**12)
    b = target_cross_features(["talks"], ["DONALD TRUMP"], n_features=2**12)
    c = target_cross_features(["talks"], ["Donald Biden"], n_features=2**12)
    np.testing.assert_array_equal(a.toarray(), b.toarray())
    assert (a != c).nnz > 0


# --------------------------------------------------------------------------- CompiledFeatures

from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from _fuzz import fuzz  # noqa: E402

from stance.features.tfidf import CompiledFeatures  # noqa: E402

COMPILE_CORPUS = [
    "NATO's eastward expansion threatens Russia, the Kremlin said.",
    "The U.S. and NATO handed written answers on security guarantees.",
    "Sanctions on Russian banks were extended; talks in Geneva go on.",
    "“Arms control” — the INF treaty and New START — matter.",
    "Über-long token: " + "x" * 40,
    "日本語 text and émigré café naïve",
    "tab\tseparated\nand new lines",
]


@pytest.fixture(scope="module")
def fitted_union():
    return make_text_features(min_df=1).fit(COMPILE_CORPUS)


def _assert_same(union, texts):
    expected = union.transform(texts)
    got = CompiledFeatures.from_union(union).transform(texts)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    np.testing.assert_allclose(got.toarray(), expected.toarray(), rtol=1e-6, atol=1e-7)


def test_compiled_features_equal_the_union(fitted_union):
    texts = COMPILE_CORPUS + ["", "   ", "a", "NATO", "unseen words only", "NATO NATO NATO expansion"]
    _assert_same(fitted_union, texts)


def test_compiled_features_word_only_union():
    union = make_text_features(min_df=1, char_ngram_range=None).fit(COMPILE_CORPUS)
    _assert_same(union, COMPILE_CORPUS + ["nato expansion", ""])


@pytest.mark.parametrize("char_range", [(1, 3), (3, 5), (2, 4)])
def test_compiled_features_other_char_ranges(char_range):
    union = make_text_features(min_df=1, char_ngram_range=char_range).fit(COMPILE_CORPUS)
    _assert_same(union, COMPILE_CORPUS + ["a b c", "x"])


@pytest.mark.parametrize("char_range", [(4, 5), (5, 5)])
def test_compiled_features_batches_whose_new_words_are_all_too_short(char_range):
    # " a " and " b " are features: char_wb keeps a padded word shorter than min_n whole
    union = make_text_features(min_df=1, char_ngram_range=char_range).fit(COMPILE_CORPUS + ["a b NATO", "NATO a"])
    assert " a " in union.transformer_list[1][1].vocabulary_
    fast = CompiledFeatures.from_union(union)
    fast.transform(["NATO"])  # "nato" is cached: the next batch's only new word is "a"
    for texts in (["a", "NATO"], ["a"], ["a b", ""], ["NATO", "x y z"], ["NATO a ox", "a a b"]):
        got = fast.transform(texts)
        np.testing.assert_allclose(got.toarray(), union.transform(texts).toarray(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("word_range", [(1, 1), (1, 2)])
@pytest.mark.parametrize("char_range", [None, (1, 3), (2, 5), (4, 5)])
def test_compiled_features_binary_tf_equal_the_union(word_range, char_range):
    # repeated words and n-grams: binary tf counts each once, sublinear would give 1 + log(count)
    union = make_text_features(min_df=1, word_ngram_range=word_range, char_ngram_range=char_range,
                               binary=True).fit(COMPILE_CORPUS)
    fast = CompiledFeatures.from_union(union)
    assert fast.binary is True
    texts = COMPILE_CORPUS + ["NATO NATO NATO expansion expansion", "talks talks talks", "", "a a b"]
    _assert_same(union, texts)
    sublinear = make_text_features(min_df=1, word_ngram_range=word_range, char_ngram_range=char_range
                                   ).fit(COMPILE_CORPUS).transform(texts)
    assert abs(fast.transform(texts) - sublinear).max() > 1e-3  # the flag changes the matrix


def test_compiled_features_binary_flag_round_trips_through_arrays():
    from stance.features.compiled import check_compiled_arrays

    texts = COMPILE_CORPUS + ["NATO NATO talks talks talks"]
    for binary in (False, True):
        union = make_text_features(min_df=1, binary=binary).fit(COMPILE_CORPUS)
        arrays = CompiledFeatures.from_union(union).to_arrays()
        assert ("tf_binary" in arrays) is binary  # sublinear tables are those earlier versions wrote
        assert check_compiled_arrays(arrays, (1, 2), (2, 5)) is None
        back = CompiledFeatures.from_arrays(arrays, word_ngram_range=(1, 2), char_ngram_range=(2, 5))
        assert back.binary is binary
        np.testing.assert_allclose(back.transform(texts).toarray(), union.transform(texts).toarray(),
                                   rtol=1e-6, atol=1e-7)
    arrays["tf_binary"] = np.array([2], dtype=np.uint8)
    assert "'tf_binary' must be [1]" in check_compiled_arrays(arrays, (1, 2), (2, 5))


def test_compiled_features_refuse_blocks_with_different_term_frequencies():
    union = make_text_features(min_df=1).fit(COMPILE_CORPUS)
    union.transformer_list[1][1].binary = True
    with pytest.raises(ValueError, match="different term frequencies"):
        CompiledFeatures.from_union(union)


def test_compiled_features_refuse_what_they_cannot_reproduce():
    union = make_text_features(min_df=1, char_ngram_range=(2, 6)).fit(COMPILE_CORPUS)
    with pytest.raises(ValueError, match="cannot compile this character block"):
        CompiledFeatures.from_union(union)


@fuzz(100)
@given(st.lists(st.text(max_size=60), min_size=1, max_size=5))
def test_compiled_features_match_on_arbitrary_text(fitted_union, texts):
    _assert_same(fitted_union, texts)


def test_compiled_features_with_a_full_chunk_table_equal_the_union(fitted_union, monkeypatch):
    import stance.features.compiled as compiled

    monkeypatch.setattr(compiled, "_WORD_CACHE_SIZE", 3)  # every batch overflows it and starts a new table
    fast = CompiledFeatures.from_union(fitted_union)
    for texts in (["NATO talks"], COMPILE_CORPUS[:2], COMPILE_CORPUS, ["NATO talks", "new words here", ""],
                  ["talks"], COMPILE_CORPUS[::-1]):
        got = fast.transform(texts)
        np.testing.assert_allclose(got.toarray(), fitted_union.transform(texts).toarray(), rtol=1e-6, atol=1e-7)
        assert len(fast._table) <= 3


def test_compiled_features_keep_chunks_between_batches_and_grow_their_table(fitted_union):
    fast = CompiledFeatures.from_union(fitted_union)
    seen = set()
    for i, text in enumerate(COMPILE_CORPUS * 2):  # one paragraph per batch: the table grows row by row
        got = fast.transform([text, f"word{i} {text}"])
        np.testing.assert_allclose(got.toarray(), fitted_union.transform([text, f"word{i} {text}"]).toarray(),
                                   rtol=1e-6, atol=1e-7)
        seen.update(preprocess(text).split() + [f"word{i}"])
        assert len(fast._table) == len(seen)


def test_compiled_features_shared_by_threads_equal_the_union(fitted_union):
    from concurrent.futures import ThreadPoolExecutor

    fast = CompiledFeatures.from_union(fitted_union)
    batches = [[f"{text} extra{i % 7}" for text in COMPILE_CORPUS[i % 3 :]] for i in range(24)]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: fast.transform(b).toarray(), batches))
    for batch, got in zip(batches, results):
        np.testing.assert_allclose(got, fitted_union.transform(batch).toarray(), rtol=1e-6, atol=1e-7)


def test_compiled_features_pickle_without_their_chunk_table(fitted_union):
    fast = CompiledFeatures.from_union(fitted_union)
    fast.transform(COMPILE_CORPUS)
    again = pickle.loads(pickle.dumps(fast))
    assert len(again._table) == 0
    np.testing.assert_array_equal(again.transform(COMPILE_CORPUS).toarray(), fast.transform(COMPILE_CORPUS).toarray())


def test_tfidf_counts_the_same_with_64_bit_keys():
    from stance.features.compiled import _tfidf

    rng = np.random.default_rng(0)
    cols = rng.integers(0, 60_000, size=500)
    rows = np.repeat([0, 1], 250)
    idf = rng.random(60_000) + 1.0
    small = _tfidf(rows, cols, 2, 60_000, idf)  # 32-bit (row, column) keys
    large = _tfidf(rows * 39_999, cols, 40_000, 60_000, idf)  # 40,000 x 60,000 keys need 64 bits
    assert large[1].dtype == np.int64 and small[1].dtype == np.int32
    np.testing.assert_array_equal(large[0][[0, 1, 40_000]], small[0])
    np.testing.assert_array_equal(large[1], small[1])
    np.testing.assert_array_equal(large[2], small[2])


# --------------------------------------------------------------------------- the optional C loops

import stance.features.compiled as compiled_module  # noqa: E402

needs_kernels = pytest.mark.skipif(compiled_module._kernels is None,
                                   reason="stance.features._kernels was not built (no C compiler at install time)")


def _numpy_only(monkeypatch):
    monkeypatch.setattr(compiled_module, "_kernels", None)


def _random_keys(rng, n_rows, n_cols, size, dtype):
    rows = np.sort(rng.integers(0, n_rows, size=size))
    cols = rng.integers(0, n_cols, size=size)
    cols[: size // 4] = cols[0]  # repeated keys: counts above 1
    return (rows * n_cols + cols).astype(dtype)


def test_kernels_name_what_runs():
    assert compiled_module.KERNELS == ("numpy" if compiled_module._kernels is None else "c")


@needs_kernels
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("grouped", [False, True])
def test_kernel_tfidf_equals_numpy_bit_for_bit(monkeypatch, dtype, binary, grouped):
    rng = np.random.default_rng(7)
    n_rows, n_cols = 30, 70_000  # more than 16 bits of columns: three radix passes
    idf = rng.random(n_cols) + 1.0
    keys = _random_keys(rng, n_rows, n_cols, 5_000, dtype)
    keys = np.concatenate([keys, np.full(700, keys[-1], dtype=dtype)])  # a count beyond the first tf table
    if not grouped:
        rng.shuffle(keys)
    got = compiled_module._tfidf_of_keys(keys.copy(), n_rows, n_cols, idf, binary, grouped=grouped)
    _numpy_only(monkeypatch)
    expected = compiled_module._tfidf_of_keys(keys.copy(), n_rows, n_cols, idf, binary)
    for g, e in zip(got, expected):
        assert g.dtype == e.dtype
        np.testing.assert_array_equal(g, e)


@needs_kernels
def test_kernel_tfidf_of_short_and_empty_rows(monkeypatch):
    idf = np.arange(1.0, 11.0)
    keys = np.array([13, 11, 11, 12, 40, 47, 41, 40], dtype=np.int32)  # rows 1 and 4; rows 0, 2, 3, 5 empty
    got = compiled_module._tfidf_of_keys(keys.copy(), 6, 10, idf, grouped=True)
    _numpy_only(monkeypatch)
    expected = compiled_module._tfidf_of_keys(keys.copy(), 6, 10, idf)
    np.testing.assert_array_equal(got[0], [0, 0, 3, 3, 3, 6, 6])
    for g, e in zip(got, expected):
        np.testing.assert_array_equal(g, e)


@needs_kernels
def test_kernel_tfidf_refuses_keys_out_of_order_or_range():
    from stance.features import _kernels

    idf, tf = np.ones(10), np.ones(4)
    out = np.empty(3, dtype=np.int64), np.empty(4, dtype=np.int32), np.empty(4)
    with pytest.raises(ValueError, match="'keys' must be sorted keys in .* entry 1 is not"):
        _kernels.tfidf_rows(np.array([5, 3, 7, 8], dtype=np.int32), 2, 10, idf, tf, *out, False)
    with pytest.raises(ValueError, match="'keys' must be row-grouped keys in .* entry 2 is not"):
        _kernels.tfidf_rows(np.array([15, 13, 7, 8], dtype=np.int32), 2, 10, idf, tf, *out, True)
    with pytest.raises(ValueError, match="entry 3 is not"):
        _kernels.tfidf_rows(np.array([1, 2, 3, 20], dtype=np.int32), 2, 10, idf, tf, *out, False)
    with pytest.raises(TypeError, match="'idf' must be a 1-d C-contiguous array of 8-byte floats"):
        _kernels.tfidf_rows(np.array([1], dtype=np.int32), 2, 10, idf.astype(np.float32), tf, *out, False)
    with pytest.raises(ValueError, match="array sizes do not match"):
        _kernels.tfidf_rows(np.array([1], dtype=np.int32), 3, 10, idf, tf, *out, False)
    with pytest.raises(TypeError, match="'keys' must be a 1-d C-contiguous array of int32 or int64"):
        _kernels.tfidf_rows(np.array([1], dtype=np.int16), 2, 10, idf, tf, *out, False)


@needs_kernels
def test_kernel_gather_keys_equal_numpy_and_check_their_indices():
    from stance.features import _kernels

    table = compiled_module._Ragged()
    table.write(1, np.array([0, 2, 2, 5]), np.array([4, 9, 1, 2, 3], dtype=np.int32))  # rows 1..3
    occ = np.array([1, 0, 3, 3, 2, 1], dtype=np.int64)
    doc = np.array([0, 1, 1, 2, 2, 2], dtype=np.int32)
    per_occ, cols = compiled_module._gather(occ, table)
    expected = np.repeat(doc * 10, per_occ) + cols
    for dtype in (np.int32, np.int64):
        out = np.empty(len(expected), dtype=dtype)
        _kernels.gather_keys(occ, table.start, table.length, table.values, doc, 10, out)
        np.testing.assert_array_equal(out, expected)
    with pytest.raises(IndexError, match="occurrence 1 reads row 9 outside the table"):
        _kernels.gather_keys(np.array([1, 9], dtype=np.int64), table.start, table.length, table.values,
                             doc[:2], 10, np.empty(2, dtype=np.int32))
    with pytest.raises(ValueError, match="occurrence 0: document 300000 is out of order or too large for the keys"):
        _kernels.gather_keys(occ[:1], table.start, table.length, table.values, np.array([300_000], dtype=np.int32),
                             10_000, np.empty(2, dtype=np.int32))
    with pytest.raises(ValueError, match="'out' holds 4 values, the gather gives 10"):
        _kernels.gather_keys(occ, table.start, table.length, table.values, doc, 10, np.empty(4, dtype=np.int32))


@needs_kernels
@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("word_range", [(1, 1), (1, 2)])
def test_compiled_features_give_the_same_rows_with_and_without_kernels(monkeypatch, binary, word_range):
    union = make_text_features(min_df=1, binary=binary, word_ngram_range=word_range).fit(COMPILE_CORPUS)
    texts = COMPILE_CORPUS + ["NATO NATO NATO expansion", "", "a a b", "talks " * 300]
    with_c = CompiledFeatures.from_union(union).transform_rows(texts)
    _numpy_only(monkeypatch)
    without = CompiledFeatures.from_union(union).transform_rows(texts)
    for a, b in zip(with_c.blocks, without.blocks):
        for name in ("indptr", "indices", "data"):
            np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@needs_kernels
@pytest.mark.parametrize("char_range", [(1, 3), (2, 5), (3, 5), (4, 5), (5, 5)])
def test_kernel_ngram_columns_are_the_numpy_columns_of_each_word(monkeypatch, char_range):
    union = make_text_features(min_df=1, char_ngram_range=char_range).fit(COMPILE_CORPUS + ["a b NATO", "NATO a"])
    fast = CompiledFeatures.from_union(union)
    words_ = ["a", "b", "ab", "nato", "nato's", "expansion", "x" * 40, "日本語", "émigré", "u.s.", "\"nato\"", "q",
              "zz", "talks", "naïve", "a-b", "ﬁ"]
    c_ptr, c_cols = fast._ngrams_of_words(words_)
    assert c_ptr.dtype == np.int64 and c_cols.dtype == np.int32
    _numpy_only(monkeypatch)
    n_ptr, n_cols = CompiledFeatures.from_union(union)._ngrams_of_words(words_)
    np.testing.assert_array_equal(c_ptr, n_ptr)
    for i in range(len(words_)):  # the same columns, in any order
        assert sorted(c_cols[c_ptr[i]:c_ptr[i + 1]].tolist()) == sorted(n_cols[n_ptr[i]:n_ptr[i + 1]].tolist())


@needs_kernels
def test_kernel_ngram_hash_and_columns_refuse_bad_tables():
    from stance.features import _kernels

    keys, cols = np.array([5, 9, 5], dtype=np.int64), np.array([0, 1, 2], dtype=np.int64)
    with pytest.raises(ValueError, match="key 5 is repeated"):
        _kernels.ngram_hash(keys, cols, np.full(8, -1, dtype=np.int64), np.zeros(8, dtype=np.int32), 3)
    with pytest.raises(ValueError, match="at least twice the keys"):
        _kernels.ngram_hash(keys, cols, np.full(4, -1, dtype=np.int64), np.zeros(4, dtype=np.int32), 2)
    table = np.full(8, -1, dtype=np.int64), np.zeros(8, dtype=np.int32)
    with pytest.raises(TypeError, match=r"words\[1\] must be a str"):
        _kernels.ngram_columns(["ab", 3], np.zeros(200, dtype=np.int64), *table, 3, 2, 5, 12)
    with pytest.raises(ValueError, match="n-gram lengths or alphabet bits out of range"):
        _kernels.ngram_columns(["ab"], np.zeros(200, dtype=np.int64), *table, 3, 3, 2, 12)


@needs_kernels
def test_kernel_word_keys_check_their_inputs():
    from stance.features import _kernels

    table = compiled_module._Ragged()
    table.write(1, np.array([0, 2, 3]), np.array([0, 1, 5], dtype=np.int32))  # token 5: not in a 3-token vocabulary
    uni = np.array([0, 1, 2, -1], dtype=np.int32)
    empty = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32), 0
    args = (table.start, table.length, table.values)
    out = np.empty(10, dtype=np.int32)
    assert _kernels.word_keys(np.array([1], dtype=np.int64), *args, np.array([0], dtype=np.int32), uni, *empty,
                              3, 4, out) == 2
    np.testing.assert_array_equal(out[:2], [0, 1])
    with pytest.raises(ValueError, match="occurrence 0: token id 5 outside the vocabulary"):
        _kernels.word_keys(np.array([2], dtype=np.int64), *args, np.array([0], dtype=np.int32), uni, *empty, 3, 4, out)
    with pytest.raises(ValueError, match="occurrence 1: document 0 is out of order"):
        _kernels.word_keys(np.array([1, 1], dtype=np.int64), *args, np.array([1, 0], dtype=np.int32), uni, *empty,
                           3, 4, out)
    with pytest.raises(ValueError, match="'out' must hold twice the tokens"):
        _kernels.word_keys(np.array([1], dtype=np.int64), *args, np.array([0], dtype=np.int32), uni, *empty, 3, 4,
                           np.empty(3, dtype=np.int32))


# pieces of chunks (U+FB01, the separator of joined batches, never reaches a chunk: NFKC decomposes it)
_CHUNK_PIECES = ["u.s.", "u.s", "a.b.c.", "nato's", "don't", "co-op", "3.5", "e.g.", "x", "_", "__a", "'", "-", ".",
                 "..", "a.", ".a", "nato", "NATO", "z-", "'s", "1.2.3", "a'b'c", "émigré", "日本", "İ", "ΟΔΟΣ",
                 "talks", "a.b", "#tag", "@user", "!", "(", ")"]


@needs_kernels
@fuzz(200)
@given(st.lists(st.lists(st.sampled_from(_CHUNK_PIECES), min_size=1, max_size=6).map("".join), min_size=1,
                max_size=12))
def test_kernel_chunk_token_ids_are_the_regex_tokens(fitted_union, chunks):
    fast = CompiledFeatures.from_union(fitted_union)
    c_ptr, c_ids = fast._token_ids_of_chunks(chunks)
    saved = compiled_module._kernels
    compiled_module._kernels = None
    try:
        n_ptr, n_ids = fast._token_ids_of_chunks(chunks)
    finally:
        compiled_module._kernels = saved
    np.testing.assert_array_equal(c_ptr, n_ptr)
    np.testing.assert_array_equal(c_ids, n_ids)


@needs_kernels
def test_kernel_chunk_token_ids_find_vocabulary_words():
    from stance.features import _kernels
    from stance.text.processing import words as regex_words

    token_id = {"u.s.": 0, "nato's": 1, "talks": 2, "émigré": 3}
    ptr, ids = _kernels.chunk_token_ids(["U.S.", "nato's-talks", "(talks)", "émigré,", "x"], token_id, regex_words)
    assert np.frombuffer(ptr, dtype=np.int64).tolist() == [0, 1, 2, 3, 4, 5]
    assert np.frombuffer(ids, dtype=np.int64).tolist() == [0, -1, 2, 3, -1]  # "nato's-talks" is one token
    with pytest.raises(TypeError, match=r"chunks\[1\] must be a str"):
        _kernels.chunk_token_ids(["a", 1], token_id, regex_words)
