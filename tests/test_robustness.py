"""Robustness of loaded models and model directories: threads, and training runs killed midway."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from stance.io.persistence import MANIFEST_FILE, load_model

REPO = Path(__file__).resolve().parents[1]
N_THREADS = 8

PARAGRAPHS = [
    "NATO must stop its eastward expansion toward Russian borders, Moscow said.",
    "The EU adopted a new package of sanctions against Russian banks.",
    "",
    "Diplomats met in Geneva for talks on security guarantees and arms control.",
    "Russia proposed a moratorium on intermediate-range missiles in Europe.",
    "Ukraine has every right to choose its alliances.",
    "   ",
    "The foreign ministers held a phone call and agreed to continue talks.",
]


# --------------------------------------------------------------------------- threads


@pytest.mark.parametrize("serialization", ["joblib", "safe"])
def test_one_model_used_from_many_threads(serialization, tiny_model, tiny_model_dir, tiny_safe_model_dir):
    # Sequential results come from another copy, so the threads start on a model that has never
    # classified anything (its lazily built caches are still empty).
    expected = [r.to_dict() for r in tiny_model.classify(PARAGRAPHS, batch_size=3)]
    expected_doc = [p.to_dict() for p in tiny_model.analyze("\n\n".join(p for p in PARAGRAPHS if p.strip()))]
    model = (load_model(tiny_model_dir, trusted=True) if serialization == "joblib"
             else load_model(tiny_safe_model_dir))
    barrier = threading.Barrier(N_THREADS)

    def work(i: int):
        barrier.wait(timeout=60)
        out = []
        for _ in range(5):
            out.append([r.to_dict() for r in model.classify(PARAGRAPHS, batch_size=3)])
            out.append([p.to_dict() for p in model.analyze("\n\n".join(p for p in PARAGRAPHS if p.strip()))])
        return out

    with ThreadPoolExecutor(max_workers=N_THREADS) as pool:
        results = list(pool.map(work, range(N_THREADS)))
    assert len(results) == N_THREADS
    for per_thread in results:
        for k, got in enumerate(per_thread):
            assert got == (expected if k % 2 == 0 else expected_doc)
    # and the model still gives the sequential answer afterwards
    assert [r.to_dict() for r in model.classify(PARAGRAPHS, batch_size=3)] == expected


# --------------------------------------------------------------------------- killed training runs


def _snapshot(directory: Path) -> dict:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(Path(directory).rglob("*")) if p.is_file()}


def _train_cmd(data: Path, out: Path, name: str) -> list[str]:
    return [sys.executable, "-m", "stance", "train", "--data", str(data), "--out", str(out), "--topics", "auto",
            "--stances", "auto", "--min-df", "1", "--name", name, "--force"]


def _assert_old_or_complete_new(out: Path, old_snapshot: dict, old_manifest: dict) -> str:
    """The model directory is the old model byte for byte, or a complete new one; returns which."""
    assert out.is_dir(), f"{out} is missing: the kill left no model in place"
    if _snapshot(out) == old_snapshot:
        model = load_model(out, trusted=True)
        assert model.manifest == old_manifest
        return "old"
    model = load_model(out, trusted=True)  # checks every file's sha256 against the manifest
    assert model.manifest["name"] == "new"
    assert model.classify(["NATO must stop its expansion."])[0].stance in model.stances
    return "new"


def test_killed_training_leaves_the_old_or_the_new_model(train_jsonl, copy_model_dir):
    out = copy_model_dir("model")  # an older model, replaced with --force by the run we kill
    old_snapshot = _snapshot(out)
    old_manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    parent = out.parent

    proc = subprocess.Popen(_train_cmd(train_jsonl, out, "new"), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # kill as soon as the new model's temporary directory appears (mid-save), or whenever the
        # run ends first: either way the directory must hold the old model or the complete new one
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if any(p.name.startswith(".model.tmp-") for p in parent.iterdir()):
                break
            time.sleep(0.0005)
        proc.send_signal(signal.SIGKILL)  # no effect if it finished already
    finally:
        proc.wait(timeout=60)
    _assert_old_or_complete_new(out, old_snapshot, old_manifest)

    # whatever the kill left behind (perhaps a stale temporary directory), training again works
    from stance.cli.commands import main

    assert main(["train", "--data", str(train_jsonl), "--out", str(out), "--topics", "auto", "--stances", "auto",
                 "--min-df", "1", "--name", "new", "--force"]) == 0
    assert _assert_old_or_complete_new(out, old_snapshot, old_manifest) == "new"
    assert not [p.name for p in parent.iterdir() if p.name.startswith(".model.old-")]
    assert not [p.name for p in parent.iterdir() if p.name.startswith(".model.tmp-")]  # the killed run's, removed


_KILL_AROUND_SWAP = """
import os, signal, sys
from stance.io import persistence

out, when = sys.argv[1], sys.argv[2]
model = persistence.load_model(out, trusted=True)
real_exchange = persistence._exchange

def exchange(a, b):
    if when == "before":
        os.kill(os.getpid(), signal.SIGKILL)
    swapped = real_exchange(a, b)
    assert swapped, "renameat2(RENAME_EXCHANGE) is unavailable here"
    os.kill(os.getpid(), signal.SIGKILL)  # after the swap, before the old copy is removed

persistence._exchange = exchange
persistence.save_model(model, out, name="new")
"""


@pytest.mark.parametrize("when", ["before", "after"])
def test_kill_around_the_swap_of_a_replacement(copy_model_dir, when):
    # Replacing a model swaps the directories in one renameat2(RENAME_EXCHANGE) call,
    # so a kill just before or just after it leaves a complete model at the path.
    out = copy_model_dir("model")
    old_snapshot = _snapshot(out)
    old_manifest = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
    proc = subprocess.run([sys.executable, "-c", _KILL_AROUND_SWAP, str(out), when], cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    kind = _assert_old_or_complete_new(out, old_snapshot, old_manifest)
    assert kind == ("old" if when == "before" else "new")
    leftovers = [p for p in out.parent.iterdir() if p.name.startswith(".model.tmp-")]
    if when == "before":
        assert leftovers  # the killed run's new model, never swapped in
    from stance.io.persistence import save_model

    save_model(load_model(out, trusted=True), out, name="again")  # the next run removes what the kill left
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".model.tmp-")]
