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


def _sibling_modules(path: Path) -> set[str]:
    """Modules (Python or compiled, built or not) of ``path``'s own package, which ``from . import`` may name."""
    return {p.name.split(".")[0] for p in path.parent.iterdir() if p.suffix in (".py", ".c", ".so", ".pyd")}


def test_no_private_name_is_imported_from_another_module():
    # a private sibling module (such as the compiled stance.features._kernels) is its package's own
    crossings = [
        f"{_module_name(path)} imports {name} from {target}"
        for path in _modules()
        for target, names in _imports(path)
        for name in names
        if name.startswith("_") and not name.startswith("__")
        and not (target == _module_name(path).rsplit(".", 1)[0] and name in _sibling_modules(path))
    ]
    assert crossings == []


def test_the_layout_helpers_see_every_import():
    # guard for the checks above: the scan finds the package's own imports
    found = {target for path in _modules() for target, _ in _imports(path)}
    assert "stance.text.processing" in found and "stance.exceptions" in found


def _graph(level: int | None = None) -> dict[str, set[str]]:
    """Import graph of the package's modules (``level=2``: of its sub-packages), lazy imports included."""
    # compiled extension modules (stance/*/_*.c) are modules too, built or not
    modules = {_module_name(p) for p in _modules()} | {_module_name(p) for p in PACKAGE.rglob("*.c")}

    def key(name: str) -> str:
        return name if level is None else ".".join(name.split(".")[:level])

    graph: dict[str, set[str]] = {}
    for path in _modules():
        source = _module_name(path)
        if source == "stance":
            continue  # the package root re-exports the public API from every layer
        for target, names in _imports(path):
            for name in names:
                target_module = f"{target}.{name}" if f"{target}.{name}" in modules else target
                if target_module != "stance" and key(target_module) != key(source):
                    graph.setdefault(key(source), set()).add(key(target_module))
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_import_cycle_between_modules():
    assert _cycle(_graph()) is None


def test_sub_packages_depend_one_way():
    # cli -> batch -> training -> io -> model -> estimators -> features -> text, datasets and evaluation beside
    assert _cycle(_graph(level=2)) is None
