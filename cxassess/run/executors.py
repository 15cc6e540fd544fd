"""Where a batch's reports render, by name: ``local`` (this machine) or ``dask`` (a Dask cluster).

``auto``, ``fork`` and ``launch`` are the local executor with that kind of kernel source
(:mod:`cxassess.run.kernels`); ``local`` is ``auto``. Each entry names its runner as
``module:function`` (imported only when chosen, as entry points are: Dask loads only for ``dask``)
plus fixed keyword arguments; a runner takes the batch's items and options and returns a
:class:`~cxassess.run.batch.BatchResult`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from importlib import import_module
from typing import Any

from cxassess.errors import CxError

EXECUTORS: dict[str, tuple[str, dict[str, Any]]] = {
    "local": ("cxassess.run.batch:run_local", {"kernels": "auto"}),
    "auto": ("cxassess.run.batch:run_local", {"kernels": "auto"}),
    "fork": ("cxassess.run.batch:run_local", {"kernels": "fork"}),
    "launch": ("cxassess.run.batch:run_local", {"kernels": "launch"}),
    "dask": ("cxassess.run.dask:run_dask_batch", {}),
}


def executor(name: str) -> Callable[..., Any]:
    """The runner registered as ``name`` (an unknown name is a :class:`CxError` listing the known ones)."""
    try:
        target, fixed = EXECUTORS[name]
    except KeyError:
        raise CxError(f"unknown executor {name!r}: choose from {', '.join(EXECUTORS)}") from None
    module, _, function = target.partition(":")
    try:
        run = getattr(import_module(module), function)
    except ImportError as exc:  # e.g. distributed missing where the package was installed without it
        raise CxError(f"the {name} executor cannot load: {exc}") from None
    return partial(run, **fixed)
