"""What an embedded Dask worker process needs, imported once in the process its workers are forked from.

The embedded cluster (:func:`cxassess.run.dask.start_cluster`) starts its worker processes with
multiprocessing's ``forkserver`` method and this module as the fork server's preload: ``distributed``,
the renderer, the HTML exporter (its template compiled) and the scoring modules are imported once
for all the workers instead of once in each (~1.7 CPU-seconds a worker).

When the client names the kernels' modules and warm-ups (:data:`~cxassess.run.dask_forkserver.KERNELS_ENV`), they
are imported and warmed here too, and each worker, at its birth and before it starts any thread, forks its
own fork server (:func:`cxassess.run.kernels.fork_waiting`), which its plugin adopts: a worker's kernels
are ready in milliseconds instead of after a second of imports. The process has no threads when it
forks (nothing here starts one), and its objects are frozen for the collector (:func:`gc.freeze`), so the
workers and kernels neither scan nor copy them. The batch starts this process before it reads the
manifest (:func:`cxassess.run.dask_forkserver.start_ahead`).
"""

from __future__ import annotations

import gc
import json
import os
from multiprocessing import util

gc.disable()  # the imports make ~1M objects that all live: collecting during them is ~20% of their time

from cxassess.run.forkserver import FORK_SAFE_ENV  # noqa: E402

os.environ.update(FORK_SAFE_ENV)  # before numpy and pyarrow: their threads would make forking unsafe

from cxassess.report.notebook import avoid_slow_imports  # noqa: E402

avoid_slow_imports()

import distributed  # noqa: E402, F401

import cxassess.run.dask  # noqa: E402, F401 - what each task runs (its plugin, render_task)
from cxassess.run import kernels  # noqa: E402
from cxassess.run.dask_forkserver import KERNELS_ENV  # noqa: E402
from cxassess.run.renderer import warm_driver  # noqa: E402
from cxassess.run.warmup import BASE_PRELOAD, warm_up  # noqa: E402

warm_driver()
_options = json.loads(os.environ.get(KERNELS_ENV) or "{}")
if _options:
    warm_up([*BASE_PRELOAD, *_options.get("preload", ())], _options.get("warm", ()))
    util.register_after_fork(kernels, lambda module: module.fork_waiting())  # in each worker, as it is born
gc.freeze()  # no collection first: it would take 0.15 s on the way to the first worker, for little garbage
gc.enable()  # in the workers, which inherit it
