"""Fast, exact TF-IDF transform of a fitted word + char_wb feature union, in numpy (and optional C loops).

:class:`CompiledFeatures` re-implements the ``transform`` of the union that
:func:`stance.features.tfidf.make_text_features` builds (word 1-2-grams of
:func:`stance.text.processing.words` and ``char_wb`` n-grams, sublinear or binary tf, idf, L2 rows)
with batch-wide numpy operations:

- text is split into whitespace-separated chunks (no word token and no ``char_wb``
  n-gram crosses whitespace); each distinct chunk's word token ids and character
  n-gram columns are computed once and kept in a table shared by later batches
  (up to :data:`_WORD_CACHE_SIZE` chunks), so a batch costs one dict lookup per
  chunk occurrence and one ragged gather per block;
- character n-grams are packed into exact 63-bit keys (12 bits per character
  over the vocabulary's alphabet, 3 bits of length) and looked up with one
  ``searchsorted`` per n-gram length, for the chunks new to the table;
- word bigrams are looked up as packed keys of token-id pairs;
- occurrences are counted by sorting 32-bit (row, column) keys.

Where the optional extension ``stance.features._kernels`` was built at install time
(a C compiler was there; :data:`KERNELS` says whether it runs), C loops do: the
word tokens (ASCII chunks, as the ``words`` regex splits them) and character
n-grams (looked up in a hash table of the vocabulary) of chunks new to the table,
the (row, column) keys of both blocks (word bigrams looked up in a
hash table of their token pairs), and the counting and tf-idf of each row's keys
(a dense count per column, read back in column order from a two-level bitmap:
no sort). They give the same matrices, bit for bit, as the numpy code that runs
without them, and the counting loops release the GIL.

The compiled tables are plain arrays (:meth:`CompiledFeatures.to_arrays`); a saved
model stores them (``features.npz``), so loading one reads them back
(:meth:`CompiledFeatures.from_arrays`) and compiles nothing.

It imports neither scikit-learn nor scipy (scipy only multiplies batches of
:data:`SCIPY_MIN_ROWS` rows or more), so a model in the safe format can be
loaded and used in a fraction of a second. Tests check it against
scikit-learn's own transform over a grid of n-gram ranges.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import repeat
from operator import itemgetter

import numpy as np

from ..text.processing import preprocess, words

try:  # loops of this module in C, built at install time where a C compiler is there (setup.py)
    from . import _kernels
except ImportError:  # pragma: no cover - depends on the install; the numpy code below gives the same arrays
    _kernels = None

__all__ = ["BlockRows", "CompiledFeatures", "KERNELS", "SparseRows"]

#: Which code runs the transform's counting loops: ``"c"`` (the optional extension
#: ``stance.features._kernels``, built when the package was installed with a C compiler) or
#: ``"numpy"``. Both give the same arrays; ``"c"`` is faster and releases the GIL.
KERNELS = "numpy" if _kernels is None else "c"

_ALPHABET_BITS = 12
_MAX_ALPHABET = (1 << _ALPHABET_BITS) - 1  # id 0 means "character in no vocabulary n-gram"
_MAX_PACKED_N = 5  # 5 x 12 bits + 3 bits of length fit in 63 bits
_WORD_CACHE_SIZE = 200_000  # distinct chunks the chunk table keeps between batches
# Joins a batch's documents. U+FB01 (the "fi" ligature) is a word character that NFKC
# always decomposes, so no preprocessed text contains it: it cannot be confused with a word.
_SEPARATOR_TOKEN = "\ufb01"
_SEPARATOR = f" {_SEPARATOR_TOKEN} "


#: Batches of at least this many rows are multiplied by scipy (imported then), smaller ones by numpy.
SCIPY_MIN_ROWS = 64
_SCIPY = []


def _scipy_sparse():
    """``scipy.sparse``, imported on first use, or ``None`` where it is missing."""
    if not _SCIPY:
        try:
            import scipy.sparse
        except ImportError:  # pragma: no cover - scipy comes with scikit-learn
            _SCIPY.append(None)
        else:
            _SCIPY.append(scipy.sparse)
    return _SCIPY[0]


class SparseRows:
    """A CSR matrix as three numpy arrays (``indptr``, ``indices``, ``data``) and a shape."""

    __slots__ = ("indptr", "indices", "data", "shape")

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, shape: tuple[int, int]):
        self.indptr, self.indices, self.data, self.shape = indptr, indices, data, shape

    def to_scipy(self):
        """The same matrix as :class:`scipy.sparse.csr_matrix`."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def dot(self, W: np.ndarray) -> np.ndarray:
        """``self @ W`` for a dense ``W`` of shape (n_features, k).

        From :data:`SCIPY_MIN_ROWS` rows on, scipy's sparse product does it (about 6x faster than
        numpy's gather; scipy is installed with scikit-learn, but importing it costs a cold start about
        0.1 s, so single paragraphs stay on numpy).
        """
        n_rows = self.shape[0]
        if n_rows >= SCIPY_MIN_ROWS and _scipy_sparse() is not None:
            return np.asarray(self.to_scipy() @ W)
        out = np.zeros((n_rows, W.shape[1]), dtype=np.result_type(self.data.dtype, W.dtype))
        lengths = np.diff(self.indptr)
        filled = lengths > 0
        if not filled.any():
            return out
        contrib = W[self.indices]
        contrib *= self.data[:, None]
        out[filled] = np.add.reduceat(contrib, self.indptr[:-1][filled], axis=0)
        return out


class BlockRows:
    """Feature blocks side by side, each a :class:`SparseRows` over its own columns (word block first).

    ``dot`` sums the blocks' products, so the blocks are never merged into one
    CSR matrix unless asked (:meth:`merged`, :meth:`to_scipy`). One more feature
    block is one more entry of ``blocks``.
    """

    __slots__ = ("blocks", "shape", "_merged")

    def __init__(self, blocks: list[SparseRows]):
        self.blocks = list(blocks)
        self.shape = (blocks[0].shape[0], sum(b.shape[1] for b in blocks))
        self._merged = None

    def word_rows(self) -> SparseRows:
        """The first block (word n-grams, the only ones reported as evidence)."""
        return self.blocks[0]

    def dot(self, W: np.ndarray) -> np.ndarray:
        """``self @ W`` for a dense ``W`` of shape (n_features, k)."""
        out, start = None, 0
        for block in self.blocks:
            part = block.dot(W[start : start + block.shape[1]])
            out = part if out is None else out + part
            start += block.shape[1]
        return out

    def merged(self) -> SparseRows:
        """The blocks as one :class:`SparseRows` (each row's entries block by block)."""
        if self._merged is None:
            n = self.shape[0]
            lengths = [np.diff(b.indptr) for b in self.blocks]
            indptr = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(np.sum(lengths, axis=0), out=indptr[1:])
            total = int(indptr[-1])
            indices = np.empty(total, dtype=np.int64)
            data = np.empty(total, dtype=np.result_type(*(b.data.dtype for b in self.blocks)))
            before = np.zeros(n, dtype=np.int64)
            offset = 0
            for block, length in zip(self.blocks, lengths):
                pos = np.repeat(indptr[:-1] + before - block.indptr[:-1], length) + np.arange(len(block.indices))
                indices[pos], data[pos] = block.indices + offset, block.data
                before += length
                offset += block.shape[1]
            self._merged = SparseRows(indptr, indices, data, self.shape)
        return self._merged

    @property
    def indptr(self) -> np.ndarray:
        return self.merged().indptr

    @property
    def indices(self) -> np.ndarray:
        return self.merged().indices

    @property
    def data(self) -> np.ndarray:
        return self.merged().data

    def to_scipy(self):
        """The same matrix as :class:`scipy.sparse.csr_matrix`."""
        return self.merged().to_scipy()


class CompiledFeatures:
    """Exact, vectorised transform of a fitted word (+ char_wb) TF-IDF union.

    Parameters
    ----------
    word_vocabulary : list of str
        Word n-grams in column order.
    word_idf : array of float
    word_ngram_range : tuple of int
        ``(1, 1)`` or ``(1, 2)``.
    char_vocabulary : list of str or None
        Character n-grams in column order (after the word columns).
    char_idf : array of float or None
    char_ngram_range : tuple of int or None
        Up to 5 characters.
    binary : bool, default=False
        Term frequency of both blocks: ``False`` is sublinear (``1 + log(count)``),
        ``True`` is 1 for any count (``TfidfVectorizer(binary=True)``).
    dtype : numpy dtype, default=numpy.float32

    Raises
    ------
    ValueError
        If the configuration is not one this class reproduces exactly.

    Examples
    --------
    >>> from stance.features.tfidf import make_text_features
    >>> union = make_text_features(min_df=1).fit(["NATO expansion east", "arms control talks"])
    >>> fast = CompiledFeatures.from_union(union)
    >>> X = ["NATO talks", "east"]
    >>> bool(abs(fast.transform(X) - union.transform(X)).max() < 1e-6)
    True
    """

    def __init__(self, *, word_vocabulary, word_idf, word_ngram_range=(1, 2), char_vocabulary=None, char_idf=None,
                 char_ngram_range=None, binary=False, dtype=np.float32):
        self._setup(word_idf, word_ngram_range, char_idf, char_ngram_range, dtype, binary)
        self._compile_words(list(word_vocabulary))
        if self.has_char:
            self._compile_chars(list(char_vocabulary))
        self._finish()
        self._word_vocabulary = list(word_vocabulary)

    def _setup(self, word_idf, word_ngram_range, char_idf, char_ngram_range, dtype, binary=False) -> None:
        self.binary = bool(binary)
        if tuple(word_ngram_range) not in ((1, 1), (1, 2)):
            raise ValueError(f"cannot compile word n-grams {tuple(word_ngram_range)}; expected (1, 1) or (1, 2)")
        self.dtype = np.dtype(dtype)
        self.word_ngram_range = tuple(int(v) for v in word_ngram_range)
        self.word_idf = np.asarray(word_idf, dtype=np.float64)
        self.n_word = len(self.word_idf)
        self.use_bigrams = self.word_ngram_range == (1, 2)
        self.has_char = char_idf is not None
        self.n_char = 0
        self.char_range = None
        if self.has_char:
            min_n, max_n = char_ngram_range
            if min_n < 1 or max_n > _MAX_PACKED_N or min_n > max_n:
                raise ValueError(f"cannot compile this character block: n-grams {tuple(char_ngram_range)}")
            self.char_range = (int(min_n), int(max_n))
            self.char_idf = np.asarray(char_idf, dtype=np.float64)
            self.n_char = len(self.char_idf)

    def _finish(self) -> None:
        self.n_features = self.n_word + self.n_char
        self._table = _ChunkTable()  # distinct chunks seen -> their word token ids and char n-gram columns
        self._lock = threading.Lock()
        self._missed = False  # whether the last batch held chunks the table lacked (then get() is tried first)
        # the unigram column of each token id, int32, with -1 at the end (read for the id -1 of an unknown token)
        self._unigram_col = np.append(self.unigram_col, -1).astype(np.int32)
        self._bigram_cols = self.bigram_cols.astype(np.int32)
        self._term_parts = None
        self._word_vocabulary = None
        self._ngram_hash = None  # the C loops' hash table of the character n-grams, built on first use
        self._bigram_hash = None  # and of the word bigrams

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        del state["_table"], state["_lock"]  # a cache and a lock: rebuilt empty when unpickled
        state["_ngram_hash"] = state["_bigram_hash"] = None  # rebuilt on first use
        state.pop("_missed", None)
        return state

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        self._table = _ChunkTable()
        self._lock = threading.Lock()
        self._ngram_hash = self._bigram_hash = None  # also for pickles written before they existed
        self._missed = False

    # -- stored form: the compiled tables as plain arrays (what a saved model holds) ----------------
    def to_arrays(self) -> dict[str, np.ndarray]:
        """The compiled tables as numeric arrays, for :meth:`from_arrays` (no string is stored twice).

        Word n-grams are the tokens (UTF-8, newline-separated), each token's unigram
        column and the packed bigram keys; character n-grams are their alphabet
        (code points) and packed keys. Together they define the vocabularies.
        Binary term frequencies add ``tf_binary`` (``[1]``); without it the tf is sublinear.
        """
        tokens = [t for t, i in sorted(self.token_id.items(), key=lambda kv: kv[1]) if i >= 0]
        arrays = {
            "idf_word": self.word_idf.astype(np.float32),
            "word_tokens": np.frombuffer("\n".join(tokens).encode("utf-8"), dtype=np.uint8),
            "word_unigram_col": self.unigram_col.astype(np.int32),
            "word_bigram_keys": self.bigram_keys.astype(np.int64),
            "word_bigram_cols": self.bigram_cols.astype(np.int32),
        }
        if self.has_char:
            arrays.update(idf_char=self.char_idf.astype(np.float32),
                          char_alphabet=self.char_alphabet.astype(np.int32),
                          char_keys=self.char_keys.astype(np.int64), char_cols=self.char_cols.astype(np.int32))
        if self.binary:  # absent for sublinear tf, so those tables are what earlier versions wrote
            arrays["tf_binary"] = np.ones(1, dtype=np.uint8)
        return arrays

    @classmethod
    def from_arrays(cls, arrays: dict, *, word_ngram_range, char_ngram_range=None,
                    dtype=np.float32) -> CompiledFeatures:
        """Rebuild from :meth:`to_arrays` output: reads the tables, compiles nothing.

        The arrays are trusted to be consistent; :func:`check_compiled_arrays` says
        whether arrays read from a file are.
        """
        self = cls.__new__(cls)
        has_char = "char_keys" in arrays
        self._setup(arrays["idf_word"], word_ngram_range, arrays["idf_char"] if has_char else None,
                    char_ngram_range if has_char else None, dtype, binary=stored_binary(arrays))
        tokens = _decode_tokens(arrays["word_tokens"])
        self.n_tokens = len(tokens)
        self.token_id = dict(zip(tokens, range(len(tokens))))
        self.token_id[_SEPARATOR_TOKEN] = -2
        self.unigram_col = arrays["word_unigram_col"].astype(np.int64)
        self.bigram_keys = arrays["word_bigram_keys"].astype(np.int64)
        self.bigram_cols = arrays["word_bigram_cols"].astype(np.int64)
        if has_char:
            self._set_alphabet(arrays["char_alphabet"])
            self.char_keys = arrays["char_keys"].astype(np.int64)
            self.char_cols = arrays["char_cols"].astype(np.int64)
        self._finish()
        return self

    @property
    def word_vocabulary(self) -> list[str]:
        """Word n-grams in column order (built from the tables on first use)."""
        if self._word_vocabulary is None:
            self._word_vocabulary = [self.word_term(j) for j in range(self.n_word)]
        return self._word_vocabulary

    def word_term(self, column: int) -> str:
        """The word n-gram of one column."""
        if self._word_vocabulary is not None:
            return self._word_vocabulary[column]
        if self._term_parts is None:
            tokens = [t for t, i in sorted(self.token_id.items(), key=lambda kv: kv[1]) if i >= 0]
            first = np.full(self.n_word, -1, dtype=np.int64)
            second = np.full(self.n_word, -1, dtype=np.int64)
            has = self.unigram_col >= 0
            first[self.unigram_col[has]] = np.flatnonzero(has)
            if len(self.bigram_keys):
                first[self.bigram_cols] = self.bigram_keys // self.n_tokens
                second[self.bigram_cols] = self.bigram_keys % self.n_tokens
            self._term_parts = (tokens, first, second)
        tokens, first, second = self._term_parts
        a, b = int(first[column]), int(second[column])
        return tokens[a] if b < 0 else f"{tokens[a]} {tokens[b]}"

    @property
    def char_vocabulary(self) -> list[str] | None:
        """Character n-grams in column order (decoded from the packed keys), or ``None``."""
        if not self.has_char:
            return None
        chars = np.concatenate([[""], [chr(c) for c in self.char_alphabet]])
        shifts = _ALPHABET_BITS * np.arange(_MAX_PACKED_N)
        ids = (self.char_keys[:, None] >> shifts) & _MAX_ALPHABET
        lengths = (self.char_keys >> 60).tolist()
        terms = ["".join(row[:n]) for row, n in zip(chars[ids].tolist(), lengths)]
        out = [""] * self.n_char
        for term, col in zip(terms, self.char_cols.tolist()):
            out[col] = term
        return out

    @classmethod
    def from_union(cls, union) -> CompiledFeatures:
        """Compile a fitted union built by :func:`stance.features.tfidf.make_text_features`."""
        blocks = dict(union.transformer_list)
        names = [name for name, _ in union.transformer_list]
        if names not in (["word"], ["word", "char"]) or union.transformer_weights:
            raise ValueError(f"cannot compile a feature union with blocks {names}")
        word = blocks["word"]
        if word.preprocessor is not preprocess or word.tokenizer is not words:
            raise ValueError("cannot compile a word block that does not use stance's preprocess/words")
        kwargs = {}
        if "char" in blocks:
            char = blocks["char"]
            if char.analyzer != "char_wb" or char.preprocessor is not preprocess:
                raise ValueError("cannot compile this character block: it is not stance's char_wb block")
            _check_tfidf(char)
            if bool(char.binary) != bool(word.binary):
                raise ValueError("cannot compile word and character blocks with different term frequencies "
                                 f"(binary={word.binary!r} and {char.binary!r})")
            kwargs = dict(char_vocabulary=_ordered(char.vocabulary_), char_idf=char.idf_,
                          char_ngram_range=char.ngram_range)
        _check_tfidf(word)
        return cls(word_vocabulary=_ordered(word.vocabulary_), word_idf=word.idf_,
                   word_ngram_range=word.ngram_range, binary=bool(word.binary), dtype=word.dtype, **kwargs)

    # -- compilation --------------------------------------------------------------------
    def _compile_words(self, vocabulary: list[str]) -> None:
        if len(vocabulary) != self.n_word:
            raise ValueError(f"word vocabulary of {len(vocabulary)} terms for {self.n_word} idf values")
        token_id: dict[str, int] = {}
        unigram_col: list[int] = []
        bigrams: list[tuple[int, int, int]] = []
        pending: list[tuple[str, str, int]] = []
        for col, term in enumerate(vocabulary):
            if "\n" in term or not term or (" " in term and len(term.split(" ")) != 2):
                raise ValueError(f"cannot compile the word n-gram {term!r}")
            parts = term.split(" ")
            if len(parts) == 1:
                tid = token_id.setdefault(term, len(token_id))
                if tid == len(unigram_col):
                    unigram_col.append(col)
                else:
                    unigram_col[tid] = col
            else:
                pending.append((parts[0], parts[-1], col))
        for a, b, col in pending:
            for t in (a, b):
                if t not in token_id:
                    token_id[t] = len(token_id)
                    unigram_col.append(-1)
            bigrams.append((token_id[a], token_id[b], col))
        self.n_tokens = len(token_id)
        token_id[_SEPARATOR_TOKEN] = -2  # marks document boundaries in a joined batch
        self.token_id = token_id
        self.unigram_col = np.asarray(unigram_col, dtype=np.int64)
        keys = np.asarray([a * self.n_tokens + b for a, b, _ in bigrams], dtype=np.int64)
        cols = np.asarray([c for _, _, c in bigrams], dtype=np.int64)
        order = np.argsort(keys)
        self.bigram_keys, self.bigram_cols = keys[order], cols[order]

    def _set_alphabet(self, codepoints) -> None:
        self.char_alphabet = np.asarray(codepoints, dtype=np.int64)
        self.char_alpha_table = np.zeros(int(self.char_alphabet.max(initial=0)) + 1, dtype=np.int64)
        self.char_alpha_table[self.char_alphabet] = np.arange(1, len(self.char_alphabet) + 1)

    def _compile_chars(self, vocabulary: list[str]) -> None:
        if len(vocabulary) != self.n_char:
            raise ValueError(f"character vocabulary of {len(vocabulary)} terms for {self.n_char} idf values")
        alphabet = sorted({ch for term in vocabulary for ch in term})
        if len(alphabet) > _MAX_ALPHABET:
            raise ValueError(f"cannot compile this character block: {len(alphabet)} distinct characters, "
                             f"more than {_MAX_ALPHABET}")
        if any(not 1 <= len(term) <= _MAX_PACKED_N for term in vocabulary):
            raise ValueError(f"cannot compile this character block: a term longer than {_MAX_PACKED_N}")
        alpha = {ord(ch): i + 1 for i, ch in enumerate(alphabet)}
        self._set_alphabet([ord(ch) for ch in alphabet])
        keys = np.empty(self.n_char, dtype=np.int64)
        for k, term in enumerate(vocabulary):
            key = 0
            for j, ch in enumerate(term):
                key |= alpha[ord(ch)] << (_ALPHABET_BITS * j)
            keys[k] = key | (len(term) << 60)
        order = np.argsort(keys)
        self.char_keys, self.char_cols = keys[order], order.astype(np.int64)

    # -- transform ------------------------------------------------------------------------
    def transform_rows(self, texts: Sequence[str]) -> SparseRows | BlockRows:
        """TF-IDF rows of ``texts`` (word columns, then character columns).

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        SparseRows or BlockRows
            The word block alone, or the word and character blocks side by side
            (never interleaved: the product sums the blocks' products).
        """
        prepared = [preprocess(t) for t in texts]
        n = len(prepared)
        table, doc, occ = self._chunks(prepared)
        if _kernels is not None:
            w_ptr, w_col, w_val = _tfidf_of_keys(self._word_keys(table, doc, occ, n), n, self.n_word,
                                                 self.word_idf, self.binary, grouped=True)
        else:
            w_ptr, w_col, w_val = _tfidf(*self._word_occurrences(table, doc, occ, n), n, self.n_word,
                                         self.word_idf, self.binary)
        if not self.has_char:
            return SparseRows(w_ptr, w_col, w_val.astype(self.dtype), (n, self.n_features))
        c_ptr, c_col, c_val = _tfidf_of_keys(self._char_keys(table, doc, occ, n), n, self.n_char, self.char_idf,
                                             self.binary, grouped=True)
        return BlockRows([SparseRows(w_ptr, w_col, w_val.astype(self.dtype), (n, self.n_word)),
                          SparseRows(c_ptr, c_col, c_val.astype(self.dtype), (n, self.n_char))])

    def transform(self, texts: Sequence[str]):
        """TF-IDF matrix of ``texts`` as a :class:`scipy.sparse.csr_matrix`."""
        return self.transform_rows(texts).to_scipy()

    def _chunks(self, prepared: list[str]) -> tuple[_ChunkTable, np.ndarray, np.ndarray]:
        """``(table, doc, chunk)``: every whitespace-separated chunk of a batch in text order, as its id in
        ``table`` (0 between documents) and its document.

        Both blocks work per distinct chunk: no word token and no ``char_wb`` n-gram
        crosses whitespace, so a chunk's tokens and n-grams are computed once, kept
        in the table across batches, and every occurrence reuses them (one dict
        lookup per chunk occurrence).
        """
        tokens = _SEPARATOR.join(prepared).split()
        table, occ = self._chunk_ids(tokens)
        doc = np.cumsum(occ == 0, dtype=np.int32)  # a separator's "document" is the next one: it has no entries
        return table, doc, occ

    def _chunk_ids(self, tokens: list[str]) -> tuple[_ChunkTable, np.ndarray]:
        """The chunk table and the id of each of ``tokens`` in it, adding the chunks it lacks.

        The table only grows (rows are appended, never changed) up to
        :data:`_WORD_CACHE_SIZE` chunks; a batch that would overflow it starts a new
        table with that batch's chunks. A batch keeps the table it looked up in,
        so threads sharing a model never see half an update.
        """
        while True:
            table = self._table
            if len(tokens) > 1 and not self._missed:
                try:  # every chunk known (a warm table): one C-level lookup of all of them, ~10% faster than get
                    return table, np.fromiter(itemgetter(*tokens)(table.ids), dtype=np.int64, count=len(tokens))
                except KeyError:  # stopped at the first unknown chunk: not tried again while batches have some
                    self._missed = True
            occ = np.fromiter(map(table.ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
            missing = np.flatnonzero(occ < 0)
            self._missed = bool(len(missing))
            if not len(missing):
                return table, occ
            missed = list(map(tokens.__getitem__, missing.tolist()))
            with self._lock:
                if table is not self._table:  # another thread started a new table: look up again
                    continue
                fresh = [t for t in dict.fromkeys(missed) if t not in table.ids]
                if len(table) + len(fresh) <= _WORD_CACHE_SIZE:
                    self._add_chunks(table, fresh)
                    occ[missing] = np.fromiter(map(table.ids.__getitem__, missed), dtype=np.int64,
                                               count=len(missing))
                    return table, occ
                # full: start afresh with this batch's chunks (kept only if they fit: the size stays bounded)
                table = _ChunkTable()
                self._add_chunks(table, list(dict.fromkeys(tokens)))
                self._table = table if len(table) <= _WORD_CACHE_SIZE else _ChunkTable()
            return table, np.fromiter(map(table.ids.__getitem__, tokens), dtype=np.int64, count=len(tokens))

    def _add_chunks(self, table: _ChunkTable, chunks: list[str]) -> None:
        chunks = [c for c in chunks if c != _SEPARATOR_TOKEN]
        if not chunks:
            return
        char = self._ngrams_of_words(chunks) if self.has_char else None
        table.add(chunks, self._token_ids_of_chunks(chunks), char)

    def _token_ids_of_chunks(self, chunks: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Token ids (-1: not in the vocabulary) of each chunk's word tokens, as (ptr, ids); one regex pass
        (with the C loops: ASCII chunks tokenised in C, the same tokens as :func:`words`)."""
        if _kernels is not None:
            ptr, ids = _kernels.chunk_token_ids(chunks, self.token_id, words)
            return np.frombuffer(ptr, dtype=np.int64), np.frombuffer(ids, dtype=np.int64)
        tokens = words(_SEPARATOR.join(chunks))
        tid = np.fromiter(map(self.token_id.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        is_sep = tid == -2  # the separator's id in token_id
        owner = np.cumsum(is_sep)[~is_sep]
        ptr = np.zeros(len(chunks) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(chunks)), out=ptr[1:])
        return ptr, tid[~is_sep]

    def _word_occurrences(self, table: _ChunkTable, doc: np.ndarray, occ: np.ndarray,
                          n_rows: int) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every vocabulary word n-gram occurrence (unigrams grouped by row, then bigrams)."""
        per_occ, tid = _gather(occ, table.word)
        doc = np.repeat(doc, per_occ)  # every token of the batch, in text order
        col = self._unigram_col.take(tid)  # an unknown token (-1) reads the last entry, which is -1
        keep = np.flatnonzero(col >= 0)  # positions and take: several times faster than a boolean mask
        rows, cols = [doc.take(keep)], [col.take(keep)]
        if self.use_bigrams and len(tid) > 1 and len(self.bigram_keys):
            known = tid >= 0
            pair = np.flatnonzero((doc[:-1] == doc[1:]) & known[:-1] & known[1:])
            key = tid[pair].astype(np.int64) * self.n_tokens + tid[pair + 1]
            if self.n_tokens**2 * n_rows < 2**62:
                # search in sorted order (several times faster: each search starts where the last ended);
                # the order of the occurrences does not matter, _tfidf sorts them
                both = np.sort(key * n_rows + doc[pair])
                key, row = both // n_rows, both % n_rows
            else:
                row = doc[pair]
            pos = np.searchsorted(self.bigram_keys, key)
            pos[pos == len(self.bigram_keys)] = 0
            hit = np.flatnonzero(self.bigram_keys[pos] == key)
            rows.append(row.take(hit))
            cols.append(self._bigram_cols[pos.take(hit)])
        return np.concatenate(rows), np.concatenate(cols)

    def _word_keys(self, table: _ChunkTable, doc: np.ndarray, occ: np.ndarray, n_rows: int) -> np.ndarray:
        """``row * n_word + column`` of every vocabulary word unigram and bigram occurrence, row by row (the C
        loop; what :func:`_tfidf` makes of :meth:`_word_occurrences`)."""
        if self._bigram_hash is None:
            self._bigram_hash = (_ngram_hash(self.bigram_keys, self.bigram_cols) if self.use_bigrams
                                 and len(self.bigram_keys) else (np.zeros(0, np.int64), np.zeros(0, np.int32), 0))
        rows = table.word
        keys = np.empty(2 * int(rows.length.take(occ).sum()), dtype=_key_type(n_rows, self.n_word))
        n = _kernels.word_keys(occ, rows.start, rows.length, rows.values, doc, self._unigram_col, *self._bigram_hash,
                               self.n_tokens, self.n_word, keys)
        return keys[:n]

    def _char_occurrences(self, table: _ChunkTable, doc: np.ndarray, occ: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every vocabulary character n-gram occurrence, grouped by row."""
        per_occ, cols = _gather(occ, table.char)
        return np.repeat(doc, per_occ), cols

    def _char_keys(self, table: _ChunkTable, doc: np.ndarray, occ: np.ndarray, n_rows: int) -> np.ndarray:
        """``row * n_char + column`` of every vocabulary character n-gram occurrence (what :func:`_tfidf` makes of
        :meth:`_char_occurrences`), built in the gather: no (row, column) pair is kept apart."""
        key_type = _key_type(n_rows, self.n_char)
        if _kernels is not None:
            rows = table.char
            keys = np.empty(int(rows.length.take(occ).sum()), dtype=key_type)
            _kernels.gather_keys(occ, rows.start, rows.length, rows.values, doc, self.n_char, keys)
            return keys
        per_occ, cols = _gather(occ, table.char)
        keys = np.repeat(doc.astype(key_type) * self.n_char, per_occ)
        keys += cols
        return keys

    def _ngrams_of_words(self, unique_words: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Vocabulary columns of the char_wb n-grams of each word, as (indptr, columns).

        With the C loops, each word's n-grams are looked up in a hash table of the vocabulary (built on
        first use); without them, by one ``searchsorted`` per n-gram length over all the words. A word's
        columns may come in another order, which nothing downstream depends on (rows are counted).
        """
        if _kernels is not None:
            if self._ngram_hash is None:
                self._ngram_hash = _ngram_hash(self.char_keys, self.char_cols)
            table_keys, table_cols, bits = self._ngram_hash
            ptr, cols = _kernels.ngram_columns(unique_words, self.char_alpha_table, table_keys, table_cols, bits,
                                               *self.char_range, _ALPHABET_BITS)
            return np.frombuffer(ptr, dtype=np.int64), np.frombuffer(cols, dtype=np.int32)
        joined = " " + "  ".join(unique_words) + " "
        cp = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
        table = self.char_alpha_table
        alpha = np.zeros(len(cp), dtype=np.int64)
        inside = cp < len(table)
        alpha[inside] = table[cp[inside]]
        is_space = cp == 32
        # Padded words " w1 ", " w2 " sit side by side and hold no inner space, so a
        # word starts at each space followed by a non-space; an n-gram is kept when
        # its first and last characters belong to the same padded word.
        starts = np.zeros(len(cp), dtype=bool)
        starts[:-1] = is_space[:-1] & ~is_space[1:]
        word_id = np.cumsum(starts) - 1
        min_n, max_n = self.char_range
        total = len(cp)
        owners, cols = [], []
        key = np.zeros(total, dtype=np.int64)
        valid = np.ones(total, dtype=bool)
        for n in range(1, max_n + 1):
            m = total - n + 1
            if m <= 0:
                break
            a = alpha[n - 1 : n - 1 + m]
            key = key[:m] | (a << (_ALPHABET_BITS * (n - 1)))
            valid = valid[:m] & (a > 0) & (word_id[:m] == word_id[n - 1 : n - 1 + m])
            if n < min_n:
                if n < 3:
                    continue
                # scikit-learn's char_wb keeps a padded word shorter than min_n whole (" a " for min_n=4)
                idx = np.flatnonzero(valid & starts[:m] & is_space[n - 1 : n - 1 + m])
            else:
                idx = np.flatnonzero(valid)
            k = key[idx] | (n << 60)
            pos = np.searchsorted(self.char_keys, k)
            pos[pos == len(self.char_keys)] = 0
            hit = self.char_keys[pos] == k
            owners.append(word_id[idx[hit]])
            cols.append(self.char_cols[pos[hit]])
        if not owners:  # every word is shorter than the smallest n-gram: no column at all
            return np.zeros(len(unique_words) + 1, dtype=np.int64), np.empty(0, dtype=np.int64)
        owner, col = np.concatenate(owners), np.concatenate(cols)
        order = np.argsort(owner, kind="stable")
        indptr = np.zeros(len(unique_words) + 1, dtype=np.int64)
        np.cumsum(np.bincount(owner, minlength=len(unique_words)), out=indptr[1:])
        return indptr, col[order]


def _decode_tokens(buffer: np.ndarray) -> list[str]:
    text = np.asarray(buffer, dtype=np.uint8).tobytes().decode("utf-8")
    return text.split("\n") if text else []


def check_compiled_arrays(arrays: dict, word_ngram_range, char_ngram_range) -> str | None:
    """What is wrong with stored compiled tables (a phrase naming the array), or ``None`` when they are consistent.

    Checks what :meth:`CompiledFeatures.from_arrays` relies on: shapes, integer
    kinds, sorted unique keys, every column defined exactly once, tokens that are
    distinct UTF-8 words, character ids inside the alphabet and n-gram lengths
    inside ``char_ngram_range`` (or 3 characters, a padded short word), and a
    ``tf_binary`` flag that is ``[1]`` when present.
    """
    def ints(name):
        a = arrays.get(name)
        if a is None:
            return None
        return a if a.dtype.kind in "iu" and a.ndim == 1 else None

    for name in ("word_tokens", "word_unigram_col", "word_bigram_keys", "word_bigram_cols"):
        if ints(name) is None:
            return f"'{name}' must be a 1-d integer array"
    flag = arrays.get("tf_binary")
    if flag is not None and (ints("tf_binary") is None or flag.tolist() != [1]):
        return "'tf_binary' must be [1] (present only for binary term frequencies)"
    n_word = len(arrays["idf_word"])
    try:
        text = np.asarray(arrays["word_tokens"], dtype=np.uint8).tobytes().decode("utf-8")
    except (UnicodeDecodeError, ValueError, OverflowError):
        return "'word_tokens' must be UTF-8 text"
    tokens = text.split("\n") if text else []
    # split() on any whitespace gives the same tokens only if none is empty or holds whitespace
    if len(set(tokens)) != len(tokens) or text.split() != tokens or _SEPARATOR_TOKEN in text:
        return "'word_tokens' must be distinct non-empty tokens without spaces"
    n_tokens = len(tokens)
    uni, keys, cols = arrays["word_unigram_col"], arrays["word_bigram_keys"], arrays["word_bigram_cols"]
    if len(uni) != n_tokens or ((uni < -1) | (uni >= n_word)).any():
        return f"'word_unigram_col' must hold one column in [-1, {n_word}) per token"
    if len(keys) != len(cols) or (len(keys) and (not tuple(word_ngram_range) == (1, 2))):
        return "'word_bigram_keys' and 'word_bigram_cols' must have one key per column (bigrams only for (1, 2))"
    if len(keys) and ((np.diff(keys) <= 0).any() or keys[0] < 0 or keys[-1] >= n_tokens * n_tokens):
        return "'word_bigram_keys' must be sorted distinct keys of token pairs"
    if len(cols) and ((cols < 0) | (cols >= n_word)).any():
        return f"'word_bigram_cols' must be columns in [0, {n_word})"
    covered = np.bincount(np.concatenate([uni[uni >= 0], cols]).astype(np.int64), minlength=n_word)
    if len(covered) != n_word or (covered != 1).any():
        return f"the word tables must define each of the {n_word} word columns exactly once"
    if char_ngram_range is None:
        return None
    for name in ("char_alphabet", "char_keys", "char_cols"):
        if ints(name) is None:
            return f"'{name}' must be a 1-d integer array"
    alphabet, ckeys, ccols = arrays["char_alphabet"], arrays["char_keys"], arrays["char_cols"]
    n_char = len(arrays["idf_char"])
    if (len(alphabet) > _MAX_ALPHABET or (len(alphabet) and (alphabet[0] < 1 or alphabet[-1] >= 0x110000))
            or (np.diff(alphabet) <= 0).any() or ((alphabet >= 0xD800) & (alphabet < 0xE000)).any()):
        return f"'char_alphabet' must be at most {_MAX_ALPHABET} sorted distinct code points"
    if len(ckeys) != n_char or len(ccols) != n_char:
        return f"'char_keys' and 'char_cols' must hold {n_char} values"
    if not n_char:
        return None
    if (np.diff(ckeys) <= 0).any() or ckeys[0] < 0:
        return "'char_keys' must be sorted distinct keys"
    ckeys = ckeys.astype(np.int64)
    lengths = ckeys >> 60
    low = min(3, char_ngram_range[0])
    if ((lengths < low) | (lengths > char_ngram_range[1])).any():
        return f"'char_keys' must hold n-grams of {low} to {char_ngram_range[1]} characters"
    shifts = _ALPHABET_BITS * np.arange(_MAX_PACKED_N)
    ids = (ckeys[:, None] >> shifts) & _MAX_ALPHABET
    inside = np.arange(_MAX_PACKED_N)[None, :] < lengths[:, None]
    if ((ids > len(alphabet)) | (inside & (ids == 0)) | (~inside & (ids != 0))).any() \
            or (ckeys & ~((1 << (_ALPHABET_BITS * _MAX_PACKED_N)) - 1) & ~(7 << 60)).any():
        return "'char_keys' must pack characters of 'char_alphabet'"
    if not np.array_equal(np.sort(ccols), np.arange(n_char)):
        return f"'char_cols' must be a permutation of the {n_char} character columns"
    return None


def _check_tfidf(vectorizer) -> None:
    # binary=True makes every count 1, so tf is 1 with or without sublinear_tf
    if not (vectorizer.sublinear_tf or vectorizer.binary) or not vectorizer.use_idf or vectorizer.norm != "l2":
        raise ValueError("cannot compile a TF-IDF block without sublinear or binary tf, idf and L2 norm")


def stored_binary(arrays: dict) -> bool:
    """Whether compiled tables (:meth:`CompiledFeatures.to_arrays`) are of binary term frequencies."""
    return "tf_binary" in arrays


def _ordered(vocabulary: dict[str, int]) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, j in vocabulary.items():
        terms[j] = term
    return terms


def _tfidf(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray, binary: bool = False):
    """CSR (indptr, indices, values) of tf x idf with L2 rows, from (row, col) occurrences; tf is
    ``1 + log(count)`` (sublinear) or 1 for any count (``binary``)."""
    # (row, col) keys, in 32 bits when they fit (half the memory traffic of int64)
    keys = rows.astype(_key_type(n_rows, n_cols))
    keys *= n_cols
    keys += cols
    return _tfidf_of_keys(keys, n_rows, n_cols, idf, binary)


def _key_type(n_rows: int, n_cols: int) -> type:
    """The integer type of ``row * n_cols + col`` keys: int32 when they fit (half the memory traffic of int64)."""
    return np.int32 if n_rows * n_cols < 2**31 else np.int64


def _tfidf_of_keys(keys: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray, binary: bool = False,
                   grouped: bool = False):
    """:func:`_tfidf` from the occurrences' ``row * n_cols + col`` keys (of :func:`_key_type`), which it sorts
    in place. ``grouped``: the keys come row by row (the C loop then counts each row's keys without a sort)."""
    if len(keys) == 0:
        return np.zeros(n_rows + 1, dtype=np.int64), np.empty(0, dtype=np.int32), np.empty(0)
    key_type = keys.dtype.type
    if _kernels is not None:
        if not grouped:
            keys.sort()
        return _tfidf_rows(keys, n_rows, n_cols, idf, binary, grouped)
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    counts = np.empty_like(starts)
    np.subtract(starts[1:], starts[:-1], out=counts[:-1])
    counts[-1] = len(keys) - starts[-1]
    keys = keys.take(starts)
    indptr = np.searchsorted(keys, np.arange(n_rows + 1, dtype=np.int64) * n_cols)
    lengths = np.diff(indptr)
    cols = keys  # each key minus its row's offset, in place: the column
    cols -= np.repeat(np.arange(0, n_rows * n_cols, n_cols, dtype=key_type), lengths)
    values = _tf_table(binary, int(counts.max()) + 1).take(counts)  # the tf of each count, looked up
    values *= idf.take(cols)  # take: a fancy index converts int32 indices first
    norms = np.sqrt(np.bincount(np.repeat(np.arange(n_rows), lengths), weights=values * values, minlength=n_rows))
    values /= np.repeat(norms, lengths)
    return indptr, cols, values


def _ngram_hash(keys: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """The C loops' open-addressing table of packed keys (character n-grams, or word bigrams as token-id
    pairs) and their columns: (slot keys, slot columns, bits), with 2**bits slots, at least twice the keys."""
    bits = max(4, int(2 * len(keys) - 1).bit_length())
    table_keys = np.full(1 << bits, -1, dtype=np.int64)
    table_cols = np.zeros(1 << bits, dtype=np.int32)
    _kernels.ngram_hash(np.ascontiguousarray(keys, dtype=np.int64), np.ascontiguousarray(cols, dtype=np.int64),
                        table_keys, table_cols, bits)
    return table_keys, table_cols, bits


_TF_TABLES: dict[bool, np.ndarray] = {}


def _tf_table(binary: bool, size: int) -> np.ndarray:
    """Term frequency of each count below ``size`` (at least): 1 (binary) or ``1 + log(count)``, for both
    the numpy and the C counting; kept and grown by doubling."""
    table = _TF_TABLES.get(binary)
    if table is None or len(table) < size:
        n = max(size, 2 * (0 if table is None else len(table)), 256)
        table = np.ones(n) if binary else np.zeros(n)
        if not binary:
            table[1:] = np.log(np.arange(1, n)) + 1.0
        _TF_TABLES[binary] = table
    return table


def _tfidf_rows(keys: np.ndarray, n_rows: int, n_cols: int, idf: np.ndarray, binary: bool, grouped: bool):
    """:func:`_tfidf_of_keys` by the C loop (the same arrays), from sorted keys or keys grouped by row."""
    indptr = np.empty(n_rows + 1, dtype=np.int64)
    cols = np.empty(len(keys), dtype=keys.dtype)
    values = np.empty(len(keys))
    size = 256
    while True:
        nnz = _kernels.tfidf_rows(keys, n_rows, n_cols, idf, _tf_table(binary, size), indptr, cols, values, grouped)
        if nnz >= 0:
            return indptr, cols[:nnz], values[:nnz]
        size = 1 - nnz  # a count the table lacked: grow it past that count


def _gather(occ: np.ndarray, rows: _Ragged):
    """``(per_occ, flat)``: how many values each occurrence's row of ``rows`` has, and all of them in
    occurrence order (a ragged gather: occurrence ``i`` takes row ``occ[i]``)."""
    start, length, values = rows.start, rows.length, rows.values
    per_occ = length[occ]
    ends = np.cumsum(per_occ)
    total = int(ends[-1]) if len(ends) else 0
    idx = np.repeat(start[occ] - ends + per_occ, per_occ)
    idx += np.arange(total)
    return per_occ, values[idx]


class _Ragged:
    """Rows of int32 values of varying length: row ``i`` is ``values[start[i] : start[i] + length[i]]``.

    Rows are only appended; the arrays grow by doubling (into new arrays, the old ones left intact).
    """

    def __init__(self):
        self.start = np.zeros(1, dtype=np.int64)
        self.length = np.zeros(1, dtype=np.int32)
        self.values = np.empty(0, dtype=np.int32)
        self.used = 0

    def write(self, first: int, ptr: np.ndarray, values: np.ndarray) -> None:
        """Write rows ``first, first + 1, ...`` from (ptr, values)."""
        k, used = len(ptr) - 1, self.used
        start, length, flat = self.start, self.length, self.values
        if first + k > len(start):
            size = max(2 * len(start), first + k)
            start = np.concatenate([start[:first], np.zeros(size - first, dtype=np.int64)])
            length = np.concatenate([length[:first], np.zeros(size - first, dtype=np.int32)])
        if used + len(values) > len(flat):
            flat = np.concatenate([flat[:used], np.empty(max(len(flat), used + len(values)), dtype=np.int32)])
        flat[used : used + len(values)] = values
        start[first : first + k] = used + ptr[:-1]
        length[first : first + k] = np.diff(ptr)
        self.start, self.length, self.values, self.used = start, length, flat, used + len(values)


class _ChunkTable:
    """Distinct whitespace-separated chunks, each with its word token ids and its character n-gram columns.

    ``ids`` maps a chunk to its row in ``word`` (token ids, -1 for a token outside the vocabulary) and in
    ``char`` (n-gram columns). Row 0 is the separator between documents, with no entries. Rows are only
    appended and a row is written before its chunk enters ``ids``, so a lookup stays valid while
    another thread adds rows.
    """

    def __init__(self):
        self.ids = {_SEPARATOR_TOKEN: 0}
        self.word, self.char = _Ragged(), _Ragged()
        self._rows = 1

    def __len__(self) -> int:
        """Chunks held (the separator not counted)."""
        return self._rows - 1

    def add(self, chunks: list[str], word: tuple[np.ndarray, np.ndarray],
            char: tuple[np.ndarray, np.ndarray] | None) -> None:
        """Append ``chunks`` (none of them held yet) with their word token ids and char columns, each as (ptr, values)."""
        first = self._rows
        self.word.write(first, *word)
        if char is not None:
            self.char.write(first, *char)
        self._rows = first + len(chunks)
        self.ids.update(zip(chunks, range(first, first + len(chunks))))
