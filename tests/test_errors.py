"""Every error type lives in cxassess.errors and survives pickling (batch workers hand them between processes)."""

from __future__ import annotations

import pickle

import pytest

from cxassess import errors
from cxassess.errors import (
    CxError,
    MetricsError,
    Problem,
    QuestionnaireError,
    ResponsesError,
    SessionError,
    SurveyImportError,
    check_on_error,
)


@pytest.mark.parametrize("error", [
    ResponsesError("a.csv", [Problem("a.csv", 3, "value", "'seven' is not a number")]),
    MetricsError("s.csv", [Problem("s.csv", 2, "nps", "11 is off the scale")]),
    QuestionnaireError("q.yaml", ["items[0].dimension: 'x' is not a dimension id"]),
    SurveyImportError("export.csv: no question matched", report={"columns": 3}),
    SessionError("s.sqlite: busy"),
])
def test_errors_pickle_with_their_details(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
    assert getattr(back, "problems", None) == getattr(error, "problems", None)
    assert getattr(back, "report", None) == getattr(error, "report", None)


def test_problem_says_where():
    assert str(Problem("a.csv", 14, "value", "not a number")) == "a.csv, row 14, column 'value': not a number"
    assert str(Problem("a.csv", None, None, "empty")) == "a.csv: empty"


def test_one_on_error_check():
    assert check_on_error("skip") == "skip"
    with pytest.raises(CxError, match="on_error must be 'raise' or 'skip', got 'ignore'"):
        check_on_error("ignore")


def test_every_error_type_is_a_cxerror_defined_here():
    for name in errors.__all__:
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, CxError) and obj.__module__ == "cxassess.errors"
