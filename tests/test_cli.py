"""The ``cxassess`` command line: every subcommand's help, usage errors (exit 2 with a message), and real
runs of questionnaire, validate and score on the hand-made test data through the console entry point."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cxassess.cli.main import main

COMMANDS = [
    [], ["questionnaire"], ["import"], ["validate"], ["score"], ["metrics"], ["export"], ["workshop"],
    ["workshop", "serve"], ["workshop", "stop"], ["demo-data"], ["report"], ["batch"],
]


def run_main(capsys, *args: str) -> tuple[int, str, str]:
    """``main`` in this process (argparse exits for --help and usage errors): (exit code, stdout, stderr)."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "cxassess")
def test_every_command_has_help(capsys, command):
    code, out, err = run_main(capsys, *command, "--help")
    assert code == 0, err
    assert out.startswith(f"usage: cxassess{''.join(' ' + c for c in command)} ")
    assert err == ""


def test_the_main_help_lists_every_command(capsys):
    _, out, _ = run_main(capsys, "--help")
    for name in ("questionnaire", "import", "validate", "score", "metrics", "export", "workshop", "demo-data",
                 "report", "batch"):
        assert f"\n    {name}" in out, name


@pytest.mark.parametrize(("args", "message"), [
    (["score", "x.csv", "--min-group-size", "0"], "argument --min-group-size: must be at least 1, got 0"),
    (["score", "x.csv", "--min-group-size", "two"], "argument --min-group-size: expected a whole number, got 'two'"),
    (["metrics", "x.csv", "--min-group-size", "1.5"], "argument --min-group-size: expected a whole number, got '1.5'"),
    (["batch", "m.csv", "--out", "o", "--workers", "0"], "argument --workers: must be at least 1, got 0"),
    (["batch", "m.csv", "--out", "o", "--timeout", "soon"], "argument --timeout: expected a whole number, got 'soon'"),
    (["workshop", "serve", "--client", "A", "--port", "-1"], "argument --port: must be at least 0, got -1"),
    (["demo-data", "--out", "d", "--seed", "x"], "argument --seed: expected a whole number, got 'x'"),
    (["score"], "the following arguments are required: RESPONSES"),
    (["validate"], "the following arguments are required: RESPONSES"),
    (["metrics"], "the following arguments are required: FILE"),
    (["export", "s.sqlite"], "the following arguments are required: --out"),
    (["report", "--responses", "x.csv", "--out", "o"], "the following arguments are required: --client"),
    (["report", "--client", "A", "--out", "o"], "the following arguments are required: --responses"),
    (["batch", "m.csv"], "the following arguments are required: --out"),
    (["workshop", "serve"], "the following arguments are required: --client"),
    (["workshop"], "the following arguments are required: ACTION"),
    (["demo-data"], "the following arguments are required: --out"),
    ([], "the following arguments are required: COMMAND"),
    (["nonsense"], "argument COMMAND: invalid choice: 'nonsense'"),
    (["score", "x.csv", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
    (["validate", "x.csv", "--on-error", "ignore"], "argument --on-error: invalid choice: 'ignore'"),
])
def test_usage_errors_exit_2_with_a_message(capsys, args, message):
    code, out, err = run_main(capsys, *args)
    assert code == 2
    assert out == ""
    assert "usage: cxassess" in err
    assert f"error: {message}" in err


def test_usage_error_through_the_entry_point(cli):
    result = cli("score", "x.csv", "--min-group-size", "0")
    assert result.returncode == 2
    assert result.stdout == ""
    assert "cxassess score: error: argument --min-group-size: must be at least 1, got 0" in result.stderr


def test_help_does_not_import_the_heavy_libraries():
    """``cxassess --help`` answers at once: building the parser imports no pandas, matplotlib or papermill."""
    code = ("import sys, contextlib, io\nfrom cxassess.cli.main import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'papermill', 'nbformat') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


# --------------------------------------------------------------------------------------
# real runs on tests/data
# --------------------------------------------------------------------------------------
def test_questionnaire_prints_the_printable_form(cli, data_dir):
    result = cli("questionnaire", "--file", data_dir / "mini.yaml")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("# Mini\n\nQuestionnaire `mini`, version 0.1.\n")
    assert "## 1. Dimension A" in out and "## 2. Dimension B" in out
    assert "| # | Statement | 1 | 2 | 3 | 4 | 5 | DK |" in out
    assert "| A1 | First A statement | ☐ | ☐ | ☐ | ☐ | ☐ | ☐ |" in out
    assert result.stderr == ""


def test_questionnaire_as_csv_and_json(cli, data_dir):
    result = cli("questionnaire", "--file", data_dir / "mini.yaml", "--format", "csv")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("id,dimension,statement,Strongly disagree,Disagree,Neutral,Agree,Strongly agree,"
                        "Don't know / not applicable")
    assert lines[1] == "A1,Dimension A,First A statement,,,,,,"
    result = cli("questionnaire", "--file", data_dir / "mini.yaml", "--format", "json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["id"] == "mini"


def test_validate_a_good_file(cli, data_dir):
    result = cli("validate", data_dir / "mini_wide.csv", "--questionnaire", data_dir / "mini.yaml")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "note: columns read as respondent attributes: role",
        f"{data_dir / 'mini_wide.csv'}: wide layout, 4 respondents, 16 answers, 3 'don't know', "
        "0 problem(s) left out, 0 warning(s)",
        "OK: the responses can be scored.",
    ]


def test_validate_lists_every_problem_and_exits_1(cli, data_dir):
    bad = data_dir / "mini_bad_long.csv"
    result = cli("validate", bad, "--questionnaire", data_dir / "mini.yaml")
    assert result.returncode == 1
    err = result.stderr
    assert f"error: {bad}: 4 problem(s) in the responses:" in err
    assert f"  - {bad}, row 3, column 'item_id': 'A9' is not an item id of questionnaire 'mini'" in err
    assert f"  - {bad}, row 5, column 'value': 6 is off the scale (expected a whole number from 1 to 5)" in err
    assert "Fix the file, or score the valid rows only with --on-error skip." in err
    assert "Traceback" not in err


def test_score_prints_the_table(cli, data_dir):
    result = cli("score", data_dir / "mini_wide.csv", "--questionnaire", data_dir / "mini.yaml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Respondents: 4"
    assert lines[1] == "Overall: 3.14 / 5  (index 53, stage 3: Three)"
    assert lines[3].split() == ["dimension", "score", "index", "stage", "n", "sd", "alpha", "rwg", "low", "consensus"]
    assert lines[4].split() == ["Dimension", "A", "3.67", "67", "Three", "3", "1.04", "-", "0.46", "yes"]
    assert lines[5].split() == ["Dimension", "B", "2.88", "47", "Two", "4", "1.18", "0.88", "0.30", "yes"]
    assert result.stderr == "note: columns read as respondent attributes: role\n"


def test_score_as_csv_with_groups(cli, data_dir):
    result = cli("score", data_dir / "mini_wide.csv", "--questionnaire", data_dir / "mini.yaml", "--format", "csv",
                 "--group-by", "role", "--min-group-size", "1")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == ("group_by,group,dimension,name,score,index,stage,stage_name,n,sd,alpha,rwg,low_consensus,"
                        "target,gap,respondents,suppressed")
    assert lines[1].startswith(",,A,Dimension A,3.666")
    assert lines[3].startswith(",,overall,Overall,3.138")
    assert "role,lead,A,,4.25,,,,,,,,,,,2,False" in lines
    assert "role,front,B,,2.0,,,,,,,,,,,2,False" in lines
    assert len(lines) == 10


def test_score_as_json_to_a_file(cli, data_dir, tmp_path):
    out = tmp_path / "scores.json"
    result = cli("score", data_dir / "mini_wide.csv", "--questionnaire", data_dir / "mini.yaml", "--out", out)
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert f"wrote {out}" in result.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["respondents"] == 4
    assert round(doc["overall"]["score"], 2) == 3.14


def test_a_library_error_is_one_line_and_exit_1(cli, data_dir, tmp_path):
    result = cli("score", tmp_path / "missing.csv", "--questionnaire", data_dir / "mini.yaml")
    assert result.returncode == 1
    assert result.stderr.startswith("error: ")
    assert "Traceback" not in result.stderr


def test_a_symlink_loop_is_a_clear_error_not_a_traceback(capsys, tmp_path):
    loop = tmp_path / "loop.sqlite"
    loop.symlink_to(loop)
    code, out, err = run_main(capsys, "export", str(loop), "--out", str(tmp_path / "x.csv"))
    assert code == 1 and "cannot follow this path given as session" in err and "Traceback" not in err
