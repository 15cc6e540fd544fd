"""What every group of ``cxassess`` commands shares: number arguments, the questionnaire option,
the output format from ``--out``, and writing the result (light: argparse and pathlib only)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from cxassess.errors import CxError

Handler = Callable[[argparse.Namespace], int]


def at_least(low: int, kind: type = int) -> Callable[[str], Any]:
    """An argparse type: a number (``kind``) of at least ``low``, else a usage error naming the limit."""

    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            whole = "whole " if kind is int else ""
            raise argparse.ArgumentTypeError(f"expected a {whole}number, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {text}")
        return value

    return parse


def questionnaire_arg(p: argparse.ArgumentParser, flag: str = "--questionnaire") -> None:
    p.add_argument(flag, metavar="FILE", default=None, help="questionnaire YAML (default: the bundled cx-maturity)")


def format_from_out(args: argparse.Namespace, choices: Sequence[str]) -> str:
    """--format as given, else the --out file's extension when it names one of ``choices``, else table."""
    if args.format:
        return str(args.format)
    suffix = Path(args.out).suffix.lower().lstrip(".") if getattr(args, "out", None) else ""
    if suffix in ("xlsx", "xlsm", "xls", "pdf", "html", "htm", "png"):
        raise CxError(f"--out {args.out}: this command writes {', '.join(choices)} or a text table, not .{suffix}")
    return suffix if suffix in choices else "table"


def emit(text: str, out: str | None) -> None:
    """Write ``text`` to the ``--out`` file (and say so on stderr), or to the terminal."""
    if out:
        Path(out).write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
