"""Files written to break the readers (issue 18): each is read, or refused with a located error, never a traceback.

Every case here was a traceback, a silent loss or a runaway allocation before its fix; the fuzz tests
(tests/test_fuzz.py) keep looking for new ones.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cxassess.errors import MetricsError, ResponsesError
from cxassess.io.read import read_responses
from cxassess.metrics.summary import summarise, summarise_file


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --------------------------------------------------------------------------------------
# item 3: numbers that are not finite in a customer-metric cell
# --------------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["inf", "1e999", "-inf", "-1e999", "Infinity", "+inf"])
def test_an_infinite_customer_metric_is_a_located_error(cell, tmp_path):
    path = _write(tmp_path / "survey.csv", f"respondent_id,nps\na,9\nb,{cell}\nc,7\n")
    with pytest.raises(MetricsError) as caught:
        summarise_file(path, nps="nps")
    problems = caught.value.problems
    assert [(p.row, p.column) for p in problems] == [(3, "nps")]
    assert f"'{cell}' is not a finite number" in problems[0].message
    assert str(path) in str(caught.value)
    kept = summarise(pd.DataFrame({"nps": ["9", cell, "7"]}), on_error="skip", source="s.csv")
    assert kept.nps is not None and kept.nps.n == 2 and [p.row for p in kept.dropped] == [3]


def test_an_infinite_culture_answer_is_off_the_scale(mini_q, tmp_path):
    path = _write(tmp_path / "r.csv", "respondent_id,A1,A2\nr1,1e999,4\nr2,-inf,3\n")
    with pytest.raises(ResponsesError) as caught:
        read_responses(path, mini_q)
    assert [(p.row, p.column) for p in caught.value.problems] == [(2, "A1"), (3, "A1")]
    assert all("off the scale" in p.message for p in caught.value.problems)
