"""Throughput and peak memory of ``stance classify --jsonl`` on a large generated corpus.

Writes, in a temporary directory, a JSONL file of N paragraphs (default
1,000,000): the texts of ``domain/unlabeled.jsonl`` under the data root,
repeated in order, each line with its own id (``{"id": "bench-0000001",
"source_id": ..., "text": ...}``). No corpus text is written into the
repository. Then, for each ``--jobs`` value, runs::

    python -m stance classify --jsonl IN.jsonl -o OUT.jsonl --jobs J

as a subprocess with the shipped model and reports paragraphs per second
(N / wall time, model loading included) and peak memory:

- ``peak_rss_mb``: the largest resident set of any one process of the run
  (the CLI process or a worker), from ``os.wait4``'s ``ru_maxrss``, which the
  kernel keeps for the process and the children it reaped;
- ``peak_total_rss_mb``: the largest sum of the resident sets of the whole
  process tree, sampled from ``/proc`` every 0.2 s (Linux only; may miss
  short peaks);
- ``per_process_peak_rss_mb``: the peak resident set (``VmHWM``) of each
  process of the run, largest first (the CLI, then its workers), sampled
  like the total;
- ``cpu_seconds`` and ``load_average`` (1-minute, before and after): on a
  shared machine other work competes for the cores, which caps what
  ``--jobs 2`` can gain.

Each output is checked: one line per input paragraph, the last one with
``"line": N``; its sha256 is recorded, and the outputs of the ``--jobs``
values must be byte-identical (the script exits with status 1 when they are
not, after writing the results). The sha256 of the model's manifest (which
holds the sha256 of every model file) is recorded before each run and checked
after it: a model replaced on disk during the benchmark stops it. (The outputs
of the 1,000,000-paragraph run of 2026-11-27 differed between ``--jobs 1``
and ``--jobs 2`` because the shipped model was retrained between the two.)

Usage::

    python benchmarks/stream.py [--n 1000000] [--jobs 1,2] [--batch-size 2000] [--data-root DIR]
                                [--json benchmarks/results/stream.json]

The last line printed is the summary.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance import __version__  # noqa: E402
from stance.datasets.domain import resolve_data_root  # noqa: E402
from stance.batch.stream import DEFAULT_STREAM_BATCH_SIZE  # noqa: E402
from stance.io.persistence import MANIFEST_FILE, default_model_path  # noqa: E402

DEFAULT_N = 1_000_000
DEFAULT_JSON = REPO / "benchmarks" / "results" / "stream.json"
SAMPLE_SECONDS = 0.2


def generate(source: Path, dest: Path, n: int) -> int:
    """Write ``n`` JSON lines cycling through the texts of ``source``; return the bytes written."""
    texts = []
    with open(source, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                obj = json.loads(line)
                texts.append((obj.get("id"), obj["text"]))
    if not texts:
        raise SystemExit(f"{source} holds no paragraphs")
    with open(dest, "w", encoding="utf-8") as out:
        for i in range(n):
            source_id, text = texts[i % len(texts)]
            out.write(json.dumps({"id": f"bench-{i:07d}", "source_id": source_id, "text": text},
                                 ensure_ascii=False) + "\n")
    return dest.stat().st_size


def _tree_rss_kb(root: int, peaks: dict[int, int] | None = None) -> int:
    """Sum of VmRSS (kB) over ``root`` and its descendants, from /proc.

    With ``peaks``, also keeps the largest ``VmHWM`` (peak RSS, kB) seen for each process.
    """
    parents: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(entry.name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    total = 0
    for pid in tree:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
                for line in fh:
                    if line.startswith("VmHWM:") and peaks is not None:
                        peaks[pid] = max(peaks.get(pid, 0), int(line.split()[1]))
                    elif line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def model_stamp() -> str:
    """sha256 of the shipped model's manifest, which records the sha256 of every model file."""
    return _sha256(default_model_path() / MANIFEST_FILE)


def run_once(src: Path, dst: Path, jobs: int, batch_size: int, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    cmd = [sys.executable, "-m", "stance", "classify", "--jsonl", str(src), "-o", str(dst),
           "--jobs", str(jobs), "--batch-size", str(batch_size)]
    peak_total = [0]
    per_process: dict[int, int] = {}
    load_before = os.getloadavg()[0]
    model_before = model_stamp()
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdin=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def sample():
        while not done.wait(SAMPLE_SECONDS):
            peak_total[0] = max(peak_total[0], _tree_rss_kb(proc.pid, per_process))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    stderr_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: stderr_chunks.append(proc.stderr.read()), daemon=True)
    reader.start()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    reader.join()
    if proc.returncode != 0:
        raise SystemExit(f"jobs={jobs}: exit {proc.returncode}: {b''.join(stderr_chunks).decode(errors='replace')}")
    if model_stamp() != model_before:
        raise SystemExit(f"jobs={jobs}: the shipped model changed on disk during the run; run the benchmark again")
    lines, last = _count_lines(dst)
    if lines != n or json.loads(last)["line"] != n:
        raise SystemExit(f"jobs={jobs}: expected {n} results, got {lines} (last line {last[:80]!r})")
    return {
        "jobs": jobs,
        "seconds": round(seconds, 2),
        "paragraphs_per_second": round(n / seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "peak_total_rss_mb": round(peak_total[0] / 1024, 1),
        "per_process_peak_rss_mb": sorted((round(kb / 1024, 1) for kb in per_process.values()), reverse=True),
        # CPU time of the run's processes (the CLI and its reaped workers) and the machine's
        # 1-minute load average before and after: on a shared machine, other work competes for the cores.
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "output_bytes": dst.stat().st_size,
        "output_sha256": _sha256(dst),
        "model_manifest_sha256": model_before,
        "command": f"stance classify --jsonl IN.jsonl -o OUT.jsonl --jobs {jobs} --batch-size {batch_size}",
    }


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


def _count_lines(path: Path) -> tuple[int, bytes]:
    count, last = 0, b""
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 24):
            count += chunk.count(b"\n")
        fh.seek(max(0, fh.tell() - (1 << 20)))
        tail = fh.read().rstrip(b"\n")
        last = tail[tail.rfind(b"\n") + 1:]
    return count, last


def render_markdown(report: dict) -> str:
    """The table of ``RESULTS.md`` for one results file (``benchmarks/render_results.py`` writes it)."""
    rows = ["| `--jobs` | wall time | paragraphs/s (wall) | peak RSS per process | peak RSS, all processes "
            "| CPU seconds | paragraphs per CPU second | load average before / after | output sha256 |",
            "|---|---|---|---|---|---|---|---|---|"]
    for r in report["runs"]:
        per = r.get("per_process_peak_rss_mb") or [r["peak_rss_mb"]]
        rows.append(f"| {r['jobs']} | {r['seconds']:,.0f} s | {r['paragraphs_per_second']:,.0f} | "
                    f"{' + '.join(f'{m:.0f}' for m in per)} MB | {r['peak_total_rss_mb']:.0f} MB | {r['cpu_seconds']:,.0f} | "
                    f"{report['n'] / r['cpu_seconds']:,.0f} | {r['load_average'][0]:.1f} / {r['load_average'][1]:.1f} | "
                    f"`{r['output_sha256'][:16]}…` |")
    one = {r["jobs"]: r for r in report["runs"]}
    lines = [f"Command: `{report['command']}` ({report['date']}, stance {report['stance']}, "
             f"{report['machine']['cpus']} CPUs). {report['n']:,} paragraphs "
             f"({report['input_bytes'] / 2**20:,.0f} MiB of JSONL), batches of {report['batch_size']:,}, "
             f"{report['evidence']} evidence terms per decision.", "", *rows, ""]
    lines.append("Outputs across `--jobs`: " + ("byte-identical (same sha256)." if report["outputs_identical"]
                                                 else "**different** (see the sha256 column)."))
    if "same_model" in report:
        stamps = sorted({r["model_manifest_sha256"][:16] for r in report["runs"]})
        lines.append(("Every run used the same model" if report["same_model"] else "**The runs used different models**")
                     + f" (manifest sha256 {', '.join(f'`{m}…`' for m in stamps)}).")
    if 1 in one and 2 in one:
        lines.append(f"Speed-up of `--jobs 2` over `--jobs 1` in wall time: "
                     f"{one[1]['seconds'] / one[2]['seconds']:.2f}x, with the load averages shown.")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=DEFAULT_N, help=f"paragraphs to generate (default: {DEFAULT_N:,})")
    parser.add_argument("--jobs", default="1,2", help="comma-separated --jobs values to run (default: 1,2)")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_STREAM_BATCH_SIZE)
    parser.add_argument("--data-root", default=None, help="folder holding domain/unlabeled.jsonl (default: ../shared/data)")
    parser.add_argument("--json", default=str(DEFAULT_JSON), help=f"results file (default: {DEFAULT_JSON.relative_to(REPO)})")
    parser.add_argument("--tmp-dir", default=None, help="where the generated input and outputs go (default: system temp)")
    args = parser.parse_args(argv)
    jobs_list = [int(j) for j in args.jobs.split(",")]
    source = resolve_data_root(args.data_root, require="domain/unlabeled.jsonl") / "domain" / "unlabeled.jsonl"

    runs = []
    with tempfile.TemporaryDirectory(prefix="stance-stream-bench-", dir=args.tmp_dir) as tmp:
        src = Path(tmp) / "in.jsonl"
        t0 = time.perf_counter()
        size = generate(source, src, args.n)
        print(f"generated {args.n:,} paragraphs ({size / 2**20:,.0f} MiB) in {time.perf_counter() - t0:.1f} s",
              flush=True)
        for jobs in jobs_list:
            dst = Path(tmp) / f"out-{jobs}.jsonl"
            result = run_once(src, dst, jobs, args.batch_size, args.n)
            dst.unlink()
            runs.append(result)
            print(f"jobs {jobs}: {result['seconds']:,.1f} s, {result['paragraphs_per_second']:,.0f} paragraphs/s, "
                  f"peak RSS {result['peak_rss_mb']:,.0f} MB per process, {result['peak_total_rss_mb']:,.0f} MB "
                  f"all processes, {result['cpu_seconds']:,.0f} CPU s, load average {result['load_average']}",
                  flush=True)
    report = {
        "benchmark": "stance classify --jsonl (benchmarks/stream.py)",
        "command": " ".join(["python benchmarks/stream.py", *(argv if argv is not None else sys.argv[1:])]),
        "date": time.strftime("%Y-%m-%d"),
        "n": args.n,
        "input_bytes": size,
        "batch_size": args.batch_size,
        "evidence": 3,
        "model": "shipped default",
        "source": "domain/unlabeled.jsonl texts, repeated with new ids",
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "stance": __version__,
        "runs": runs,
        "outputs_identical": len({r["output_sha256"] for r in runs}) == 1,
        "same_model": len({r["model_manifest_sha256"] for r in runs}) == 1,
    }
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    summary = "; ".join(f"jobs {r['jobs']}: {r['paragraphs_per_second']:,.0f} paragraphs/s, "
                        f"peak RSS {r['peak_rss_mb']:,.0f} MB" for r in runs)
    print(f"stream N={args.n:,}: {summary}; outputs identical across --jobs: {report['outputs_identical']}")
    return 0 if report["outputs_identical"] else 1


if __name__ == "__main__":
    sys.exit(main())
