"""What the fork server imports and warms once, before it forks: every child inherits it.

The base libraries a kernel needs (:data:`BASE_PRELOAD`) plus the modules the report notebook
imports, then caches filled with no client data: network interfaces, matplotlib's fonts and
renderer, WeasyPrint's fonts and stylesheet, and the libraries' own warm-ups (for example
``cxassess.report.charts:warm_up``). Every step is only a speed-up: a failure is recorded, never fatal.
"""

from __future__ import annotations

import importlib
import inspect
import sys
from collections.abc import Callable, Iterable
from functools import partial

#: Always imported by the server; the driver adds the modules the notebook imports.
BASE_PRELOAD = (
    "numpy", "pandas", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
    "IPython", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell", "jupyter_client.session",
    "zmq", "tornado.ioloop", "yaml", "pydantic",
    # imported while a kernel initialises (measured: ~0.25 s of the child's start-up otherwise)
    "ipykernel.debugger", "IPython.core.debugger", "IPython.core.completerlib", "IPython.core.magics.execution",
    "IPython.core.oinspect", "IPython.extensions.storemagic", "IPython.display", "tornado.gen", "tornado.queues",
    "tornado.locks", "tornado.platform.asyncio", "sqlite3", "psutil", "pdb", "pydoc", "jupyter_client.localinterfaces",
)


def warm_up(modules: Iterable[str], warm: Iterable[str] = ()) -> tuple[list[str], dict[str, str]]:
    """Import ``modules``, fill the caches, call the ``module:function`` warm-ups in ``warm``;
    returns (modules loaded, {module or warm-up: why it failed}).

    Each warm-up runs once in a process and the processes forked from it (a fork server forked from a
    process that already warmed up starts at once)."""
    loaded, failed = preload(list(modules))
    _once("kernel libraries", _warm_kernel_libraries)
    _once("matplotlib", _warm_matplotlib)
    if "weasyprint" in loaded:
        _once("weasyprint", _warm_weasyprint)
    for spec in warm:
        if spec.partition(":")[0] in sys.modules:  # a warm-up for a library the report does not use: skipped
            _once(spec, partial(_call_warm_up, spec, failed))
    return loaded, failed


#: Warm-ups done in this process (or before the fork that made it).
_DONE: set[str] = set()


def _once(name: str, step: Callable[[], object]) -> None:
    if name not in _DONE:
        step()
        _DONE.add(name)


def preload(modules: list[str]) -> tuple[list[str], dict[str, str]]:
    """Import each name; ``pkg.name`` that is no module is looked up on ``pkg`` (a lazy export such as
    ``cxassess.charts`` then imports its defining module, which is what the kernel would import)."""
    loaded, failed = [], {}
    for name in modules:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except ModuleNotFoundError as exc:
            defining = _lazy_export(name)
            if defining:
                loaded.append(defining)
            else:
                failed[name] = f"{type(exc).__name__}: {exc}"
        except Exception as exc:  # noqa: BLE001 - a module the notebook may not even need
            failed[name] = f"{type(exc).__name__}: {exc}"
    return loaded, failed


def _lazy_export(name: str) -> str:
    """The module that defines ``pkg.attr`` when ``pkg`` exports it lazily (its ``__getattr__``), else ''."""
    package, _, attribute = name.rpartition(".")
    if not package or package not in sys.modules:
        return ""
    try:
        value = getattr(sys.modules[package], attribute)
    except Exception:  # noqa: BLE001 - not an export: the caller records the import failure
        return ""
    return str(getattr(value, "__name__", "") if inspect.ismodule(value) else getattr(value, "__module__", "") or "")


def _warm_kernel_libraries() -> None:
    """Fill caches a kernel fills at start-up (no client data): local network interfaces."""
    try:
        from jupyter_client.localinterfaces import localhost

        localhost()
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def _warm_matplotlib() -> None:
    """Load fonts and the Agg renderer once, in the parent, with default settings (no client data)."""
    try:
        import io

        from matplotlib.figure import Figure

        fig = Figure(figsize=(2, 2))
        ax = fig.add_subplot(projection="polar")
        ax.plot([0, 1, 2], [1, 2, 3], label="x")
        ax.set_title("warm-up")
        fig.add_subplot(2, 1, 2).barh(["a"], [1])
        fig.savefig(io.BytesIO(), format="png")
    except Exception:  # noqa: BLE001 - only a speed-up
        pass


def _call_warm_up(spec: str, failed: dict[str, str]) -> None:
    """Call a library's own warm-up (e.g. ``cxassess.report.charts:warm_up``, which draws bundled demo data)."""
    module, _, func = spec.partition(":")
    try:
        getattr(importlib.import_module(module), func or "warm_up")()
    except Exception as exc:  # noqa: BLE001 - only a speed-up
        failed[spec] = f"{type(exc).__name__}: {exc}"


def _warm_weasyprint() -> None:
    """Load fontconfig, fonts and the user-agent stylesheet once, so PDF children start warm."""
    try:
        from cxassess._util.paths import TEMPLATES_DIR
        from cxassess.report.pdf import html_to_pdf_bytes

        css = (TEMPLATES_DIR / "report" / "report.css").read_text(encoding="utf-8")
        html_to_pdf_bytes(f"<html><head><style>{css}</style></head><body><h1>Warm</h1><p>up <b>bold</b> "
                          "<i>italic</i></p><pre>mono</pre><table><tr><th>a</th><td>1</td></tr></table></body></html>")
    except Exception:  # noqa: BLE001 - only a speed-up
        pass
