"""The teaching notebook as an nbgrader assignment: solution cells, autograder tests, no solutions for learners.

:func:`write_assignment` writes ``COURSE/source/<assignment>/teaching.ipynb``, the instructor's
version nbgrader starts from. Each exercise's answer lines become a solution cell holding the worked
answer between nbgrader's ``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers (``nbgrader
generate_assignment`` replaces them with a stub in the learners' copy); the exercise's ``check_...``
call stays as a locked cell, so learners still get feedback; and a locked autograder cell asserts
the same check, so ``nbgrader autograde`` grades with the very rules the learners were coached by.
The notebook's ``show_solution`` cells and its ``show_solutions`` parameter are left out.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cxassess.errors import CxError
from cxassess.teach.documents import TEACHING_NOTEBOOK


@dataclass(frozen=True)
class GradedExercise:
    """One exercise cell of the notebook: its answer lines, the worked answer, and the check to assert."""

    cell_id: str
    solution: str  # the name in templates/teach/solutions.yaml, or "action_plan"
    steps: tuple[int, ...]  # which steps of that solution answer this cell
    check: str  # the autograder's assertion (the notebook's own check)
    points: int


EXERCISES = (
    GradedExercise("ex1-nps-groups", "nps", (0,), "ex.check_nps_groups(my_promoters, my_passives, my_detractors, "
                   "survey)", 2),
    GradedExercise("ex1-nps", "nps", (1,), "ex.check_nps(my_nps, survey)", 1),
    GradedExercise("ex1-csat", "csat", (0,), "ex.check_csat(my_csat, survey)", 1),
    GradedExercise("ex2-heatmap", "heatmap", (0, 1), "ex.check_weakest_dimension(my_weakest, culture) and "
                   "ex.check_widest_gap(my_widest_gap, culture)", 2),
    GradedExercise("ex3-plan", "action_plan", (0,), "ex.check_action_plan(my_plan, culture)", 4),
)


GRADED_NOTE = ("Each exercise has a `check_...()` cell that says whether your answer is right and, if not, the "
               "most likely reason. This copy is an nbgrader assignment: a hidden test grades each exercise "
               "with the same check when you submit.")


def _meta(grade_id: str, *, solution: bool = False, grade: bool = False, locked: bool = False,
          points: int = 0) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return {"nbgrader": meta}


def _answer_and_check(source: str) -> tuple[str, str]:
    """Split an exercise cell into its answer lines (``my_x = ...``) and the rest (the check)."""
    lines = source.splitlines()
    last_answer = max(i for i, line in enumerate(lines) if re.match(r"^\s*my_\w+\s*=|^\]\)$|^\s+\{", line))
    return "\n".join(lines[: last_answer + 1]), "\n".join(lines[last_answer + 1:])


def _worked_code(exercise: GradedExercise, survey: Any, culture: Any, today: dt.date) -> str:
    from cxassess.teach.exercises import worked_solution

    kind = {"survey": survey} if exercise.solution in ("nps", "csat") else {"culture": culture}
    steps = worked_solution(exercise.solution, today=today, **kind)
    return "\n".join(steps[i].code.rstrip() for i in exercise.steps)


def assignment_notebook(notebook: str | Path = TEACHING_NOTEBOOK, *, today: dt.date | None = None) -> Any:
    """The instructor's version of the teaching notebook, with nbgrader metadata (an nbformat node)."""
    import nbformat

    from cxassess.teach import exercises as ex

    nb = nbformat.read(str(notebook), as_version=4)
    survey, culture = ex.load_sample_survey(), ex.demo_culture_scores()
    today = today or dt.date.today()
    by_id = {e.cell_id: e for e in EXERCISES}
    found: set[str] = set()
    cells = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "show_solution(" in cell.source:
            continue  # nbgrader keeps solutions out of the learners' copy; no second way to show them
        if cell.cell_type == "markdown" and "show_solutions" in cell.source:
            cell.source = "\n\n".join(GRADED_NOTE if "show_solutions" in para else para
                                       for para in cell.source.split("\n\n"))
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            cell.source = "\n".join(line for line in cell.source.splitlines() if not line.startswith("show_solutions"))
        exercise = by_id.get(cell.get("id", ""))
        if exercise is None:
            cells.append(cell)
            continue
        found.add(exercise.cell_id)
        answer, check = _answer_and_check(cell.source)
        worked = _worked_code(exercise, survey, culture, today)
        # the placeholders stay outside the markers, so the learners' copy keeps them (and the check's
        # friendly "no answer yet") under nbgrader's stub, "# YOUR CODE HERE" (set in nbgrader_config.py)
        solution = nbformat.v4.new_code_cell(f"{answer}\n### BEGIN SOLUTION\n{worked}\n### END SOLUTION")
        solution.metadata = {**cell.metadata, **_meta(exercise.cell_id, solution=True)}
        solution.id = exercise.cell_id
        feedback = nbformat.v4.new_code_cell(check)
        feedback.metadata = {"slideshow": {"slide_type": "fragment"}, **_meta(f"{exercise.cell_id}-feedback",
                                                                              locked=True)}
        feedback.id = f"{exercise.cell_id}-feedback"
        # hidden from learners: their copy keeps the comment only, so Run All never stops on an assert
        test = nbformat.v4.new_code_cell(f"# autograder: the same check as above (hidden from learners)\n"
                                         f"### BEGIN HIDDEN TESTS\nassert {exercise.check}\n### END HIDDEN TESTS")
        test.metadata = {"slideshow": {"slide_type": "skip"},
                         **_meta(f"{exercise.cell_id}-test", grade=True, locked=True, points=exercise.points)}
        test.id = f"{exercise.cell_id}-test"
        cells += [solution, feedback, test]
    missing = sorted(set(by_id) - found)
    if missing:
        raise CxError(f"{notebook}: no exercise cell with id {', '.join(missing)}; the nbgrader version needs them")
    nb.cells = cells
    return nb


NBGRADER_CONFIG = """\
# nbgrader settings for the cxassess teaching assignment (written by `cxassess teach nbgrader`).
c = get_config()  # noqa: F821
c.CourseDirectory.root = "."
# The learners' copy keeps the exercise's placeholders and gets this comment, not a raise: an
# unanswered exercise then shows the check's "no answer yet" instead of an error.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE"}
"""


def write_assignment(course_dir: str | Path, assignment: str = "teaching", *,
                     notebook: str | Path = TEACHING_NOTEBOOK) -> Path:
    """Write ``course_dir/source/<assignment>/teaching.ipynb`` for ``nbgrader generate_assignment``, and the
    course's ``nbgrader_config.py`` when it has none."""
    import nbformat

    from cxassess._util.files import write_text

    name = str(assignment)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}", name):
        raise CxError(f"assignment name {name[:64]!r}: use letters, digits, '-' and '_' only (e.g. 'teaching')")
    course = Path(course_dir)
    out = course / "source" / name / "teaching.ipynb"
    out.parent.mkdir(parents=True, exist_ok=True)
    if not (course / "nbgrader_config.py").exists():
        write_text(course / "nbgrader_config.py", NBGRADER_CONFIG)
    return write_text(out, nbformat.writes(assignment_notebook(notebook)))


__all__ = ["EXERCISES", "GradedExercise", "assignment_notebook", "write_assignment"]
