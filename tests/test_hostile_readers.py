"""Files written to break the readers (issue 18): each is read, or refused with a located error, never a traceback.

Every case here was a traceback, a silent loss or a runaway allocation before its fix; the fuzz tests
(tests/test_fuzz.py) keep looking for new ones.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
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


# --------------------------------------------------------------------------------------
# item 5: one huge cell must not make a fixed-width grid of every cell
# --------------------------------------------------------------------------------------
_HUGE_CELL_CHILD = """
import json, resource, sys
from cxassess.io.read import read_responses
from cxassess.io.survey_import import import_export
path = sys.argv[1]
imported = import_export(path, on_error="skip")
responses = read_responses(path, on_error="skip")
print(json.dumps({
    "imported": imported.report.respondents,
    "problems": [[p.row, p.column, len(p.message)] for p in imported.report.problems],
    "respondents": responses.respondent_count, "answers": int(responses.answers["value"].notna().sum()),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def test_one_huge_cell_in_a_large_google_forms_export_is_read_with_bounded_memory(tmp_path):
    from cxassess.questionnaire.model import load_questionnaire

    q = load_questionnaire()
    path = tmp_path / "form.csv"
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["Timestamp", *(i.text for i in q.items), "What is your role?"])
        for n in range(10_000):
            answers = [str(1 + (n + k) % 5) for k in range(len(q.items))]
            if n == 5:
                answers[2] = "é" * 130_000  # pasted into a statement's column: 130,000 characters
            out.writerow([f"2026/01/0{1 + n // 86400} {n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}", *answers,
                          "Manager"])
    done = subprocess.run([sys.executable, "-c", _HUGE_CELL_CHILD, str(path)], capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    got = json.loads(done.stdout)
    assert got["imported"] == 10_000 and got["respondents"] == 10_000
    assert got["answers"] == 10_000 * len(q.items) - 1
    column = q.items[2].text
    assert [p[:2] for p in got["problems"]] == [[7, column]]
    assert got["problems"][0][2] < 400  # the message shows the start of the cell, not all of it
    assert got["peak_mb"] < 700, got  # a <U130000 grid of 10,000 x 40 cells would need 194 GiB
