"""Speed of the shipped model against the tools a user would otherwise reach for, in one run.

Measures, in one process on the same paragraphs (the first N of ``domain/unlabeled.jsonl``, 5,000 by
default), wall time AND process CPU time of:

- ``stance``: the shipped model, raw text to topics + stance, ``classify(texts)`` as a user calls it
  (3 evidence terms per decision, computed on first read, so not computed in this row; language check),
  the first pass of a freshly loaded model over the paragraphs (its chunk table holds none of their
  words yet: what a new corpus costs at first; the other rows are best-of-3 passes, whose words the
  table holds), then ``classify(texts)`` followed by reading every result's ``evidence`` (what a caller of the
  evidence pays), with ``evidence=0``, with ``batch_size=256`` (the default batch of 1.2.0), and without
  the optional C loops (what an install without a C compiler runs);
- ``sklearn-union``: one ``TfidfVectorizer`` word 1-2 + char_wb 2-5 union with one
  ``LogisticRegression`` (trained here on ``domain/train.jsonl`` stances), ``predict`` from raw text;
- ``fasttext``: fastText supervised, a topic model (``loss="ova"``) and a stance model trained here on
  the same data, batch ``predict`` of both with fastText's usual normalisation (lower-casing,
  punctuation split off) included, in two configurations: its defaults plus ``wordNgrams=2``
  (what a user starts from), and ``wordNgrams=2, minn=2, maxn=5, dim=50`` (character n-grams like
  ours); skipped with a note when ``fasttext`` is not installed (``pip install fasttext-wheel``).

Also: cold start of ``python -c "import stance; stance.load_model().classify(['x'])"`` (median of 5,
wall), the shipped model's size, and optionally (``--training``) the time to train the default recipe.

Each rate is the best of 3 runs after a warm-up. Every system runs with one thread (BLAS limited to
one thread, fastText ``thread=1``). Ratios are taken between systems measured in the same run, so
that a machine shared with other work slows them alike; the absolute rates are only this machine's.

Usage::

    python benchmarks/speed.py [--data-root DIR] [--n 5000] [--json benchmarks/results/speed.json]
    python benchmarks/render_results.py   # then: RESULTS.md's tables and the README's summary from the JSON
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import stance  # noqa: E402
from stance.datasets.domain import load_domain, load_domain_grown, resolve_data_root  # noqa: E402
from stance.io.persistence import default_model_path  # noqa: E402


def _rates(fn, n: int, repeats: int = 3) -> dict:
    """Paragraphs per second of wall time and of process CPU time, each the best of ``repeats``."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return {"wall": round(n / best_wall), "cpu": round(n / best_cpu)}


def _paragraphs(root: Path, n: int) -> list[str]:
    texts = []
    with open(root / "domain" / "unlabeled.jsonl", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
    return (texts * (n // len(texts) + 1))[:n]


@contextlib.contextmanager
def _without_c():
    """Run what follows without the optional C loops (``stance.features._kernels``, ``stance.text._language``):
    the numpy and Python code an install without a C compiler runs."""
    import stance.features.compiled as compiled
    import stance.text.language as language

    saved = compiled._kernels, language._language
    compiled._kernels = language._language = None
    try:
        yield
    finally:
        compiled._kernels, language._language = saved


def c_loops() -> dict:
    """Which code runs the transform's counting loops and the language check's word counts."""
    import stance.features.compiled as compiled
    import stance.text.language as language

    return {"features": compiled.KERNELS, "language": "python" if language._language is None else "c"}


_OTHER_TEXT = ["Warm-up text that shares few words with the paragraphs measured: lorem ipsum dolor sit amet."]


def _fresh_rates(texts: list[str], repeats: int = 3) -> dict:
    """:func:`_rates` of one ``classify(texts)`` call on a freshly loaded model each time (loading not timed;
    a first call on other text has imported everything)."""
    best_wall = best_cpu = float("inf")
    for _ in range(repeats):
        model = stance.load_model()
        wall, cpu = time.perf_counter(), time.process_time()
        model.classify(texts)
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return {"wall": round(len(texts) / best_wall), "cpu": round(len(texts) / best_cpu)}


def bench_stance(texts: list[str]) -> dict:
    stance.load_model().classify(_OTHER_TEXT * 100)  # imports scipy and warms the allocator, not the chunk table
    model = stance.load_model()
    model.classify(texts[:1000])

    def classify_without_c():
        with _without_c():
            model.classify(texts)

    return {
        # a freshly loaded model's first pass over paragraphs it has not seen: what classifying a new corpus
        # costs before the chunk table holds its words (the rows below reuse the table of earlier passes)
        "classify_fresh": _fresh_rates(texts),
        "classify": _rates(lambda: model.classify(texts), len(texts)),
        # evidence is computed on first read: this row pays for it, as every consumer of evidence does
        "classify_read_evidence": _rates(lambda: [r.evidence for r in model.classify(texts)], len(texts)),
        "classify_evidence_0": _rates(lambda: model.classify(texts, evidence=0), len(texts)),
        # 1.2.0's default batch, in the same state of the process (see the batch row of the experiments)
        "classify_batch_256": _rates(lambda: model.classify(texts, batch_size=256), len(texts)),
        # what an install without a C compiler runs: the same results, from numpy and Python only
        "classify_without_c": _rates(classify_without_c, len(texts)),
    }


def _char_counts_by_sparse_product(features, chunks, n: int):
    """The alternative tried for the character block: n-gram counts as one scipy product,
    (documents x distinct chunks) @ (distinct chunks x n-grams), instead of listing every occurrence."""
    import numpy as np
    import scipy.sparse as sp

    from stance.features.compiled import _gather

    table, doc, occ = chunks
    ids, local = np.unique(occ, return_inverse=True)  # the batch's distinct chunks
    C = sp.csr_matrix((np.ones(len(occ)), (doc, local)), shape=(n, len(ids)))
    per_chunk, cols = _gather(ids, table.char)
    ptr = np.zeros(len(ids) + 1, dtype=np.int64)
    np.cumsum(per_chunk, out=ptr[1:])
    G = sp.csr_matrix((np.ones(len(cols)), cols, ptr), shape=(len(ids), features.n_char))
    M = (C @ G).tocsr()
    M.sum_duplicates()
    return M


def _tfidf_by_scipy_sum_duplicates(rows, cols, n_rows: int, n_cols: int, idf):
    """The alternative tried for counting (row, column) occurrences: a scipy CSR matrix of ones built from them
    (rows bucketed in C++), ``sum_duplicates`` (each row sorted on its own), then the same tf-idf and norms."""
    import numpy as np
    import scipy.sparse as sp

    M = sp.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(n_rows, n_cols))
    M.sum_duplicates()
    lengths = np.diff(M.indptr)
    values = (np.log(M.data) + 1.0) * idf[M.indices]
    norms = np.sqrt(np.bincount(np.repeat(np.arange(n_rows), lengths), weights=values * values, minlength=n_rows))
    values /= np.repeat(norms, lengths)
    return M.indptr, M.indices, values


def _token_ids_by_batch_regex(features, prepared: list[str]):
    """How word tokens were found before: one regex pass over the whole batch, one dict lookup per token."""
    from itertools import repeat

    import numpy as np

    from stance.features.compiled import _SEPARATOR
    from stance.text.processing import words

    tokens = words(_SEPARATOR.join(prepared))
    return np.fromiter(map(features.token_id.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))


def _token_ids_by_chunk(features, prepared: list[str]):
    import numpy as np

    from stance.features.compiled import _gather

    table, doc, occ = features._chunks(prepared)
    per_occ, ids = _gather(occ, table.word)
    return np.repeat(doc, per_occ), ids


def _occurrences_from_chunk_table(features, prepared: list[str]):
    """What is kept: each chunk occurrence's row in the model's chunk table (one dict lookup), then one ragged
    gather per block: (row, token id) and (row, n-gram column) of every occurrence."""
    import numpy as np

    from stance.features.compiled import _gather

    table, doc, occ = features._chunks(prepared)
    out = []
    for rows in (table.word, table.char):
        per_occ, values = _gather(occ, rows)
        out.append((np.repeat(doc, per_occ), values))
    return out


class _ChunksPerBatch:
    """How chunk occurrences were resolved before the model-wide chunk table (stance 1.1.0): per batch, a dict of
    its distinct chunks, two per-chunk caches (token ids, n-gram columns) checked with a set difference, the
    batch's arrays concatenated, then a ragged expansion per occurrence with three repeats."""

    def __init__(self, features):
        self.features, self.word, self.char = features, {}, {}

    def __call__(self, prepared: list[str]):
        import numpy as np

        from stance.features.compiled import _SEPARATOR, _SEPARATOR_TOKEN

        tokens = _SEPARATOR.join(prepared).split()
        uid_of = {w: i for i, w in enumerate(dict.fromkeys([_SEPARATOR_TOKEN, *tokens]))}
        occ_all = np.fromiter(map(uid_of.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        is_sep = occ_all == 0
        occ, doc, unique = occ_all[~is_sep] - 1, np.cumsum(is_sep)[~is_sep], list(uid_of)[1:]
        out = []
        for cache, compute in ((self.word, self.features._token_ids_of_chunks),
                               (self.char, self.features._ngrams_of_words)):
            missing = list(set(unique).difference(cache.keys()))
            if missing:
                ptr, values = compute(missing)
                cache.update({w: values[ptr[k] : ptr[k + 1]] for k, w in enumerate(missing)})
            per = list(map(cache.__getitem__, unique))
            flat = np.concatenate(per)
            ptr = np.zeros(len(unique) + 1, dtype=np.int64)
            np.cumsum(np.fromiter(map(len, per), dtype=np.int64, count=len(per)), out=ptr[1:])
            per_occ = np.diff(ptr)[occ]
            first = np.repeat(ptr[occ], per_occ)
            offset = np.arange(int(per_occ.sum())) - np.repeat(np.cumsum(per_occ) - per_occ, per_occ)
            out.append((np.repeat(doc, per_occ), flat[first + offset]))
        return out


def _char_keys_from_pairs(features, table, doc, occ, n_rows: int):
    """How the character block's (row, column) keys were made before: the (row, column) pairs of every occurrence
    first (:meth:`CompiledFeatures._char_occurrences`), then a copy of the rows, multiplied, plus the columns."""
    from stance.features.compiled import _key_type

    rows, cols = features._char_occurrences(table, doc, occ)
    keys = rows.astype(_key_type(n_rows, features.n_char))
    keys *= features.n_char
    keys += cols
    return keys


def _chunk_ids_by_get(features, tokens: list[str]):
    """How a batch's chunks were looked up in a warm chunk table before: ``dict.get`` with a default, per chunk."""
    from itertools import repeat

    import numpy as np

    table = features._table
    return np.fromiter(map(table.ids.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))


def _evidence_entries(core, rows) -> list:
    """Per batch, what ``top_terms`` filters: (request, column, contribution) of every word entry of the stance
    request of each paragraph (the predicted stance's column)."""
    import numpy as np

    out = []
    for X in rows:
        scores = core.raw(X)
        cols = core.n_topics + core.decide(core.stance_proba(scores))
        Xw = X.word_rows()
        n = Xw.shape[0]
        lengths = np.diff(Xw.indptr)
        req = np.repeat(np.arange(n), lengths)
        idx = Xw.indices
        weights = core.explain_weights()
        out.append((req, idx, Xw.data.astype(np.float64) * weights[cols[req], idx]))
    return out


def _preprocess_by_translate(text: str) -> str:
    """How :func:`stance.text.processing.preprocess` normalised before: ``str.translate`` with the table."""
    import unicodedata

    from stance.text.processing import _TRANSLATION, check_text

    text = check_text(text)
    if text.isascii():
        return text.translate(_TRANSLATION).lower()
    return unicodedata.normalize("NFKC", text.translate(_TRANSLATION)).translate(_TRANSLATION).lower()


def _detect_language_before(text: str) -> str:
    """:func:`stance.text.language.detect_language` as it was in stance 1.1.0: every word stripped and looked up
    in two sets, the script regexes on every non-ASCII sample, the elision regex tried at every position."""
    import stance.text.language as lang

    elision = _detect_language_before.__dict__.setdefault(
        "elision", re.compile(r"\b(?:[ldjnsc]|qu|dell|all|nell|sull)['’](?=[^\W\d_])"))
    sample = text[: lang._SAMPLE_CHARS]
    if not sample.isascii():
        non_latin = len(lang._NON_LATIN_LETTER_RE.findall(sample))
        if non_latin >= lang.MIN_LETTERS and non_latin > lang._MAX_NON_LATIN_SHARE * len(lang._LETTER_RE.findall(sample)):
            return lang.NOT_ENGLISH
    lowered = sample.lower()
    words = list(map(lang._strip, lowered.split()))
    if len(words) < lang.MIN_WORDS:
        return lang.UNKNOWN
    english = sum(map(lang._ENGLISH.__contains__, words))
    foreign = sum(map(lang._FOREIGN.__contains__, words))
    if "'" in lowered or "’" in lowered:
        foreign += len(elision.findall(lowered))
    if foreign >= 2 and foreign > 2 * english:
        return lang.NOT_ENGLISH
    return lang.ENGLISH if english >= lang._MIN_ENGLISH_SHARE * len(words) else lang.UNKNOWN


def experiments(texts: list[str], batch: int = 512) -> list[dict]:
    """What was tried on the classify path, measured against what is kept, on the same paragraphs (CPU time)."""
    import numpy as np

    import stance.estimators.scoring as scoring
    import stance.features.compiled as compiled
    from stance.model.stance_model import DEFAULT_BATCH_SIZE
    from stance.text.language import detect_language, detect_languages
    from stance.text.processing import preprocess

    model = stance.load_model()
    core = model.predictor
    features = core.features
    batches = [texts[i : i + batch] for i in range(0, len(texts), batch)]
    prepared = [[preprocess(t) for t in b] for b in batches]
    rows = [core.transform(b) for b in batches]
    out = []

    def rate(fn):
        return _rates(fn, len(texts))["cpu"]

    def row(step, kept, kept_fn, tried, tried_fn):
        kept_fn(), tried_fn()  # warm-up: caches filled, memory mapped
        out.append({"step": step, "kept": kept, "kept_rate": rate(kept_fn), "tried": tried,
                    "tried_rate": rate(tried_fn)})

    saved = compiled.SCIPY_MIN_ROWS

    def numpy_product():
        compiled.SCIPY_MIN_ROWS = 10**9
        try:
            [X.dot(core.weights) for X in rows]
        finally:
            compiled.SCIPY_MIN_ROWS = saved

    row("product of the feature rows with the 9 heads' weights",
        "scipy's sparse product (batches of 64 rows or more)", lambda: [X.dot(core.weights) for X in rows],
        "numpy: gather the weight rows of every entry, multiply, add.reduceat", numpy_product)
    per_batch = _ChunksPerBatch(features)
    row("chunk occurrences of a batch, as (row, token id) and (row, n-gram column)",
        "one model-wide chunk table (rows only appended): one dict lookup per occurrence, one ragged gather per block",
        lambda: [_occurrences_from_chunk_table(features, p) for p in prepared],
        "per batch: its distinct chunks, two per-chunk caches, concatenated, three repeats per block (1.1.0)",
        lambda: [per_batch(p) for p in prepared])
    row("word tokens of a batch, as vocabulary ids",
        "per distinct whitespace-separated chunk, from the chunk table shared with the character block",
        lambda: [_token_ids_by_chunk(features, p) for p in prepared],
        "one regex pass over the batch, one lookup per token (as before 1.1.0)",
        lambda: [_token_ids_by_batch_regex(features, p) for p in prepared])
    chunks = [features._chunks(p) for p in prepared]
    occurrences = [features._char_occurrences(*c) for c in chunks]

    def char_block():
        return [compiled._tfidf_of_keys(features._char_keys(*c, len(p)), len(p), features.n_char, features.char_idf,
                                        grouped=True) for c, p in zip(chunks, prepared)]

    def without_c(fn):
        def run():
            with _without_c():
                return fn()
        return run

    def numpy_sort_count():
        return [compiled._tfidf(*o, len(p), features.n_char, features.char_idf) for o, p in zip(occurrences, prepared)]

    if compiled.KERNELS == "c":
        row("(row, column) keys, counts and tf-idf of the character block",
            "C loops (stance.features._kernels): keys gathered, each row's columns counted in a dense table and read "
            "back in column order from a two-level bitmap, no sort (1.3.0)", char_block,
            "numpy: keys built in a ragged gather, one sort of all int32 keys (numpy's SIMD sort), tf looked up per "
            "count (1.2.0; what runs without a C compiler)", without_c(char_block))
    row("character n-gram counts of a batch, without the C loops",
        "list each occurrence's n-grams (from the chunk table), count by sorting", without_c(numpy_sort_count),
        "one scipy product (documents x chunks) @ (chunks x n-grams), counts only",
        lambda: [_char_counts_by_sparse_product(features, c, len(p)) for c, p in zip(chunks, prepared)])
    row("(row, column) counts and tf-idf of the character block, without the C loops",
        "one sort of all int32 (row, column) keys (numpy's SIMD sort), tf looked up per count",
        without_c(numpy_sort_count),
        "scipy CSR of ones from the occurrences, sum_duplicates (each row sorted on its own)",
        lambda: [_tfidf_by_scipy_sum_duplicates(*o, len(p), features.n_char, features.char_idf)
                 for o, p in zip(occurrences, prepared)])

    def merged_then_dot():
        for X in rows:
            X._merged = None  # merged afresh every time, as each batch would be
            X.merged().dot(core.weights)

    row("word and character blocks", "side by side, product summed over blocks",
        lambda: [X.dot(core.weights) for X in rows], "merged into one CSR per batch, then one product", merged_then_dot)
    ev_rows = [np.arange(X.shape[0]) for X in rows]
    stance_col = core.n_topics + 0
    row("stance evidence, 3 terms per paragraph", "one gather for the whole batch, the 3 best by a segmented maximum",
        lambda: [core.evidence(X, r, np.full(len(r), stance_col), 3) for X, r in zip(rows, ev_rows)],
        "one paragraph at a time (as before 1.1.0)",
        lambda: [[core.evidence(X, [i], [stance_col], 3) for i in range(X.shape[0])] for X in rows])
    saved_rounds = scoring._TOP_K_ROUNDS

    def evidence_by_lexsort():
        scoring._TOP_K_ROUNDS = 0
        try:
            [core.evidence(X, r, np.full(len(r), stance_col), 3) for X, r in zip(rows, ev_rows)]
        finally:
            scoring._TOP_K_ROUNDS = saved_rounds

    row("the 3 best evidence terms of each request in a batch",
        "3 rounds of a segmented maximum (np.maximum.reduceat), no sort",
        lambda: [core.evidence(X, r, np.full(len(r), stance_col), 3) for X, r in zip(rows, ev_rows)],
        "np.lexsort by (request, -contribution), then a rank cut (1.1.0)", evidence_by_lexsort)
    row("normalisation (preprocess) of every paragraph",
        "the character table applied by one regex substitution (only the characters that change)",
        lambda: [preprocess(t) for t in texts], "str.translate with the table (1.1.0)",
        lambda: [_preprocess_by_translate(t) for t in texts])
    if c_loops()["language"] == "c":
        row("language check of every paragraph",
            "detect_languages(texts): word counts in C (stance.text._language) for samples of ASCII, whitespace and "
            "typographic quotes and dashes, the others in Python (1.3.0)", lambda: detect_languages(texts),
            "detect_language per paragraph, in Python (1.2.0; what runs without a C compiler)",
            lambda: [detect_language(t) for t in texts])
    row("language check of every paragraph, in Python",
        "remembered word scores (one dict), script regexes only with 20+ non-ASCII characters, elision regex "
        "anchored on the apostrophe", lambda: [detect_language(t) for t in texts],
        "strip and two set lookups per word, both script regexes on any non-ASCII sample, elision regex tried at "
        "every position (1.1.0)", lambda: [_detect_language_before(t) for t in texts])
    tokens = [compiled._SEPARATOR.join(p).split() for p in prepared]
    row("chunks of a batch looked up in a warm chunk table",
        "one operator.itemgetter call for all of them (dict.get after the first unknown chunk)",
        lambda: [features._chunk_ids(t) for t in tokens], "dict.get with a default, per chunk (before)",
        lambda: [_chunk_ids_by_get(features, t) for t in tokens])
    row("(row, column) keys of the character block's occurrences, without the C loops",
        "built in the ragged gather: the row offsets repeated, the gathered columns added",
        without_c(lambda: [features._char_keys(*c, len(p)) for c, p in zip(chunks, prepared)]),
        "(row, column) pairs first, then the rows copied, multiplied, plus the columns (before)",
        lambda: [_char_keys_from_pairs(features, *c, len(p)) for c, p in zip(chunks, prepared)])
    entries = _evidence_entries(core, rows)

    def select_by_take():
        for req, idx, contrib in entries:
            keep = np.flatnonzero(contrib > 0)
            req.take(keep), idx.take(keep), contrib.take(keep)

    def select_by_mask():
        for req, idx, contrib in entries:
            keep = contrib > 0
            req[keep], idx[keep], contrib[keep]

    row("selecting entries (here: the positive evidence contributions, request, column and value; also the word "
        "block's known unigrams and bigram hits)", "positions (np.flatnonzero), then take",
        select_by_take, "a boolean mask, three times (before; about 4x slower in numpy 2.4)", select_by_mask)
    if DEFAULT_BATCH_SIZE != 256:
        row("paragraphs per batch of classify (the whole call), measured here: after the scikit-learn and fastText "
            "runs, whose large arrays leave the allocator keeping freed memory (in a fresh process, see the "
            "`batch_size=256` row above)", f"{DEFAULT_BATCH_SIZE}",
            lambda: model.classify(texts), "256 (1.2.0)", lambda: model.classify(texts, batch_size=256))
    return out


def bench_sklearn_union(texts: list[str], data) -> dict:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline, make_union

    pipe = make_pipeline(
        make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                   TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=2)),
        LogisticRegression(max_iter=1000),
    ).fit(data.texts, data.stances)
    pipe.predict(texts[:1000])
    return {"predict": _rates(lambda: pipe.predict(texts), len(texts))}


_FT_PUNCT = re.compile(r"([.!?,'/()\"\-:;])")


def _ft_normalize(text: str) -> str:
    return " ".join(_FT_PUNCT.sub(r" \1 ", text.lower()).split())


#: fastText configurations compared: its defaults plus word bigrams, and with character n-grams like ours.
FASTTEXT_CONFIGS = {
    "default_wordngrams2": dict(wordNgrams=2),
    "char2_5_dim50": dict(epoch=25, lr=0.5, wordNgrams=2, minn=2, maxn=5, dim=50),
}


def bench_fasttext(texts: list[str], data) -> dict:
    try:
        import fasttext
    except ImportError:
        return {"skipped": "the fasttext module is not installed (pip install fasttext-wheel)"}
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        topic_file, stance_file = Path(tmp) / "topics.txt", Path(tmp) / "stance.txt"
        with open(topic_file, "w", encoding="utf-8") as ft, open(stance_file, "w", encoding="utf-8") as fs:
            for text, topics, label in zip(data.texts, data.topics, data.stances):
                norm = _ft_normalize(text)
                labels = " ".join(f"__label__{t}" for t in topics) or "__label__no_topic"
                ft.write(f"{labels} {norm}\n")
                fs.write(f"__label__{label} {norm}\n")
        for name, settings in FASTTEXT_CONFIGS.items():
            kwargs = dict(settings, thread=1, verbose=0, seed=0)
            topic_model = fasttext.train_supervised(str(topic_file), loss="ova", **kwargs)
            stance_model = fasttext.train_supervised(str(stance_file), **kwargs)

            def run(topic_model=topic_model, stance_model=stance_model):
                lines = [_ft_normalize(t) for t in texts]
                topic_model.predict(lines, k=-1, threshold=0.5)
                stance_model.predict(lines, k=1)

            run()
            out[name] = {"predict": _rates(run, len(texts)),
                         "settings": ", ".join(f"{k}={v}" for k, v in settings.items()) + ", thread=1"}
    return out


def cold_start(repeats: int = 5, code: str = "import stance; stance.load_model().classify(['x'])") -> float:
    """Median wall time of a fresh ``python -c CODE`` run in the repository."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def model_size() -> dict:
    path = default_model_path()
    manifest = json.loads((path / "manifest.json").read_text())
    sizes = {name: (path / name).stat().st_size for name in manifest["files"]}
    loaded = sum(v for k, v in sizes.items() if k.endswith((".npz", ".json")))
    return {"all_files_mb": round(sum(sizes.values()) / 1e6, 2), "files_loaded_by_default_mb": round(loaded / 1e6, 2)}


def training_time(data) -> float:
    """Wall time of training the default model's recipe on its data (one process)."""
    start = time.perf_counter()
    stance.train_model(data)
    return round(time.perf_counter() - start, 1)


def _ratio(a: int, b: int) -> str:
    return f"{a / b:.2f}x"


def _load_note(load) -> str:
    """How to read the rates given the load average when the run started (2 cores)."""
    if isinstance(load, (int, float)) and load < 1.0:
        return ": the machine was otherwise nearly idle; the ratios were measured in the same run"
    return ": other work shared the machine, so compare the ratios, which were measured in the same run"


def render_markdown(r: dict) -> str:
    """The tables of ``RESULTS.md`` for one results file (``benchmarks/render_results.py`` writes them)."""
    n = r["n_paragraphs"]
    st, sk = r["stance"], r["sklearn_union"]
    rows = [
        ("**stance** shipped model, `classify(texts)` (3 evidence terms per decision, "
         + ("computed on first read, not read here; " if "classify_read_evidence" in st else "")
         + "language check" + ("; the best of 3 passes over the same paragraphs, so their words are in the "
                               "model's chunk table" if "classify_fresh" in st else "") + ")", st["classify"]),
        ("stance, `classify(texts, evidence=0)`", st["classify_evidence_0"]),
        ("scikit-learn word 1-2 + char_wb 2-5 `TfidfVectorizer` union + `LogisticRegression`, `predict` "
         "(stance only)", sk["predict"]),
    ]
    if "classify_fresh" in st:
        rows.insert(1, ("stance, `classify(texts)` on a freshly loaded model, first pass (every word new to its "
                        "chunk table)", st["classify_fresh"]))
    if "classify_read_evidence" in st:  # results from before evidence was computed on first read have no such row
        rows.insert(1, ("stance, `classify(texts)` then reading every result's `evidence` (computed on first read, "
                        "for the whole batch at once)", st["classify_read_evidence"]))
    if "classify_batch_256" in st:
        rows.insert(len(rows) - 1, ("stance, `classify(texts, batch_size=256)` (the default batch of 1.2.0)",
                        st["classify_batch_256"]))
    if "classify_without_c" in st:
        rows.insert(len(rows) - 1, ("stance, `classify(texts)` without the optional C loops (numpy and Python only: "
                                    "what an install without a C compiler runs; the same results)",
                                    st["classify_without_c"]))
    ft = r.get("fasttext", {})
    for name in FASTTEXT_CONFIGS:
        if name in ft:
            rows.append((f"fastText supervised ({ft[name]['settings']}), topics (`loss=\"ova\"`) + stance, batch "
                         "`predict`, normalisation included", ft[name]["predict"]))
    loops = r.get("c_loops")
    built = ("" if loops is None else
             f" The C loops were {'built' if 'c' in loops.values() else 'not built'} in this run "
             f"(transform: {loops['features']}, language check: {loops['language']}).")
    lines = [f"Command: `python benchmarks/speed.py` ({r['date']}; {n:,} paragraphs of `domain/unlabeled.jsonl`, "
             f"one thread for every system, best of 3 after a warm-up; load average "
             f"{r.get('load_average', 'n/a')} when it started{_load_note(r.get('load_average'))}).{built}", "",
             "| system | paragraphs/s (wall) | paragraphs/s (CPU) |", "|---|---|---|"]
    lines += [f"| {label} | {v['wall']:,} | {v['cpu']:,} |" for label, v in rows]
    ours = st["classify"]
    lines += ["", "| `classify(texts)` against | ratio (wall) | ratio (CPU) | target |", "|---|---|---|---|"]
    if "default_wordngrams2" in ft:
        peer = ft["default_wordngrams2"]["predict"]
        lines.append(f"| fastText defaults + `wordNgrams=2` | {_ratio(ours['wall'], peer['wall'])} | "
                     f"{_ratio(ours['cpu'], peer['cpu'])} | >= 1.0x (goal 2x) |")
        if "classify_fresh" in st:
            fresh = st["classify_fresh"]
            lines.append(f"| fastText defaults + `wordNgrams=2`, stance's first pass on a freshly loaded model | "
                         f"{_ratio(fresh['wall'], peer['wall'])} | {_ratio(fresh['cpu'], peer['cpu'])} | |")
        if "classify_read_evidence" in st:
            read = st["classify_read_evidence"]
            lines.append(f"| fastText defaults + `wordNgrams=2`, with every result's evidence read (computed on "
                         f"first read) | {_ratio(read['wall'], peer['wall'])} | {_ratio(read['cpu'], peer['cpu'])} | |")
    if "char2_5_dim50" in ft:
        peer = ft["char2_5_dim50"]["predict"]
        lines.append(f"| fastText `minn=2, maxn=5, dim=50` | {_ratio(ours['wall'], peer['wall'])} | "
                     f"{_ratio(ours['cpu'], peer['cpu'])} | |")
    lines.append(f"| scikit-learn union pipeline | {_ratio(ours['wall'], sk['predict']['wall'])} | "
                 f"{_ratio(ours['cpu'], sk['predict']['cpu'])} | >= 3x |")
    size = r["model_size"]
    lines += ["", "| measure | value | target |", "|---|---|---|",
              f"| cold start, `python -c \"import stance; stance.load_model().classify(['x'])\"`, median of 5, wall "
              f"| {r['cold_start_s']} s | < 0.3 s |",
              f"| the same for `python -c \"import numpy\"` alone (this machine, this run) "
              f"| {r.get('cold_start_numpy_only_s', 'n/a')} s | |",
              f"| shipped model files on disk (joblib + pickle-free copies) | {size['all_files_mb']} MB "
              f"({size['files_loaded_by_default_mb']} MB read by `load_model()`) | < 10 MB |"]
    if r.get("experiments"):
        lines += ["", "What was tried on the classify path in the same run (paragraphs/s of CPU time for that step "
                  "alone; kept what pays):", "",
                  "| step | kept | paragraphs/s | tried | paragraphs/s |", "|---|---|---|---|---|"]
        lines += [f"| {e['step']} | {e['kept']} | {e['kept_rate']:,} | {e['tried']} | {e['tried_rate']:,} |"
                  for e in r["experiments"]]
    if r.get("training_s") is not None:
        lines.append(f"| training the default recipe (`train_model` on its 10,423 paragraphs) | {r['training_s']} s | |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n", type=int, default=5_000, help="paragraphs to classify (default: 5000)")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "speed.json"))
    parser.add_argument("--training", action="store_true", help="also time training the default recipe")
    args = parser.parse_args(argv)
    root = resolve_data_root(args.data_root, require="domain/unlabeled.jsonl")
    data = load_domain(data_root=root)
    texts = _paragraphs(root, args.n)
    results = {"n_paragraphs": len(texts), "date": time.strftime("%Y-%m-%d"), "threads": 1,
               "load_average": round(os.getloadavg()[0], 1), "c_loops": c_loops()}
    for name, fn in (("stance", lambda: bench_stance(texts)),
                     ("sklearn_union", lambda: bench_sklearn_union(texts, data)),
                     ("fasttext", lambda: bench_fasttext(texts, data))):
        results[name] = fn()
        print(name, results[name], flush=True)
    results["experiments"] = experiments(texts)
    print("experiments", results["experiments"], flush=True)
    results["cold_start_s"] = cold_start()
    results["cold_start_numpy_only_s"] = cold_start(code="import numpy")
    results["model_size"] = model_size()
    results["training_s"] = training_time(load_domain_grown(data_root=root)) if args.training else None
    print("cold start", results["cold_start_s"], "s; model", results["model_size"], flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    print(render_markdown(results))
    print("now run: python benchmarks/render_results.py  (writes RESULTS.md and the README from the result files)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
