"""The scoring contract, checked against numbers computed by hand from tests/data/mini_long.csv.

Hand computation (reverse item A2 scored 6 - value; A3 has weight 2; dimension B weight 2):

  respondent  A1 A2' A3 | A score                          | B1 B2 | B score
  r1 (lead)    5  5   4 | (5 + 5 + 2*4) / 4       = 4.5     |  4  5 | 4.5
  r2 (lead)    4  4   - | (4 + 4) / 2             = 4.0     |  3  - | 3.0
  r3 (front)   2  2   3 | (2 + 2 + 2*3) / 4       = 2.5     |  2  2 | 2.0
  r4 (front)   3  -   - | 1 of 3 answered (< half) = missing |  1  3 | 2.0

  A = mean(4.5, 4.0, 2.5) = 11/3 = 3.666667, n = 3,
      sd = sqrt((0.8333^2 + 0.3333^2 + 1.1667^2) / 2) = sqrt(1.083333) = 1.040833
  B = mean(4.5, 3, 2, 2) = 2.875, n = 4, sd = sqrt(4.1875 / 3) = sqrt(1.395833) = 1.181454
  overall = (1 * 3.666667 + 2 * 2.875) / 3 = 3.138889; index = 2.138889 / 4 * 100 = 53.472222
  rwg(A) = 1 - 1.083333 / ((5^2 - 1) / 12) = 1 - 1.083333 / 2 = 0.458333; rwg(B) = 0.302083
  alpha(A): complete cases r1, r3 only (2 < 3) -> null
  alpha(B): complete cases r1 (4,5), r3 (2,2), r4 (1,3): var(B1) = var(B2) = 2.333333,
            var(B1+B2) = var(9, 4, 4) = 8.333333 -> 2/1 * (1 - 4.666667/8.333333) = 0.88
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from cxassess.errors import CxError
from cxassess.io.read import read_responses
from cxassess.scoring.score import cronbach_alpha, rwg, score, score_file


@pytest.fixture
def mini_scores(mini_q, data_dir):
    return score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, group_by=["role"], min_group_size=2)


def test_dimension_scores_match_hand_computation(mini_scores):
    d = mini_scores.dimensions
    assert d.loc["A", "score"] == pytest.approx(11 / 3)
    assert d.loc["A", "n"] == 3
    assert d.loc["A", "sd"] == pytest.approx(math.sqrt(1.0833333333), rel=1e-9)
    assert d.loc["B", "score"] == pytest.approx(2.875)
    assert d.loc["B", "n"] == 4
    assert d.loc["B", "sd"] == pytest.approx(math.sqrt(4.1875 / 3))
    assert d.loc["A", "stage"] == 3 and d.loc["B", "stage"] == 2
    assert d.loc["A", "index"] == pytest.approx((11 / 3 - 1) / 4 * 100)


def test_respondent_scores_skip_missing_and_need_half_the_items(mini_scores):
    rs = mini_scores.respondent_scores
    assert rs.loc["r1", "A"] == pytest.approx(4.5)
    assert rs.loc["r2", "A"] == pytest.approx(4.0)
    assert rs.loc["r3", "A"] == pytest.approx(2.5)
    assert np.isnan(rs.loc["r4", "A"])
    assert list(rs["B"]) == pytest.approx([4.5, 3.0, 2.0, 2.0])


def test_overall_is_dimension_weighted(mini_scores):
    o = mini_scores.overall
    assert o["score"] == pytest.approx((11 / 3 + 2 * 2.875) / 3)
    assert o["index"] == pytest.approx(((11 / 3 + 2 * 2.875) / 3 - 1) / 4 * 100)
    assert (o["stage"], o["stage_name"]) == (3, "Three")
    assert mini_scores.respondents == 4


def test_alpha_rwg_and_consensus(mini_scores):
    d = mini_scores.dimensions
    assert np.isnan(d.loc["A", "alpha"])  # only two complete cases
    assert d.loc["B", "alpha"] == pytest.approx(0.88)
    assert d.loc["A", "rwg"] == pytest.approx(1 - 1.0833333333 / 2)
    assert d.loc["B", "rwg"] == pytest.approx(1 - (4.1875 / 3) / 2)
    assert bool(d.loc["A", "low_consensus"]) and bool(d.loc["B", "low_consensus"])


def test_item_statistics_use_reversed_values(mini_scores):
    items = mini_scores.items
    assert items.loc["A2", "mean"] == pytest.approx((5 + 4 + 2) / 3)
    assert items.loc["A2", "n"] == 3
    assert items.loc["A3", "mean"] == pytest.approx(3.5)
    assert items.loc["A3", "sd"] == pytest.approx(math.sqrt(0.5))
    assert items.loc["B2", "n"] == 3


def test_groups_and_suppression(mini_scores, mini_q, data_dir):
    g = mini_scores.groups["role"]  # min group size 2
    # lead = r1, r2: B = (4.5 + 3.0) / 2 = 3.75; front = r3, r4: B = (2 + 2) / 2 = 2.0
    assert g.loc["lead", "B"] == pytest.approx(3.75) and g.loc["front", "B"] == pytest.approx(2.0)
    # A: r4 has no A score, so front's A would be r3's alone (hidden), and lead's A = 4.25 would give
    # r3's away (3 x organisation A - 2 x lead A): hidden with it; the overalls would give A away too
    assert g[["A", "overall"]].isna().all().all() and not g["suppressed"].any()
    cells = mini_scores.suppression.cells
    assert cells == {("role", "front", "A"): "fewer than 2 respondents with a score for this dimension",
                     ("role", "lead", "A"): "hidden too, so that a smaller group cannot be worked out from the rest"}
    strict = score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, group_by=["role"])
    js = strict.to_dict()["groups"]["role"]
    assert js == {"front": {"respondents": 2, "suppressed": True, "reason": "fewer than 3 respondents"},
                  "lead": {"respondents": 2, "suppressed": True, "reason": "fewer than 3 respondents"}}


def test_targets_scores_and_stages(mini_q, data_dir, tmp_path):
    responses = read_responses(data_dir / "mini_long.csv", mini_q)
    s = score(responses, mini_q, targets={"A": 4.0, "B": "stage 4"})
    assert s.dimensions.loc["A", "gap"] == pytest.approx(4.0 - 11 / 3)
    assert s.dimensions.loc["B", "target"] == 4.0
    assert s.dimensions.loc["B", "gap"] == pytest.approx(1.125)
    f = tmp_path / "targets.yaml"
    f.write_text("default: Five\nA: {stage: 2}\n")
    s2 = score(responses, mini_q, targets=f)
    assert list(s2.dimensions["target"]) == [2.0, 4.5]
    csv = tmp_path / "targets.csv"
    csv.write_text("dimension,target\nA,3.5\n")
    s3 = score(responses, mini_q, targets=csv)
    assert s3.dimensions.loc["A", "target"] == 3.5 and np.isnan(s3.dimensions.loc["B", "target"])
    for bad, msg in (({"C": 3}, "'C' is not a dimension id"), ({"A": 9}, "outside the scale"),
                     ({"A": "stage 7"}, "stage 7 does not exist"), ({"A": "great"}, "not a score")):
        with pytest.raises(CxError, match=msg):
            score(responses, mini_q, targets=bad)


def test_json_contract(mini_scores):
    data = json.loads(mini_scores.to_json())
    assert data["respondents"] == 4
    assert set(data["overall"]) == {"score", "index", "stage", "stage_name"}
    a = data["dimensions"]["A"]
    assert set(a) >= {"name", "score", "index", "stage", "n", "sd", "alpha", "rwg", "low_consensus", "target", "gap"}
    assert a["alpha"] is None and a["target"] is None and a["gap"] is None
    assert a["low_consensus"] is True
    assert data["items"]["A3"] == {"mean": 3.5, "n": 2, "sd": pytest.approx(math.sqrt(0.5), abs=1e-6)}
    lead = data["groups"]["role"]["lead"]
    assert lead["respondents"] == 2 and lead["dimensions"] == {"A": None, "B": 3.75}


def test_wide_and_long_give_identical_scores(mini_q, data_dir):
    long = score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, ["role"], min_group_size=1)
    wide = score(read_responses(data_dir / "mini_wide.csv", mini_q), mini_q, ["role"], min_group_size=1)
    assert long.to_dict() == wide.to_dict()


def test_missing_values_in_every_dimension_are_null(mini_q, data_dir):
    s = score(read_responses(data_dir / "mini_bad_long.csv", mini_q, on_error="skip"), mini_q, min_group_size=1)
    # valid answers left: r1 A1=5; r3 A1=2, B1=2  -> A missing for everyone, B = 2.0 from r3 only
    assert s.respondents == 2
    assert np.isnan(s.dimensions.loc["A", "score"]) and s.dimensions.loc["A", "n"] == 0
    assert s.dimensions.loc["B", "score"] == 2.0 and np.isnan(s.dimensions.loc["B", "sd"])
    assert np.isnan(s.dimensions.loc["B", "rwg"]) and not s.dimensions.loc["B", "low_consensus"]
    assert s.overall["score"] == 2.0
    assert json.loads(s.to_json())["dimensions"]["A"]["score"] is None


def test_group_by_unknown_column_is_clear(mini_q, data_dir):
    with pytest.raises(CxError, match="cannot group by 'site'.*attributes in the file: role"):
        score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, group_by=["site"])


def test_alpha_and_rwg_helpers_edge_cases():
    assert np.isnan(cronbach_alpha(np.array([[1.0], [2.0], [3.0]])))  # one item
    assert np.isnan(cronbach_alpha(np.array([[3.0, 3.0]] * 4)))  # zero variance
    assert rwg(0.0, 5) == 1.0 and rwg(3.0, 5) == 0.0 and np.isnan(rwg(np.nan, 5))


def test_matches_a_plain_python_reference_on_demo_data():
    """Vectorised scores equal a slow, obvious implementation of the contract on real-sized data."""
    from cxassess._util.paths import DEMO_DIR
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    responses = read_responses(DEMO_DIR / "harbour-health-clinics.csv", q)
    s = score(responses, q)
    by_resp: dict[str, dict[str, float]] = {}
    for r in responses.answers.itertuples():
        if not math.isnan(r.value):
            by_resp.setdefault(r.respondent_id, {})[r.item_id] = r.value
    items = {i.id: i for i in q.items}
    for d in q.dimensions:
        ids = [i.id for i in q.items_of(d.id)]
        per_resp = []
        for answers in by_resp.values():
            got = [(6 - answers[i] if items[i].reverse else answers[i], items[i].weight) for i in ids if i in answers]
            if 2 * len(got) >= len(ids):
                per_resp.append(sum(v * w for v, w in got) / sum(w for _, w in got))
        mean = sum(per_resp) / len(per_resp)
        assert s.dimensions.loc[d.id, "score"] == pytest.approx(mean)
        assert s.dimensions.loc[d.id, "sd"] == pytest.approx(pd.Series(per_resp).std())


def test_suppression_is_complementary():
    from cxassess.scoring.suppression import suppressed_groups

    sizes = pd.Series({"a": 5, "b": 7, "c": 2})
    # c (2) is under 3; hidden people total 2 < 3, so the next-smallest shown group (a) is hidden too
    assert suppressed_groups(sizes, 3).to_dict() == {"a": True, "b": False, "c": True}
    # two small groups that together reach the minimum need no extra suppression
    assert suppressed_groups(pd.Series({"a": 2, "b": 2, "c": 9}), 3).to_dict() == {"a": True, "b": True, "c": False}
    assert not suppressed_groups(pd.Series({"a": 3, "b": 4}), 3).any()


def test_a_suppressed_group_cannot_be_recovered_by_subtraction():
    from cxassess._util.paths import DEMO_DIR

    # Acme: 16 front line, 7 managers, 5 leaders. With a minimum of 6 the leaders are hidden; if
    # the managers were shown, 28 * overall - 16 * front line - 7 * managers would give the
    # leaders' mean. So the managers are hidden too, and only the pooled 12 can be inferred.
    s = score_file(DEMO_DIR / "acme-utilities.csv", group_by=["role"], min_group_size=6)
    g = s.groups["role"]
    assert g["respondents"].to_dict() == {"front line": 16, "leadership": 5, "manager": 7}
    assert g["suppressed"].to_dict() == {"front line": False, "leadership": True, "manager": True}
    assert g.loc[["leadership", "manager"], "overall"].isna().all()


def test_coverage_counts_each_respondent_once(mini_q, tmp_path):
    path = tmp_path / "c.csv"
    # r4 answered nothing usable ("don't know" everywhere): a warning, not counted, and its
    # "don't know" answers are not part of the counted respondents' coverage
    path.write_text("respondent_id,A1,A2,A3,B1,B2\nr1,1,2,3,4,dk\nr2,2,,3,4,5\nr4,dk,dk,dk,dk,dk\n")
    r = read_responses(path, mini_q)
    s = score(r, mini_q)
    assert s.coverage["respondents_without_answers"] == 1
    assert s.coverage["dont_know"] == 1 and s.coverage["possible_answers"] == 10
    assert s.coverage["answers"] == 8 and s.coverage["answered_share"] == pytest.approx(0.8)


def test_non_finite_weights_are_refused(mini_q):
    from cxassess.errors import QuestionnaireError
    from cxassess.questionnaire.model import questionnaire_from_dict

    data = mini_q.to_dict()
    data["items"][0]["weight"] = float("inf")
    with pytest.raises(QuestionnaireError, match=r"items\[0\].weight"):
        questionnaire_from_dict(data)


def test_targets_csv_naming_a_dimension_twice(mini_q, data_dir, tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("dimension,target\nA,3\nA,4\n")
    with pytest.raises(CxError, match="row 3: dimension 'A' is given a target twice"):
        score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, targets=path)


def test_csv_output_holds_groups_as_tidy_rows(cli, data_dir):
    res = cli("score", data_dir / "mini_long.csv", "--questionnaire", data_dir / "mini.yaml",
              "--group-by", "role", "--min-group-size", "2", "--format", "csv")
    assert res.returncode == 0, res.stderr
    import io

    frame = pd.read_csv(io.StringIO(res.stdout))
    lead_b = frame[(frame["group_by"] == "role") & (frame["group"] == "lead") & (frame["dimension"] == "B")]
    assert lead_b["score"].item() == pytest.approx(3.75) and lead_b["respondents"].item() == 2
    lead_a = frame[(frame["group_by"] == "role") & (frame["group"] == "lead") & (frame["dimension"] == "A")]
    assert lead_a["score"].isna().all()  # it would give r3's A score away (see test_groups_and_suppression)
    assert frame.loc[frame["dimension"] == "overall", "score"].iloc[0] == pytest.approx((11 / 3 + 2 * 2.875) / 3)


def test_csv_output_without_groups(cli, data_dir):
    # mini_long.csv: 4 respondents; without --group-by the CSV is the organisation's rows only
    res = cli("score", data_dir / "mini_long.csv", "--questionnaire", data_dir / "mini.yaml", "--format", "csv")
    assert res.returncode == 0, res.stderr
    import io

    frame = pd.read_csv(io.StringIO(res.stdout))
    assert frame["group_by"].isna().all() and (frame["respondents"] == 4).all()  # blank = the organisation
    assert frame.loc[frame["dimension"] == "overall", "score"].iloc[0] == pytest.approx((11 / 3 + 2 * 2.875) / 3)


def test_targets_yaml_naming_a_dimension_twice(mini_q, data_dir, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("A: 3\nB: 2\nA: 4\n")
    with pytest.raises(CxError, match="line 3, column 1: the key 'A' is given twice"):
        score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, targets=path)


def test_out_over_the_input_file_is_refused(cli, data_dir, tmp_path):
    import shutil

    copy = tmp_path / "answers.csv"
    shutil.copy(data_dir / "mini_long.csv", copy)
    before = copy.read_bytes()
    res = cli("score", copy, "--questionnaire", data_dir / "mini.yaml", "--out", tmp_path / "." / "answers.csv")
    assert res.returncode == 1 and "is the input file itself" in res.stderr
    assert copy.read_bytes() == before


@pytest.mark.parametrize("args, message", [
    (["demo-data", "--out", "x", "--seed", "-1"], "argument --seed: must be at least 0, got -1"),
    (["score", "x.csv", "--min-group-size", "0"], "argument --min-group-size: must be at least 1, got 0"),
    (["batch", "m.csv", "--out", "o", "--timeout", "0"], "argument --timeout: must be at least 1, got 0"),
    (["batch", "m.csv", "--out", "o", "--workers", "two"], "argument --workers: expected a whole number, got 'two'"),
])
def test_numeric_options_are_checked_as_they_are_read(cli, args, message):
    res = cli(*args)
    assert res.returncode == 2 and message in res.stderr and "Traceback" not in res.stderr


def test_output_format_follows_the_out_extension(cli, data_dir, tmp_path):
    args = ("score", data_dir / "mini_long.csv", "--questionnaire", data_dir / "mini.yaml", "--out")
    assert cli(*args, tmp_path / "s.json").returncode == 0
    assert json.loads((tmp_path / "s.json").read_text(encoding="utf-8"))["respondents"] == 4
    assert cli(*args, tmp_path / "s.csv").returncode == 0
    assert (tmp_path / "s.csv").read_text(encoding="utf-8").startswith("group_by,group,dimension,")
    assert cli(*args, tmp_path / "s.txt").returncode == 0
    assert (tmp_path / "s.txt").read_text(encoding="utf-8").startswith("Respondents: 4")
    res = cli(*args, tmp_path / "s.xlsx")  # a text table in a workbook's name would not open
    assert res.returncode == 1 and "writes json, csv or a text table, not .xlsx" in res.stderr
    assert not (tmp_path / "s.xlsx").exists()


def test_a_file_where_the_output_folder_should_be(cli, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x", encoding="utf-8")
    res = cli("demo-data", "--out", blocker / "sub")
    assert res.returncode == 1 and "Traceback" not in res.stderr


def test_targets_yaml_with_a_merge_key(mini_q, data_dir, tmp_path):
    path = tmp_path / "t.yaml"
    path.write_text("base: &b {A: 3, B: 2}\ntargets:\n  <<: *b\n  B: 4\n")
    s = score(read_responses(data_dir / "mini_long.csv", mini_q), mini_q, targets=path)
    assert s.dimensions["target"].to_dict() == {"A": 3.0, "B": 4.0}


def test_responses_read_with_another_questionnaire_are_refused(mini_q):
    """Scoring the bundled questionnaire's answers against mini.yaml used to give 0 respondents and NaN scores."""
    from cxassess._util.paths import DEMO_DIR
    from cxassess.questionnaire.model import load_questionnaire

    bundled = load_questionnaire()
    responses = read_responses(DEMO_DIR / "acme-utilities.csv", bundled)
    with pytest.raises(CxError) as err:
        score(responses, mini_q)
    message = str(err.value)
    assert message.startswith(str(DEMO_DIR / "acme-utilities.csv"))
    assert f"read with questionnaire '{bundled.id}' version {bundled.version}" in message
    assert "not with questionnaire 'mini' version 0.1" in message
    assert ("Read the responses again with questionnaire 'mini', or score them against the questionnaire they were "
            "read with.") in message
    # responses that do not say which questionnaire they were read with: their item ids tell
    responses.questionnaire = None
    with pytest.raises(CxError, match=r"answer items that questionnaire 'mini' version 0\.1 does not have "
                                      r"\([A-Z]+\d, .* and \d+ more\): they were read with another questionnaire"):
        score(responses, mini_q)


def test_the_same_questionnaire_loaded_twice_is_the_same(mini_q, data_dir):
    from cxassess.questionnaire.model import load_questionnaire

    again = load_questionnaire(data_dir / "mini.yaml")
    assert again is not mini_q
    responses = read_responses(data_dir / "mini_long.csv", mini_q)
    expected = score(responses, mini_q).to_dict()
    assert score(responses, again).to_dict() == expected
    assert responses.questionnaire is mini_q
    responses.questionnaire = None
    assert score(responses, again).to_dict() == expected


def test_same_id_and_version_with_other_items_is_refused(mini_q, data_dir):
    from cxassess.questionnaire.model import questionnaire_from_dict

    data = mini_q.to_dict()
    data["items"] = [i for i in data["items"] if i["id"] != "B2"]
    fewer = questionnaire_from_dict(data)
    responses = read_responses(data_dir / "mini_long.csv", mini_q)
    responses.questionnaire = None  # not known: the answers' item ids tell
    with pytest.raises(CxError, match=r"items that questionnaire 'mini' version 0\.1 does not have \(B2\)"):
        score(responses, fewer)
    responses.questionnaire = mini_q
    with pytest.raises(CxError, match=r"whose items differ .*only in the one they were read with: B2"):
        score(responses, fewer)
    responses.questionnaire = fewer  # read with fewer items, scored against more: only the attribute can tell
    with pytest.raises(CxError, match=r"only in the one they are scored against: B2"):
        score(responses, mini_q)
