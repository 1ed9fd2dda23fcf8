"""Scaling beyond one process: the dask helper at 1 and 2 workers, and a thread pool sharing one model.

``classify --jsonl --jobs N`` is measured by ``benchmarks/stream.py``; this
script measures the two other ways to use more than one core, on the same
generated corpus (the texts of ``domain/unlabeled.jsonl`` repeated with new
ids, written to a temporary directory; no corpus text enters the repository):

- ``dask``: ``dask.bag.read_text(IN, blocksize=...)`` -> ``json.loads`` ->
  ``map_partitions(stance.batch.distributed.classify_partition)`` -> ``json.dumps``
  -> ``to_textfiles``, on a ``LocalCluster`` of 1 and then 2 worker processes
  with one thread each. Wall time (cluster start-up excluded, model loading
  included), the peak resident set of each worker (``ru_maxrss`` read in the
  worker at the end) and of this client process, the sha256 of the outputs
  (concatenated in partition order; both worker counts must agree).
- ``threads``: one :class:`stance.StanceModel` shared by T threads of a
  :class:`~concurrent.futures.ThreadPoolExecutor`, each classifying the same
  ``--thread-n`` paragraphs in batches of 2,000, for each T of ``--threads``:
  wall time, CPU time of the process, paragraphs per second of wall and of
  CPU time, peak RSS; and the share of one thread's time spent with the GIL
  released is bounded by the speed-up the threads reach.

Every run records the 1-minute load average before and after: the machine is
shared, so wall-clock speed-ups measured here are lower bounds; re-run on an
idle machine for the figures that matter.

Usage::

    python benchmarks/scaling.py [--n 200000] [--workers 1,2] [--threads 1,2,4] [--thread-n 20000]
                                 [--json benchmarks/results/scaling.json]

Needs ``dask[distributed]`` (the ``dask`` or ``dev`` extra) for the dask part;
without it that part is skipped with a note.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance import __version__, load_model  # noqa: E402
from stance.datasets.domain import resolve_data_root  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from stream import generate  # noqa: E402

DEFAULT_N = 200_000
DEFAULT_THREAD_N = 20_000
DEFAULT_JSON = REPO / "benchmarks" / "results" / "scaling.json"
BLOCKSIZE = "8MiB"
THREAD_BATCH = 2_000


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _hash_parts(folder: Path) -> tuple[str, int]:
    """sha256 and line count of the part files of ``folder``, concatenated in partition order."""
    digest, lines = hashlib.sha256(), 0
    for part in sorted(folder.iterdir(), key=lambda p: int(p.stem.split(".")[0])):
        data = part.read_bytes()
        if data and not data.endswith(b"\n"):  # to_textfiles leaves the last line of a part open
            data += b"\n"
        digest.update(data)
        lines += data.count(b"\n")
    return digest.hexdigest(), lines


def run_dask(src: Path, out_root: Path, workers: int, n: int) -> dict:
    import dask.bag as db
    from dask.distributed import Client, LocalCluster

    from stance.batch.distributed import classify_partition

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, worker_dashboard_address=None) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        out = out_root / f"dask-{workers}"
        load_before = _load()
        start = time.perf_counter()
        bag = db.read_text(str(src), blocksize=BLOCKSIZE).map(json.loads)
        (bag.map_partitions(classify_partition)
            .map(lambda r: json.dumps(r, ensure_ascii=False))
            .to_textfiles(str(out / "*.jsonl")))
        seconds = time.perf_counter() - start
        load_after = _load()
        worker_rss = client.run(_peak_rss_mb)
        partitions = bag.npartitions
    sha, lines = _hash_parts(out)
    if lines != n:
        raise SystemExit(f"dask with {workers} workers wrote {lines} lines, expected {n}")
    return {
        "workers": workers,
        "threads_per_worker": 1,
        "partitions": partitions,
        "seconds": round(seconds, 2),
        "paragraphs_per_second": round(n / seconds, 1),
        "worker_peak_rss_mb": sorted(worker_rss.values(), reverse=True),
        "client_peak_rss_mb": _peak_rss_mb(),
        "load_average": [load_before, load_after],
        "output_sha256": sha,
    }


def run_threads(texts: list[str], threads: int) -> dict:
    model = load_model()
    model.classify(texts[:500])  # warm-up: caches filled, first-call costs paid

    def work(_):
        for i in range(0, len(texts), THREAD_BATCH):
            for result in model.classify(texts[i:i + THREAD_BATCH]):
                result.evidence  # noqa: B018 - evidence is computed on first read: read it, as a user would

    load_before = _load()
    start, cpu_start = time.perf_counter(), time.process_time()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(work, range(threads)))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    total = threads * len(texts)
    return {
        "threads": threads,
        "paragraphs": total,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "paragraphs_per_second": round(total / seconds, 1),
        "paragraphs_per_cpu_second": round(total / cpu, 1),
        "peak_rss_mb": _peak_rss_mb(),
        "load_average": [load_before, _load()],
    }


def render_markdown(report: dict) -> str:
    """The tables of ``RESULTS.md`` for one results file (``benchmarks/render_results.py`` writes them)."""
    lines = [f"Command: `{report['command'].strip()}` ({report['date']}, stance {report['stance']}, "
             f"{report['machine']['cpus']} CPUs, {report['evidence']} evidence terms per decision).", ""]
    dask = report["dask"]
    if "runs" in dask:
        lines += [f"**dask** (`stance.batch.distributed.classify_partition` over a `dask.bag` of {report['n']:,} paragraphs "
                  f"in blocks of {report['blocksize']}, `LocalCluster` worker processes with one thread each; cluster "
                  "start-up excluded, model loading included):", "",
                  "| workers | partitions | wall time | paragraphs/s (wall) | peak RSS per worker | peak RSS, client "
                  "| load average before / after | output sha256 |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in dask["runs"]:
            lines.append(f"| {r['workers']} | {r['partitions']} | {r['seconds']:,.0f} s | "
                         f"{r['paragraphs_per_second']:,.0f} | {' + '.join(f'{m:.0f}' for m in r['worker_peak_rss_mb'])} MB "
                         f"| {r['client_peak_rss_mb']:.0f} MB | {r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} "
                         f"| `{r['output_sha256'][:16]}…` |")
        lines += ["", "Outputs across worker counts: " + ("byte-identical (same sha256)." if dask["outputs_identical"]
                                                        else "**different** (see the sha256 column)."), ""]
    else:
        lines += [f"dask: {dask['skipped']}.", ""]
    t = report["threads"]
    lines += [f"**Threads** sharing one loaded model (each thread classifies the same "
              f"{t['paragraphs_per_thread']:,} paragraphs in batches of {report['thread_batch']:,}):", "",
              "| threads | paragraphs | wall time | CPU time | paragraphs/s (wall) | paragraphs per CPU second "
              "| peak RSS | load average before / after |",
              "|---|---|---|---|---|---|---|---|"]
    for r in t["runs"]:
        lines.append(f"| {r['threads']} | {r['paragraphs']:,} | {r['seconds']:,.1f} s | {r['cpu_seconds']:,.1f} s | "
                     f"{r['paragraphs_per_second']:,.0f} | {r['paragraphs_per_cpu_second']:,.0f} | "
                     f"{r['peak_rss_mb']:.0f} MB | {r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"paragraphs for the dask runs (default: {DEFAULT_N:,})")
    parser.add_argument("--workers", default="1,2", help="comma-separated dask worker counts (default: 1,2)")
    parser.add_argument("--threads", default="1,2,4", help="comma-separated thread counts (default: 1,2,4)")
    parser.add_argument("--thread-n", type=int, default=DEFAULT_THREAD_N,
                        help=f"paragraphs each thread classifies (default: {DEFAULT_THREAD_N:,})")
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--json", default=str(DEFAULT_JSON))
    parser.add_argument("--tmp-dir", default=None)
    args = parser.parse_args(argv)
    source = resolve_data_root(args.data_root, require="domain/unlabeled.jsonl") / "domain" / "unlabeled.jsonl"
    report: dict = {
        "benchmark": "dask helper and thread pool (benchmarks/scaling.py)",
        "command": " ".join(["python benchmarks/scaling.py", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d"),
        "n": args.n,
        "blocksize": BLOCKSIZE,
        "thread_batch": THREAD_BATCH,
        "evidence": 3,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "stance": __version__,
    }
    with tempfile.TemporaryDirectory(prefix="stance-scaling-bench-", dir=args.tmp_dir) as tmp:
        src = Path(tmp) / "in.jsonl"
        generate(source, src, args.n)
        try:
            import dask.distributed  # noqa: F401
        except ImportError:
            report["dask"] = {"skipped": "dask[distributed] is not installed (pip install 'stance-nlp[dask]')"}
        else:
            runs = []
            for workers in (int(w) for w in args.workers.split(",")):
                runs.append(run_dask(src, Path(tmp), workers, args.n))
                print(f"dask {workers} workers: {runs[-1]['seconds']:.1f} s, "
                      f"{runs[-1]['paragraphs_per_second']:,.0f} paragraphs/s, worker peak RSS "
                      f"{runs[-1]['worker_peak_rss_mb']} MB, load {runs[-1]['load_average']}", flush=True)
            report["dask"] = {"runs": runs, "outputs_identical": len({r["output_sha256"] for r in runs}) == 1}
    with open(source, encoding="utf-8") as fh:
        texts = [json.loads(line)["text"] for line in fh if line.strip()]
    texts = (texts * (args.thread_n // len(texts) + 1))[:args.thread_n]
    runs = []
    for threads in (int(t) for t in args.threads.split(",")):
        runs.append(run_threads(texts, threads))
        print(f"threads {threads}: {runs[-1]['seconds']:.1f} s wall, {runs[-1]['cpu_seconds']:.1f} s CPU, "
              f"{runs[-1]['paragraphs_per_second']:,.0f} paragraphs/s, load {runs[-1]['load_average']}", flush=True)
    report["threads"] = {"paragraphs_per_thread": args.thread_n, "runs": runs}
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    identical = report["dask"].get("outputs_identical", True)
    print(f"scaling: dask outputs identical across workers: {identical}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
