"""Write every table and figure of ``benchmarks/RESULTS.md`` and the README from ``benchmarks/results/*.json``.

Each figure lives in a marked block of its document::

    <!-- NAME:begin (written by benchmarks/render_results.py; do not edit) -->
    ...
    <!-- NAME:end -->

and :data:`BLOCKS` says which function writes it from which result files: a
benchmark script's ``render_markdown(*payloads) -> str`` (one argument per
result file, in the order listed), or for the README's short summaries a
function of this module. Adding a benchmark is one line in :data:`BLOCKS`
plus the markers in the document. Only the blocks change; the prose around
them stays as written (and holds no measured number).

Usage::

    python benchmarks/render_results.py            # rewrite every block
    python benchmarks/render_results.py --check    # exit 1 and name each stale, missing or unknown block

``tests/test_results_md.py`` runs the check in CI.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"
DOCUMENTS = {"RESULTS.md": BENCH / "RESULTS.md", "README.md": REPO / "README.md"}


@dataclass(frozen=True)
class Block:
    """One marked block: ``name`` in ``document``, written by ``script.function`` from ``files``."""

    name: str
    script: str  # benchmarks/<script>.py; "render_results" for the summaries of this module
    files: tuple[str, ...]  # benchmarks/results/<file>, passed in this order
    document: str = "RESULTS.md"
    function: str = "render_markdown"
    demote: int = 0  # extra '#' on the rendered headings (a script's '## X' under a '##' section)


#: Every rendered block, in document order. A new benchmark is one line here.
BLOCKS: tuple[Block, ...] = (
    Block("domain_cv_highlights", "domain_cv", ("domain_cv_round1.json", "domain_cv.json", "domain_cv_ideas.json"),
          function="render_highlights"),
    Block("domain_cv", "domain_cv", ("domain_cv_round1.json", "domain_cv.json", "domain_cv_ideas.json")),
    Block("seed_article", "seed_article", ("seed_article.json",)),
    Block("adapt_round", "adapt_round", ("adapt_round.json",)),
    Block("public_summary", "render_results", ("semeval2016.json", "fnc1.json", "ruw.json"),
          function="public_summary"),
    Block("semeval2016", "semeval2016", ("semeval2016.json",), demote=1),
    Block("fnc1", "fnc1", ("fnc1.json",), demote=1),
    Block("ruw", "ruw", ("ruw.json",), demote=1),
    Block("target_defaults", "target_defaults", ("target_defaults.json",), demote=1),
    Block("word_vectors", "word_vectors", ("word_vectors.json", "semeval2016_word_vectors.json", "semeval2016.json",
                                           "ruw_word_vectors.json", "ruw.json")),
    Block("word_vector_variants", "word_vector_variants", ("word_vector_variants.json",)),
    Block("word_vectors_domain", "word_vectors", ("domain_cv_stance_only.json", "domain_cv_word_vectors.json",
                                                  "domain_cv_word_clusters.json",
                                                  "domain_cv_word_clusters_both.json"),
          function="render_domain"),
    Block("fnc1_word_vectors", "fnc1", ("fnc1_word_vectors.json", "fnc1.json"), function="render_word_vectors"),
    Block("speed", "speed", ("speed.json",)),
    Block("stream", "stream", ("stream.json",)),
    Block("scaling", "scaling", ("scaling.json",)),
    # README.md
    Block("readme_domain", "render_results", ("domain_cv.json",), "README.md", "readme_domain"),
    Block("readme_speed", "render_results", ("speed.json",), "README.md", "readme_speed"),
    Block("readme_public", "render_results", ("semeval2016.json", "fnc1.json", "ruw.json"), "README.md",
          "readme_public"),
    Block("readme_scaling", "render_results", ("stream.json", "scaling.json"), "README.md", "readme_scaling"),
)


def begin_marker(name: str) -> str:
    return f"<!-- {name}:begin (written by benchmarks/render_results.py; do not edit) -->"


def end_marker(name: str) -> str:
    return f"<!-- {name}:end -->"


_ANY_BEGIN = re.compile(r"<!-- ([A-Za-z0-9_]+):begin\b[^>]*-->")


# --------------------------------------------------------------------------- rendering


@cache
def _script(name: str):
    if name == "render_results":
        return sys.modules[__name__]
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(f"_bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _payload(file: str, results_dir: Path) -> dict:
    return json.loads((results_dir / file).read_text(encoding="utf-8"))


def _demote(markdown: str, levels: int) -> str:
    if not levels:
        return markdown
    return re.sub(r"^(#+) ", lambda m: "#" * (len(m.group(1)) + levels) + " ", markdown, flags=re.M)


def render_block(block: Block, results_dir: Path = RESULTS) -> str:
    """The markdown of ``block``, from its result files."""
    fn: Callable[..., str] = getattr(_script(block.script), block.function)
    markdown = fn(*(_payload(f, results_dir) for f in block.files))
    return _demote(markdown.strip("\n"), block.demote)


def _span(text: str, name: str) -> tuple[int, int] | None:
    """(start, end) of the content between the markers of ``name`` (begin line excluded), or None."""
    match = re.search(r"<!-- " + re.escape(name) + r":begin\b[^>]*-->\n?", text)
    if match is None:
        return None
    end = text.find(end_marker(name), match.end())
    if end < 0:
        return None
    return match.start(), end + len(end_marker(name))


def fill(text: str, block: Block, markdown: str) -> str:
    span = _span(text, block.name)
    if span is None:
        raise KeyError(block.name)
    return text[:span[0]] + begin_marker(block.name) + "\n" + markdown + "\n" + end_marker(block.name) + text[span[1]:]


def problems(documents: dict[str, Path] = DOCUMENTS, results_dir: Path = RESULTS) -> list[str]:
    """Every block that disagrees with its result files, is missing, or that nothing writes."""
    out = []
    texts = {doc: path.read_text(encoding="utf-8") for doc, path in documents.items()}
    for block in BLOCKS:
        text = texts[block.document]
        if _span(text, block.name) is None:
            out.append(f"{block.document}: block {block.name!r} is missing (add its markers)")
        elif fill(text, block, render_block(block, results_dir)) != text:
            out.append(f"{block.document}: block {block.name!r} is stale: it disagrees with "
                       f"{', '.join('results/' + f for f in block.files)}")
    known = {(b.document, b.name) for b in BLOCKS}
    for doc, text in texts.items():
        for name in _ANY_BEGIN.findall(text):
            if (doc, name) not in known:
                out.append(f"{doc}: block {name!r} is written by nothing (add it to BLOCKS or remove its markers)")
    return out


def write_all(documents: dict[str, Path] = DOCUMENTS, results_dir: Path = RESULTS) -> list[str]:
    """Rewrite every block; return the names of the blocks that changed.

    Nothing is written unless every block renders and has its markers.
    """
    changed, texts = [], {}
    for doc, path in documents.items():
        text = path.read_text(encoding="utf-8")
        for block in (b for b in BLOCKS if b.document == doc):
            try:
                new = fill(text, block, render_block(block, results_dir))
            except KeyError:
                raise SystemExit(f"{doc}: block {block.name!r} is missing: add "
                                 f"{begin_marker(block.name)} ... {end_marker(block.name)}") from None
            if new != text:
                changed.append(f"{doc}:{block.name}")
            text = new
        texts[doc] = text
    for doc, text in texts.items():
        if text != documents[doc].read_text(encoding="utf-8"):
            documents[doc].write_text(text, encoding="utf-8")
    return changed


# --------------------------------------------------------------------------- summaries across scripts


def _best_peer(results: dict, key: str) -> tuple[str, dict]:
    peers = {k: v for k, v in results.items() if k != "ours"}
    name = max(peers, key=lambda k: peers[k][key])
    return name, peers[name]


def public_summary(semeval: dict, fnc: dict, ruw: dict) -> str:
    """The headline table of the three public benchmarks, with the best peer of the same run."""
    rows = []
    s_ours, (s_peer, s_res) = semeval["results"]["ours"], _best_peer(semeval["results"], "f_avg")
    s_anchor = max(semeval["anchors"].items(), key=lambda kv: kv[1])
    rows.append(["SemEval-2016 F_avg", f"{s_ours['f_avg']:.2f}", f"{s_res['f_avg']:.2f} (`{s_peer}`)",
                 f"{s_anchor[0]} {s_anchor[1]:.2f}", f"≥ {semeval['target']}",
                 "**yes**" if s_ours["f_avg"] >= semeval["target"] else "**no**"])
    f_ours, (f_peer, f_res) = fnc["results"]["ours"], _best_peer(fnc["results"], "fnc_score")
    f_anchor = max(fnc["anchors"].items(), key=lambda kv: kv[1]["fnc"])
    t = fnc["target"]
    met = [f_ours["fnc_score"] >= t["fnc"], f_ours["macro_f1"] >= t["macro_f1"]]
    rows.append(["FNC-1 score / macro-F1", f"{f_ours['fnc_score']:.2f} / {f_ours['macro_f1']:.3f}",
                 f"{f_res['fnc_score']:.2f} / {f_res['macro_f1']:.3f} (`{f_peer}`)",
                 f"{f_anchor[0]} {f_anchor[1]['fnc']:.2f}", f"≥ {t['fnc']} / ≥ {t['macro_f1']}",
                 f"score **{'yes' if met[0] else 'no'}**, macro-F1 **{'yes' if met[1] else 'no'}**"])
    r_ours, (r_peer, r_res) = ruw["results"]["ours"], _best_peer(ruw["results"], "f_avg")
    bert = ruw["anchors"]["BERT"]
    rows.append(["RUW mean F_avg", f"{r_ours['f_avg']:.2f}", f"{r_res['f_avg']:.2f} (`{r_peer}`)",
                 f"BERT {bert:.2f}", "beat BERT", "**yes**" if r_ours["f_avg"] > bert else "**no**"])
    header = ["benchmark", "ours", "best peer in the same run", "best published anchor", "target", "met?"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    runs = "; ".join(f"{name} {p['seconds']} s" for name, p in (("SemEval-2016", semeval), ("FNC-1", fnc), ("RUW", ruw)))
    return "\n".join(lines) + f"\n\nRun times on the 2-core machine (whole script, wall): {runs}."


# --------------------------------------------------------------------------- README figures


def readme_domain(run: dict) -> str:
    """The README's domain table: the three systems of ``domain_cv.json``, with the best value in bold."""
    names = {"stance": "**stance** (shipped recipe)", "svc": "word+char LinearSVC", "plain": "plain scikit-learn"}
    systems = {k: v["as_predicted"] for k, v in run["systems"].items() if k in names}

    def cols(r):
        cv, pooled, per = r["cv"], r["cv_pooled"], r["cv"]["by_source"]
        per_mean = sum(v["stance_macro_f1"] for v in per.values()) / len(per)
        held_mean = sum(v["stance_macro_f1"] for v in r["held_out"].values()) / len(r["held_out"])
        return [cv["topic_micro_f1"], cv["stance_macro_f1"], pooled["on_period_2022"]["topic_micro_f1"],
                pooled["on_period_2022"]["stance_macro_f1"], pooled["news"]["topic_micro_f1"],
                pooled["news"]["stance_macro_f1"], per_mean, held_mean]

    values = {k: cols(r) for k, r in systems.items()}
    best = [max(v[i] for v in values.values()) for i in range(8)]

    def cell(k, i):
        text = f"{values[k][i]:.3f}"
        return f"**{text}**" if round(values[k][i], 3) == round(best[i], 3) else text

    header = ("| | topic micro-F1 | stance macro-F1 | on-period sources pooled (topic / stance) | news pooled "
              "(topic / stance) | mean over sources of the stance macro-F1 | trained without a source, tested on it "
              "(mean stance macro-F1) |\n|---|---|---|---|---|---|---|")
    rows = [f"| {names[k]} | {cell(k, 0)} | {cell(k, 1)} | {cell(k, 2)} / {cell(k, 3)} | {cell(k, 4)} / {cell(k, 5)} "
            f"| {cell(k, 6)} | {cell(k, 7)} |" for k in names if k in values]
    ours = values["stance"]
    return (header + "\n" + "\n".join(rows) + "\n\n"
            f"The last column measures the confound this release works on: a model that has never read a speaker "
            f"scores a mean stance macro-F1 of {ours[7]:.3f} on that speaker, against {ours[6]:.3f} within "
            f"sources ({run['n']:,} paragraphs, corpus `{run['corpus']}`).")


def readme_speed(speed: dict) -> str:
    ours, sk = speed["stance"]["classify"], speed["sklearn_union"]["predict"]
    ft = speed.get("fasttext", {})
    parts = [f"{ours['cpu'] / sk['cpu']:.1f}x the scikit-learn union pipeline"]
    if "char2_5_dim50" in ft:
        parts.append(f"{ours['cpu'] / ft['char2_5_dim50']['predict']['cpu']:.2f}x fastText with character n-grams "
                     f"({ft['char2_5_dim50']['settings']})")
    if "default_wordngrams2" in ft:
        parts.append(f"{ours['cpu'] / ft['default_wordngrams2']['predict']['cpu']:.2f}x fastText with its default "
                     f"settings plus word bigrams ({ft['default_wordngrams2']['settings']}), which reads no "
                     "character n-grams")
    read = speed["stance"].get("classify_read_evidence")
    if read is None:  # results of 1.2.0's speed.py before evidence was computed on first read
        what, read_text = "`classify` with evidence", ""
    else:
        what = "`classify` (evidence is computed on first read, and not read here)"
        read_text = (f" ({read['cpu']:,} per CPU-second when every result's evidence is read, "
                     f"{read['cpu'] / ft['default_wordngrams2']['predict']['cpu']:.2f}x fastText's defaults)"
                     if "default_wordngrams2" in ft else
                     f" ({read['cpu']:,} per CPU-second when every result's evidence is read)")
    without = speed["stance"].get("classify_without_c")
    loops = speed.get("c_loops", {})
    c_text = ""
    if without is not None and "c" in loops.values():
        c_text = (f" These figures are with the optional C loops, built at install time; without a C compiler the "
                  f"same results come from numpy and Python alone, at {without['cpu']:,} paragraphs per CPU-second"
                  + (f" ({without['cpu'] / ft['default_wordngrams2']['predict']['cpu']:.2f}x fastText's defaults)"
                     if "default_wordngrams2" in ft else "") + ".")
    fresh = speed["stance"].get("classify_fresh")
    fresh_text = ""
    if fresh is not None:
        fresh_text = (f" A freshly loaded model's first pass over the same paragraphs, before its chunk table holds "
                      f"their words, did {fresh['cpu']:,} per CPU-second"
                      + (f" ({fresh['cpu'] / ft['default_wordngrams2']['predict']['cpu']:.2f}x fastText's defaults)"
                         if "default_wordngrams2" in ft else "") + "; the figures above are the best of 3 passes.")
    numpy_only = speed.get("cold_start_numpy_only_s")
    cold = f"{speed['cold_start_s']:.2f} s wall" + (f" (importing numpy alone: {numpy_only:.2f} s)" if numpy_only else "")
    return (f"On one core (`python benchmarks/speed.py`, {speed['date']}, {speed['n_paragraphs']:,} paragraphs, every "
            f"system in the same run, load average {speed.get('load_average', 'n/a')}) {what} did "
            f"{ours['cpu']:,} paragraphs per CPU-second ({ours['wall']:,} per wall second) from raw text to topics "
            f"and stance{read_text}: {', '.join(parts)}; it loads and classifies from a cold start in {cold}; the shipped "
            f"model files take {speed['model_size']['all_files_mb']:.1f} MB.{fresh_text}{c_text}")


def readme_public(semeval: dict, fnc: dict, ruw: dict) -> str:
    s, f, r = semeval["results"]["ours"], fnc["results"]["ours"], ruw["results"]["ours"]
    svm = semeval["anchors"].get("SVM word + char n-grams (task organisers)")
    svm_text = f" ({'above' if s['f_avg'] > svm else 'below'} the organisers' SVM, {svm:.2f})" if svm else ""
    return (f"Public benchmarks (`python benchmarks/semeval2016.py`, `fnc1.py`, `ruw.py`, each with "
            f"`--data-root`): SemEval-2016 F_avg {s['f_avg']:.2f}{svm_text}, FNC-1 score {f['fnc_score']:.2f} "
            f"with macro-F1 {f['macro_f1']:.3f}, RUW mean F_avg {r['f_avg']:.2f}; each script runs the plain "
            "scikit-learn pipeline, fastText and spaCy's bag-of-words classifier on the same split.")


def readme_scaling(stream: dict, scaling: dict) -> str:
    runs = {r["jobs"]: r for r in stream["runs"]}
    lines = [f"Measured with `{stream['command'].strip()}` and `{scaling['command'].strip()}` "
             f"({stream['date']}, on the project's 2-core machine; the 1-minute load average before each run is "
             "given, and any other work on the machine lowers wall-clock figures and speed-ups):", ""]
    for jobs, r in sorted(runs.items()):
        lines.append(f"- `classify --jsonl --jobs {jobs}`: {r['paragraphs_per_second']:,.0f} paragraphs/s wall, "
                     f"peak RSS {max(r['per_process_peak_rss_mb']):.0f} MB per process "
                     f"(load average {r['load_average'][0]:.1f}).")
    if "runs" in scaling.get("dask", {}):
        for r in scaling["dask"]["runs"]:
            lines.append(f"- dask, {r['workers']} worker process{'es' if r['workers'] > 1 else ''}: "
                         f"{r['paragraphs_per_second']:,.0f} paragraphs/s wall, peak RSS "
                         f"{max(r['worker_peak_rss_mb']):.0f} MB per worker (load average {r['load_average'][0]:.1f}).")
    threads = {r["threads"]: r for r in scaling["threads"]["runs"]}
    one = threads[min(threads)]
    many = threads[max(threads)]
    lines.append(f"- a thread pool sharing one model: {max(threads)} threads "
                 f"{many['paragraphs_per_second']:,.0f} paragraphs/s wall against {one['paragraphs_per_second']:,.0f} "
                 f"for one thread ({many['paragraphs_per_cpu_second']:,.0f} against "
                 f"{one['paragraphs_per_cpu_second']:,.0f} per CPU second).")
    identical = stream["outputs_identical"] and scaling.get("dask", {}).get("outputs_identical", True)
    lines += ["", "Outputs are byte-identical across `--jobs` and across dask worker counts (sha256 recorded)"
              if identical else "**Outputs differ across `--jobs` or worker counts** (see the sha256 in the results)"]
    lines[-1] += "."
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 and name every block that disagrees with its result files")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for line in found:
            print(line, file=sys.stderr)
        if found:
            print("run: python benchmarks/render_results.py", file=sys.stderr)
            return 1
        print(f"{len(BLOCKS)} blocks agree with benchmarks/results/*.json")
        return 0
    changed = write_all()
    print("rewrote: " + (", ".join(changed) if changed else "nothing (every block was up to date)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
