"""The package's layers import only downwards, and no module imports itself through a cycle.

Every ``import`` in every module is read, the deferred ones inside functions included (a deferred
import hides a cycle from Python, not from this test). A failure names the file and line.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "cxassess"

# Lowest first. A module may import from its own layer and the layers before it, never after.
LAYERS: list[set[str]] = [
    {"_util", "errors", "_version"},
    {"questionnaire"},
    {"io"},
    {"scoring", "metrics"},
    {"store"},
    {"report"},
    {"run"},
    {"workshop", "teach", "demo"},
    {"cli", "__init__", "__main__"},
]


def _layer(module: str) -> int:
    """The layer of ``cxassess.x.y`` by its first part ``x``."""
    parts = module.split(".")
    top = parts[1] if len(parts) > 1 else "__init__"
    for n, names in enumerate(LAYERS):
        if top in names:
            return n
    raise AssertionError(f"{module}: not in any layer of tests/test_layers.py; add its subpackage there")


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1] if len(parts) > 2 else [*parts[:-1], "__init__"]
        out[".".join(parts)] = path
    return out


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported cxassess module, line) for every import in the file, relative ones resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names if a.name.split(".")[0] == "cxassess"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            if name.split(".")[0] == "cxassess":
                found += [(f"{name}.{a.name}", node.lineno) for a in node.names]
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The module an import names (``cxassess.io.read`` from ``from cxassess.io import read``)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _graph() -> dict[str, list[tuple[str, int]]]:
    modules = _modules()
    graph: dict[str, list[tuple[str, int]]] = {}
    for module, path in modules.items():
        edges = []
        for name, line in _imports(module, path):
            target = _resolve(name, modules)
            if target and target != module:
                edges.append((target, line))
        graph[module] = edges
    return graph


def test_layers_import_only_downwards():
    modules = _modules()
    wrong = []
    for module, edges in _graph().items():
        for target, line in edges:
            if module.endswith("__init__") or target == "cxassess.__init__":
                continue
            if _layer(target) > _layer(module):
                wrong.append(f"{modules[module].relative_to(PACKAGE.parent)}:{line}: {module} imports {target}, "
                             "a higher layer")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycles():
    graph = _graph()
    modules = _modules()
    cycles = []
    state: dict[str, int] = {}
    stack: list[tuple[str, int]] = []

    def visit(node: str) -> None:
        state[node] = 1
        for target, line in graph.get(node, []):
            if _is_package_init(target):
                continue  # a package's __init__ only re-exports
            if state.get(target) == 1:
                start = [n for n, _ in stack].index(target) if target in [n for n, _ in stack] else 0
                loop = stack[start:] + [(node, line)]
                cycles.append(" -> ".join(f"{modules[n].relative_to(PACKAGE.parent)}:{ln}" for n, ln in loop)
                              + f" -> {target}")
            elif state.get(target) is None:
                stack.append((node, line))
                visit(target)
                stack.pop()
        state[node] = 2

    for module in graph:
        if state.get(module) is None and not _is_package_init(module):
            visit(module)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _is_package_init(module: str) -> bool:
    return _modules()[module].name == "__init__.py"


def test_the_rule_catches_an_upward_import(tmp_path):
    """The checker itself: a scoring module importing the report layer is named with its line."""
    assert _layer("cxassess.scoring.score") < _layer("cxassess.report.narrative")
    assert _layer("cxassess.workshop.app") > _layer("cxassess.run.batch")
    source = "from __future__ import annotations\n\n\ndef f():\n    from cxassess.report import narrative\n"
    path = tmp_path / "x.py"
    path.write_text(source)
    assert _imports("cxassess.scoring.x", path) == [("cxassess.report.narrative", 5)]
