"""The teaching commands: ``teach guide`` (the facilitator guide), ``teach handout`` (the learners' copy) and
``teach nbgrader`` (the notebook as a graded assignment)."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def add_teach_commands(sub: Any) -> None:
    """Register ``teach guide`` and ``teach handout`` on the main parser's subparsers."""
    p = sub.add_parser("teach", help="documents for the teaching session: facilitator guide, learner handout")
    tsub = p.add_subparsers(dest="teach_command", metavar="ACTION", required=True)
    t = tsub.add_parser("guide", help="the facilitator guide: timings, objectives, discussions, expected answers")
    t.add_argument("--out", required=True, metavar="FILE", help="guide.pdf or guide.html")
    t.set_defaults(func=cmd_teach_guide)
    t = tsub.add_parser("handout", help="the learners' handout: the teaching notebook run without solutions")
    t.add_argument("--out", required=True, metavar="FILE", help="handout.pdf or handout.html")
    t.set_defaults(func=cmd_teach_handout)
    t = tsub.add_parser("nbgrader", help="the notebook as an nbgrader assignment (solutions kept out of the "
                                         "learners' copy, autograder tests from the exercises' checks)")
    t.add_argument("--course", required=True, metavar="DIR", help="the nbgrader course folder")
    t.add_argument("--assignment", default="teaching", metavar="NAME", help="assignment name (default %(default)s)")
    t.set_defaults(func=cmd_teach_nbgrader)


def cmd_teach_guide(args: argparse.Namespace) -> int:
    from cxassess.teach.documents import facilitator_guide

    print(f"wrote {facilitator_guide(args.out)}", file=sys.stderr)
    return 0


def cmd_teach_handout(args: argparse.Namespace) -> int:
    from cxassess.teach.documents import learner_handout

    print(f"wrote {learner_handout(args.out)}", file=sys.stderr)
    return 0


def cmd_teach_nbgrader(args: argparse.Namespace) -> int:
    from cxassess.teach.nbgrader import write_assignment

    path = write_assignment(args.course, args.assignment)
    print(f"wrote {path}\nnext, in {args.course}: nbgrader generate_assignment {args.assignment}", file=sys.stderr)
    return 0
