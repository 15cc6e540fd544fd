"""The process an embedded Dask cluster's workers are forked from: started ahead, stopped after.

It is multiprocessing's fork server with :mod:`cxassess.run.dask_preload` as its preload. This module does
not import ``distributed`` (0.4 s), so that a batch can start that process first, before it reads the
manifest or loads Dask (:func:`start_ahead`, named in :mod:`cxassess.run.executors`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cxassess.errors import CxError
from cxassess.report.publish import FORMATS
from cxassess.run.renderer import CELL_TIMEOUT, Renderer

#: Imported once in the process the embedded workers are forked from (see :mod:`cxassess.run.dask_preload`).
WORKER_PRELOAD = ("cxassess.run.dask_preload",)
#: How the client tells that process what the kernels import and warm (JSON ``{"preload": [...], "warm": [...]}``).
KERNELS_ENV = "CXASSESS_DASK_KERNELS"


def ensure_forkserver(kernels: dict[str, Any] | None = None) -> None:
    """Start the process the embedded workers are forked from, if it is not running: multiprocessing's fork
    server with :data:`WORKER_PRELOAD`. It does not wait for the preload, which goes on while the scheduler
    starts (or, from :func:`start_ahead`, while the manifest is read). ``kernels``: the kernels' ``preload`` and
    ``warm`` lists (:meth:`Renderer.fork_options`), imported and warmed there too, so that each worker's fork
    server is forked ready at the worker's birth; they reach it in its environment (:data:`KERNELS_ENV`), set
    only while it starts."""
    from multiprocessing import forkserver

    forkserver.set_forkserver_preload(list(WORKER_PRELOAD))  # what the workers' start method will use
    before = os.environ.get(KERNELS_ENV)
    if kernels:
        os.environ[KERNELS_ENV] = json.dumps({"preload": list(kernels.get("preload", ())),
                                              "warm": list(kernels.get("warm", ()))})
    try:
        forkserver.ensure_running()
    finally:
        if before is None:
            os.environ.pop(KERNELS_ENV, None)
        else:
            os.environ[KERNELS_ENV] = before


def start_ahead(*, notebook: Path | str | None = None, formats: Iterable[str] = FORMATS,
                timeout: int = CELL_TIMEOUT, scheduler: str | None = None, **_: Any) -> Any:
    """Start the embedded cluster's preloaded process now, before the manifest is read: its imports (distributed,
    the exporter, the kernels' libraries: over 2 CPU-seconds) then overlap the read. Returns what stops it when
    no cluster used it (:func:`stop_forkserver`); None with a scheduler address (nothing is embedded)."""
    if scheduler:
        return None
    try:
        kernels = Renderer(notebook=notebook, formats=formats, timeout=timeout).fork_options()
    except CxError:  # a bad notebook or format is reported where it always was, by the run
        return None
    ensure_forkserver(kernels)
    return stop_forkserver


def stop_forkserver() -> None:
    """Stop multiprocessing's fork server once the embedded workers are gone, and wait for it: it holds
    the preloaded modules (~200 MB), and the workers' CPU time is counted only once it is waited for.
    The next embedded cluster starts a new one."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    stop = getattr(server, "_stop", None)  # the standard library's own way to stop it (no public one)
    if callable(stop):
        try:
            stop()
        except OSError:
            pass
