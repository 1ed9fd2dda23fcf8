"""Shared pieces of the public benchmarks: arguments, peers, metrics and report writing.

Every benchmark script trains on the training data, selects its
hyperparameters by cross-validation on training data or on the dev/val
split, evaluates each finished system once on the test split and writes
``benchmarks/results/<name>.json`` and ``benchmarks/results/<name>.md``.

Peers run on the same split in the same run:

- ``plain``: ``TfidfVectorizer()`` + ``LogisticRegression()`` with scikit-learn defaults;
- ``fasttext``: fastText supervised (``pip install fasttext-wheel``), skipped with a note when absent;
- ``spacy_bow``: spaCy's bag-of-words ``textcat`` (``TextCatBOW.v3``), skipped with a note when absent.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import random
import shlex
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, precision_recall_fscore_support
from sklearn.pipeline import make_pipeline

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RESULTS_DIR = Path(__file__).resolve().parent / "results"
SEED = 0


# -- command line ---------------------------------------------------------------------------


def parser(description: str) -> argparse.ArgumentParser:
    """The arguments every benchmark takes."""
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data-root", default=None, help="folder that holds semeval2016/, fnc1/ and ruw/")
    p.add_argument("--out-dir", default=str(RESULTS_DIR), help="where to write <name>.json and <name>.md")
    p.add_argument("--no-fasttext", action="store_true", help="skip the fastText peer")
    p.add_argument("--no-spacy", action="store_true", help="skip the spaCy bag-of-words peer")
    p.add_argument("--no-chart", action="store_true", help="do not draw the PNG chart")
    p.add_argument("--word-vectors", default=None, metavar="DIR",
                   help="word-vector directory (benchmarks/word_vectors.py): fit the library's estimator without "
                        "and with the pooled word-vector block at each of --word-vector-weights, keep the setting "
                        "with the best internal out-of-fold score on the training data, score it once on test; "
                        "writes <name>_word_vectors.json/.md (no peers, no chart)")
    p.add_argument("--word-vector-weights", default="0.5,1,2", metavar="W,W",
                   help="weights of the word-vector block tried (default: 0.5,1,2)")
    return p


def word_vector_trials(args, fit):
    """Fit ``fit(params)`` without the word-vector block and with it at each weight of ``args``; return the
    fitted estimator whose internal out-of-fold macro-F1 (``cv_macro_f1_``, training data only) is best, and
    the record of the trials. Ties keep the earlier setting (block off, then smaller weights)."""
    directory = str(Path(args.word_vectors).resolve())
    settings = [None] + [float(v) for v in args.word_vector_weights.split(",") if v.strip()]
    trials, best = [], None
    for w in settings:
        params = {} if w is None else {"word_vectors": directory, "word_vector_weight": w}
        with Timer() as t:
            est = fit(params)
        score = round(float(est.cv_macro_f1_), 4)
        trials.append({"word_vector_weight": w, "cv_macro_f1": score, "seconds": t.seconds})
        log(f"word vectors {'off' if w is None else f'weight {w:g}'}: internal CV macro-F1 {score} ({t.seconds}s)")
        if best is None or score > best[0]:
            best = (score, w, est)
    record = {"directory": os.path.relpath(directory, ROOT), "selection": "internal out-of-fold macro-F1 "
              "(cv_macro_f1_) of each fit on the training data", "trials": trials, "chosen_weight": best[1]}
    return best[2], record


def word_vector_payload(name: str, metric: str, ours, record: dict, test, score, total) -> dict:
    """The results of a ``--word-vectors`` run: ``ours`` (chosen by :func:`word_vector_trials`) scored once
    on ``test`` with ``score(labels, predictions, targets)``."""
    with Timer() as t:
        pred = ours.predict(test.texts, targets=test.targets)
    params = jsonable_params(ours)
    if params.get("word_vectors"):
        params["word_vectors"] = record["directory"]
    results = {"ours": {**score(test.labels, pred, test.targets), "predict_seconds": t.seconds, "params": params,
                        "cv_macro_f1": round(float(ours.cv_macro_f1_), 4), "word_vectors": record}}
    return {"benchmark": name, "metric": metric, "date": today(), "command": command_line(),
            "seconds_wall": elapsed(total), "results": results, "environment": environment()}


def command_line() -> str:
    """The command that started this run, relative to the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(ROOT)
    except ValueError:
        pass
    return "python " + " ".join(shlex.quote(a) for a in [str(script), *sys.argv[1:]])


def log(msg: str) -> None:
    """Progress line on stderr (stdout's last line is the headline)."""
    print(msg, file=sys.stderr, flush=True)


class Timer:
    """``with Timer() as t: ...``; then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = round(time.perf_counter() - self.start, 1)
        return False


def elapsed(timer: Timer) -> float:
    """Wall seconds since ``timer`` started (inside its ``with`` block)."""
    return round(time.perf_counter() - timer.start, 1)


def seed_everything(seed: int = SEED) -> None:
    random.seed(seed)
    np.random.seed(seed)


# -- metrics ------------------------------------------------------------------------------------


def per_class(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict:
    """Precision, recall, F1 and support of each label, rounded for JSON."""
    p, r, f, s = precision_recall_fscore_support(list(y_true), list(y_pred), labels=list(labels), zero_division=0)
    return {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4),
              "support": int(s[i])}
        for i, lab in enumerate(labels)
    }


def macro_f1(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> float:
    return float(f1_score(list(y_true), list(y_pred), labels=list(labels), average="macro", zero_division=0))


# -- peers ----------------------------------------------------------------------------------------


def plain_peer(train_texts: Sequence[str], train_labels: Sequence[str], test_texts: Sequence[str]) -> np.ndarray:
    """``TfidfVectorizer()`` + ``LogisticRegression()``, scikit-learn defaults."""
    model = make_pipeline(TfidfVectorizer(), LogisticRegression())
    return model.fit(list(train_texts), list(train_labels)).predict(list(test_texts))


def fasttext_available() -> tuple[bool, str]:
    try:
        import fasttext  # noqa: F401
    except ImportError:
        return False, "fastText not installed (pip install fasttext-wheel); peer skipped"
    return True, ""


def fasttext_peer(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    **params,
) -> np.ndarray:
    """fastText supervised classifier; ``params`` go to ``fasttext.train_supervised``.

    One thread and a fixed seed so that runs repeat.
    """
    import fasttext

    def clean(t: str) -> str:
        return " ".join(t.replace("\n", " ").replace("\r", " ").split())

    params = {"thread": 1, "seed": SEED, "verbose": 0, **params}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "train.txt")
        with open(path, "w", encoding="utf-8") as fh:
            for text, label in zip(train_texts, train_labels):
                fh.write(f"__label__{label} {clean(text)}\n")
        model = fasttext.train_supervised(path, **params)
    # Predict on a list: the single-string path of fasttext 0.9.2 breaks under NumPy 2.
    labels, _ = model.predict([clean(t) for t in test_texts], k=1)
    return np.asarray([lab[0].removeprefix("__label__") for lab in labels], dtype=object)


def spacy_available() -> tuple[bool, str]:
    try:
        import spacy  # noqa: F401
    except ImportError:
        return False, "spaCy not installed (pip install spacy); peer skipped"
    return True, ""


def spacy_bow_peer(
    train_texts: Sequence[str],
    train_labels: Sequence[str],
    test_texts: Sequence[str],
    *,
    epochs: int = 10,
    ngram_size: int = 2,
    batch_size: int = 64,
) -> np.ndarray:
    """spaCy's bag-of-words text classifier (``spacy.TextCatBOW.v3``, exclusive classes) on a blank English pipeline."""
    import spacy
    from spacy.training import Example
    from spacy.util import fix_random_seed, minibatch

    fix_random_seed(SEED)
    nlp = spacy.blank("en")
    textcat = nlp.add_pipe(
        "textcat",
        config={"model": {"@architectures": "spacy.TextCatBOW.v3", "exclusive_classes": True,
                          "ngram_size": ngram_size, "no_output_layer": False}},
    )
    labels = sorted(set(train_labels))
    for lab in labels:
        textcat.add_label(lab)
    docs = list(nlp.tokenizer.pipe(list(train_texts), batch_size=256))
    examples = [Example.from_dict(d, {"cats": {lab: float(lab == y) for lab in labels}})
                for d, y in zip(docs, train_labels)]
    optimizer = nlp.initialize(lambda: examples)
    rng = random.Random(SEED)
    for _ in range(epochs):
        rng.shuffle(examples)
        for batch in minibatch(examples, size=batch_size):
            nlp.update(batch, sgd=optimizer, drop=0.0)
    out = []
    for doc in nlp.pipe(list(test_texts), batch_size=256):
        out.append(max(doc.cats, key=doc.cats.get))
    return np.asarray(out, dtype=object)


# -- reports -----------------------------------------------------------------------------------


def jsonable_params(estimator) -> dict:
    """``estimator.get_params()`` as JSON values (tuples become lists)."""
    out = {}
    for k, v in sorted(estimator.get_params().items()):
        out[k] = list(v) if isinstance(v, tuple) else v
    return out


def environment() -> dict:
    import sklearn

    env = {"python": platform.python_version(), "scikit-learn": sklearn.__version__, "numpy": np.__version__,
           "machine": f"{platform.machine()}, {os.cpu_count()} cores"}
    for mod in ("fasttext", "spacy"):
        try:
            m = __import__(mod)
            env[mod] = getattr(m, "__version__", "installed")
        except ImportError:
            env[mod] = None
    return env


def write_results(name: str, payload: dict, markdown: str, out_dir: str | os.PathLike) -> tuple[Path, Path]:
    """Write ``<name>.json`` and ``<name>.md`` into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = out / f"{name}.json", out / f"{name}.md"
    json_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    md_path.write_text(markdown.rstrip() + "\n", encoding="utf-8")
    return json_path, md_path


def today() -> str:
    return _dt.date.today().isoformat()


def md_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for row in rows:
        lines.append("| " + " | ".join("" if v is None else str(v) for v in row) + " |")
    return "\n".join(lines)


def bar_chart(path: str | os.PathLike, title: str, labels: Sequence[str], values: Sequence[float],
              *, highlight: Sequence[bool] | None = None, xlabel: str = "") -> str | None:
    """Horizontal bar chart as PNG when matplotlib is importable; returns a note otherwise."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed; chart skipped"
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(labels) + 1.2))
    colors = ["#c0392b" if (highlight and highlight[i]) else "#7f8c8d" for i in range(len(labels))]
    ax.barh(range(len(labels)), values, color=colors)
    ax.set_yticks(range(len(labels)), labels)
    ax.invert_yaxis()
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    lo = min(values) if values else 0
    ax.set_xlim(max(0, lo - 10), max(values) + 3 if values else 1)
    for i, v in enumerate(values):
        ax.text(v, i, f" {v:.2f}", va="center", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return None


def confusion_chart(path: str | os.PathLike, title: str, labels: Sequence[str], matrix: Sequence[Sequence[int]],
                    ) -> str | None:
    """Confusion matrix (rows true, columns predicted) as PNG when matplotlib is importable."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "matplotlib not installed; chart skipped"
    m = np.asarray(matrix)
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2, 1.0 * len(labels) + 1.5))
    ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            ax.text(j, i, str(m[i, j]), ha="center", va="center",
                    color="white" if m[i, j] > m.max() / 2 else "black", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return None
