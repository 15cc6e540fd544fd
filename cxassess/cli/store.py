"""The ``cxassess store`` commands: add, list, show, export and forget assessments in the history store.

Each parses its arguments, calls :mod:`cxassess.store` and prints; the store's location is
``--db PATH_OR_URL``, else ``CXASSESS_DB``, else a file in the user's data folder.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from cxassess.cli.common import at_least, questionnaire_arg
from cxassess.errors import CxError
from cxassess.scoring import MIN_GROUP_SIZE

DB_HELP = "the store: an SQLite file or a postgresql+psycopg:// URL (default: $CXASSESS_DB, else a file in " \
          "the user's data folder)"


def _db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="PATH_OR_URL", default=None, help=DB_HELP)


def add_store_commands(sub: Any) -> None:
    """Register ``store add|list|show|export|forget`` on the main parser's subparsers."""
    store = sub.add_parser("store", help="keep assessments in a database: trends between waves, a portfolio benchmark")
    commands = store.add_subparsers(dest="store_command", metavar="COMMAND", required=True)

    p = commands.add_parser("add", help="score a responses file and store it as one wave of a client")
    p.add_argument("--client", metavar="NAME", required=True, help="client name (as stored; case and spaces matter)")
    p.add_argument("--wave", metavar="LABEL", required=True, help="the wave's label, e.g. 2025 or 2025-autumn")
    p.add_argument("--responses", metavar="FILE", required=True, help="responses file (as for cxassess score)")
    p.add_argument("--sector", metavar="S", default=None, help="the client's sector (for a same-sector benchmark)")
    p.add_argument("--size-band", metavar="B", default=None, help="the client's size band, e.g. 250-999")
    p.add_argument("--date", metavar="YYYY-MM-DD", default=None, help="when the assessment was made (default today)")
    questionnaire_arg(p)
    p.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                   help="raise (default): stop on any problem; skip: drop invalid answers and list them")
    p.add_argument("--min-group-size", type=at_least(1), default=MIN_GROUP_SIZE, metavar="N",
                   help="the fewest respondents an assessment may have (default %(default)s)")
    p.add_argument("--replace", action="store_true", help="replace the client's wave of that label if stored")
    _db(p)
    p.set_defaults(func=cmd_add)

    p = commands.add_parser("list", help="the stored clients with their waves")
    _db(p)
    p.set_defaults(func=cmd_list)

    p = commands.add_parser("show", help="a client's waves and dimension scores")
    p.add_argument("client", metavar="CLIENT")
    _db(p)
    p.set_defaults(func=cmd_show)

    p = commands.add_parser("export", help="write a client's assessments and scores to a CSV or JSON file")
    p.add_argument("client", metavar="CLIENT")
    p.add_argument("--out", metavar="FILE", required=True, help="file to write: .csv or .json")
    _db(p)
    p.set_defaults(func=cmd_export)

    p = commands.add_parser("forget", help="remove every row of a client (a data-protection request)")
    p.add_argument("client", metavar="CLIENT")
    p.add_argument("--yes", action="store_true", help="confirm: the client's assessments are removed for good")
    _db(p)
    p.set_defaults(func=cmd_forget)


def cmd_add(args: argparse.Namespace) -> int:
    from cxassess.cli.data import _print_problems
    from cxassess.io.read import read_responses
    from cxassess.questionnaire.model import load_questionnaire
    from cxassess.store.api import add_assessment

    q = load_questionnaire(args.questionnaire)
    responses = read_responses(args.responses, q, on_error=args.on_error)
    _print_problems(responses)
    done = add_assessment(responses, args.client, args.wave, db=args.db, sector=args.sector,
                          size_band=args.size_band, assessed_on=args.date, replace=args.replace,
                          min_group_size=args.min_group_size)
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"{done.status} {done.client!r} wave {done.wave!r}: {done.respondents} respondents, {done.answers} answers")
    return 0


def _table(frame: Any) -> str:
    if frame.empty:
        return "(none)"
    return str(frame.to_string(index=False, na_rep="-", float_format=lambda x: f"{x:.2f}"))


def cmd_list(args: argparse.Namespace) -> int:
    from cxassess.store.database import open_store
    from cxassess.store.read import client_summaries

    with open_store(args.db) as store:
        frame = client_summaries(store)
        print(f"{store.where}: {len(frame)} client(s)", file=sys.stderr)
    print(_table(frame))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from cxassess.store.database import open_store
    from cxassess.store.read import client_waves, wave_table

    with open_store(args.db) as store:
        found, waves = client_waves(store, args.client, answers=False)
    about = (("sector", found.sector), ("size band", found.size_band))
    extra = ", ".join(f"{k} {v}" for k, v in about if v)
    print(f"{found.name}{f' ({extra})' if extra else ''}: {len(waves)} wave(s)")
    print(_table(wave_table(waves).drop(columns=["sd"])))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from cxassess.store.database import open_store
    from cxassess.store.read import export_client

    with open_store(args.db) as store:
        done = export_client(store, args.client, args.out)
    print(f"wrote {done['out']}: {done['waves']} wave(s) of {done['client']!r}", file=sys.stderr)
    return 0


def cmd_forget(args: argparse.Namespace) -> int:
    from cxassess.store.database import open_store
    from cxassess.store.write import forget_client

    if not args.yes:
        raise CxError(f"forget removes every assessment of {args.client!r} for good; run again with --yes to do it")
    with open_store(args.db) as store:
        done = forget_client(store, args.client)
    print(f"forgot {done['client']!r}: {done['waves']} wave(s), {done['answers']} answers removed")
    return 0


# --------------------------------------------------------------------------------------
# report and batch: --store [DB], and recording each rendered client
# --------------------------------------------------------------------------------------
def add_store_report_options(p: argparse.ArgumentParser, *, batch: bool) -> None:
    """``--store [DB]`` and ``--same-sector`` on ``report`` and ``batch``; ``--wave`` on ``batch``."""
    what = "; record each rendered client in it" if batch else ""
    p.add_argument("--store", nargs="?", const="", default=None, metavar="DB",
                   help="show the trend and benchmark from the history store (a file or URL; without DB: "
                        f"$CXASSESS_DB, else the default file){what}")
    p.add_argument("--same-sector", action="store_true",
                   help="with --store: benchmark only among the other clients of the client's own sector "
                        "(the sector the store has for it; at least 5 must contribute)")
    if batch:
        p.add_argument("--wave", metavar="LABEL", default=None,
                       help="with --store: the wave label to record (default: a manifest 'wave' column, else the "
                            "assessment date, else today)")


def store_location(args: argparse.Namespace) -> str | None:
    """The ``--store`` value: None when not asked for, the default location when given without a value."""
    value = getattr(args, "store", None)
    if value is None:
        return None
    if value == "":
        import os

        from cxassess.store.database import DB_ENV, default_location

        return os.environ.get(DB_ENV) or str(default_location())
    return str(value)


def record_batch(args: argparse.Namespace, defaults: dict[str, Any], results: list[Any]) -> bool:
    """Store each client the batch rendered (or found up to date); True when every one was recorded.

    The manifest is read again for each client's responses, questionnaire, date, wave and sector;
    answers stored before with the same wave label are left as they are.
    """
    import datetime as dt

    from cxassess.io.manifests import read_entries
    from cxassess.store.api import add_assessment
    from cxassess.store.database import open_store

    allowed = {"allow_outside": args.allow_outside} if getattr(args, "allow_outside", None) else {}
    entries = {e.client: e for e in read_entries(args.manifest, out_dir=args.out, defaults=defaults, **allowed)}
    ok = True
    with open_store(store_location(args)) as store:
        for result in results:
            entry = entries.get(result.client)
            if not result.ok or entry is None or entry.error:
                continue
            fields = entry.fields
            wave = entry.wave or args.wave or fields.get("assessment_date") or dt.date.today().isoformat()
            try:
                done = add_assessment(fields["responses"], entry.client, wave, db=store,
                                      questionnaire=fields.get("questionnaire"), sector=entry.sector or None,
                                      assessed_on=fields.get("assessment_date"), same_is_ok=True,
                                      min_group_size=int(fields.get("min_group_size") or MIN_GROUP_SIZE))
            except CxError as exc:
                ok = False
                print(f"store: {entry.client!r} not recorded: {exc}", file=sys.stderr)
                continue
            print(f"store: {done.status} {done.client!r} wave {done.wave!r}", file=sys.stderr)
    return ok
