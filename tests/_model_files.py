"""Helpers of the model-format tests (test_safe_format, test_claim_format): edit a saved model's manifest."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from stance.io.persistence import MANIFEST_FILE


def sha256(path: str | Path) -> str:
    """sha256 hex digest of a file."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def edit_manifest(model_dir: Path, edit) -> None:
    """Apply ``edit(manifest_dict)`` to a model directory's manifest and write it back."""
    path = model_dir / MANIFEST_FILE
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def rehash(model_dir: Path, filename: str) -> None:
    """Record a file's current sha256 in the manifest (after a test edited the file on purpose)."""
    edit_manifest(model_dir, lambda m: m["files"].__setitem__(filename, sha256(model_dir / filename)))
