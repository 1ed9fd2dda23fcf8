"""The package's layout rules: no private name crosses modules, imports point one way (no cycles)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "stance"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path):
    """(imported module, names) for every ``from ... import`` of a package module, lazy ones included."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target == "stance" or target.startswith("stance."):
                yield target, [alias.name for alias in node.names]


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_private_name_is_imported_from_another_module():
    crossings = [
        f"{_module_name(path)} imports {name} from {target}"
        for path in _modules()
        for target, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
    ]
    assert crossings == []


def test_the_layout_helpers_see_every_import():
    # guard for the checks above: the scan finds the package's own imports
    found = {target for path in _modules() for target, _ in _imports(path)}
    assert "stance.text.processing" in found and "stance.exceptions" in found
