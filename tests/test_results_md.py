"""The rendered tables of benchmarks/RESULTS.md agree with the result files they were written from."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _module(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _block(text: str, begin: str, end: str) -> str:
    assert begin in text and end in text, f"RESULTS.md lacks the {begin!r} block"
    return text.split(begin, 1)[1].split(end, 1)[0].strip("\n")


@pytest.mark.parametrize(("script", "files"), [
    ("domain_cv", ["domain_cv_round1.json", "domain_cv.json", "domain_cv_ideas.json"]),
    ("seed_article", ["seed_article.json"]),
    ("adapt_round", ["adapt_round.json"]),
])
def test_rendered_tables_match_their_result_files(script, files):
    module = _module(script)
    results = [json.loads((BENCH / "results" / f).read_text(encoding="utf-8")) for f in files]
    expected = module.render(results if script == "domain_cv" else results[0]).strip("\n")
    text = (BENCH / "RESULTS.md").read_text(encoding="utf-8")
    assert _block(text, module.BEGIN, module.END) == expected, (
        f"benchmarks/RESULTS.md is out of date: run python benchmarks/{script}.py --render ..."
    )
