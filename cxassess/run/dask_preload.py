"""What an embedded Dask worker process needs, imported once in the process its workers are forked from.

The embedded cluster (:func:`cxassess.run.dask.start_cluster`) starts its worker processes with
multiprocessing's ``forkserver`` method and this module as the fork server's preload: ``distributed``,
the renderer, the HTML exporter (its template compiled) and the scoring modules are imported once
for all the workers instead of once in each (~1.7 CPU-seconds a worker). The process has no threads
when it forks (nothing here starts one).
"""

from __future__ import annotations

from cxassess.report.notebook import avoid_slow_imports

avoid_slow_imports()

import distributed  # noqa: E402, F401

import cxassess.run.dask  # noqa: E402, F401
from cxassess.run.renderer import warm_driver  # noqa: E402

warm_driver()
