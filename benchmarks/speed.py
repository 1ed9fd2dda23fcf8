"""Speed of the shipped model against the tools a user would otherwise reach for, on one core.

Measures, in one process on the same paragraphs (the first N of ``domain/unlabeled.jsonl``):

- ``stance``: the shipped model, raw text to topics + stance (``classify``, with and without evidence);
- ``sklearn-union``: the plain scikit-learn pipeline of the same accuracy class, one
  ``TfidfVectorizer`` word 1-2 + char_wb 2-5 union with one ``LogisticRegression``
  (trained here on ``domain/train.jsonl`` stances), ``predict`` from raw text;
- ``fasttext``: fastText supervised, a topic model (multi-label, one-vs-all loss) and a stance
  model trained here on the same data, batch ``predict`` of both, with fastText's usual text
  normalisation (lower-casing, punctuation split off) included in the time; skipped with a note
  when the ``fasttext`` module is not installed (``pip install fasttext-wheel``).

Also: cold start of ``python -c "import stance; stance.load_model().classify(['x'])"`` (median
of 5 runs, wall time), the size of the shipped model files, and the time to train the default
model (``train_model`` on ``domain/train.jsonl`` plus our labels, no outer cross-validation).

Each throughput is paragraphs per second of process CPU time, the best of 3 runs after a
warm-up, every system single-threaded (BLAS limited to one thread, fastText ``thread=1``).

Usage::

    python benchmarks/speed.py [--data-root DIR] [--n 20000] [--json benchmarks/results/speed.json]
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


def _best_rate(fn, n: int, repeats: int = 3) -> float:
    """Paragraphs per second of CPU time of this process (best of ``repeats``).

    CPU time rather than wall time, so that other work on the machine does not
    skew the comparison; every system runs single-threaded here.
    """
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        fn()
        best = min(best, time.process_time() - start)
    return n / best


def _paragraphs(root: Path, n: int) -> list[str]:
    texts = []
    with open(root / "domain" / "unlabeled.jsonl", encoding="utf-8") as fh:
        for line in fh:
            texts.append(json.loads(line)["text"])
    return (texts * (n // len(texts) + 1))[:n]


def bench_stance(texts: list[str]) -> dict:
    model = stance.load_model()
    model.classify(texts[:1000], evidence=0)
    return {
        "paragraphs_per_s": round(_best_rate(lambda: model.classify(texts, evidence=0), len(texts))),
        "paragraphs_per_s_with_evidence": round(_best_rate(lambda: model.classify(texts, evidence=3), len(texts))),
    }


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
    return {"paragraphs_per_s": round(_best_rate(lambda: pipe.predict(texts), len(texts)))}


_FT_PUNCT = re.compile(r"([.!?,'/()\"\-:;])")


def _ft_normalize(text: str) -> str:
    return " ".join(_FT_PUNCT.sub(r" \1 ", text.lower()).split())


def bench_fasttext(texts: list[str], data) -> dict:
    try:
        import fasttext
    except ImportError:
        return {"skipped": "the fasttext module is not installed (pip install fasttext-wheel)"}
    with tempfile.TemporaryDirectory() as tmp:
        topic_file, stance_file = Path(tmp) / "topics.txt", Path(tmp) / "stance.txt"
        with open(topic_file, "w", encoding="utf-8") as ft, open(stance_file, "w", encoding="utf-8") as fs:
            for text, topics, label in zip(data.texts, data.topics, data.stances):
                norm = _ft_normalize(text)
                labels = " ".join(f"__label__{t}" for t in topics) or "__label__no_topic"
                ft.write(f"{labels} {norm}\n")
                fs.write(f"__label__{label} {norm}\n")
        kwargs = dict(epoch=25, lr=0.5, wordNgrams=2, minn=2, maxn=5, dim=50, thread=1, verbose=0, seed=0)
        topic_model = fasttext.train_supervised(str(topic_file), loss="ova", **kwargs)
        stance_model = fasttext.train_supervised(str(stance_file), **kwargs)

    def run():
        lines = [_ft_normalize(t) for t in texts]
        topic_model.predict(lines, k=-1, threshold=0.5)
        stance_model.predict(lines, k=1)

    run()
    return {"paragraphs_per_s": round(_best_rate(run, len(texts))),
            "settings": "wordNgrams=2, minn=2, maxn=5, dim=50, epoch=25, thread=1"}


def cold_start(repeats: int = 5) -> float:
    code = "import stance; stance.load_model().classify(['x'])"
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


def render_markdown(r: dict) -> str:
    """The tables of ``RESULTS.md`` for one results file (``benchmarks/render_results.py`` writes them)."""
    ours, sk, ft = r["stance"], r["sklearn_union"], r.get("fasttext", {})
    rows = [("**stance** shipped model, `classify(..., evidence=0)`", "6 topics + stance, language flag",
             f"**{ours['paragraphs_per_s']:,}**"),
            ("stance, `classify(...)` with 3 evidence terms per decision", "same, plus evidence",
             f"{ours['paragraphs_per_s_with_evidence']:,}"),
            ("scikit-learn: word 1-2 + char_wb 2-5 `TfidfVectorizer` union + one `LogisticRegression`, `predict`",
             "stance only", f"{sk['paragraphs_per_s']:,}")]
    if "paragraphs_per_s" in ft:
        rows.append((f"fastText supervised (`{ft['settings']}`), a topic model (one-vs-all) and a stance model, "
                     "batch `predict`, lower-casing and punctuation splitting included", "topics + stance",
                     f"{ft['paragraphs_per_s']:,}"))
    lines = [f"{r['n_paragraphs']:,} paragraphs, {r['date']}, {r['threads']} thread per system; paragraphs per "
             "second of process CPU time, best of 3 runs after a warm-up.", "",
             "| system | what it computes | paragraphs/s (CPU) |", "|---|---|---|",
             *(f"| {a} | {b} | {c} |" for a, b, c in rows), "",
             f"Against the scikit-learn pipeline: **{ours['paragraphs_per_s'] / sk['paragraphs_per_s']:.1f}x**"
             + (f"; against this fastText: **{ours['paragraphs_per_s'] / ft['paragraphs_per_s']:.2f}x**"
                if "paragraphs_per_s" in ft else f"; fastText: {ft.get('skipped', 'not run')}") + ".", "",
             "| measure | value |", "|---|---|",
             f"| cold start, `python -c \"import stance; stance.load_model().classify(['x'])\"`, median of 5, wall "
             f"| {r['cold_start_s']:.2f} s |",
             f"| shipped model files on disk (all formats) | {r['model_size']['all_files_mb']:.2f} MB |",
             f"| files read by `load_model()` | {r['model_size']['files_loaded_by_default_mb']:.2f} MB |",
             f"| training the default model (`train_model`, no outer CV), wall | {r['training_s']:.1f} s |"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--n", type=int, default=20_000, help="paragraphs to classify (default: 20000)")
    parser.add_argument("--json", default=str(REPO / "benchmarks" / "results" / "speed.json"))
    args = parser.parse_args(argv)
    root = resolve_data_root(args.data_root, require="domain/unlabeled.jsonl")
    data = load_domain(data_root=root)
    texts = _paragraphs(root, args.n)
    results = {"n_paragraphs": len(texts), "date": time.strftime("%Y-%m-%d"), "threads": 1}
    for name, fn in (("stance", lambda: bench_stance(texts)),
                     ("sklearn_union", lambda: bench_sklearn_union(texts, data)),
                     ("fasttext", lambda: bench_fasttext(texts, data))):
        results[name] = fn()
        print(name, results[name], flush=True)
    results["cold_start_s"] = cold_start()
    results["model_size"] = model_size()
    results["training_s"] = training_time(load_domain_grown(data_root=root))
    print("cold start", results["cold_start_s"], "s; model", results["model_size"], "; training",
          results["training_s"], "s", flush=True)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    ours, peer = results["stance"]["paragraphs_per_s"], results["sklearn_union"]["paragraphs_per_s"]
    print(f"speed stance {ours}/s sklearn_union {peer}/s ratio {ours / peer:.1f}x cold_start {results['cold_start_s']}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
