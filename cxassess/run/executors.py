"""Where a batch's reports render, by name: ``local`` (this machine) or ``dask`` (a Dask cluster).

``auto``, ``fork`` and ``launch`` are the local executor with that kind of kernel source
(:mod:`cxassess.run.kernels`); ``local`` is ``auto``. Each entry takes the batch's items and
options and returns a :class:`~cxassess.run.batch.BatchResult`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from cxassess.errors import CxError


def _local(kernels: str) -> Callable[..., Any]:
    def run(items: Any, out_dir: Any, *, scheduler: str | None = None, **kw: Any) -> Any:
        from cxassess.run.batch import run_batch

        if scheduler:
            raise CxError("--scheduler is for --executor dask")
        return asyncio.run(run_batch(items, out_dir, executor=kernels, **kw))

    return run


def _dask(items: Any, out_dir: Any, *, executor: str = "dask", **kw: Any) -> Any:
    try:
        from cxassess.run.dask import run_dask_batch
    except ImportError as exc:  # pragma: no cover - distributed is a dependency
        raise CxError(f"the dask executor needs the 'distributed' package: {exc}") from None
    return run_dask_batch(items, out_dir, **kw)


EXECUTORS: dict[str, Callable[..., Any]] = {
    "local": _local("auto"), "auto": _local("auto"), "fork": _local("fork"), "launch": _local("launch"),
    "dask": _dask,
}


def executor(name: str) -> Callable[..., Any]:
    try:
        return EXECUTORS[name]
    except KeyError:
        raise CxError(f"unknown executor {name!r}: choose from {', '.join(EXECUTORS)}") from None
