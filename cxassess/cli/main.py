"""The ``cxassess`` command: the parser and ``main``, a thin layer over the library API.

The commands live by group: :mod:`cxassess.cli.data` (questionnaire, import, validate, score,
metrics, export, demo-data), :mod:`cxassess.cli.workshop` (workshop serve/stop) and
:mod:`cxassess.cli.report` (report, batch). Heavy libraries (pandas, matplotlib, papermill) are
imported inside the command functions, so ``cxassess --help`` answers at once. Every
:class:`~cxassess.errors.CxError` becomes a clear message on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from cxassess.cli.common import Handler
from cxassess.errors import CxError


def build_parser() -> argparse.ArgumentParser:
    from cxassess.cli.data import add_data_commands, add_demo_data_command
    from cxassess.cli.report import add_report_commands
    from cxassess.cli.store import add_store_commands
    from cxassess.cli.teach import add_teach_commands
    from cxassess.cli.workshop import add_workshop_commands

    parser = argparse.ArgumentParser(
        prog="cxassess",
        description="Assess customer-experience maturity and culture: questionnaire, scoring, reports.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    add_data_commands(sub)  # questionnaire, import, validate, score, metrics, export
    add_workshop_commands(sub)
    add_demo_data_command(sub)
    add_report_commands(sub)  # report, batch
    add_store_commands(sub)  # store add, list, show, export, forget
    add_teach_commands(sub)  # teach guide, handout, nbgrader
    return parser


#: arguments that name files a command reads: --out must never be one of them
INPUT_ARGUMENTS = ("file", "responses", "session", "targets", "mapping", "questionnaire", "manifest",
                   "customer_metrics", "attributes")


def _refuse_out_over_input(args: argparse.Namespace) -> None:
    """Writing the output over an input file would destroy the data it came from."""
    out = getattr(args, "out", None)
    if not out:
        return
    target = _resolved(out, "--out")
    for name in INPUT_ARGUMENTS:
        value = getattr(args, name, None)
        if isinstance(value, (str, Path)) and value and _resolved(value, name) == target:
            raise CxError(f"--out {out} is the input file itself; write the output to another file")


def _resolved(path: str | Path, what: str) -> Path:
    """``path`` with links followed; a link loop (or a path the system refuses) is a clear error."""
    try:
        return Path(path).expanduser().resolve()
    except (RuntimeError, OSError) as exc:  # RuntimeError: a symlink loop
        raise CxError(f"{path}: cannot follow this path given as {what} ({exc})") from None


def entry() -> NoReturn:
    """The ``cxassess`` program (console script and ``python -m cxassess``): :func:`main`, then exit.

    Before the interpreter exits, everything the command left is frozen out of the garbage collector
    (``gc.freeze``): the collections Python runs while it shuts down would otherwise scan every object
    once more (``score`` of a million answers: ~0.1 s) just before the OS frees them all anyway."""
    import gc

    code = main()
    gc.freeze()
    sys.exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; everything it prints passes through :func:`cxassess._util.safe.for_terminal`,
    so a cell's escape sequence or bidi override is shown escaped, never obeyed by the terminal."""
    from cxassess._util.safe import TerminalText

    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = TerminalText(out), TerminalText(err)
    try:
        return _run(argv)
    finally:
        sys.stdout, sys.stderr = out, err


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    # One BLAS thread unless the environment says otherwise, set before any command loads numpy: our
    # matrix products are small, and a second OpenBLAS thread woken for one spins on another core after
    # it (`score` of a million answers: ~0.3 CPU-s more, no shorter wall time on 2 cores). Report kernels
    # get the same from the fork server (FORK_SAFE_ENV).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        _refuse_out_over_input(args)
        func: Handler = args.func
        return func(args)
    except CxError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except UnicodeError as exc:
        print(f"error: cannot read a file as text ({exc}); save it as UTF-8", file=sys.stderr)
        return 1
    except FileExistsError as exc:
        if exc.filename and Path(exc.filename).is_file():  # our folders are made with exist_ok: a file is in the way
            print(f"error: {exc.filename}: is a file, expected a folder (or a path where one can be made)",
                  file=sys.stderr)
        else:
            print(f"error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder where a file was expected, a missing output folder, no permission
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"error: {where}{exc.strerror or exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
