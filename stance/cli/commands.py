"""The ``stance`` command line: classify, train, evaluate, export, report, embed, info, and the labelling round
(select, label, compare, agreement).

Every subcommand is a function of parsed arguments; :func:`main` turns
library errors into one line on stderr and an exit status (1 for errors,
2 for usage, 130 when interrupted), never a traceback.

Examples
--------
>>> from stance.cli.commands import main
>>> main(["info"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

from .._version import __version__
from ..io.files import atomic_write, remove_stale_temps, same_file
from ..exceptions import StanceError

__all__ = ["main"]

FORMATS = ("table", "jsonl", "csv")
CSV_FIELDS = ("file", "index", "topics", "stance", "stance_score", "topic_scores", "stance_scores", "evidence",
              "language", "text")
PROG = "stance"
_STREAM_BATCH_SIZE = 2000  # stance.batch.stream.DEFAULT_STREAM_BATCH_SIZE, without importing the model stack for --help
_MAX_PARAGRAPH_CHARS = 100_000  # stance.text.processing.DEFAULT_MAX_PARAGRAPH_CHARS


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG, description="Label news paragraphs by topic and by stance toward Russia's security position."
    )
    parser.add_argument("-V", "--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser("classify", help="split articles into paragraphs and label each")
    p.add_argument("files", nargs="*", metavar="FILE", help="UTF-8 text files; '-' reads standard input")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--format", choices=FORMATS, help="output format (default: table on a terminal, else jsonl)")
    p.add_argument("-o", "--output", metavar="FILE", help="write here instead of standard output")
    p.add_argument("--target", help="stance target, for models trained with targets")
    p.add_argument("--evidence", type=int, default=3, metavar="N", help="evidence terms per decision (default: 3)")
    _add_max_chars(p)
    _add_trust(p)
    big = p.add_argument_group("large corpora", "classify a JSON-lines file of paragraphs in batches, "
                               "writing results as they are done (see README, 'Large corpora')")
    big.add_argument("--jsonl", metavar="FILE", help="JSON lines, one paragraph per line in the field 'text' "
                     "(other fields are carried through); '-' reads standard input. Instead of FILE arguments")
    big.add_argument("--resume", action="store_true",
                     help="continue an interrupted run: keep the complete results in -o FILE and append the rest")
    big.add_argument("--jobs", type=int, default=None, metavar="N",
                     help="worker processes, each loading the model once (default: 1; -1: every core)")
    big.add_argument("--batch-size", type=int, default=None, metavar="N",
                     help=f"lines per batch, write and fsync (default: {_STREAM_BATCH_SIZE})")
    big.add_argument("--skip-errors", action="store_true",
                     help="write a record with an 'error' field for a malformed line instead of stopping")
    p.set_defaults(func=_cmd_classify, check=functools.partial(_check_classify, p))

    p = sub.add_parser("train", help="train topic and stance models from labelled JSONL")
    p.add_argument("--data", required=True, metavar="TRAIN.jsonl")
    p.add_argument("--dev", metavar="DEV.jsonl", help="scored after training; metrics go in the manifest")
    p.add_argument("--out", required=True, metavar="DIR", help="model directory to write")
    p.add_argument("--topics", default=None,
                   help="comma-separated topic set, or 'auto' for the topics in the data (default: the 6 domain topics)")
    p.add_argument("--stances", default=None,
                   help="comma-separated stance set, or 'auto' (default: favor,against,none)")
    p.add_argument("--min-df", type=int, default=None, help="minimum document frequency of n-grams")
    p.add_argument("--random-state", type=int, default=0)
    p.add_argument("--name", default=None, help="name recorded in the manifest")
    p.add_argument("--force", action="store_true", help="replace an existing model directory at --out")
    p.add_argument("--cv", type=int, default=0, metavar="K",
                   help="also cross-validate with K folds grouped by article and record it in the manifest")
    p.add_argument("--format", choices=("joblib", "safe", "both"), default="both",
                   help="joblib pickles, the pickle-free safe format, or both in one directory "
                        "(default: both; commands read the safe files)")
    p.add_argument("--leave-sources-out", action="store_true",
                   help="also train without each source in turn, test on it, and record it in the manifest "
                        "(needs a 'source' field on every line)")
    p.add_argument("--source-balance", type=float, default=None, metavar="POWER",
                   help="weight the stance heads' examples by source x stance (0 off, 1 full balance; "
                        "default: the shipped recipe's)")
    p.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="cross-validation folds fitted in parallel (--cv, --leave-sources-out)")
    p.add_argument("--extra-labels", metavar="DIR",
                   help="also train on our label files (e.g. datasets/domain/labels), joined by id with --extra-text")
    p.add_argument("--extra-text", metavar="FILE", action="append",
                   help="JSONL with id, text, doc of the --extra-labels paragraphs; may be repeated "
                        "(default: unlabeled.jsonl and unlabeled_2022.jsonl beside --data)")
    p.add_argument("--word-vectors", metavar="DIR",
                   help="add the pooled word vectors of this directory (from `stance embed`) as a feature block "
                        "of both classifiers; stored in the model")
    p.add_argument("--word-vector-weight", type=_positive_float, default=None, metavar="W",
                   help="weight of the word-vector block (default: the estimators' default, 1.0; needs --word-vectors)")
    p.set_defaults(func=_cmd_train)

    p = sub.add_parser("evaluate", help="score a model on labelled JSONL")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--data", required=True, metavar="TEST.jsonl")
    p.add_argument("--json", action="store_true", help="print all metrics as JSON")
    _add_trust(p)
    p.set_defaults(func=_cmd_evaluate)

    p = sub.add_parser("export", help="convert a model to the pickle-free safe format")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--out", required=True, metavar="DIR", help="safe model directory to write")
    p.add_argument("--force", action="store_true", help="replace an existing model directory at --out")
    _add_trust(p)
    p.set_defaults(func=_cmd_export)

    p = sub.add_parser("report", help="classify a JSON-lines corpus and write an HTML report and a CSV summary")
    p.add_argument("input", metavar="INPUT.jsonl",
                   help="JSON lines with 'text' and optional 'id', 'date' (YYYY-MM-DD or YYYY-MM) and group fields")
    p.add_argument("--out", required=True, metavar="DIR", help="directory for report.html and summary.csv")
    p.add_argument("--by", action="append", default=[], metavar="FIELD",
                   help="group by this field (repeatable); 'month' and 'year' come from 'date'")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.add_argument("--batch-size", type=int, default=_STREAM_BATCH_SIZE, metavar="N",
                   help=f"paragraphs classified per batch (default: {_STREAM_BATCH_SIZE})")
    p.add_argument("--top", type=int, default=3, metavar="N",
                   help="most confident paragraphs listed per topic x stance cell (default: 3)")
    p.add_argument("--hide-text", action="store_true",
                   help="leave paragraph text out of report.html (ids only), e.g. to share a screenshot")
    _add_max_chars(p)
    _add_trust(p)
    p.set_defaults(func=_cmd_report)

    _add_adapt_commands(sub)
    _add_embed_command(sub)

    p = sub.add_parser("info", help="print a model's manifest")
    p.add_argument("--model", metavar="DIR", help="model directory (default: the shipped model)")
    p.set_defaults(func=_cmd_info)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : sequence of str or None, default=None
        Arguments without the program name; ``None`` reads ``sys.argv``.

    Returns
    -------
    int
        Exit status: 0 on success, 1 on an error, 2 on a usage error, 130 on Ctrl-C.
    """
    parser = _build_parser()
    try:
        args = parser.parse_args(argv)
        if getattr(args, "check", None) is not None:
            args.check(args)
    except SystemExit as exc:  # argparse exits on --help, --version and usage errors
        return int(exc.code or 0)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        hint = ""
        if getattr(args, "command", None) == "classify" and getattr(args, "jsonl", None) and args.output:
            hint = (f"; the results so far are in {args.output}: run the same command with --resume "
                    "to finish the job")
        elif getattr(args, "command", None) in ("classify", "report", "train", "export", "select", "compare",
                                                "agreement") and not getattr(args, "jsonl", None):
            hint = "; no output file was changed"
        elif getattr(args, "command", None) == "label":
            hint = f"; the answers given so far are in {args.output}: run the same command to resume"
        print(f"{PROG}: interrupted{hint}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except (StanceError, OSError, ValueError) as exc:
        print(f"{PROG} {args.command}: error: {exc}", file=sys.stderr)
        return 1


def _add_max_chars(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--max-chars", type=_positive_int, default=_MAX_PARAGRAPH_CHARS, metavar="N",
                        help=f"longest accepted paragraph in characters (default: {_MAX_PARAGRAPH_CHARS:,})")


def _positive_float(value: str) -> float:
    """argparse type: a finite number above 0."""
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value!r}") from None
    if not (number > 0 and number != float("inf")):
        raise argparse.ArgumentTypeError(f"expected a number above 0, got {value!r}")
    return number


def _positive_int(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value!r}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of 1 or more, got {value!r}")
    return number


def _add_trust(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--trust", action="store_true",
                        help="allow loading a joblib (pickle) model from outside the shipped models; "
                             "pickles can run code, so only for files from a trusted source")


def _load(args):
    # Loaded once per process and directory state (main() may be called many times in one process).
    from ..batch.stream import cached_model, model_key

    return cached_model(model_key(args.model), args.trust)


def _read_input(name: str, max_chars: int | None = None) -> str:
    """The text of one input file, checked: UTF-8, within the size limits, not JSON lines."""
    from ..text.processing import DEFAULT_MAX_ARTICLE_CHARS, check_text

    label = name if name != "-" else "standard input"
    if name == "-":
        data = sys.stdin.buffer.read()
    else:
        path = Path(name)
        if path.is_dir():
            raise StanceError(f"{name} is a directory, expected a text file")
        if not path.is_file():
            raise StanceError(f"no such file: {name}")
        data = path.read_bytes()
    text = check_text(data, name=label)
    limit = max(DEFAULT_MAX_ARTICLE_CHARS, max_chars or 0)
    if len(text) > limit:
        raise StanceError(f"{label} has {len(text):,} characters, more than the article limit of {limit:,}; "
                          "split the file, or raise the limit with --max-chars N")
    if _looks_like_jsonl(text):
        raise StanceError(f"{label} looks like JSON lines (one object per line), not prose; "
                          f"classify it with --jsonl {name}")
    return text


def _looks_like_jsonl(text: str) -> bool:
    """Whether the first non-blank lines of ``text`` are JSON objects with a 'text' field."""
    lines = [line for line in text[:200_000].splitlines() if line.strip()][:3]
    if not lines:
        return False
    for line in lines:
        if not line.lstrip().startswith("{"):
            return False
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            return False
        if not isinstance(obj, dict) or "text" not in obj:
            return False
    return True


def _check_paragraphs(label: str, paragraphs: list[str], max_chars: int | None) -> None:
    for i, paragraph in enumerate(paragraphs):
        if max_chars is not None and len(paragraph) > max_chars:
            raise StanceError(f"{label}: paragraph {i + 1} has {len(paragraph):,} characters, more than the limit "
                              f"of {max_chars:,}; split it, or raise the limit with --max-chars N")


def _check_classify(sub: argparse.ArgumentParser, args) -> None:
    """Usage errors of ``classify`` that argparse cannot express (exit status 2)."""
    streaming = {"--resume": args.resume, "--jobs": args.jobs is not None,
                 "--batch-size": args.batch_size is not None, "--skip-errors": args.skip_errors}
    if args.jsonl is None:
        if not args.files:
            sub.error("give FILE arguments or --jsonl FILE")
        for name in args.files:
            if name.lower().endswith((".jsonl", ".ndjson")):
                sub.error(f"{name} is a JSON-lines file, but FILE arguments are read as prose: "
                          f"classify it with --jsonl {name} (one paragraph per line in the field 'text')")
        used = [name for name, given in streaming.items() if given]
        if used:
            sub.error(f"{', '.join(used)} {'applies' if len(used) == 1 else 'apply'} only to --jsonl input")
        return
    if args.files:
        sub.error("give either FILE arguments or --jsonl FILE, not both")
    if args.format not in (None, "jsonl"):
        sub.error("--jsonl writes JSON lines only (--format jsonl)")
    if args.resume and not args.output:
        sub.error("--resume needs -o/--output FILE")
    if args.jobs == 0:
        sub.error("--jobs must be a positive number of processes, or -1 for every core")
    if args.batch_size is not None and args.batch_size < 1:
        sub.error("--batch-size must be 1 or more")


def _cmd_classify(args) -> int:
    from ..text.processing import split_paragraphs

    if args.evidence < 0:
        raise StanceError(f"--evidence must be 0 or more, got {args.evidence}")
    if args.jsonl is not None:
        return _cmd_classify_jsonl(args)
    if args.output is not None:
        for name in args.files:
            if name != "-" and same_file(name, args.output):
                raise StanceError(f"refusing to write the output over the input file {name}: "
                                  "give another -o/--output FILE")
        remove_stale_temps(args.output)
    model = _load(args)
    _check_target(args, model.uses_targets)

    def run(out, fmt):
        writer = _Writer(fmt, out)
        bar = _file_progress(args.files, to_terminal=args.output is None)
        done_bytes = n_paragraphs = 0
        for name in args.files:
            paragraphs = split_paragraphs(_read_input(name, args.max_chars), max_chars=None)
            _check_paragraphs(name if name != "-" else "standard input", paragraphs, args.max_chars)
            results = model.classify(paragraphs, targets=args.target, evidence=args.evidence,
                                     max_chars=args.max_chars)
            for res in results:
                writer.write(name, res)
            if bar is not None:
                n_paragraphs += len(results)
                done_bytes += _size(name)
                bar.update(n_paragraphs, done_bytes)
            _warn_not_english(name if name != "-" else "standard input",
                              sum(r.language == "other" for r in results), len(results))
        if bar is not None:
            bar.update(n_paragraphs, done_bytes, force=True)
            bar.close()
        writer.close()

    if args.output is None:
        run(sys.stdout, args.format or ("table" if sys.stdout.isatty() else "jsonl"))
    else:
        # Written beside the target and renamed into place only when every input was classified:
        # a bad input, an error or Ctrl-C leaves a previous file of that name as it was.
        with atomic_write(args.output) as out:
            run(out, args.format or "jsonl")
    return 0


def _warn_not_english(name: str, n_other: int, n: int) -> None:
    """One warning per input file whose paragraphs are not (all) English."""
    if n_other:
        print(f"{PROG}: warning: {name}: {n_other:,} of {n:,} paragraph(s) do not look like English, which the model "
              "cannot read; they are marked \"language\": \"other\" with stance 'none' at low confidence",
              file=sys.stderr)


def _size(name: str) -> int:
    try:
        return Path(name).stat().st_size if name != "-" else 0
    except OSError:
        return 0


def _file_progress(files, *, to_terminal: bool):
    """A progress bar over the input files' bytes, on a terminal stderr only (and not when results go there)."""
    if not isatty(sys.stderr) or (to_terminal and isatty(sys.stdout)) or len(files) < 2 and _size(files[0]) < 1 << 20:
        return None
    from ..batch.stream import ProgressBar

    return ProgressBar(sys.stderr, total=sum(_size(name) for name in files) or None)


def _check_target(args, uses_targets: bool) -> None:
    if args.target is None and uses_targets:
        raise StanceError(f"the model {args.model} was trained with targets: give the stance target with "
                          "--target TEXT")
    if args.target is not None and not uses_targets:
        raise StanceError(f"--target {args.target!r} given, but the model {args.model or '(shipped default)'} was "
                          "trained without targets and cannot use one; leave out --target, or train a model "
                          "with a 'target' field in its data")


def _cmd_classify_jsonl(args) -> int:
    from ..batch.stream import classify_jsonl

    jobs = args.jobs or 1
    # One process: load here (errors are reported before any output is touched). Several:
    # each worker loads the model directory once.
    if jobs == 1:
        model = _load(args)
        _check_target(args, model.uses_targets)
    else:
        from ..io.persistence import default_model_path, read_manifest

        model = args.model
        manifest = read_manifest(args.model or default_model_path())
        _check_target(args, bool(manifest.get("uses_targets")))
    summary = classify_jsonl(args.jsonl, args.output, model=model, trusted=args.trust, jobs=jobs,
                             batch_size=args.batch_size or _STREAM_BATCH_SIZE, evidence=args.evidence,
                             target=args.target, resume=args.resume, skip_errors=args.skip_errors,
                             max_chars=args.max_chars)
    _warn_not_english(args.jsonl if args.jsonl != "-" else "standard input", summary.not_english, summary.records)
    if args.skip_errors and summary.errors:
        where = args.output or "the output"
        print(f"{PROG} classify: skipped {summary.errors:,} malformed line(s) of {args.jsonl}; "
              f"their error records are in {where}", file=sys.stderr)
    return 0


class _Writer:
    """Writes classification results as a table, JSON lines or CSV."""

    def __init__(self, fmt: str, out):
        self.fmt, self.out = fmt, out
        self.rows: list[tuple[str, object]] = []
        if fmt == "csv":
            self.csv = csv.DictWriter(out, fieldnames=CSV_FIELDS)
            self.csv.writeheader()

    def write(self, name: str, res) -> None:
        record = {
            "file": name,
            "index": res.index,
            "text": res.text,
            "topics": res.topics,
            "topic_scores": res.topic_scores,
            "stance": res.stance,
            "stance_scores": res.stance_scores,
            "evidence": [{"term": e.term, "weight": e.weight, "label": e.label} for e in res.evidence],
            "language": res.language,
        }
        if self.fmt == "jsonl":
            self.out.write(json.dumps(record, ensure_ascii=False) + "\n")
        elif self.fmt == "csv":
            self.csv.writerow({
                **record,
                "topics": ";".join(res.topics),
                "stance_score": res.stance_scores[res.stance],
                "topic_scores": json.dumps(res.topic_scores),
                "stance_scores": json.dumps(res.stance_scores),
                "evidence": json.dumps(record["evidence"], ensure_ascii=False),
            })
        else:
            self.rows.append((name, res))

    def close(self) -> None:
        if self.fmt != "table":
            return
        width = max(60, shutil.get_terminal_size((120, 24)).columns)
        multi = len({name for name, _ in self.rows}) > 1
        header = ["file"] if multi else []
        header += ["#", "topics", "stance", "text"]
        cells = []
        for name, res in self.rows:
            row = [Path(name).name] if multi else []
            row += [str(res.index), ", ".join(res.topics) or "-", f"{res.stance} {res.stance_scores[res.stance]:.2f}"]
            cells.append(row + [res.text])
        widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(header[:-1])]
        text_width = max(20, width - sum(widths) - 2 * len(widths))
        lines = ["  ".join(h.ljust(w) for h, w in zip(header[:-1], widths)) + "  text"]
        for row in cells:
            text = row[-1] if len(row[-1]) <= text_width else row[-1][: text_width - 1] + "…"
            lines.append("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths)) + "  " + text)
        self.out.write("\n".join(lines) + "\n")


def _cmd_train(args) -> int:
    from ..training import DEFAULT_SOURCE_BALANCE, train_model

    stages = _Stages("train") if isatty(sys.stderr) else None
    source_balance = DEFAULT_SOURCE_BALANCE if args.source_balance is None else args.source_balance
    model = train_model(args.data, args.out, dev=args.dev, topics=args.topics, stances=args.stances,
                        min_df=args.min_df, random_state=args.random_state, name=args.name,
                        overwrite=args.force, format=args.format, cv=args.cv,
                        extra_labels=args.extra_labels, extra_text=args.extra_text,
                        source_balance=source_balance, leave_out=args.leave_sources_out, n_jobs=args.jobs,
                        word_vectors=args.word_vectors, word_vector_weight=args.word_vector_weight,
                        progress=stages)
    if stages is not None:
        stages.done()
    metrics = model.manifest.get("metrics", {})
    print(f"wrote {args.out}: topics {model.topics}, stances {model.stances}, "
          f"trained in {metrics.get('training_seconds', '?')} s")
    if "cv" in metrics:
        cv = metrics["cv"]
        print(f"cv ({cv['folds']}): topic micro-F1 {cv['topic_micro_f1']:.3f}, "
              f"stance macro-F1 {cv['stance_macro_f1']:.3f}")
    for name, m in metrics.get("leave_sources_out", {}).items():
        print(f"without {name}: topic micro-F1 {m['topic_micro_f1']:.3f}, stance macro-F1 {m['stance_macro_f1']:.3f}")
    if "dev" in metrics:
        dev = metrics["dev"]
        print(f"dev: topic micro-F1 {dev['topic_micro_f1']:.3f}, stance macro-F1 {dev['stance_macro_f1']:.3f}")
    return 0


class _Stages:
    """Shows each stage of a long job on standard error, with the time since the start (terminals only)."""

    def __init__(self, command: str, clock=None):
        import time

        self.command, self.clock = command, clock or time.monotonic
        self.start = self.clock()

    def __call__(self, stage: str) -> None:
        print(f"{PROG} {self.command}: [{self.clock() - self.start:6.1f} s] {stage}", file=sys.stderr, flush=True)

    def done(self) -> None:
        self("done")


def isatty(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False


def _cmd_evaluate(args) -> int:
    from ..datasets.domain import read_labelled_jsonl
    from ..evaluation import evaluate_model

    model = _load(args)
    data = read_labelled_jsonl(args.data, topics=model.topics, stances=model.stances)
    metrics = evaluate_model(model, data)
    if args.json:
        print(json.dumps(metrics, indent=2))
        return 0
    print(format_metrics(metrics), end="")
    return 0


def format_metrics(m: dict) -> str:
    """Human-readable report of :func:`stance.evaluation.evaluate_predictions` output."""
    buf = io.StringIO()
    buf.write(f"paragraphs: {m['n']}\n\n")
    buf.write(f"topics  micro-F1 {m['topic_micro_f1']:.3f}  macro-F1 {m['topic_macro_f1']:.3f}\n")
    name_w = max([len("topic"), *(len(t) for t in m["topics"])])
    buf.write(f"  {'topic'.ljust(name_w)}  precision  recall     F1  support\n")
    for topic, s in m["topics"].items():
        buf.write(f"  {topic.ljust(name_w)}  {s['precision']:9.3f}  {s['recall']:6.3f}  {s['f1']:5.3f}  {s['support']:7d}\n")
    f_avg = m["stance_f_avg"]
    buf.write(f"\nstance  macro-F1 {m['stance_macro_f1']:.3f}" + (f"  F_avg {f_avg:.3f}" if f_avg is not None else "") + "\n")
    labels = m["confusion"]["labels"]
    w = max(8, *(len(x) for x in labels))
    buf.write("  confusion (rows: true, columns: predicted)\n")
    buf.write("  " + " " * w + "".join(x.rjust(w + 1) for x in labels) + "\n")
    for label, row in zip(labels, m["confusion"]["matrix"]):
        buf.write("  " + label.ljust(w) + "".join(str(v).rjust(w + 1) for v in row) + "\n")
    return buf.getvalue()


def _cmd_export(args) -> int:
    from ..io.persistence import export_model

    path = export_model(args.model, args.out, trusted=args.trust, overwrite=args.force)
    print(f"wrote {path} (pickle-free: .npz arrays and JSON)")
    return 0


def _add_embed_command(sub) -> None:
    p = sub.add_parser("embed", help="learn word vectors from unlabelled text (PPMI + truncated SVD)")
    p.add_argument("--input", required=True, nargs="+", metavar="FILE",
                   help="text files (one text a line) or .jsonl files (field --field); read as one corpus")
    p.add_argument("-o", "--out", required=True, metavar="DIR", help="directory for vectors.npz and vocabulary.json")
    p.add_argument("--field", default="text", help="the text field of .jsonl input (default: text)")
    p.add_argument("--dim", type=_positive_int, default=100, help="dimensions (default: 100)")
    p.add_argument("--window", type=_positive_int, default=5, help="context words on each side (default: 5)")
    p.add_argument("--min-count", type=_positive_int, default=5, help="fewest occurrences of a kept word (default: 5)")
    p.add_argument("--max-vocab", type=_positive_int, default=50_000, help="most words kept (default: 50000)")
    p.add_argument("--clusters", type=_positive_int, default=None, metavar="K",
                   help="also group the words into K clusters (k-means over the vectors), for the estimators' "
                        "word_vector_features='clusters' or 'both' (default: no clusters)")
    p.add_argument("--random-state", type=int, default=0)
    p.set_defaults(func=_cmd_embed)


def _cmd_embed(args) -> int:
    from ..features.embeddings import WordVectors
    from ..io.files import read_corpus

    texts = read_corpus(args.input, field=args.field)
    if not texts:
        raise StanceError(f"no text in {', '.join(args.input)}")
    wv = WordVectors(dim=args.dim, window=args.window, min_count=args.min_count, max_vocab=args.max_vocab,
                     n_clusters=args.clusters, progress=sys.stderr.isatty(), random_state=args.random_state).fit(texts)
    path = wv.save(args.out)
    clusters = "" if wv.clusters_ is None else f", {int(wv.clusters_.max()) + 1:,} clusters"
    print(f"wrote {path}: {len(wv.vocabulary_):,} words x {args.dim} dimensions{clusters} from {len(texts):,} texts "
          f"({wv.n_tokens_:,} tokens)")
    return 0


def _cmd_report(args) -> int:
    from ..batch.report import build_report

    if args.batch_size < 1:
        raise StanceError(f"--batch-size must be 1 or more, got {args.batch_size}")
    if args.top < 0:
        raise StanceError(f"--top must be 0 or more, got {args.top}")
    report = build_report(args.input, args.out, by=args.by, model=args.model, trusted=args.trust,
                          batch_size=args.batch_size, top_paragraphs=args.top, hide_text=args.hide_text,
                          max_chars=args.max_chars, progress=None)
    _warn_not_english(args.input, report.not_english, report.n)
    out = Path(args.out)
    print(f"wrote {out / 'report.html'} and {out / 'summary.csv'}: {report.n:,} paragraphs in {report.seconds:.1f} s")
    return 0


def _cmd_info(args) -> int:
    from ..io.persistence import default_model_path, read_manifest

    path = Path(args.model) if args.model else default_model_path()
    manifest = read_manifest(path)
    print(json.dumps({"path": str(path), **manifest}, indent=2))
    return 0



# --------------------------------------------------------------------------- a labelling round
# select -> label -> train --extra-labels / --data -> compare -> agreement; the logic lives in
# stance.adapt (selection, labelling, compare, agreement).


_RANDOM_SHARE = 0.25  # stance.adapt.selection.DEFAULT_RANDOM_SHARE, without importing numpy for --help
_SHOW_CHANGED = 20  # stance.adapt.compare.DEFAULT_MAX_CHANGED


def _add_adapt_commands(sub) -> None:
    p = sub.add_parser("select", help="choose paragraphs of a pool to label next (uncertainty, diversity, random)")
    p.add_argument("--pool", required=True, metavar="POOL.jsonl", help="JSON lines with 'text' (other fields kept)")
    p.add_argument("-n", type=_positive_int, required=True, metavar="N", help="how many paragraphs to choose")
    p.add_argument("-o", "--output", required=True, metavar="FILE", help="JSON lines to label (with 'how' added)")
    p.add_argument("--model", metavar="DIR", help="model that scores the pool (default: the shipped model)")
    p.add_argument("--strategy", choices=("uncertainty", "random", "mixed"), default="uncertainty",
                   help="uncertainty sampling with diversity, uniform random, or both (default: uncertainty)")
    p.add_argument("--random-share", type=float, default=None, metavar="F",
                   help=f"share drawn at random with --strategy mixed (default: {_RANDOM_SHARE})")
    p.add_argument("--by", metavar="FIELD", help="spread the choice evenly over the values of this field")
    p.add_argument("--seed", type=int, default=0, help="seed of the random choices and of the order (default: 0)")
    p.add_argument("--exclude-labels", nargs="+", default=[], metavar="PATH",
                   help="label files or directories of them: their paragraphs (by id or text) are never chosen")
    _add_trust(p)
    p.set_defaults(func=_cmd_select)

    p = sub.add_parser("label", help="label paragraphs one by one in the terminal (resumes where you stopped)")
    p.add_argument("input", metavar="TO_LABEL.jsonl", help="paragraphs to label, e.g. from stance select")
    p.add_argument("-o", "--output", required=True, metavar="LABELS.jsonl",
                   help="answers are appended here as they are given; an existing file is resumed")
    p.add_argument("--topics", default=None, help="comma-separated topics (default: the model's with --model, "
                   "else the 6 domain topics)")
    p.add_argument("--stances", default=None,
                   help="comma-separated stances (default: the model's, else favor,against,none)")
    p.add_argument("--model", metavar="DIR",
                   help="model whose label sets (and, with --show-prediction, guesses) to use")
    p.add_argument("--show-prediction", action="store_true",
                   help="show the model's guess under each paragraph (off by default: it anchors answers)")
    p.add_argument("--annotator", metavar="NAME", help="recorded in every answer")
    p.add_argument("--side-without-topic", action="store_true",
                   help="allow a stance other than 'none' for a paragraph with no topic (the guideline does not)")
    _add_trust(p)
    p.set_defaults(func=_cmd_label)

    p = sub.add_parser("compare", help="two models side by side on held-out labelled paragraphs")
    p.add_argument("--models", nargs=2, required=True, metavar=("A", "B"), help="model directories (A before, B after)")
    p.add_argument("--data", required=True, metavar="HELDOUT.jsonl",
                   help="labelled JSON lines neither model trained on")
    p.add_argument("--by", metavar="FIELD", help="also compare within each value of this field (e.g. source)")
    p.add_argument("--json", metavar="OUT", help="write the whole comparison (every changed paragraph) here")
    p.add_argument("--show", type=int, default=_SHOW_CHANGED, metavar="N",
                   help=f"changed paragraphs listed (default: {_SHOW_CHANGED})")
    _add_trust(p)
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("agreement", help="agreement between two labelling passes of the same paragraphs")
    p.add_argument("first", metavar="LABELS_A.jsonl")
    p.add_argument("second", metavar="LABELS_B.jsonl")
    p.add_argument("--json", metavar="OUT", help="write the report (with the disagreeing ids) here")
    p.set_defaults(func=_cmd_agreement)


def _load_path(path, trust: bool):
    from ..batch.stream import cached_model, model_key

    return cached_model(model_key(path), trust)


def _cmd_select(args) -> int:
    from ..adapt.records import labelled_keys, read_pool
    from ..adapt.selection import select_for_labelling

    if same_file(args.pool, args.output):
        raise StanceError(f"refusing to write the selection over the pool {args.pool}: give another -o FILE")
    if args.random_share is not None and args.strategy != "mixed":
        raise StanceError("--random-share applies to --strategy mixed only")
    pool = read_pool(args.pool)
    exclude = labelled_keys(args.exclude_labels) if args.exclude_labels else set()
    model = None if args.strategy == "random" else _load(args)
    share = _RANDOM_SHARE if args.random_share is None else args.random_share
    sel = select_for_labelling(model, pool, args.n, strategy=args.strategy, by=args.by, random_share=share,
                               exclude=exclude, random_state=args.seed)
    remove_stale_temps(args.output)
    with atomic_write(args.output) as out:
        for record in sel.records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    how = ", ".join(f"{k} {v:,}" for k, v in sorted(sel.counts["how"].items()))
    groups = ("; by " + args.by + ": " + ", ".join(f"{g} {v:,}" for g, v in sel.counts["group"].items())
              if args.by else "")
    left = f", {sel.n_excluded:,} labelled already" if sel.n_excluded else ""
    dup = f", {sel.n_duplicates:,} repeated texts" if sel.n_duplicates else ""
    print(f"wrote {args.output}: {len(sel.records):,} paragraphs ({how}{groups}) of {sel.n_pool:,} in the pool"
          f"{left}{dup}")
    if len(sel.records) < args.n:
        print(f"{PROG} select: warning: {args.n:,} asked, only {sel.n_available:,} could be chosen", file=sys.stderr)
    return 0


def _label_sets(args, model):
    from ..datasets import DOMAIN_STANCES, DOMAIN_TOPICS

    def parse(value, fallback):
        return [v.strip() for v in value.split(",") if v.strip()] if value else list(fallback)

    topics = parse(args.topics, model.topics if model is not None else DOMAIN_TOPICS)
    stances = parse(args.stances, model.stances if model is not None else DOMAIN_STANCES)
    return topics, stances


def _cmd_label(args) -> int:
    from ..adapt.labelling import label_records
    from ..adapt.records import read_pool

    if args.show_prediction and not args.model:
        raise StanceError("--show-prediction needs --model DIR (the model whose guesses to show)")
    if same_file(args.input, args.output):
        raise StanceError(f"refusing to write answers into the input file {args.input}: give another -o FILE")
    items = read_pool(args.input)
    model = _load_path(args.model, args.trust) if args.model else None
    topics, stances = _label_sets(args, model)
    summary = label_records(items, args.output, topics=topics, stances=stances,
                            model=model if args.show_prediction else None, annotator=args.annotator,
                            require_topic_for_side=not args.side_without_topic)
    print(f"{summary.done:,} of {summary.total:,} paragraphs have an answer in {args.output} "
          f"({summary.labelled:,} given now, {summary.skipped:,} skipped); {summary.remaining:,} left"
          + ("; run the same command to go on" if summary.remaining else ""))
    return 130 if summary.stopped == "interrupted" else 0


def _cmd_compare(args) -> int:
    from ..adapt.compare import compare_models, format_comparison, read_field
    from ..datasets import read_labelled_jsonl

    if args.show < 0:
        raise StanceError(f"--show must be 0 or more, got {args.show}")
    model_a = _load_path(args.models[0], args.trust)
    model_b = _load_path(args.models[1], args.trust)
    data = read_labelled_jsonl(args.data, topics=model_a.topics, stances=model_a.stances)
    groups = None
    if args.by:
        groups = ["(missing)" if v is None else str(v) for v in read_field(args.data, args.by)]
    names = [str(p) for p in args.models]
    report = compare_models(model_a, model_b, data, groups=groups, group_name=args.by,
                            names=names if names[0] != names[1] else None)
    if args.json:
        with atomic_write(args.json) as out:
            out.write(json.dumps(report, indent=2) + "\n")
    print(format_comparison(report, max_changed=args.show), end="")
    return 0


def _cmd_agreement(args) -> int:
    from ..adapt.agreement import agreement_report, format_agreement, read_label_passes

    report = agreement_report(read_label_passes(args.first), read_label_passes(args.second))
    if args.json:
        with atomic_write(args.json) as out:
            out.write(json.dumps(report, indent=2) + "\n")
    print(format_agreement(report), end="")
    return 0
