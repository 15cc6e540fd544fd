"""Read back what tests/data/probe_report.ipynb printed: the state a report's kernel saw."""

from __future__ import annotations

import json
from pathlib import Path

PROBE = Path(__file__).parent / "data" / "probe_report.ipynb"


def probe_state(folder: Path) -> dict:
    """The JSON line the probe notebook printed, read back from the executed notebook."""
    nb = json.loads((folder / "report.ipynb").read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            text = "".join(out.get("text", ""))
            if text.startswith("PROBE "):
                return json.loads(text[len("PROBE "):])
    raise AssertionError("the probe notebook printed no state")
