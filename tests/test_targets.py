"""Targets: read by cxassess.io.targets (files), interpreted by cxassess.scoring.targets (pure).

Also the rule that scoring reads no file: only cxassess/scoring/score.py, the entry points, brings
files in, and it does so through the io layer.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from cxassess.errors import CxError
from cxassess.io.targets import Targets, read_targets
from cxassess.scoring.targets import resolve_targets

SCORING = Path(__file__).resolve().parents[1] / "cxassess" / "scoring"


def test_read_targets_returns_what_the_file_says(tmp_path):
    yaml = tmp_path / "t.yaml"
    yaml.write_text("targets:\n  A: {stage: 2}\n  default: Five\n")
    got = read_targets(yaml)
    assert isinstance(got, Targets) and dict(got) == {"A": {"stage": 2}, "default": "Five"}
    assert got.source == str(yaml)
    js = tmp_path / "t.json"
    js.write_text('{"A": 3.5}')
    assert dict(read_targets(js)) == {"A": 3.5}
    csv = tmp_path / "t.csv"
    csv.write_text("Dimension,Target\nA,3.5\n B ,stage 4\n")
    assert dict(read_targets(csv)) == {"A": "3.5", "B": "stage 4"}
    empty = tmp_path / "e.yaml"
    empty.write_text("")
    assert dict(read_targets(empty)) == {}


@pytest.mark.parametrize("name, text, message", [
    ("list.yaml", "- 3\n- 4\n", "targets must map dimension ids to a score or a stage"),
    ("cols.csv", "dim,value\nA,3\n", "a targets CSV needs columns 'dimension' and 'target'"),
    ("twice.csv", "dimension,target\nA,3\nA,4\n", "row 3: dimension 'A' is given a target twice"),
])
def test_read_targets_refuses_what_is_not_targets(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(CxError, match=message):
        read_targets(path)


def test_read_targets_missing_file_and_folder(tmp_path):
    with pytest.raises(CxError, match="targets file not found"):
        read_targets(tmp_path / "nope.yaml")
    with pytest.raises(CxError, match="is a folder"):
        read_targets(tmp_path)


def test_resolve_names_the_file_the_targets_came_from(mini_q, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("C: 3\n")
    with pytest.raises(CxError, match=rf"^{path}: 'C' is not a dimension id"):
        resolve_targets(read_targets(path), mini_q)
    with pytest.raises(CxError, match=r"^targets: 'C' is not a dimension id"):
        resolve_targets({"C": 3}, mini_q)
    assert resolve_targets(Targets({"default": "stage 4", "A": 2}), mini_q) == {"A": 2.0, "B": 4.0}
    assert resolve_targets(None, mini_q) == {}


def test_scoring_file_targets_equal_scoring_the_parsed_targets(mini_q, data_dir, tmp_path):
    from cxassess.io.read import read_responses
    from cxassess.scoring.compute import compute_scores
    from cxassess.scoring.score import score

    path = tmp_path / "t.yaml"
    path.write_text("default: Five\nA: {stage: 2}\n")
    responses = read_responses(data_dir / "mini_long.csv", mini_q)
    assert compute_scores(responses, mini_q, targets=read_targets(path)).to_dict() == \
        score(responses, mini_q, targets=path).to_dict()


READERS = {"open", "read_text", "read_bytes", "write_text", "write_bytes", "read_csv", "read_excel", "read_json",
           "read_table", "read_responses", "read_targets", "load_yaml_text", "load_questionnaire", "as_questionnaire"}


def test_only_the_entry_module_of_scoring_brings_files_in():
    """No scoring module but score.py calls a reader or imports one; score.py reads through the io layer."""
    found = []
    for path in sorted(SCORING.glob("*.py")):
        if path.name == "score.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Call):
                f = node.func
                names = [f.id] if isinstance(f, ast.Name) else [f.attr] if isinstance(f, ast.Attribute) else []
            elif isinstance(node, ast.ImportFrom):
                names = [a.name for a in node.names]
                if node.module and node.module.startswith("cxassess.io") and node.module != "cxassess.io.responses":
                    names.append(node.module)
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            found += [f"{path.name}:{node.lineno}: {n}" for n in names
                      if n in READERS or n.startswith("cxassess.io") or n in {"pathlib", "os", "io"}]
    assert not found, "scoring reads files:\n" + "\n".join(found)
