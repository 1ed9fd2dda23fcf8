"""Every rendered block of benchmarks/RESULTS.md and README.md agrees with the result files it is written from."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


render_results = _load("render_results")


@pytest.mark.parametrize("block", render_results.BLOCKS, ids=lambda b: f"{b.document}:{b.name}")
def test_block_agrees_with_its_result_files(block):
    path = render_results.DOCUMENTS[block.document]
    text = path.read_text(encoding="utf-8")
    assert render_results._span(text, block.name) is not None, f"{block.document} lacks the {block.name!r} block"
    expected = render_results.fill(text, block, render_results.render_block(block))
    assert expected == text, (
        f"{block.document}: block {block.name!r} is stale; run python benchmarks/render_results.py"
    )


def test_every_marked_block_is_written_by_the_registry():
    assert render_results.problems() == []
    assert render_results.main(["--check"]) == 0


def test_check_names_stale_missing_and_unknown_blocks(tmp_path, capsys):
    results = tmp_path / "results"
    shutil.copytree(BENCH / "results", results, ignore=shutil.ignore_patterns("*.png", "*.md"))
    docs = {name: tmp_path / name for name in render_results.DOCUMENTS}
    for name, path in render_results.DOCUMENTS.items():
        shutil.copy(path, docs[name])
    assert render_results.problems(docs, results) == []

    seed = json.loads((results / "seed_article.json").read_text(encoding="utf-8"))
    seed["summary"]["confidence"] += 0.25  # a re-run that changed a figure
    (results / "seed_article.json").write_text(json.dumps(seed), encoding="utf-8")
    text = docs["README.md"].read_text(encoding="utf-8")
    start = text.index(render_results.begin_marker("readme_speed"))
    end = text.index(render_results.end_marker("readme_speed")) + len(render_results.end_marker("readme_speed"))
    docs["README.md"].write_text(text[:start] + text[end:] + "\n<!-- orphan:begin (typed) -->\n1\n<!-- orphan:end -->\n",
                                 encoding="utf-8")
    found = render_results.problems(docs, results)
    assert any("'seed_article' is stale" in p and "results/seed_article.json" in p for p in found)
    assert any("'readme_speed' is missing" in p for p in found)
    assert any("'orphan' is written by nothing" in p for p in found)
    assert len(found) == 3

    # writing fixes what it can; the missing block is an error that names it
    with pytest.raises(SystemExit, match="readme_speed"):
        render_results.write_all(docs, results)
    docs["README.md"].write_text(docs["README.md"].read_text(encoding="utf-8").replace(
        "<!-- orphan:begin (typed) -->\n1\n<!-- orphan:end -->\n",
        render_results.begin_marker("readme_speed") + "\n" + render_results.end_marker("readme_speed") + "\n"),
        encoding="utf-8")
    changed = render_results.write_all(docs, results)
    assert changed == ["RESULTS.md:seed_article", "README.md:readme_speed"]
    assert render_results.problems(docs, results) == []
