"""The data commands: questionnaire, import, validate, score, metrics, export (a workshop session's
answers) and demo-data. Each parses its arguments, calls the library and prints; heavy imports are
inside the command functions, so building the parser stays light."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from cxassess.cli.common import at_least, emit, format_from_out, questionnaire_arg
from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE


def add_data_commands(sub: Any) -> None:
    """Register questionnaire, import, validate, score, metrics and export on the main parser's subparsers."""
    p = sub.add_parser("questionnaire", help="print the questionnaire (JSON, YAML or a printable form)")
    p.add_argument("--file", metavar="FILE", default=None, help="questionnaire YAML (default: the bundled one)")
    p.add_argument("--format", choices=["json", "yaml", "markdown", "csv", "xlsx"], default="markdown",
                   help="csv/xlsx: a sheet of id, dimension, statement and answer labels, "
                        "to paste into a survey tool or print")
    p.add_argument("--out", metavar="FILE", help="write to a file instead of the terminal")
    p.set_defaults(func=cmd_questionnaire)

    p = sub.add_parser("import", help="convert a Qualtrics, SurveyMonkey, Google Forms or Microsoft Forms export "
                                      "to responses")
    p.add_argument("file", metavar="FILE", help="the survey tool's export (.csv or .xlsx)")
    p.add_argument("--from", dest="source_format", default="auto",
                   choices=["auto", "qualtrics", "surveymonkey", "google-forms", "microsoft-forms"],
                   help="the tool that wrote the file (default auto: recognise it and say which)")
    questionnaire_arg(p)
    p.add_argument("--mapping", metavar="FILE",
                   help="CSV column,item_id for columns not matched by item id or statement")
    p.add_argument("--suggest-mapping", action="store_true",
                   help="instead of importing, write a mapping file to edit (to --out, default FILE.mapping.csv) "
                        "with the best guesses and what could not be matched")
    p.add_argument("--attribute", action="append", default=[], metavar="COL[=NAME]",
                   help="keep a column as a respondent attribute, e.g. role "
                        "(repeatable; by header, question text or letter)")
    p.add_argument("--keep-identity", action="store_true",
                   help="also copy columns that identify respondents (email, name, IP address); off by default")
    p.add_argument("--finished-only", action="store_true", help="drop Qualtrics responses not marked Finished")
    p.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                   help="raise (default): stop on values not understood; skip: leave them blank and list them")
    p.add_argument("--out", metavar="FILE",
                   help="long responses file to write (.csv or .xlsx); the report goes beside it")
    p.set_defaults(func=cmd_import)

    for name, func, helptext in (
        ("validate", cmd_validate, "check a responses file and list every problem"),
        ("score", cmd_score, "score a responses file per dimension, group and overall"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("responses", metavar="RESPONSES", help="responses file (.csv, .xlsx or .json; long or wide)")
        questionnaire_arg(p)
        p.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                       help="raise (default): stop on any problem; skip: drop invalid answers and list them")
        if name == "score":
            p.add_argument("--group-by", action="append", default=[], metavar="COL",
                           help="respondent attribute to break scores down by (repeatable)")
            p.add_argument("--targets", metavar="FILE", help="target score or stage per dimension (YAML/JSON/CSV)")
            p.add_argument("--min-group-size", type=at_least(1), default=MIN_GROUP_SIZE, metavar="N",
                           help="suppress groups with fewer respondents (default %(default)s)")
            p.add_argument("--format", choices=["json", "table", "csv"], default=None,
                           help="default: from the --out file's extension (.json, .csv), else table")
            p.add_argument("--out", metavar="FILE", help="write to a file instead of the terminal")
        p.set_defaults(func=func)

    p = sub.add_parser("metrics", help="customer metrics from a survey file: NPS, CSAT, CES with 95%% intervals",
                       description="Without --nps/--csat/--ces, the columns called nps, csat and ces are used.")
    p.add_argument("file", metavar="FILE", help="survey file (.csv, .xlsx or .json), one row per respondent")
    p.add_argument("--nps", metavar="COL", help="column of 0-10 likelihood-to-recommend answers")
    p.add_argument("--csat", metavar="COL", help="column of 1-5 satisfaction answers")
    p.add_argument("--ces", metavar="COL", help="column of 1-7 ease (customer effort) answers")
    p.add_argument("--by", metavar="COL", help="segment or touchpoint column to break the measures down by")
    p.add_argument("--min-group-size", type=at_least(1), default=MIN_GROUP_SIZE, metavar="N",
                   help="suppress segments with fewer respondents (default %(default)s)")
    p.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                   help="raise (default): stop on any invalid answer; skip: drop invalid answers and list them")
    p.add_argument("--format", choices=["json", "table"], default=None,
                   help="default: json for an --out file ending .json, else table")
    p.add_argument("--out", metavar="FILE", help="write to a file instead of the terminal")
    p.set_defaults(func=cmd_metrics)

    p = sub.add_parser("export", help="write a workshop session's answers as a responses file (.csv or .xlsx)")
    p.add_argument("session", metavar="SESSION", help="workshop session file (.sqlite)")
    p.add_argument("--out", metavar="FILE", required=True, help="responses file to write: .csv or .xlsx")
    p.add_argument("--include-partial", action="store_true",
                   help="also export participants who have not submitted (default: submitted only)")
    p.add_argument("--salvage", action="store_true",
                   help="a damaged session file: read out every answer that can still be read (the file is not "
                        "changed) and write a salvage report beside --out")
    p.add_argument("--questionnaire", metavar="FILE", default=None,
                   help="with --salvage: the questionnaire the workshop used, when the one stored is unreadable")
    p.set_defaults(func=cmd_export)


def add_demo_data_command(sub: Any) -> None:
    """Register demo-data on the main parser's subparsers."""
    p = sub.add_parser("demo-data", help="write synthetic demo responses for three fictional organisations")
    p.add_argument("--out", metavar="DIR", required=True)
    p.add_argument("--seed", type=at_least(0), default=7)
    questionnaire_arg(p)
    p.set_defaults(func=cmd_demo_data)


# --------------------------------------------------------------------------------------
# questionnaire, import, validate, score
# --------------------------------------------------------------------------------------
def cmd_questionnaire(args: argparse.Namespace) -> int:
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.questionnaire.render import to_markdown

    q = load_questionnaire(args.file)
    if args.format == "xlsx":
        from cxassess.questionnaire.render import write_xlsx

        if not args.out:
            raise CxError("--format xlsx writes a workbook: give the file name with --out FILE.xlsx")
        write_xlsx(q, args.out)
        print(f"wrote {args.out}", file=sys.stderr)
        return 0
    from cxassess.questionnaire.render import to_csv

    writers = {"json": q.to_json, "yaml": q.to_yaml, "markdown": lambda: to_markdown(q), "csv": lambda: to_csv(q)}
    text = writers[args.format]()
    emit(text, args.out)
    return 0


# --------------------------------------------------------------------------------------
# import from survey tools
# --------------------------------------------------------------------------------------
def cmd_import(args: argparse.Namespace) -> int:
    from cxassess.errors import SurveyImportError
    from cxassess.io.survey_import import check_output_path, import_export, report_path, write_mapping_suggestion

    if args.suggest_mapping:
        out = args.out or str(Path(args.file).with_suffix("")) + ".mapping.csv"
        write_mapping_suggestion(args.file, out, args.questionnaire, args.source_format)
        print(f"wrote {out}: edit the item_id column (blank = ignore the column), then import with --mapping {out}",
              file=sys.stderr)
        return 0
    if not args.out:
        raise CxError("give the responses file to write with --out FILE.csv "
                      "(or --suggest-mapping to write a mapping file)")
    check_output_path(args.out)
    try:
        result = import_export(args.file, args.questionnaire, source_format=args.source_format, mapping=args.mapping,
                               attributes=args.attribute, keep_identity=args.keep_identity,
                               finished_only=args.finished_only, on_error=args.on_error)
    except SurveyImportError as exc:
        from cxassess._util.files import write_text

        rp = write_text(report_path(args.out), exc.report.to_text())
        raise CxError(f"{exc}\nNothing was written to {args.out}; the import report is in {rp}") from None
    out, rp = result.write(args.out)  # first: the report printed is of responses that were written
    print(result.report.to_text(), end="")
    print(f"wrote {out} and {rp}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------------------
# validate / score
# --------------------------------------------------------------------------------------
def _read(args: argparse.Namespace):
    from cxassess.io.read import read_responses
    from cxassess.questionnaire.model import load_questionnaire

    # no --questionnaire: the bundled one, or for a workshop session file the one stored in it
    given = load_questionnaire(args.questionnaire) if args.questionnaire else None
    responses = read_responses(args.responses, given, on_error=args.on_error)
    return responses.questionnaire, responses


def _print_problems(responses, stream=sys.stderr) -> None:
    for note in responses.notes:
        print(f"note: {note}", file=stream)
    for w in responses.warnings:
        print(f"warning: {w}", file=stream)
    if responses.errors:
        print(f"{len(responses.errors)} problem(s); the answers, rows or columns they name were left out "
              "(--on-error skip):", file=stream)
        for e in responses.errors:
            print(f"  - {e}", file=stream)


def cmd_validate(args: argparse.Namespace) -> int:
    from cxassess.errors import ResponsesError

    try:
        _, responses = _read(args)
    except ResponsesError as exc:  # list every problem, not the first 50
        print(f"error: {exc.source}: {len(exc.problems)} problem(s) in the responses:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  - {problem}", file=sys.stderr)
        print("Fix the file, or score the valid rows only with --on-error skip.", file=sys.stderr)
        return 1
    _print_problems(responses, sys.stdout)
    print(responses.summary())
    if responses.errors:
        print("The valid answers can be scored; what the problems above name was left out.")
    else:
        print("OK: the responses can be scored" + (" (read the warnings above)." if responses.warnings else "."))
    return 0


def cmd_score(args: argparse.Namespace) -> int:
    from cxassess.cli.tables import scores_csv, scores_table
    from cxassess.scoring.score import score

    q, responses = _read(args)
    _print_problems(responses)
    result = score(responses, q, group_by=args.group_by, targets=args.targets, min_group_size=args.min_group_size)
    args.format = format_from_out(args, ("json", "csv"))
    if args.format == "json":
        text = result.to_json()
    elif args.format == "csv":
        text = scores_csv(result)
    else:
        text = scores_table(result)
    emit(text, args.out)
    return 0


# --------------------------------------------------------------------------------------
# customer metrics, workshop session export, demo data
# --------------------------------------------------------------------------------------
def cmd_metrics(args: argparse.Namespace) -> int:
    from cxassess.metrics.summary import summarise_file

    result = summarise_file(args.file, nps=args.nps, csat=args.csat, ces=args.ces, by=args.by,
                            min_group_size=args.min_group_size, on_error=args.on_error)
    if result.dropped:
        print(f"{len(result.dropped)} problem(s); the answers or rows they name were left out (--on-error skip):",
              file=sys.stderr)
        for problem in result.dropped:
            print(f"  - {problem}", file=sys.stderr)
    from cxassess.metrics.summary import metrics_table

    as_json = format_from_out(args, ("json",)) == "json"
    emit(result.to_json() if as_json else metrics_table(result, list_dropped=False), args.out)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from cxassess.workshop.store import export_session

    if args.salvage:
        from cxassess.io.session_salvage import salvage_report_path, salvage_session

        got = salvage_session(args.session, args.out, args.questionnaire, include_partial=args.include_partial)
        print(got.to_text(), end="")
        print(f"wrote {got.out}: {got.answers} answers from {got.participants} participant(s) read out; "
              f"{len(got.lost)} part(s) could not be read; the salvage report is in {salvage_report_path(got.out)}",
              file=sys.stderr)
        return 0
    if args.questionnaire:
        raise CxError("--questionnaire goes with --salvage only: a session file holds its own questionnaire")

    done = export_session(args.session, args.out, include_partial=args.include_partial)
    left = f"; {done['left_out']} participant(s) still answering left out" if done["left_out"] else ""
    print(f"wrote {done['out']}: {done['rows']} answers from {done['respondents']} participant(s){left}",
          file=sys.stderr)
    return 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from cxassess.demo.organisations import write_demo_data

    for path in write_demo_data(args.out, seed=args.seed, questionnaire=args.questionnaire):
        print(path)
    return 0
