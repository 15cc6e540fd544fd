"""Where a batch's reports render, by name: ``local`` (this machine) or ``dask`` (a Dask cluster).

``auto``, ``fork`` and ``launch`` are the local executor with that kind of kernel source
(:mod:`cxassess.run.kernels`); ``local`` is ``auto``. Each entry names its runner and what it starts
ahead as ``module:function`` (imported only when chosen, as entry points are: Dask loads only for
``dask``), plus fixed keyword arguments for both. A runner takes the batch's items and options and
returns a :class:`~cxassess.run.batch.BatchResult`. Its ahead function takes the same options and starts,
before the manifest is read, what the runner will need and takes seconds of imports (the local fork
server; the embedded Dask cluster's preloaded process); it returns what stops that if the runner did
not use it, or None.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib import import_module
from typing import Any

from cxassess.errors import CxError

#: name -> (runner, ahead, fixed keyword arguments)
EXECUTORS: dict[str, tuple[str, str, dict[str, Any]]] = {
    "local": ("cxassess.run.batch:run_local", "cxassess.run.batch:start_local_ahead", {"kernels": "auto"}),
    "auto": ("cxassess.run.batch:run_local", "cxassess.run.batch:start_local_ahead", {"kernels": "auto"}),
    "fork": ("cxassess.run.batch:run_local", "cxassess.run.batch:start_local_ahead", {"kernels": "fork"}),
    "launch": ("cxassess.run.batch:run_local", "cxassess.run.batch:start_local_ahead", {"kernels": "launch"}),
    "dask": ("cxassess.run.dask:run_dask_batch", "cxassess.run.dask_forkserver:start_ahead", {}),
}


def executor(name: str) -> Callable[..., Any]:
    """The runner registered as ``name`` (an unknown name is a :class:`CxError` listing the known ones)."""
    return _load(name, 0)


def executor_ahead(name: str) -> Callable[..., Callable[[], None] | None]:
    """What the runner ``name`` starts ahead (see the module docstring)."""
    return _load(name, 1)


def _load(name: str, which: int) -> Callable[..., Any]:
    try:
        entry = EXECUTORS[name]
    except KeyError:
        raise CxError(f"unknown executor {name!r}: choose from {', '.join(EXECUTORS)}") from None
    runner, ahead, fixed = entry
    module, _, function = (runner, ahead)[which].partition(":")
    try:
        target = getattr(import_module(module), function)
    except ImportError as exc:  # e.g. distributed missing where the package was installed without it
        raise CxError(f"the {name} executor cannot load: {exc}") from None
    return partial(target, **fixed)
