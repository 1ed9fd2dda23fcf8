"""Record the sha256 of the shipped models' pickles in the package, so that trust comes from content.

Usage::

    python tools/record_shipped_hashes.py

Writes ``stance/io/shipped_hashes.py`` from the ``*.joblib`` files of every model directory under
``models/``. Run it after retraining a shipped model (a test fails until it is run):
``stance.io.persistence.is_shipped`` trusts a pickle only when its directory lies among the shipped
models *and* every pickle in it has the hash recorded here, so a pickle that someone places among
the shipped models is refused like any other.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.datasets.domain import sha256_file  # noqa: E402

OUT = REPO / "stance" / "io" / "shipped_hashes.py"


def main() -> int:
    hashes = {}
    for model_dir in sorted(p for p in (REPO / "models").iterdir() if p.is_dir()):
        pickles = {f.name: sha256_file(f) for f in sorted(model_dir.glob("*.joblib"))}
        if pickles:
            hashes[model_dir.name] = pickles
    lines = ['"""sha256 of the pickles of the models shipped with this version (tools/record_shipped_hashes.py)."""',
             "", "SHIPPED_PICKLES: dict[str, dict[str, str]] = {"]
    for name, pickles in hashes.items():
        lines.append(f"    {name!r}: {{")
        lines += [f"        {file!r}: {digest!r}," for file, digest in pickles.items()]
        lines.append("    },")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {sum(len(p) for p in hashes.values())} pickles of {len(hashes)} model(s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
