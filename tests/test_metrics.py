"""Customer metrics: NPS, CSAT and CES with their intervals, validation, breakdowns and the CLI.

Every expected number below is worked out by hand in the comment next to it
(z = 1.959964, z^2 = 3.841459).
"""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from cxassess.cli.main import main
from cxassess.demo.customers import SAMPLE_SURVEY, generate_customer_survey, write_customer_survey
from cxassess.errors import CxError, MetricsError
from cxassess.metrics.stats import ces_from_values, csat_from_values, nps_from_counts, nps_from_values, wilson_interval
from cxassess.metrics.summary import summarise, summarise_file


# --------------------------------------------------------------------------------------
# the statistics
# --------------------------------------------------------------------------------------
def test_nps_counts_shares_and_adjusted_wald_interval():
    # answers 10 9 9 8 7 6 3 0 10 9: promoters (9-10) = 5, passives (7-8) = 2, detractors (0-6) = 3, n = 10
    # NPS = 50% - 30% = 20
    # adjusted Wald: n' = 13, p' = 5.75/13 = 0.442308, d' = 3.75/13 = 0.288462, centre = 0.153846
    # var = (0.442308 + 0.288462 - 0.153846^2) / 13 = (0.730769 - 0.023669) / 13 = 0.054392
    # half = 1.959964 * sqrt(0.054392) = 1.959964 * 0.233222 = 0.457107
    # CI = 100 * (0.153846 -/+ 0.457107) = -30.326 .. 61.095
    r = nps_from_values(np.array([10, 9, 9, 8, 7, 6, 3, 0, 10, 9], dtype=float))
    assert (r.promoters, r.passives, r.detractors, r.n) == (5, 2, 3, 10)
    assert (r.promoters_pct, r.passives_pct, r.detractors_pct) == (50.0, 20.0, 30.0)
    assert r.score == pytest.approx(20.0)
    assert r.ci_low == pytest.approx(-30.326, abs=1e-3)
    assert r.ci_high == pytest.approx(61.095, abs=1e-3)


def test_nps_all_promoters_still_has_a_real_interval():
    # 5 promoters: plain Wald would give 100..100. Adjusted: n' = 8, p' = 5.75/8 = 0.71875, d' = 0.75/8 = 0.09375
    # centre = 0.625, var = (0.8125 - 0.390625) / 8 = 0.052734, half = 1.959964 * 0.229640 = 0.450087
    # CI = 62.5 -/+ 45.009 = 17.491 .. 107.509 -> clipped to 100
    r = nps_from_counts(5, 0, 0)
    assert r.score == 100.0
    assert r.ci_low == pytest.approx(17.491, abs=1e-3)
    assert r.ci_high == 100.0


def test_nps_interval_always_contains_the_observed_score():
    # one detractor: n' = 4, p' = 0.1875, d' = 0.4375, centre = -0.25, var = (0.625 - 0.0625)/4 = 0.140625
    # half = 1.959964 * 0.375 = 0.734987 -> -98.499 .. 48.499; the observed -100 lies outside, so the
    # interval is widened to start at -100.
    r = nps_from_counts(0, 0, 1)
    assert r.score == -100.0
    assert r.ci_low == -100.0
    assert r.ci_high == pytest.approx(48.499, abs=1e-3)


def test_nps_of_nobody_is_none_not_zero():
    r = nps_from_counts(0, 0, 0, unanswered=4)
    assert r.score is None and r.ci_low is None and r.n == 0 and r.unanswered == 4


def test_csat_top2_wilson_and_mean():
    # answers 5 4 4 3 2 5 1 4: top-2-box (4 or 5) = 5 of 8 = 62.5%; mean = 28 / 8 = 3.5
    # Wilson: z^2/n = 0.480182, denominator 1.480182, centre = (0.625 + 0.240091) / 1.480182 = 0.584448
    # half = 1.959964 / 1.480182 * sqrt(0.625 * 0.375 / 8 + 3.841459 / 256)
    #      = 1.324138 * sqrt(0.029297 + 0.015006) = 1.324138 * 0.210482 = 0.278707
    # CI = 30.574 .. 86.316
    r = csat_from_values(np.array([5, 4, 4, 3, 2, 5, 1, 4], dtype=float))
    assert r.top2_pct == 62.5 and r.mean == 3.5 and r.n == 8
    assert r.ci_low == pytest.approx(30.574, abs=1e-3)
    assert r.ci_high == pytest.approx(86.316, abs=1e-3)


def test_wilson_interval_at_the_edges_stays_inside_0_1():
    # 0 of 10: centre = (0 + 0.192073) / 1.384146 = 0.138766 = half -> 0 .. 0.277533
    low, high = wilson_interval(0, 10)
    assert low == 0.0
    assert high == pytest.approx(0.277533, abs=1e-5)


def test_ces_mean_t_interval_and_easy_share():
    # answers 7 6 5 4 2: mean 24/5 = 4.8; squared deviations 4.84 1.44 0.04 0.64 7.84 = 14.8
    # s = sqrt(14.8 / 4) = 1.923538, se = 1.923538 / sqrt(5) = 0.860233, t(0.975, 4) = 2.776445
    # half = 0.860233 * 2.776445 = 2.388388 -> 2.411612 .. 7.188388; easy (5-7) = 3 of 5 = 60%
    r = ces_from_values(np.array([7, 6, 5, 4, 2], dtype=float))
    assert r.mean == pytest.approx(4.8) and r.easy_pct == 60.0 and r.n == 5
    assert r.ci_low == pytest.approx(2.411612, abs=1e-5)
    assert r.ci_high == pytest.approx(7.188388, abs=1e-5)


def test_ces_single_answer_has_no_interval():
    r = ces_from_values(np.array([6.0]))
    assert r.mean == 6.0 and r.ci_low is None and r.ci_high is None


# --------------------------------------------------------------------------------------
# summarise: parsing, blanks, errors
# --------------------------------------------------------------------------------------
def _survey() -> pd.DataFrame:
    return pd.DataFrame({
        "NPS": ["10", "9", "8", "7", "6", "0", "", "n/a", "9"],
        "sat": [5, 4, 3, 2, 1, 5, "4", "", None],
        "effort": [7, 6, 5, 4, 3, 2, 1, "", 7],
        "seg": ["a", "a", "a", "b", "b", "b", "c", "c", ""],
    })


def test_summarise_counts_blanks_as_unanswered_and_matches_the_pure_functions():
    s = summarise(_survey(), nps="NPS", csat="sat", ces="effort")
    # NPS answers 10 9 8 7 6 0 9 -> P 3, passives 2, D 2, n 7; "" and "n/a" unanswered -> 2
    assert (s.nps.promoters, s.nps.passives, s.nps.detractors, s.nps.n, s.nps.unanswered) == (3, 2, 2, 7, 2)
    assert s.nps.score == pytest.approx(100 * (3 - 2) / 7)
    # CSAT answers 5 4 3 2 1 5 4 -> top-2 = 4 of 7; blanks "" and None -> 2 unanswered
    assert (s.csat.n, s.csat.unanswered) == (7, 2)
    assert s.csat.top2_pct == pytest.approx(400 / 7)
    assert s.csat.mean == pytest.approx(24 / 7)
    # CES 7 6 5 4 3 2 1 7 -> mean 35/8, easy 7 6 5 7 = 4 of 8
    assert (s.ces.n, s.ces.unanswered, s.ces.easy_pct) == (8, 1, 50.0)
    assert s.ces.mean == pytest.approx(35 / 8)
    # 9 rows, but row 9 (n/a, blank, blank) answered nothing: 8 respondents with an answer
    assert s.respondents == 8 and s.dropped == []
    assert s.columns == {"nps": "NPS", "csat": "sat", "ces": "effort"}


def test_no_answer_means_the_same_here_as_in_the_culture_survey():
    from cxassess.io.values import ValueReader
    from cxassess.questionnaire.model import load_questionnaire

    words = ["", "n/a", "N.A.", "nan", "None", "null", "-", "?", "DK", "Don't know", "don’t know.", "do not know",
             "Not applicable", "Don't know / not applicable", "Not sure", "Prefer not to say", "No answer",
             "  Don't   Know "]
    reader = ValueReader(load_questionnaire())
    assert all(reader.read(w).status in ("blank", "dont_know") for w in words)
    df = pd.DataFrame({"nps": words + ["9", "10", "3"]})
    s = summarise(df, nps="nps")
    # every word is unanswered (none is an error); the three numbers are answers: P 2, D 1 of 3
    # (rows that are entirely blank, "" here, are not respondents: one fewer unanswered)
    assert s.dropped == [] and s.nps.n == 3 and s.nps.score == pytest.approx(100 / 3)
    assert s.nps.unanswered == len(words) - 1
    # a word that is neither an answer nor "no answer" is still an error, named by row and column
    with pytest.raises(MetricsError, match=r"row 2, column 'nps': 'maybe' is not a number"):
        summarise(pd.DataFrame({"nps": ["maybe", "9"]}), nps="nps")


def test_only_requested_measures_are_computed():
    s = summarise(_survey(), nps="NPS")
    assert s.csat is None and s.ces is None and s.breakdown is None


def test_invalid_values_raise_with_row_and_column():
    df = pd.DataFrame({"nps": ["9", "11", "seven", "7.5", ""], "csat": ["4", "0", "5", "3", "6"]})
    with pytest.raises(MetricsError) as info:
        summarise(df, nps="nps", csat="csat", source="survey.csv")
    problems = [(p.row, p.column) for p in info.value.problems]
    # header is row 1, so the second data row ("11") is row 3
    assert problems == [(3, "nps"), (3, "csat"), (4, "nps"), (5, "nps"), (6, "csat")]
    text = str(info.value)
    assert "survey.csv, row 3, column 'nps': 11 is off the NPS scale" in text
    assert "'seven' is not a number" in text and "7.5 is not a whole number" in text
    assert "nothing was summarised" in text
    assert isinstance(info.value, CxError)


def test_skip_drops_bad_cells_records_them_and_keeps_the_rest():
    df = pd.DataFrame({"nps": ["9", "11", "seven", "3", ""], "csat": ["4", "4", "5", "3", "6"]})
    s = summarise(df, nps="nps", csat="csat", on_error="skip")
    assert [(p.row, p.column) for p in s.dropped] == [(3, "nps"), (4, "nps"), (6, "csat")]
    # valid NPS: 9, 3 -> n 2 (dropped cells are neither answers nor unanswered); blank row 6 -> 1 unanswered
    assert (s.nps.n, s.nps.unanswered, s.nps.score) == (2, 1, 0.0)
    # the row with a bad NPS keeps its valid CSAT: 4 4 5 3 -> 3 of 4 top-2
    assert (s.csat.n, s.csat.top2_pct) == (4, 75.0)


def test_repeated_respondent_ids_are_refused_with_every_row_named(data_dir):
    # qa_metrics_repeated_ids.csv: response_id C2 on rows 3, 5 and 9 (header = row 1); rows 7 and 8 have
    # a blank id (not compared). Before this check the three C2 rows were all counted (NPS n 9, score 0).
    with pytest.raises(MetricsError) as info:
        summarise_file(data_dir / "qa_metrics_repeated_ids.csv", nps="nps", csat="csat", source="survey.csv")
    assert [(p.row, p.column) for p in info.value.problems] == [
        (3, "response_id"), (5, "response_id"), (9, "response_id")]
    text = str(info.value)
    assert "survey.csv, row 3, column 'response_id': respondent 'C2' appears in 3 rows (3, 5, 9)" in text
    assert "row 5, column 'response_id': respondent 'C2' appears in 3 rows (3, 5, 9)" in text


def test_skip_leaves_out_every_row_of_a_repeated_respondent(data_dir):
    s = summarise_file(data_dir / "qa_metrics_repeated_ids.csv", nps="nps", csat="csat", on_error="skip")
    assert [(p.row, p.column) for p in s.dropped] == [(3, "response_id"), (5, "response_id"), (9, "response_id")]
    # kept rows 2 4 6 7 8 10: NPS 10 3 0 8 8 7 -> P 1, passives 3, D 2, n 6; NPS = 100 * (1 - 2) / 6 = -16.667
    assert (s.nps.promoters, s.nps.passives, s.nps.detractors, s.nps.n) == (1, 3, 2, 6)
    assert s.nps.score == pytest.approx(-100 / 6)
    # CSAT 5 2 1 3 3 and a blank -> n 5, unanswered 1, top-2 = 1 of 5 = 20%
    assert (s.csat.n, s.csat.unanswered, s.csat.top2_pct) == (5, 1, 20.0)
    assert s.respondents == 6
    assert "Dropped 3 invalid answer(s) or repeated respondent row(s)" in s.to_table()


def test_respondent_id_column_is_found_by_its_usual_spellings_and_absent_means_no_check():
    answers = {"nps": ["10", "9", "3", "9"]}
    for header in ("Response ID", "ResponseId", "respondent_id", "Participant"):
        df = pd.DataFrame({header: ["a", "b", "c", "b"], **answers})
        with pytest.raises(MetricsError, match=rf"row 5, column '{header}': respondent 'b' appears in 2 rows \(3, 5\)"):
            summarise(df, nps="nps")
    # no id column: rows are just rows, as before: P 3 (10 9 9), D 1 (3) of 4 -> NPS 50
    s = summarise(pd.DataFrame(answers), nps="nps")
    assert s.dropped == [] and s.nps.n == 4 and s.nps.score == 50.0


def test_cli_metrics_refuses_repeated_respondent_ids(data_dir, capsys):
    assert main(["metrics", str(data_dir / "qa_metrics_repeated_ids.csv"), "--nps", "nps"]) == 1
    err = capsys.readouterr().err
    assert "row 9, column 'response_id': respondent 'C2' appears in 3 rows (3, 5, 9)" in err
    assert "Traceback" not in err


def test_missing_column_and_no_column_are_clear_errors():
    with pytest.raises(CxError, match="no column 'likely' for the NPS answers; the columns are: NPS, sat"):
        summarise(_survey(), nps="likely")
    with pytest.raises(CxError,
                       match=r"name at least one customer-metric column.*\(columns: likely, sat, effort, seg\)"):
        summarise(_survey().rename(columns={"NPS": "likely"}))
    with pytest.raises(CxError, match="on_error"):
        summarise(_survey(), nps="NPS", on_error="ignore")
    with pytest.raises(CxError, match="min_group_size"):
        summarise(_survey(), nps="NPS", min_group_size=0)


def test_without_column_names_the_default_columns_are_used():
    # only "NPS" matches a default name (any case); sat and effort are not guessed
    s = summarise(_survey())
    assert s.columns == {"nps": "NPS"} and s.csat is None and s.ces is None
    assert s.nps.n == 7


def test_duplicate_column_names_are_refused():
    df = pd.DataFrame([["9", "8"]], columns=["nps", " nps"])
    with pytest.raises(CxError, match=r"'nps' in columns 1 \(A\) and 2 \(B\)"):
        summarise(df, nps="nps")


def test_a_file_naming_two_columns_alike_is_refused(tmp_path):
    # pandas would read the second 'nps' as 'nps.1' and silently ignore it
    csv = tmp_path / "twice.csv"
    csv.write_text("nps,segment,nps\n9,a,0\n10,b,1\n", encoding="utf-8")
    with pytest.raises(CxError) as info:
        summarise_file(csv)
    assert str(info.value).startswith(f"{csv}: the header names more than one column alike: "
                                      "'nps' in columns 1 (A) and 3 (C).")
    with pytest.raises(CxError, match=r"'nps' in columns 1 \(A\) and 3 \(C\)"):
        summarise_file(csv, nps="nps", by="segment")
    xlsx = tmp_path / "twice.xlsx"
    pd.DataFrame([[9, "a", 5, 0], [10, "b", 4, 1]], columns=["nps", "seg", "csat", "x"]).rename(
        columns={"x": "csat"}).to_excel(xlsx, index=False)
    with pytest.raises(CxError, match=r"twice.xlsx: .*'csat' in columns 3 \(C\) and 4 \(D\)"):
        summarise_file(xlsx, nps="nps")


def test_blank_header_cells_at_the_edge_are_not_repeats(tmp_path):
    # spreadsheet exports often end rows with empty columns: two blank names are not a clash
    csv = tmp_path / "edge.csv"
    csv.write_text("nps,seg,,\n9,a,,\n10,b,,\n0,b,,\n", encoding="utf-8")
    s = summarise_file(csv, nps="nps")
    # 9 10 0: promoters 2, detractors 1 of 3 -> 100 * 1 / 3
    assert s.nps.n == 3 and s.nps.score == pytest.approx(100 / 3)


def test_column_names_match_case_insensitively():
    assert summarise(_survey(), nps="nps").columns == {"nps": "NPS"}


def test_entirely_empty_rows_are_ignored_but_row_numbers_stay_true():
    df = pd.DataFrame({"nps": ["9", "", "x"], "seg": ["a", "", "b"]})
    with pytest.raises(MetricsError) as info:
        summarise(df, nps="nps")
    assert info.value.problems[0].row == 4


# --------------------------------------------------------------------------------------
# breakdown
# --------------------------------------------------------------------------------------
def test_breakdown_by_segment_with_suppression():
    s = summarise(_survey(), nps="NPS", csat="sat", ces="effort", by="seg")
    b = s.breakdown
    assert list(b.columns) == ["n", "suppressed", "nps", "csat", "ces"]
    # segments sorted, with the blank segment last as "(not given)"
    assert list(b.index) == ["a", "b", "c", "(not given)"]
    # respondents with an answer: a 3, b 3, c 1 (the other c row is n/a everywhere), (not given) 1
    # c and (not given) are under 3; together they hold 2 < 3 people, so the smallest shown segment
    # is hidden too (a and b both hold 3: the first, a); hidden now 3 + 1 + 1 = 5 >= 3
    assert b["n"].to_dict() == {"a": 3, "b": 3, "c": 1, "(not given)": 1}
    assert b["suppressed"].to_dict() == {"a": True, "b": False, "c": True, "(not given)": True}
    assert b.loc[["a", "c", "(not given)"], ["nps", "csat", "ces"]].isna().all().all()
    # b: NPS 7 6 0 -> 0 P, 2 D = -66.67; CSAT 2 1 5 -> 1 of 3 = 33.33; CES 4 3 2 -> 3.0
    # (per measure the hidden cells hold NPS 3 + 0 + 1, CSAT 3 + 1 + 0, CES 3 + 1 + 1 answers: all >= 3)
    assert b.loc["b", "nps"] == pytest.approx(-200 / 3)
    assert b.loc["b", "csat"] == pytest.approx(100 / 3)
    assert b.loc["b", "ces"] == pytest.approx(3.0)
    d = s.to_dict()["breakdown"]
    assert d["segments"][2] == {"segment": "c", "n": 1, "suppressed": True}
    assert d["segments"][0] == {"segment": "a", "n": 3, "suppressed": True}


def _segments(sizes: dict[str, int], nps: dict[str, list[str]] | None = None) -> pd.DataFrame:
    """One row per respondent: seg, and an NPS answer (10 unless given per segment)."""
    rows = []
    for seg, n in sizes.items():
        answers = (nps or {}).get(seg, ["10"] * n)
        rows += [{"seg": seg, "nps": a} for a in answers]
    return pd.DataFrame(rows)


def test_breakdown_suppression_is_complementary():
    # sizes a 5, b 7, c 2, minimum 3: c is hidden (2 < 3); hidden alone it holds 2 < 3 people, and
    # overall NPS with a and b shown would give c's away, so the next-smallest shown, a (5), goes too
    df = _segments({"a": 5, "b": 7, "c": 2}, nps={"b": ["10", "10", "9", "8", "7", "6", "0"], "c": ["0", "0"]})
    b = summarise(df, nps="nps", by="seg").breakdown
    assert b["suppressed"].to_dict() == {"a": True, "b": False, "c": True}
    # b: promoters 10 10 9 = 3, detractors 6 0 = 2 of 7 -> 100 * 1 / 7 = 14.29
    assert b.loc["b", "nps"] == pytest.approx(100 / 7)
    assert b.loc[["a", "c"], "nps"].isna().all()
    # a fourth segment d (8) stays shown: c + a hold 7 >= 3
    df = _segments({"a": 5, "b": 7, "c": 2, "d": 8})
    b = summarise(df, nps="nps", by="seg").breakdown
    assert b["suppressed"].to_dict() == {"a": True, "b": False, "c": True, "d": False}
    assert b.loc[["b", "d"], "nps"].tolist() == [100.0, 100.0]


def test_breakdown_a_measure_left_empty_cannot_be_worked_out_from_the_others():
    # three segments of 4, every NPS answered; CSAT answered by x 2, y 4, z 3 (blanks are unanswered)
    df = pd.DataFrame({
        "seg": ["x"] * 4 + ["y"] * 4 + ["z"] * 4,
        "nps": ["10"] * 12,
        "csat": ["5", "5", "", "", "4", "4", "4", "2", "1", "1", "1", ""],
    })
    s = summarise(df, nps="nps", csat="csat", by="seg")
    b = s.breakdown
    assert not b["suppressed"].any() and b["nps"].tolist() == [100.0, 100.0, 100.0]
    # CSAT: x's 2 answers are too few; overall CSAT (n 9) minus y and z would give x's away, so the
    # smallest other CSAT cell, z (3), is left empty too; y shown: 4 4 4 2 -> 3 of 4 = 75
    assert math.isnan(b.loc["x", "csat"]) and math.isnan(b.loc["z", "csat"])
    assert b.loc["y", "csat"] == 75.0
    # overall CSAT: 5 5 4 4 4 2 1 1 1 -> top-2 = 5 of 9
    assert s.csat.n == 9 and s.csat.top2_pct == pytest.approx(500 / 9)


def test_table_explains_complementary_suppression():
    text = summarise(_survey(), nps="NPS", csat="sat", ces="effort", by="seg").to_table()
    assert "the next-smallest where needed so none can be worked out from the totals" in text
    # a is hidden alongside c and (not given); b's NPS 7 6 0 -> -66.7 is shown
    lines = {line.split()[0]: line.split()[1:] for line in text.splitlines()[-4:]}
    assert lines["a"] == ["3", "suppressed", "suppressed", "suppressed"]
    assert lines["b"] == ["3", "-66.7", "33.3", "3.00"]


def test_breakdown_cells_already_hidden_cover_a_small_measure_cell():
    # sizes a 5, b 7, c 2, d 8 -> a and c suppressed (hidden: 7 people, all answered CSAT);
    # b's CSAT has 2 answers: hidden, and what is hidden already (7 >= 3) covers it, so d stays shown
    df = pd.DataFrame({
        "seg": ["a"] * 5 + ["b"] * 7 + ["c"] * 2 + ["d"] * 8,
        "nps": ["9"] * 22,
        "csat": ["5"] * 5 + ["5", "4"] + [""] * 5 + ["1"] * 2 + ["5", "5", "5", "5", "1", "1", "1", "1"],
    })
    b = summarise(df, nps="nps", csat="csat", by="seg").breakdown
    assert b["suppressed"].to_dict() == {"a": True, "b": False, "c": True, "d": False}
    assert b.loc["b", "nps"] == 100.0 and math.isnan(b.loc["b", "csat"])
    assert b.loc["d", "csat"] == 50.0  # 4 of 8 answered 5


def test_breakdown_leaves_a_measure_empty_when_too_few_answered_it():
    df = pd.DataFrame({"nps": ["9", "9", "9", "9"], "csat": ["5", "", "", "4"], "seg": ["x"] * 4})
    b = summarise(df, nps="nps", csat="csat", by="seg").breakdown
    assert b.loc["x", "nps"] == 100.0
    assert math.isnan(b.loc["x", "csat"])  # only 2 CSAT answers < 3


# --------------------------------------------------------------------------------------
# files, JSON, the bundled sample
# --------------------------------------------------------------------------------------
def test_to_dict_is_json_ready(tmp_path):
    s = summarise(_survey(), nps="NPS", csat="sat", ces="effort", by="seg")
    data = json.loads(s.to_json())
    assert data["nps"]["promoters"] == 3 and data["csat"]["n"] == 7
    assert data["breakdown"]["by"] == "seg" and data["dropped"] == []
    assert "adjusted Wald" in data["methods"]["nps"]


def test_summarise_file_reads_excel_with_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "survey.xlsx"
    pd.DataFrame({"nps": [9, 12, 3]}).to_excel(path, index=False)
    with pytest.raises(MetricsError, match=r"survey.xlsx, row 3, column 'nps': 12 is off the NPS scale"):
        summarise_file(path, nps="nps")


def test_bundled_sample_survey_is_the_generator_output(tmp_path):
    fresh = write_customer_survey(tmp_path / "s.csv")
    assert fresh.read_bytes() == SAMPLE_SURVEY.read_bytes()


def test_bundled_sample_survey_has_the_promised_shape():
    raw = pd.read_csv(SAMPLE_SURVEY, dtype=str, keep_default_na=False)
    assert {"nps", "csat", "ces", "segment", "touchpoint"} <= set(raw.columns)
    assert (raw[["nps", "csat", "ces"]] == "").sum().min() > 0  # some blanks in every measure
    s = summarise_file(SAMPLE_SURVEY, nps="nps", csat="csat", ces="ces", by="segment")
    assert s.dropped == [] and s.nps.n + s.nps.unanswered == len(raw)
    assert s.breakdown.loc["Public sector", "suppressed"]
    # the hand computation on the raw file agrees with the package
    nps = pd.to_numeric(raw["nps"].replace("", np.nan)).dropna()
    assert s.nps.score == pytest.approx(100 * ((nps >= 9).mean() - (nps <= 6).mean()))


def test_generator_is_deterministic_and_seed_dependent():
    assert generate_customer_survey(50, seed=1).equals(generate_customer_survey(50, seed=1))
    assert not generate_customer_survey(50, seed=1).equals(generate_customer_survey(50, seed=2))


# --------------------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------------------
def test_cli_metrics_json(capsys):
    code = main(["metrics", str(SAMPLE_SURVEY), "--nps", "nps", "--csat", "csat", "--ces", "ces",
                 "--by", "touchpoint", "--format", "json"])
    assert code == 0
    data = json.loads(capsys.readouterr().out)
    expected = summarise_file(SAMPLE_SURVEY, nps="nps", csat="csat", ces="ces", by="touchpoint").to_dict()
    assert data == json.loads(json.dumps(expected))
    assert {seg["segment"] for seg in data["breakdown"]["segments"]} == {
        "Delivery", "Mobile app", "Phone", "Store", "Website"}


def test_cli_metrics_table(capsys):
    assert main(["metrics", str(SAMPLE_SURVEY), "--nps", "nps", "--by", "segment", "--min-group-size", "5"]) == 0
    out = capsys.readouterr().out
    assert "NPS" in out and "95% CI" in out and "By segment" in out and "suppressed" in out
    assert "CSAT" not in out


def test_cli_metrics_errors_exit_1_with_row_and_column(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text("nps,csat\n11,3\n,x\n5,4\n", encoding="utf-8")
    assert main(["metrics", str(path), "--nps", "nps", "--csat", "csat"]) == 1
    err = capsys.readouterr().err
    assert "row 2, column 'nps': 11 is off the NPS scale" in err
    assert "row 3, column 'csat': 'x' is not a number" in err
    assert "Traceback" not in err
    assert main(["metrics", str(path), "--nps", "nps", "--csat", "csat", "--on-error", "skip", "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert "2 problem(s); the answers or rows they name were left out" in captured.err
    data = json.loads(captured.out)
    assert [(d["row"], d["column"]) for d in data["dropped"]] == [(2, "nps"), (3, "csat")]
    assert data["nps"]["n"] == 1 and data["nps"]["unanswered"] == 1


def test_cli_metrics_uses_the_default_columns(capsys, tmp_path):
    assert main(["metrics", str(SAMPLE_SURVEY), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["columns"] == {"nps": "nps", "csat": "csat", "ces": "ces"}
    other = tmp_path / "other.csv"
    other.write_text("likely,happy\n9,4\n", encoding="utf-8")
    assert main(["metrics", str(other)]) == 1
    assert "name at least one customer-metric column" in capsys.readouterr().err


def test_one_id_repeated_many_times_is_reported_cheaply():
    # 20,000 rows all saying "anonymous": one message per id, the row list cut after six
    frame = pd.DataFrame({"respondent": ["anonymous"] * 20000, "nps": ["9"] * 20000})
    with pytest.raises(MetricsError) as info:
        summarise(frame, nps="nps")
    assert "respondent 'anonymous' appears in 20000 rows (2, 3, 4, 5, 6, 7 and 19994 more)" in str(info.value)


def test_digits_of_other_scripts_count_as_in_the_culture_survey():
    # Arabic-Indic 9, full-width 1 and 10: promoters 9 and 10 (2 of 3), detractor 1 (1 of 3): NPS 100/3
    s = summarise(pd.DataFrame({"nps": ["\u0669", "\uff11", "10"]}), nps="nps")
    assert s.dropped == [] and s.nps.n == 3 and s.nps.score == pytest.approx(100 / 3)
