"""One real labelling round: adapt a model to a source it never saw, with 300 labels chosen by ``stance select``.

Usage::

    python benchmarks/adapt_round.py [--data-root DIR] [--source president_ua] [-n 300] [--random-seeds 0,1,2,3,4]
    python benchmarks/render_results.py            # then: the adapt_round block of RESULTS.md from the result file

What it does, with fixed seeds:

1. Reads the domain corpus with our labels (``load_domain_grown``: ``train.jsonl`` + ``datasets/domain/labels``)
   and holds out every paragraph of one source (default ``president_ua``, the Ukrainian president's site).
2. Splits that source's labelled paragraphs by document (seed 0): two thirds of the documents form the
   *pool* to label from, one third the *test* set. Test paragraphs come from other documents than any pool
   paragraph, and no strategy can select them, so every model is scored on the same paragraphs.
3. Trains the *unadapted* model on every other source (the shipped recipe, ``train_model``).
4. Runs ``stance select`` (``stance.cli.main``) on the pool with the unadapted model: ``--strategy
   uncertainty`` (seed 0), ``--strategy mixed`` (seed 0) and ``--strategy random`` (several seeds).
5. "Labels" each selection by looking up the label our readers already gave each paragraph
   (``datasets/domain/labels``: assigned by reading, following ``GUIDELINES.md``).
6. Trains one adapted model per selection on the other sources plus those labels, and one on the whole pool
   (the ceiling of this pool), and compares each with the unadapted model by ``stance compare`` on the test set.

Writes ``benchmarks/results/adapt_round.json`` (figures only, no corpus text), from which
``benchmarks/render_results.py`` writes the ``adapt_round`` block of ``benchmarks/RESULTS.md``
(:func:`render_markdown`). Nine trainings of ~9,000-10,000 paragraphs, about a minute of CPU each:
12-19 min wall on two cores shared with other jobs.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stance import cli  # noqa: E402
from stance.datasets import DOMAIN_STANCES, DOMAIN_TOPICS, load_domain_grown  # noqa: E402
from stance.training import train_model  # noqa: E402

RESULTS_JSON = Path(__file__).resolve().parent / "results" / "adapt_round.json"
#: Share of the held-out source's documents that form the pool to label from (the rest is the test set).
POOL_SHARE = 2 / 3
SPLIT_SEED = 0


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _write_jsonl(path: Path, rows) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _train(data, out: Path, name: str) -> tuple[float, float]:
    """Train and save; (wall seconds, CPU seconds of this process)."""
    start, cpu = time.perf_counter(), time.process_time()
    train_model(data, out, name=name, format="safe", overwrite=True)
    return round(time.perf_counter() - start, 1), round(time.process_time() - cpu, 1)


def _summary(cmp_side: dict) -> dict:
    return {
        "stance_macro_f1": cmp_side["stance_macro_f1_present"],
        "stance_f1": {s: v["f1"] for s, v in cmp_side["stances"].items() if v["support"] > 0},
        "stance_recall": {s: v["recall"] for s, v in cmp_side["stances"].items() if v["support"] > 0},
        "predicted": {s: int(sum(row[j] for row in cmp_side["confusion"]["matrix"]))
                      for j, s in enumerate(cmp_side["confusion"]["labels"])},
        "topic_micro_f1": cmp_side["topic_micro_f1"],
        "topic_macro_f1": cmp_side["topic_macro_f1"],
        "topic_f1": {t: v["f1"] for t, v in cmp_side["topics"].items()},
    }


def run(data_root, source: str, n: int, random_seeds: list[int]) -> dict:
    t0 = time.perf_counter()
    data = load_domain_grown(data_root=data_root)
    src = np.array([s == source for s in data.sources])
    if not src.any():
        raise SystemExit(f"no paragraph of source {source!r}; sources: {sorted(set(data.sources))}")
    src_idx = np.flatnonzero(src)
    docs = sorted({data.docs[i] for i in src_idx})
    rng = np.random.default_rng(SPLIT_SEED)
    pool_docs = set(rng.permutation(docs)[: int(round(POOL_SHARE * len(docs)))].tolist())
    pool_idx = [int(i) for i in src_idx if data.docs[i] in pool_docs]
    test_idx = [int(i) for i in src_idx if data.docs[i] not in pool_docs]
    base_idx = [int(i) for i in np.flatnonzero(~src)]
    by_id = {data.ids[i]: i for i in pool_idx}
    log(f"{source}: {len(src_idx)} labelled paragraphs in {len(docs)} documents; pool {len(pool_idx)}, "
        f"test {len(test_idx)}; other sources {len(base_idx)}")

    def counts(idx):
        return {"n": len(idx), "stance": {s: sum(data.stances[i] == s for i in idx) for s in DOMAIN_STANCES},
                "topics": {t: sum(t in data.topics[i] for i in idx) for t in DOMAIN_TOPICS},
                "no_topic": sum(not data.topics[i] for i in idx)}

    payload = {
        "command": "python benchmarks/adapt_round.py " + " ".join(sys.argv[1:]),
        "source": source,
        "n_labels": n,
        "split": {"seed": SPLIT_SEED, "pool_share_of_documents": round(POOL_SHARE, 4),
                  "documents": {"pool": len(pool_docs), "test": len(docs) - len(pool_docs)},
                  "pool": counts(pool_idx), "test": counts(test_idx), "other_sources": len(base_idx)},
        "arms": {},
    }
    with tempfile.TemporaryDirectory(prefix="adapt_round-") as tmp:
        tmp = Path(tmp)
        _write_jsonl(tmp / "pool.jsonl", ({"id": data.ids[i], "text": data.texts[i], "doc": data.docs[i],
                                           "source": source} for i in pool_idx))
        _write_jsonl(tmp / "test.jsonl", ({"id": data.ids[i], "text": data.texts[i], "topics": data.topics[i],
                                           "stance": data.stances[i], "doc": data.docs[i], "source": source}
                                          for i in test_idx))
        log("training the unadapted model (every other source)")
        base_model = tmp / "unadapted"
        seconds = {"unadapted": _train(data.subset(base_idx), base_model, f"without-{source}")}
        arms = [("uncertainty", "uncertainty", 0), ("mixed", "mixed", 0)]
        arms += [(f"random (seed {s})", "random", s) for s in random_seeds]
        selections = {}
        for name, strategy, seed in arms:
            out = tmp / f"select-{strategy}-{seed}.jsonl"
            argv = ["select", "--model", str(base_model), "--pool", str(tmp / "pool.jsonl"), "-n", str(n),
                    "--strategy", strategy, "--seed", str(seed), "-o", str(out)]
            start = time.perf_counter()
            if cli.main(argv) != 0:
                raise SystemExit(f"stance {' '.join(argv)} failed")
            chosen = [json.loads(line)["id"] for line in open(out, encoding="utf-8")]
            selections[name] = {"argv": "stance " + " ".join(a if "/" not in a else Path(a).name for a in argv),
                                "seconds": round(time.perf_counter() - start, 1),
                                "idx": [by_id[c] for c in chosen]}
        selections[f"whole pool ({len(pool_idx)})"] = {"argv": None, "seconds": None, "idx": list(pool_idx)}
        for name, sel in selections.items():
            log(f"training with {len(sel['idx'])} labels: {name}")
            model_dir = tmp / f"model-{len(seconds)}"
            seconds[name] = _train(data.subset(base_idx + sel["idx"]), model_dir, f"adapted-{name}")
            cmp_json = tmp / f"compare-{len(seconds)}.json"
            argv = ["compare", "--models", str(base_model), str(model_dir), "--data", str(tmp / "test.jsonl"),
                    "--json", str(cmp_json), "--show", "0"]
            if cli.main(argv) != 0:
                raise SystemExit("stance compare failed")
            report = json.loads(cmp_json.read_text(encoding="utf-8"))
            if "unadapted" not in payload["arms"]:
                payload["arms"]["unadapted"] = {"labels": 0, "selected": None, "select": None,
                                                "train_seconds": seconds["unadapted"][0],
                                                "train_cpu_seconds": seconds["unadapted"][1], **_summary(report["a"])}
            payload["arms"][name] = {
                "labels": len(sel["idx"]),
                "selected": counts(sel["idx"]),
                "select": sel["argv"],
                "select_seconds": sel["seconds"],
                "train_seconds": seconds[name][0],
                "train_cpu_seconds": seconds[name][1],
                **_summary(report["b"]),
                "vs_unadapted": report["changes"],
            }
    payload["seconds_total"] = round(time.perf_counter() - t0, 1)
    return payload


def _f(v) -> str:
    return "–" if v is None else f"{v:.3f}"


def render_markdown(payload: dict) -> str:
    """The RESULTS.md section of one run (figures from the result file only)."""
    sp = payload["split"]
    src = payload["source"]
    stances = [s for s in DOMAIN_STANCES if sp["test"]["stance"][s] > 0]
    lines = [
        f"Held out: every labelled paragraph of `{src}` ({sp['pool']['n'] + sp['test']['n']:,} paragraphs). Its "
        f"documents were split at random (seed {sp['seed']}) into a **pool** ({sp['documents']['pool']} documents, "
        f"{sp['pool']['n']:,} paragraphs) and a **test set** ({sp['documents']['test']} documents, "
        f"{sp['test']['n']:,} paragraphs: " + ", ".join(f"{s} {sp['test']['stance'][s]:,}" for s in DOMAIN_STANCES)
        + "). The unadapted model is the shipped recipe trained on the other sources "
        f"({sp['other_sources']:,} paragraphs); each adapted model adds {payload['n_labels']} pool paragraphs "
        "chosen by `stance select` with the unadapted model, \"labelled\" by looking up the label our readers "
        "had already given them. Every model is scored by `stance compare` on the same test set (paragraphs no "
        "strategy could select, from other documents). Stance macro-F1 is over the stances the test set has ("
        + ", ".join(stances) + "); `favor` predictions count as errors.",
        "",
        "| model | labels of the source | stance macro-F1 | " + " | ".join(f"F1 {s}" for s in stances)
        + " | recall " + " / ".join(stances)
        + " | topic micro-F1 | topic macro-F1 | stance vs unadapted: fixed / broken |",
        "|---|---|---|" + "---|" * len(stances) + "---|---|---|---|",
    ]
    random_rows = []
    for name, arm in payload["arms"].items():
        if name.startswith("random"):
            random_rows.append(arm)
        ch = arm.get("vs_unadapted")
        lines.append(f"| {name} | {arm['labels']:,} | {_f(arm['stance_macro_f1'])} | "
                     + " | ".join(_f(arm["stance_f1"].get(s)) for s in stances) + " | "
                     + " / ".join(_f(arm["stance_recall"].get(s)) for s in stances) + " | "
                     f"{_f(arm['topic_micro_f1'])} | {_f(arm['topic_macro_f1'])} | "
                     + (f"{ch['stance_fixed']:,} / {ch['stance_broken']:,}" if ch else "–") + " |")
    if len(random_rows) > 1:
        vals = np.array([a["stance_macro_f1"] for a in random_rows])
        tvals = np.array([a["topic_micro_f1"] for a in random_rows])
        lines.append(f"| random, mean ± sd of {len(vals)} seeds | {random_rows[0]['labels']:,} | "
                     f"{vals.mean():.3f} ± {vals.std(ddof=1):.3f} | " + " | ".join("" for _ in stances) + " |  | "
                     f"{tvals.mean():.3f} ± {tvals.std(ddof=1):.3f} |  |  |")
    if random_rows and "uncertainty" in payload["arms"]:
        vals = np.array([a["stance_macro_f1"] for a in random_rows])
        spread = f" (sd of the random seeds {vals.std(ddof=1):.3f})" if len(vals) > 1 else ""
        lines += ["", f"Stance macro-F1, uncertainty minus the mean of random: "
                      f"{payload['arms']['uncertainty']['stance_macro_f1'] - vals.mean():+.3f}{spread}; "
                      + (f"mixed minus random: {payload['arms']['mixed']['stance_macro_f1'] - vals.mean():+.3f}; "
                         if "mixed" in payload["arms"] else "")
                      + "unadapted to random: "
                      f"{vals.mean() - payload['arms']['unadapted']['stance_macro_f1']:+.3f}. "
                      "Caveat: this source's labelled paragraphs are not a raw corpus. Round 2 chose most of them by the "
                      "shipped model's uncertainty and a targeted search (`datasets/domain/README.md`), so the pool is "
                      "already a hard sample and leaves uncertainty sampling less to find than a raw corpus would."]
    lines += ["", "What each selection holds (stance of the labels; paragraphs with a headline topic):", "",
              "| selection | " + " | ".join(DOMAIN_STANCES) + " | no topic | nato_expansion | security_guarantees |",
              "|---|" + "---|" * (len(DOMAIN_STANCES) + 3)]
    for name, arm in payload["arms"].items():
        c = arm.get("selected")
        if c is None:
            continue
        lines.append(f"| {name} | " + " | ".join(f"{c['stance'][s]:,}" for s in DOMAIN_STANCES)
                     + f" | {c['no_topic']:,} | {c['topics']['nato_expansion']:,} | "
                     f"{c['topics']['security_guarantees']:,} |")
    seconds = [a["train_seconds"] for a in payload["arms"].values()]
    cpu = [a["train_cpu_seconds"] for a in payload["arms"].values() if a.get("train_cpu_seconds") is not None]
    cpu_note = f" ({min(cpu):.0f}-{max(cpu):.0f} s of CPU time)" if cpu else ""
    lines += ["", f"Command: `{payload['command'].strip()}`; {len(seconds)} models trained, "
                  f"{min(seconds):.0f}-{max(seconds):.0f} s each{cpu_note}, {payload['seconds_total'] / 60:.1f} min in "
                  "all (wall clock, on two cores shared with other jobs). Selections: "
              + "; ".join(f"`{a['select']}`" for a in payload["arms"].values() if a.get("select")) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--source", default="president_ua", help="the source to hold out and adapt to")
    parser.add_argument("-n", type=int, default=300, help="labels of the source per adapted model")
    parser.add_argument("--random-seeds", default="0,1,2,3,4", help="seeds of the random selections")
    parser.add_argument("--json", default=str(RESULTS_JSON))
    args = parser.parse_args(argv)
    payload = run(args.data_root, args.source, args.n, [int(s) for s in args.random_seeds.split(",") if s])
    Path(args.json).write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    print(render_markdown(payload))
    log("then: python benchmarks/render_results.py (writes the adapt_round block of RESULTS.md)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
