"""The public API: a literal __all__, listed by dir(), every name importable, and what the notebooks use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import cxassess

ROOT = Path(__file__).resolve().parents[1]


def test_dir_lists_the_public_api_and_every_name_resolves():
    assert dir(cxassess) == sorted(cxassess.__all__)
    assert len(set(cxassess.__all__)) == len(cxassess.__all__)
    for name in cxassess.__all__:
        assert getattr(cxassess, name) is not None, name
    assert cxassess.serve_workshop.__module__ == "cxassess.workshop.serve"
    assert cxassess.charts.radar.__module__ == "cxassess.report.charts"


def test_unknown_names_are_an_attribute_error():
    try:
        cxassess.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_cxassess_stays_light():
    code = "import sys, cxassess; print(sorted(m for m in ('pandas', 'matplotlib', 'numpy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_notebooks_import_from_cxassess_itself():
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        source = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        deep = re.findall(r"^\s*(?:from|import) (cxassess\.[\w.]+)", source, flags=re.M)
        assert not deep, f"{path.name} imports submodules: {deep}"
        for names in re.findall(r"^\s*from cxassess import (.+)$", source, flags=re.M):
            for name in (n.split(" as ")[0].strip() for n in names.split(",")):
                assert name in cxassess.__all__, f"{path.name}: {name} is not in cxassess.__all__"
