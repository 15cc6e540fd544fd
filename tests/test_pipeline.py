"""The pipelined notebook client (cxassess.run.pipeline): every cell queued at once in a real forked kernel.

It must give the notebook nbclient's one-cell-at-a-time execution gives (outputs, execution counts,
display updates, language info), stop at the first failing cell without running the ones queued
behind it, and name a timeout and a dead kernel as nbclient does.
"""

from __future__ import annotations

import asyncio
import copy
import time
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

from cxassess.run.kernels import fork_available, open_kernel_source
from cxassess.run.pipeline import PipelinedClient

pytestmark = pytest.mark.skipif(not fork_available(), reason="the fork server needs Linux")


def notebook(*sources: str, tags: dict[int, list[str]] | None = None) -> Any:
    cells = [nbformat.v4.new_code_cell(src) for src in sources]
    for index, cell_tags in (tags or {}).items():
        cells[index].metadata["tags"] = cell_tags
    cells.insert(1, nbformat.v4.new_markdown_cell("*between*"))
    return nbformat.v4.new_notebook(cells=cells)


async def run(nb: Any, cwd: Path, *, pipelined: bool = True, timeout: int = 60,
              expressions: dict[str, str] | None = None) -> dict[str, str | None]:
    """Execute ``nb`` in place in one fresh forked kernel; returns the expressions' values."""
    source = await open_kernel_source("fork", ahead=0)
    try:
        kernel = await source.acquire(str(cwd))
        try:
            client = PipelinedClient(nb, km=kernel.km, timeout=timeout, kernel_name="python3",
                         resources={"metadata": {"path": str(cwd)}})
            client.kc = kernel.kc
            if pipelined:
                return await client.run_pipelined(expressions)
            await client.async_execute()  # nbclient's own execution, one cell at a time
            return {}
        finally:
            await kernel.release()
    finally:
        await source.close()


def without_timing(nb: Any) -> Any:
    nb = nbformat.from_dict(nb)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    return nb


OUTPUTS = (
    "print('one'); import sys; print('to stderr', file=sys.stderr)",
    "from IPython.display import HTML, display, clear_output\n"
    "handle = display(HTML('<b>first</b>'), display_id=True)\nprint('after the display')",
    "handle.update(HTML('<b>updated</b>'))\n21 * 2",
    "print('gone'); clear_output(wait=True); print('kept')",
    "x = 5",
    "x + 1",
)


def test_pipelined_outputs_equal_nbclient_one_cell_at_a_time(tmp_path):
    sequential = notebook(*OUTPUTS)
    pipelined = copy.deepcopy(sequential)
    asyncio.run(run(sequential, tmp_path, pipelined=False))
    asyncio.run(run(pipelined, tmp_path))
    assert without_timing(pipelined) == without_timing(sequential)
    code = [c for c in pipelined.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == [1, 2, 3, 4, 5, 6]
    assert code[0].outputs[0].text == "one\n" and code[0].outputs[1].name == "stderr"
    assert code[1].outputs[0].data["text/html"] == "<b>updated</b>"  # the later update reached the earlier output
    assert code[2].outputs[0].data["text/plain"] == "42"
    assert [o.text for o in code[3].outputs] == ["kept\n"]
    assert code[5].outputs[0].data["text/plain"] == "6"
    assert pipelined.metadata.language_info.name == "python"
    assert all(set(c.metadata.execution) >= {"iopub.status.busy", "shell.execute_reply", "iopub.status.idle"}
               for c in code)


def test_expressions_are_evaluated_after_the_last_cell(tmp_path):
    nb = notebook("import json\nvalue = {'a': [1, 2]}", "value['b'] = 3")
    got = asyncio.run(run(nb, tmp_path, expressions={"doc": "json.dumps(value)", "number": "1 + 1",
                                                     "missing": "no_such_name"}))
    assert got == {"doc": '{"a": [1, 2], "b": 3}', "number": None, "missing": None}  # only str values count


def test_a_failing_cell_stops_the_queued_cells(tmp_path):
    marker = tmp_path / "ran.txt"
    nb = notebook("a = 1", "raise ValueError('stop here')", f"open({str(marker)!r}, 'w').write('ran')", "b = 2")
    with pytest.raises(CellExecutionError) as info:
        asyncio.run(run(nb, tmp_path, expressions={"a": "str(a)"}))
    assert info.value.ename == "ValueError" and info.value.evalue == "stop here"
    assert not marker.exists()  # ipykernel aborted what was queued behind the failing cell
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[1].outputs[0].output_type == "error" and code[2].outputs == []


def test_a_cell_tagged_raises_exception_may_fail(tmp_path):
    nb = notebook("raise KeyError('allowed')", "y = 'after'", tags={0: ["raises-exception"]})
    got = asyncio.run(run(nb, tmp_path, expressions={"y": "y"}))
    assert got == {"y": "after"}
    assert nb.cells[0].outputs[0].ename == "KeyError"


def test_a_cell_longer_than_the_timeout(tmp_path):
    nb = notebook("import time", "time.sleep(30)")
    started = time.monotonic()
    with pytest.raises(CellTimeoutError):
        asyncio.run(run(nb, tmp_path, timeout=2))
    assert time.monotonic() - started < 20


def test_a_kernel_that_dies_mid_notebook(tmp_path):
    nb = notebook("import os, signal", "os.kill(os.getpid(), signal.SIGKILL)", "z = 1")
    started = time.monotonic()
    with pytest.raises(DeadKernelError):
        asyncio.run(run(nb, tmp_path))
    assert time.monotonic() - started < 20

