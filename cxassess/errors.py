"""The one exception type users see: a clear message, never a traceback."""

from __future__ import annotations


class CxError(Exception):
    """Bad input or a failed step, with a message written for the person who ran the command.

    The CLI prints ``str(error)`` and exits with code 1; notebooks show the same message.
    """
