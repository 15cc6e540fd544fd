"""The ``cxassess report`` and ``cxassess batch`` subcommands (argparse only; heavy imports inside)."""

from __future__ import annotations

import argparse
import sys
import warnings
from typing import Any

from cxassess.cli.common import at_least
from cxassess.cli.store import add_store_report_options, record_batch, store_location
from cxassess.scoring import MIN_GROUP_SIZE


def _common(p: argparse.ArgumentParser, *, batch: bool) -> None:
    p.add_argument("--out", metavar="DIR", required=True, help="output folder (one sub-folder per client)")
    p.add_argument("--format", default="html,pdf", metavar="LIST",
                   help="comma-separated: html,pdf,pptx,xlsx (default html,pdf)")
    p.add_argument("--pptx-template", metavar="FILE", default=None,
                   help="a firm's PowerPoint template (.pptx) for the deck: its master and layouts")
    p.add_argument("--include-responses", action="store_true",
                   help="add every answer (one row each) to the Excel workbook; off by default")
    p.add_argument("--questionnaire", metavar="FILE", default=None,
                   help="questionnaire YAML (default: the bundled one)")
    help_suffix = " (default for manifest rows that leave it blank)" if batch else ""
    p.add_argument("--group-by", action="append", default=[], metavar="COL",
                   help="respondent attribute to break scores down by, repeatable" + help_suffix)
    p.add_argument("--targets", metavar="FILE", help="target score or stage per dimension" + help_suffix)
    p.add_argument("--customer-metrics", metavar="FILE", help="customer survey file (NPS/CSAT/CES)" + help_suffix)
    p.add_argument("--consultant", metavar="NAME", default=None, help="consultant named in the header" + help_suffix)
    p.add_argument("--assessment-date", metavar="YYYY-MM-DD", default=None,
                   help="date of the assessment, shown in the header (default: none, and the report says "
                        "only when it was rendered)" + help_suffix)
    p.add_argument("--min-group-size", type=at_least(1), default=None, metavar="N",
                   help=f"suppress smaller groups (default {MIN_GROUP_SIZE})")
    p.add_argument("--executor", choices=["auto", "fork", "launch", *(["local", "dask"] if batch else [])],
                   default="auto",
                   help="auto (default): fresh kernels forked from a warm server where possible; launch: plain kernels"
                   + ("; local: auto; dask: on a Dask cluster (--scheduler, or an embedded one of --workers "
                      "processes)" if batch else ""))
    p.add_argument("--notebook", metavar="FILE", default=None, help="report notebook (default: notebooks/report.ipynb)")
    p.add_argument("--timeout", type=at_least(1), default=600, metavar="SECS",
                   help="longest a notebook cell may run (default 600)")
    add_store_report_options(p, batch=batch)  # --store [DB] (and --wave for batch): cxassess.cli.store


def add_report_commands(sub: Any) -> None:
    """Register ``report`` and ``batch`` on the main parser's subparsers."""
    p = sub.add_parser("report", help="render one client's report (HTML, PDF, executed notebook, scores.json)")
    p.add_argument("--client", metavar="NAME", required=True, help="client name (shown in the report)")
    p.add_argument("--responses", metavar="FILE", required=True, help="responses file (.csv, .xlsx or .json)")
    p.add_argument("--invited", metavar="N|FILE", default=None,
                   help="how many people were asked to answer (a number, or a YAML file with total and counts per "
                        "group), for the response rate")
    _common(p, batch=False)
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("batch", help="render many clients' reports from a manifest or a file with a client column")
    p.add_argument("manifest", metavar="MANIFEST",
                   help="CSV/XLSX/YAML manifest (client, responses, ...) or a responses file with a 'client' column")
    p.add_argument("--workers", type=at_least(1), default=2, metavar="N", help="reports rendered at once (default 2)")
    p.add_argument("--resume", action="store_true",
                   help="skip clients whose reports were made from inputs with the same content and parameters")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--allow-outside", action="append", default=[], metavar="PATH",
                   help="a folder outside the manifest's own that its paths may point into (repeatable); "
                        "by default every file a manifest names must be inside the manifest's folder")
    p.add_argument("--scheduler", metavar="ADDRESS", default=None,
                   help="with --executor dask: the Dask scheduler (e.g. tcp://10.0.0.5:8786); "
                        "default: an embedded local cluster")
    _common(p, batch=True)
    p.set_defaults(func=cmd_batch)


def _defaults(args: argparse.Namespace) -> dict[str, Any]:
    values = {
        "questionnaire": args.questionnaire, "group_by": list(args.group_by), "targets": args.targets,
        "customer_metrics": args.customer_metrics, "consultant": args.consultant,
        "assessment_date": args.assessment_date, "min_group_size": args.min_group_size,
        "invited": getattr(args, "invited", None),
        "store": store_location(args),
        "same_sector": True if getattr(args, "same_sector", False) else None,
    }
    return {k: v for k, v in values.items() if v not in (None, [], "")}


def _deliverable_options(args: argparse.Namespace) -> Any:
    """The deck's template and the workbook's responses sheet (checked before any kernel starts)."""
    from cxassess.report.formats import DeliverableOptions

    return DeliverableOptions(pptx_template=args.pptx_template, include_responses=args.include_responses)


def cmd_report(args: argparse.Namespace) -> int:
    from cxassess.report.publish import parse_formats
    from cxassess.report.request import ReportRequest
    from cxassess.run.renderer import render_report

    formats = parse_formats(args.format)
    options = _deliverable_options(args)
    request = ReportRequest(client=args.client, responses=args.responses, **_defaults(args))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = render_report(request, args.out, formats=formats, notebook=args.notebook,
                               executor=args.executor, timeout=args.timeout, options=options)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    for path in result.files.values():
        print(path)
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from cxassess.report.publish import parse_formats
    from cxassess.run.batch import batch, summary_table

    formats = parse_formats(args.format)
    options = _deliverable_options(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", RuntimeWarning)
        result = batch(args.manifest, args.out, formats=formats, workers=args.workers, resume=args.resume,
                       notebook=args.notebook, executor=args.executor, defaults=_defaults(args),
                       timeout=args.timeout, progress=False if args.no_progress else None, options=options,
                       allow_outside=args.allow_outside, scheduler=args.scheduler)
    for w in caught:
        print(f"warning: {w.message}", file=sys.stderr)
    print(summary_table(result))
    print(f"index: {result.index}")
    recorded = record_batch(args, _defaults(args), result.results) if args.store is not None else True
    return 0 if result.ok and recorded else 1
