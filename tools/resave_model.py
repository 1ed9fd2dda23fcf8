"""Re-save a model directory with this version of the package, keeping its manifest records.

Usage::

    python tools/resave_model.py [models/default]

Reads the model's pickle-free files (which load across versions), and writes the
directory again in both formats (``save_model(format="both")``) with the same name,
training-data records, parameters and metrics; the manifest's ``created`` and
``versions`` become those of this run. Used when the package layout or the safe
format changes, so that the shipped pickles name the current modules. Run
``python tools/record_shipped_hashes.py`` afterwards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from stance.io.persistence import load_model, read_manifest, save_model  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default=str(REPO / "models" / "default"))
    args = parser.parse_args(argv)
    manifest = read_manifest(args.path)
    model = load_model(args.path, serialization="safe")
    save_model(model, args.path, format="both", name=manifest.get("name"),
               training_data=manifest.get("training_data") or None,
               parameters=manifest.get("parameters") or None, metrics=manifest.get("metrics") or None)
    print(f"re-saved {args.path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
