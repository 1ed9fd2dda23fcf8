"""Word vectors for the benchmarks, learned from unlabelled text only (``stance.features.embeddings.WordVectors``).

Two tables, each written as a word-vector directory (``vectors.npz`` + ``vocabulary.json``):

- ``tweets``: ``tweets/unlabeled.txt`` (149,520 English tweets, none of them a SemEval-2016
  stance tweet), for SemEval-2016 and RUW;
- ``news``: ``domain/unlabeled.jsonl`` and ``domain/unlabeled_2022.jsonl`` (the domain's
  unlabelled paragraphs), the FNC-1 *training* bodies (train and dev split; never the test
  bodies) split at line breaks, and the EUvsDisinfo claim titles; for FNC-1 and the domain;
- ``joined`` (only with ``--only joined``): the tweets and the two domain files together (over
  5 million tokens), to time a fit at the size the library promises.

``--clusters K[,K...]`` also groups each table's words into ``K`` k-means clusters
(``WordVectors.fit_clusters``, seed 0) and writes the table again as ``DIR/<name>_c<K>/`` (the same
vectors with the word -> cluster map, for ``word_vector_features="clusters"`` or ``"both"``).

No labelled text is read. Note for the domain: our own labelled paragraphs (round 1 and 2) were
drawn from the two unlabelled domain files, so the ``news`` table has seen their text (not their
labels); the distributed held-out documents of ``unlabeled_2022`` were removed before that file was
written.

Usage::

    python benchmarks/word_vectors.py [--data-root DIR] [--out DIR] [--only tweets|news|joined]
        [--dim 100 --window 5 --min-count 5 --max-vocab 50000] [--clusters 200,500,1000]

Writes ``DIR/<name>/`` (default ``benchmarks/.cache/word_vectors``) and
``benchmarks/results/word_vectors.json`` (corpus sizes, wall and CPU seconds, nearest
neighbours of a few words), rendered into RESULTS.md by ``benchmarks/render_results.py``
(:func:`render_markdown`). Then pass ``--word-vectors DIR/<name>`` to a benchmark script.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance.datasets.benchmarks import load_fnc1  # noqa: E402
from stance.features.embeddings import WordVectors  # noqa: E402
from stance.io.files import read_corpus  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache" / "word_vectors"
RESULTS_DIR = Path(__file__).resolve().parent / "results"
RESULTS = RESULTS_DIR / "word_vectors.json"
PROBES = ("nato", "sanctions", "expansion", "missile", "ukraine", "abortion", "atheism", "climate", "hillary")


def data_root(given: str | None) -> Path:
    return Path(given or os.environ.get("STANCE_DATA_ROOT") or ROOT.parent / "shared" / "data")


def corpus(name: str, root: Path) -> list[str]:
    """The unlabelled texts of one table."""
    if name == "tweets":
        return read_corpus([root / "tweets" / "unlabeled.txt"])
    if name == "joined":
        return read_corpus([root / "tweets" / "unlabeled.txt", root / "domain" / "unlabeled.jsonl",
                            root / "domain" / "unlabeled_2022.jsonl"])
    texts = read_corpus([root / "domain" / "unlabeled.jsonl", root / "domain" / "unlabeled_2022.jsonl"])
    bodies: dict[int, str] = {}
    for split in ("train", "dev"):  # both from train_bodies.csv; the competition test bodies are never read
        bodies.update(load_fnc1(split, data_root=root).bodies)
    for body in bodies.values():
        texts.extend(p.strip() for p in body.split("\n") if p.strip())
    with open(root / "euvsdisinfo" / "posts.csv", encoding="utf-8-sig", newline="") as fh:
        texts.extend(row["title"].strip() for row in csv.DictReader(fh) if row["title"].strip())
    return texts


def _table(header, rows) -> str:
    return "\n".join(["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
                     + ["| " + " | ".join(str(v) for v in row) + " |" for row in rows])


def _weight(w) -> str:
    return "off" if w is None else f"{w:g}"


def render_markdown(tables: dict, semeval_wv: dict, semeval: dict, ruw_wv: dict, ruw: dict) -> str:
    """The word-vector section: the tables' fit statistics (``word_vectors.json``), then each public benchmark
    without (its last run, e.g. ``semeval2016.json``) and with the switch (``semeval2016_word_vectors.json``)."""
    rows = [[name, f"{t['texts']:,}", f"{t['tokens']:,}", f"{t['words']:,}", t["params"]["dim"],
             t["params"]["window"], t["params"]["min_count"], t["fit_seconds_wall"], t["fit_seconds_cpu"],
             "; ".join(f"{w}: {' '.join(n[:3])}" for w, n in list(t["neighbours"].items())[:4])]
            for name, t in tables.items()]
    out = ["**The tables** (`python benchmarks/word_vectors.py`; PPMI with context smoothing 0.75, "
           "randomized SVD, `U * S**0.5`; seconds wall / CPU on the shared 2-core machine, progress bar on; "
           "`joined`: `--only joined`, tweets + the two domain files):", "",
           _table(["table", "texts", "tokens", "words", "dim", "window", "min_count", "wall s", "CPU s",
                   "nearest words"], rows), ""]
    kmeans = [[name, k, v["seconds_wall"], v["seconds_cpu"]] for name, t in tables.items()
              for k, v in t.get("kmeans", {}).items()]
    if kmeans:
        out += ["Word clusters (`--clusters`: mini-batch k-means over the unit vectors, 3 starts, seed 0):", "",
                _table(["table", "clusters", "wall s", "CPU s"], kmeans), ""]
    rows = []
    for name, with_wv, without in (("SemEval-2016", semeval_wv, semeval), ("RUW", ruw_wv, ruw)):
        ours, record = with_wv["results"]["ours"], with_wv["results"]["ours"]["word_vectors"]
        trials = "; ".join(f"{_weight(t['word_vector_weight'])}: {t['cv_macro_f1']:.4f}" for t in record["trials"])
        rows.append([name, Path(record["directory"]).name, trials, _weight(record["chosen_weight"]),
                     f"{without['results']['ours']['f_avg']:.2f} / {without['results']['ours']['macro_f1']:.2f}",
                     f"{ours['f_avg']:.2f} / {ours['macro_f1']:.2f}",
                     f"`{with_wv['command']}`, {with_wv['date']}, {with_wv['seconds_wall']} s wall"])
    out += ["**Public benchmarks** (`--word-vectors DIR`: `StanceClassifier(targets=...)` with its defaults, fitted "
            "on train + val without the block and with it at each weight; the setting with the best internal "
            "out-of-fold macro-F1 on train + val is scored once on test; `test without` is the model of the "
            "script's last run without the switch, same data and seed):", "",
            _table(["benchmark", "table", "internal CV macro-F1 by weight", "chosen",
                    "test F_avg / macro-F1 without", "test F_avg / macro-F1 with the choice", "run"], rows)]
    return "\n".join(out) + "\n"


def render_domain(without: dict, with_wv: dict, *more: dict) -> str:
    """Stance macro-F1 of the domain recipe's stance classifier alone (``domain_cv.py --stance-only``), without
    and with a word-vector block (the ``news`` pooled vectors, then each of ``more``: e.g. word clusters):
    pooled CV, per source, each source held out, and the selection."""
    rows = []
    for run in (without, with_wv, *more):
        (name, res), = run["systems"].items()
        r = res["as_predicted"]
        params = res.get("params", {}).get("stance_params", {})
        label = "without word vectors"
        if params.get("word_vectors"):
            mode = params.get("word_vector_features", "pooled")
            label = (f"{Path(params['word_vectors']).name} {mode} (weight {params['word_vector_weight']:g})")
        per_source = {s: v["stance_macro_f1"] for s, v in r["cv"]["by_source"].items()}
        held = {s: v["stance_macro_f1"] for s, v in r["held_out"].items()}
        rows.append([label, f"{r['cv']['stance_macro_f1']:.3f}",
                     " ".join(f"{s}:{v:.2f}" for s, v in per_source.items()),
                     f"{sum(per_source.values()) / len(per_source):.3f}",
                     " ".join(f"{s}:{v:.2f}" for s, v in held.items()),
                     f"{sum(held.values()) / len(held):.3f}", f"{r['selection']['stance']:.3f}", res["seconds"]])
    return (f"**Domain, per source and leave one source out** (`python benchmarks/domain_cv.py --systems stance "
            f"--stance-only [--word-vectors benchmarks/.cache/word_vectors/TABLE --word-vector-weight 1 "
            f"[--word-vector-features clusters|both]]`: the stance classifier of the shipped recipe alone, the splits "
            f"of the domain section, {with_wv['n']:,} paragraphs; stance macro-F1; `news_c<K>`: the `news` vectors "
            f"with K k-means word clusters; the weight was not tuned):\n\n"
            + _table(["stance classifier", "CV pooled", "CV per source", "mean per source", "held-out source",
                      "mean held-out", "selection", "wall s (--jobs 1, shared cores)"], rows) + "\n")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-root", default=None)
    p.add_argument("--out", default=str(CACHE))
    p.add_argument("--only", choices=("tweets", "news", "joined"), default=None)
    p.add_argument("--clusters", default="", metavar="K,K",
                   help="also write <name>_c<K> tables with K k-means word clusters (e.g. 200,500,1000)")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--max-vocab", type=int, default=50_000)
    p.add_argument("--results", default=str(RESULTS))
    args = p.parse_args(argv)
    root = data_root(args.data_root)
    record = json.loads(Path(args.results).read_text()) if Path(args.results).is_file() else {}
    for name in ([args.only] if args.only else ["tweets", "news"]):
        texts = corpus(name, root)
        wall, cpu = time.perf_counter(), time.process_time()
        wv = WordVectors(dim=args.dim, window=args.window, min_count=args.min_count, max_vocab=args.max_vocab,
                         progress=True, random_state=0).fit(texts)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        out = wv.save(Path(args.out) / name)
        neighbours = {}
        for w in PROBES:
            try:
                neighbours[w] = [n for n, _ in wv.most_similar(w, 5)]
            except KeyError:
                pass
        record[name] = {"texts": len(texts), "tokens": wv.n_tokens_, "words": len(wv.vocabulary_),
                        "params": {k: v for k, v in wv.get_params().items() if k not in ("progress", "n_clusters")},
                        "fit_seconds_wall": round(wall, 1), "fit_seconds_cpu": round(cpu, 1),
                        "neighbours": neighbours, "directory": os.path.relpath(out, ROOT)}
        print(f"{name}: {len(texts):,} texts, {wv.n_tokens_:,} tokens, {len(wv.vocabulary_):,} words, "
              f"{wall:.0f} s wall / {cpu:.0f} s CPU -> {out}", flush=True)
        clusters = {}
        for k in (int(v) for v in args.clusters.split(",") if v.strip()):
            wall, cpu = time.perf_counter(), time.process_time()
            wv.set_params(n_clusters=k).fit_clusters()
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            wv.save(Path(args.out) / f"{name}_c{k}")
            clusters[str(k)] = {"seconds_wall": round(wall, 1), "seconds_cpu": round(cpu, 1)}
            print(f"{name}_c{k}: {int(wv.clusters_.max()) + 1} clusters, {wall:.0f} s wall / {cpu:.0f} s CPU",
                  flush=True)
        if clusters:
            record[name]["kmeans"] = clusters
    Path(args.results).write_text(json.dumps(record, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
