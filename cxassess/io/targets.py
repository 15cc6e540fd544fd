"""Read a targets file (YAML, JSON or CSV): the target score or stage per dimension, as written.

What the values mean (a score, ``stage 4``, a stage name, the ``default`` key) is not decided here:
:func:`cxassess.scoring.targets.resolve_targets` checks them against a questionnaire. A YAML or JSON
file is a mapping, optionally under a top-level ``targets`` key; a CSV file has the columns
``dimension,target``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from cxassess._util.yamlfile import load_yaml_text
from cxassess.errors import CxError
from cxassess.io.tables import decode_text, read_table

__all__ = ["Targets", "read_targets"]


class Targets(Mapping[str, Any]):
    """Targets as written in a file, with the file's name for messages about them (a read-only mapping)."""

    def __init__(self, values: Mapping[str, Any], source: str = "targets") -> None:
        self._values = dict(values)
        self.source = source

    def __getitem__(self, key: str) -> Any:
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"Targets({self._values!r}, source={self.source!r})"


def read_targets(path: str | Path) -> Targets:
    """The targets in a YAML, JSON or CSV file, unchecked; ``CxError`` when the file cannot be read as targets."""
    path = Path(path)
    if not path.exists():
        raise CxError(f"{path}: targets file not found")
    if path.suffix.lower() == ".csv":
        return Targets(_read_csv(path), str(path))
    if path.is_dir():
        raise CxError(f"{path}: is a folder, expected a targets file (.yaml, .json or .csv)")
    data = load_yaml_text(decode_text(path.read_bytes()), str(path),
                          lambda source, problems: CxError(f"{source}: {problems[0]}"))
    if isinstance(data, Mapping) and isinstance(data.get("targets"), Mapping):
        data = data["targets"]
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise CxError(f"{path}: targets must map dimension ids to a score or a stage")
    return Targets(data, str(path))


def _read_csv(path: Path) -> dict[str, Any]:
    frame, _ = read_table(path, what="a targets file (.yaml, .json or .csv)")
    cols = {c.strip().lower(): c for c in frame.columns}
    if "dimension" not in cols or "target" not in cols:
        raise CxError(f"{path}: a targets CSV needs columns 'dimension' and 'target'")
    out: dict[str, Any] = {}
    for n, (dim, target) in enumerate(zip(frame[cols["dimension"]], frame[cols["target"]], strict=True), start=2):
        dim = str(dim).strip()
        if dim in out:
            raise CxError(f"{path}, row {n}: dimension '{dim}' is given a target twice")
        out[dim] = target
    return out
