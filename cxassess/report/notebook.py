"""The report notebook: read it, the parameters its ``parameters`` cell declares, the modules it
imports, and a parameterised copy (papermill's injected cell, whitelisted names only)."""

from __future__ import annotations

import ast
import copy
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cxassess._util.paths import NOTEBOOKS_DIR
from cxassess.errors import CxError
from cxassess.report.request import build_parameters

DEFAULT_NOTEBOOK = NOTEBOOKS_DIR / "report.ipynb"


def avoid_slow_imports() -> None:
    """Skip ``rfc3987_syntax`` (1.5-2 s to import, pulled in by jsonschema via nbformat, unused here)."""
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


def load_notebook(path: Path | str | None = None) -> Any:
    """Read the report notebook and check it has a ``parameters`` cell."""
    avoid_slow_imports()
    import nbformat

    path = Path(path or DEFAULT_NOTEBOOK)
    if not path.is_file():
        raise CxError(f"report notebook not found: {path}")
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception as exc:  # noqa: BLE001 - any parse failure is the user's file
        raise CxError(f"{path}: not a readable notebook ({exc})") from exc
    if not any("parameters" in c.get("metadata", {}).get("tags", []) for c in nb.cells):
        raise CxError(f"{path}: no cell is tagged 'parameters'; papermill needs one")
    for cell in nb.cells:
        cell.metadata.setdefault("tags", [])  # papermill expects the key on every cell
    nb.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    return nb


def declared_parameters(nb: Any) -> set[str]:
    """Names assigned in the notebook's ``parameters`` cell."""
    names: set[str] = set()
    for cell in nb.cells:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError:
                continue
            for node in tree.body:
                targets = (node.targets if isinstance(node, ast.Assign)
                           else [node.target] if isinstance(node, ast.AnnAssign) else [])
                names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def notebook_imports(nb: Any) -> list[str]:
    """Top-level modules a notebook's code cells import (for the fork server to preload)."""
    names: list[str] = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.extend(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.append(node.module)  # "from pkg import mod": mod may be a module too
                names.extend(f"{node.module}.{a.name}" for a in node.names if a.name != "*")
    return list(dict.fromkeys(names))


def parameterize(template: Any, parameters: Mapping[str, Any]) -> Any:
    """A copy of the notebook with papermill's injected-parameters cell (whitelisted names only)."""
    from papermill.parameterize import parameterize_notebook

    nb = copy.deepcopy(template)
    nb.metadata.setdefault("papermill", {})
    return parameterize_notebook(nb, build_parameters(parameters), kernel_name="python3", language="python")


def write_notebook(nb: Any, path: Path) -> None:
    """The executed notebook, as nbformat 4 JSON (not validated again: the HTML export has validated it,
    and the notebook is only written after that export)."""
    from nbformat import v4

    path.write_text(v4.writes(nb), encoding="utf-8")
