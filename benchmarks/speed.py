"""Speed of the shipped model against the tools a user would otherwise reach for, in one run.

Measures, in one process on the same paragraphs (the first N of ``domain/unlabeled.jsonl``, 5,000 by
default), wall time AND process CPU time of:

- ``stance``: the shipped model, raw text to topics + stance, ``classify(texts)`` as a user calls it
  (3 evidence terms per decision, language check) and with ``evidence=0``;
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


def bench_stance(texts: list[str]) -> dict:
    model = stance.load_model()
    model.classify(texts[:1000])
    return {
        "classify": _rates(lambda: model.classify(texts), len(texts)),
        "classify_evidence_0": _rates(lambda: model.classify(texts, evidence=0), len(texts)),
    }


def _char_counts_by_sparse_product(features, chunks, n: int):
    """The alternative tried for the character block: n-gram counts as one scipy product,
    (documents x distinct words) @ (distinct words x n-grams), instead of listing every occurrence."""
    import numpy as np
    import scipy.sparse as sp

    occ_doc, occ, word_ptr, word_cols = features._char_table(chunks)
    n_unique = len(word_ptr) - 1
    C = sp.csr_matrix((np.ones(len(occ)), (occ_doc, occ)), shape=(n, n_unique))
    G = sp.csr_matrix((np.ones(len(word_cols)), word_cols, word_ptr), shape=(n_unique, features.n_char))
    M = (C @ G).tocsr()
    M.sum_duplicates()
    return M


def _token_ids_by_batch_regex(features, prepared: list[str]):
    """How word tokens were found before: one regex pass over the whole batch, one dict lookup per token."""
    from itertools import repeat

    import numpy as np

    from stance.features.compiled import _SEPARATOR
    from stance.text.processing import words

    tokens = words(_SEPARATOR.join(prepared))
    return np.fromiter(map(features.token_id.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))


def _token_ids_by_chunk(features, chunks):
    ptr, ids = features._per_chunk(chunks[2], features._chunk_cache, features._token_ids_of_chunks)
    return features._expand(chunks[0], chunks[1], ptr, ids)


def experiments(texts: list[str], batch: int = 512) -> list[dict]:
    """What was tried on the feature path, measured against what is kept, on the same paragraphs (CPU time)."""
    import numpy as np

    import stance.features.compiled as compiled
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

    saved = compiled.SCIPY_MIN_ROWS
    kept = rate(lambda: [X.dot(core.weights) for X in rows])
    compiled.SCIPY_MIN_ROWS = 10**9
    tried = rate(lambda: [X.dot(core.weights) for X in rows])
    compiled.SCIPY_MIN_ROWS = saved
    out.append({"step": "product of the feature rows with the 9 heads' weights",
                "kept": "scipy's sparse product (batches of 64 rows or more)", "kept_rate": kept,
                "tried": "numpy: gather the weight rows of every entry, multiply, add.reduceat", "tried_rate": tried})
    chunks = [features._chunks(p) for p in prepared]
    kept = rate(lambda: [_token_ids_by_chunk(features, c) for c in chunks])
    tried = rate(lambda: [_token_ids_by_batch_regex(features, p) for p in prepared])
    out.append({"step": "word tokens of a batch, as vocabulary ids",
                "kept": "per distinct whitespace-separated chunk, cached, shared with the character block",
                "kept_rate": kept, "tried": "one regex pass over the batch, one lookup per token (as before)",
                "tried_rate": tried})
    kept = rate(lambda: [features._char_tfidf(c, len(p)) for c, p in zip(chunks, prepared)])
    tried = rate(lambda: [_char_counts_by_sparse_product(features, c, len(p)) for c, p in zip(chunks, prepared)])
    out.append({"step": "character n-gram counts of a batch",
                "kept": "list each occurrence's n-grams (cached per word), count by sorting", "kept_rate": kept,
                "tried": "one scipy product (documents x words) @ (words x n-grams), counts only", "tried_rate": tried})
    kept = rate(lambda: [X.dot(core.weights) for X in rows])

    def merged_then_dot():
        for X in rows:
            X._merged = None  # merged afresh every time, as each batch would be
            X.merged().dot(core.weights)

    tried = rate(merged_then_dot)
    out.append({"step": "word and character blocks",
                "kept": "side by side, product summed over blocks", "kept_rate": kept,
                "tried": "merged into one CSR per batch, then one product", "tried_rate": tried})
    ev_rows = [np.arange(X.shape[0]) for X in rows]
    stance_col = core.n_topics + 0
    kept = rate(lambda: [core.evidence(X, r, np.full(len(r), stance_col), 3) for X, r in zip(rows, ev_rows)])
    tried = rate(lambda: [[core.evidence(X, [i], [stance_col], 3) for i in range(X.shape[0])] for X in rows])
    out.append({"step": "stance evidence, 3 terms per paragraph",
                "kept": "one gather and one sort for the whole batch", "kept_rate": kept,
                "tried": "one paragraph at a time (as before)", "tried_rate": tried})
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


def render_markdown(r: dict) -> str:
    """The tables of ``RESULTS.md`` for one results file (``benchmarks/render_results.py`` writes them)."""
    n = r["n_paragraphs"]
    st, sk = r["stance"], r["sklearn_union"]
    rows = [
        ("**stance** shipped model, `classify(texts)` (3 evidence terms per decision, language check)",
         st["classify"]),
        ("stance, `classify(texts, evidence=0)`", st["classify_evidence_0"]),
        ("scikit-learn word 1-2 + char_wb 2-5 `TfidfVectorizer` union + `LogisticRegression`, `predict` "
         "(stance only)", sk["predict"]),
    ]
    ft = r.get("fasttext", {})
    for name in FASTTEXT_CONFIGS:
        if name in ft:
            rows.append((f"fastText supervised ({ft[name]['settings']}), topics (`loss=\"ova\"`) + stance, batch "
                         "`predict`, normalisation included", ft[name]["predict"]))
    lines = [f"Command: `python benchmarks/speed.py` ({r['date']}; {n:,} paragraphs of `domain/unlabeled.jsonl`, "
             f"one thread for every system, best of 3 after a warm-up; load average "
             f"{r.get('load_average', 'n/a')} when it started: the machine was shared, so compare the ratios, "
             "which were measured in the same run).", "",
             "| system | paragraphs/s (wall) | paragraphs/s (CPU) |", "|---|---|---|"]
    lines += [f"| {label} | {v['wall']:,} | {v['cpu']:,} |" for label, v in rows]
    ours = st["classify"]
    lines += ["", "| `classify(texts)` against | ratio (wall) | ratio (CPU) | target |", "|---|---|---|---|"]
    if "default_wordngrams2" in ft:
        peer = ft["default_wordngrams2"]["predict"]
        lines.append(f"| fastText defaults + `wordNgrams=2` | {_ratio(ours['wall'], peer['wall'])} | "
                     f"{_ratio(ours['cpu'], peer['cpu'])} | >= 1.0x (goal 2x) |")
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
        lines += ["", "What was tried on the feature path in the same run (paragraphs/s of CPU time for that step "
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
               "load_average": round(os.getloadavg()[0], 1)}
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
