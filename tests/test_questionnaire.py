"""The questionnaire is data: the bundled one meets the brief, and the loader reports bad files precisely."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cxassess._util.paths import DEFAULT_QUESTIONNAIRE
from cxassess.errors import QuestionnaireError
from cxassess.questionnaire.model import load_questionnaire, questionnaire_from_dict


def test_bundled_questionnaire_meets_the_brief():
    q = load_questionnaire()
    assert len(q.dimensions) >= 8
    names = " ".join(d.name.lower() for d in q.dimensions)
    for word in ("leadership", "employee", "silos", "feedback", "insight", "journeys", "design", "measurement"):
        assert word in names
    for d in q.dimensions:
        items = q.items_of(d.id)
        assert 4 <= len(items) <= 6, d.id
        assert any(i.reverse for i in items), f"{d.id} has no reverse-worded statement"
    assert (q.scale.min, q.scale.max) == (1, 5) and len(q.scale.labels) == 5
    assert "don't know" in q.scale.dont_know.lower()
    assert [s.id for s in q.stages] == [1, 2, 3, 4, 5]
    mins = [s.min_score for s in q.stages]
    assert mins == sorted(mins) and mins[0] == 1.0 and all(1 <= m <= 5 for m in mins)
    assert all(s.name and s.description for s in q.stages)


def _base() -> dict:
    return yaml.safe_load((Path(__file__).parent / "data" / "mini.yaml").read_text())


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["items"][2].update(dimension="silo"), "items[2].dimension: 'silo' is not a dimension id"),
        (lambda d: d["items"][1].update(id="A1"), "items: duplicate id 'A1'"),
        (lambda d: d["dimensions"][1].update(id="A"), "dimensions: duplicate id 'A'"),
        (lambda d: d["items"][0].update(weight=0), "items[0].weight: Input should be greater than 0"),
        (lambda d: d["dimensions"][0].update(weight=-1), "dimensions[0].weight: Input should be greater than 0"),
        (lambda d: d["stages"][2].update(min_score=1.5),
         "stages[2].min_score: 1.5 must be greater than the previous stage's 2.0"),
        (lambda d: d["stages"][4].update(min_score=5.5), "stages[4].min_score: 5.5 is outside the scale 1..5"),
        (lambda d: d["items"][3].update(colour="red"), "items[3].colour: unknown key"),
        (lambda d: d.update(extra=1), "extra: unknown key"),
        (lambda d: d["items"][0].pop("text"), "items[0].text: Field required"),
        (lambda d: d["scale"]["labels"].pop(3), "scale: labels must give exactly one label for each point 1..5"),
        (lambda d: d["dimensions"][0].update(short_name="A name far too long for a header"),
         "dimensions[0].short_name: String should have at most 20 characters"),
        # one label for two points would silently mean the last of them (QA): refused, case and spaces ignored
        (lambda d: d["scale"]["labels"].update({4: "Strongly agree"}),
         "scale.labels: 'Strongly agree' is the label of both 4 and 5"),
        (lambda d: d["scale"]["labels"].update({2: " strongly  DISAGREE "}),
         "scale.labels: 'Strongly disagree' is the label of both 1 and 2"),
        (lambda d: d["scale"]["labels"].update({3: "Agree", 5: "agree"}),
         "scale.labels: 'Agree' is the label of 3, 4 and 5"),
        (lambda d: d["scale"].update(dont_know="neutral "),
         "scale.dont_know: 'neutral' is also the label of point 3"),
    ],
)
def test_loader_reports_each_problem_with_its_location(mutate, expected):
    data = _base()
    mutate(data)
    with pytest.raises(QuestionnaireError) as err:
        questionnaire_from_dict(data, "q.yaml")
    assert any(expected in p for p in err.value.problems), err.value.problems
    assert str(err.value).startswith("q.yaml: invalid questionnaire")


def test_loader_lists_several_problems_at_once():
    data = _base()
    data["items"][0]["dimension"] = "nope"
    data["items"][1]["id"] = "A3"
    with pytest.raises(QuestionnaireError) as err:
        questionnaire_from_dict(data)
    assert len(err.value.problems) == 2


def test_loader_uses_safe_yaml_only(tmp_path):
    evil = tmp_path / "evil.yaml"
    evil.write_text("!!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(QuestionnaireError, match="not valid YAML"):
        load_questionnaire(evil)


def test_missing_file_is_a_clear_error(tmp_path):
    from cxassess.errors import CxError

    with pytest.raises(CxError, match="questionnaire file not found"):
        load_questionnaire(tmp_path / "nope.yaml")


def test_stage_for_picks_highest_stage_reached(mini_q):
    assert mini_q.stage_for(1.0).id == 1
    assert mini_q.stage_for(2.99).id == 2
    assert mini_q.stage_for(3.0).id == 3
    assert mini_q.stage_for(4.5).id == 5
    assert mini_q.stage_for(None) is None


def test_cli_json_has_documented_keys(cli):
    res = cli("questionnaire", "--format", "json")
    assert res.returncode == 0, res.stderr
    data = json.loads(res.stdout)
    assert {"id", "version", "scale", "dimensions", "items", "stages"} <= set(data)
    assert {"min", "max", "labels"} <= set(data["scale"])
    assert set(data["items"][0]) >= {"id", "dimension", "text", "reverse", "weight"}
    assert set(data["dimensions"][0]) >= {"id", "name", "description", "weight"}
    assert set(data["stages"][0]) >= {"id", "name", "description", "min_score"}
    assert len(data["items"]) == len(load_questionnaire().items)


def test_cli_yaml_round_trips(cli, tmp_path):
    res = cli("questionnaire", "--format", "yaml")
    assert res.returncode == 0, res.stderr
    out = tmp_path / "q.yaml"
    out.write_text(res.stdout)
    assert load_questionnaire(out) == load_questionnaire(DEFAULT_QUESTIONNAIRE)
    again = cli("questionnaire", "--file", out, "--format", "json")
    assert json.loads(again.stdout) == json.loads(cli("questionnaire", "--format", "json").stdout)


def test_cli_markdown_is_a_printable_form(cli):
    res = cli("questionnaire", "--format", "markdown")
    q = load_questionnaire()
    assert res.returncode == 0
    for d in q.dimensions:
        assert f". {d.name}" in res.stdout
    for i in q.items:
        assert f"| {i.id} | {i.text} |" in res.stdout


def test_cli_bad_questionnaire_gives_message_not_traceback(cli, tmp_path):
    data = _base()
    data["items"][2]["dimension"] = "silo"
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    res = cli("questionnaire", "--file", bad, "--format", "json")
    assert res.returncode == 1
    assert "items[2].dimension: 'silo' is not a dimension id" in res.stderr
    assert "Traceback" not in res.stderr


def test_public_api_names_resolve_lazily():
    import subprocess
    import sys
    import types

    import cxassess

    constants = {"__version__", "MIN_GROUP_SIZE", "DEMO_DIR"}  # the only names that are values
    for name in cxassess.__all__:
        value = getattr(cxassess, name)
        assert callable(value) or isinstance(value, types.ModuleType) or name in constants, name
    # `import cxassess` alone must not pull in pandas (the CLI's --help stays fast)
    probe = "import sys, cxassess; print('pandas' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True).stdout.strip() == "False"


def test_short_name_is_the_label_and_the_name_stands_in_for_it():
    data = _base()
    data["dimensions"][0]["short_name"] = "  Alpha "
    q = questionnaire_from_dict(data, "q.yaml")
    assert q.dimensions[0].label == "Alpha"
    assert q.dimensions[1].short_name == "" and q.dimensions[1].label == q.dimensions[1].name
    bundled = load_questionnaire()
    assert [d.label for d in bundled.dimensions][:3] == ["Leadership", "Employees", "Silos"]
