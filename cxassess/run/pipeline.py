"""Run a notebook's code cells in a kernel with every request queued at once (pipelined).

nbclient sends one cell, waits for its reply and its idle status, then sends the next: one round
trip through the driver per cell, during which the kernel has nothing to do (the report has 17 code
cells, and the driver is also busy with the other lanes' reports). Here the kernel-info request,
every cell's execute request and the silent user-expression request after them are sent together;
the kernel runs them back to back, in order, and the driver files each IOPub message under the cell
its request belongs to, with nbclient's own output handling (``NotebookClient.process_message``:
display ids, ``clear_output``, widgets and execution counts as nbclient has them).

Errors are nbclient's: a failing cell raises ``CellExecutionError`` for that cell, and ipykernel
aborts the requests queued behind it (``stop_on_error``, as nbclient stops after that cell); a cell
running longer than ``timeout`` seconds raises ``CellTimeoutError``; a kernel that dies,
``DeadKernelError``.
"""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Mapping
from contextlib import asynccontextmanager
from typing import Any

from nbclient import NotebookClient
from nbclient.client import timestamp
from nbclient.exceptions import CellExecutionComplete, CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async

#: How often a silent wait checks that the kernel still lives (nbclient: every second).
ALIVE_CHECK = 1.0


class PipelinedClient(NotebookClient):
    """A NotebookClient for a kernel that is already started and ready (``km`` and ``kc`` given)."""

    @asynccontextmanager
    async def async_setup_kernel(self, **kwargs: Any) -> Any:
        # NotebookClient's own set-up installs SIGINT/SIGTERM handlers that only stop the current
        # kernel, so Ctrl-C would fail one client and the batch would go on. Our kernel is started
        # and ready: nothing to set up, and Ctrl-C stops the whole run.
        yield

    async def run_pipelined(self, expressions: Mapping[str, str] | None = None) -> dict[str, str | None]:
        """Execute every code cell, then evaluate ``expressions`` ({name: code}) in the kernel's namespace.

        Returns {name: the text the expression evaluated to, or None when it failed or is no str}.
        """
        assert self.kc is not None and self.km is not None
        self.reset_execution_trackers()
        run = _Pipeline(self, dict(expressions or {}))
        try:
            await run.send_all()
            await run.wait()
        finally:
            run.stop()
        self.set_widgets_metadata()
        return run.expression_values()


class _Pipeline:
    """One notebook's queued requests and the replies and outputs that come back for them."""

    def __init__(self, client: PipelinedClient, expressions: dict[str, str]) -> None:
        self.client = client
        self.kc: Any = client.kc
        self.expressions = expressions
        self.cells: dict[str, tuple[int, Any]] = {}  # execute request id -> (cell index, cell)
        self.order: list[str] = []
        self.info_id = ""
        self.expression_id = ""
        self.replies: dict[str, dict[str, Any]] = {}
        self.idle: set[str] = set()
        self.changed = asyncio.Event()
        self.failure: BaseException | None = None
        self.tasks: list[asyncio.Task[None]] = []

    async def send_all(self) -> None:
        client, kc = self.client, self.kc
        self.tasks = [asyncio.ensure_future(self._pump(kc.shell_channel, self._on_reply)),
                      asyncio.ensure_future(self._pump(kc.iopub_channel, self._on_iopub))]
        self.info_id = await ensure_async(kc.kernel_info())
        for index, cell in enumerate(client.nb.cells):
            tags = cell.metadata.get("tags", [])
            if cell.cell_type != "code" or not cell.source.strip() or client.skip_cells_with_tag in tags:
                continue
            allows_errors = (not client.force_raise_errors) and (client.allow_errors or "raises-exception" in tags)
            if client.record_timing:
                cell["metadata"]["execution"] = {}
            cell.outputs = []
            msg_id = await ensure_async(kc.execute(cell.source, store_history=True, stop_on_error=not allows_errors))
            self.cells[msg_id] = (index, cell)
            self.order.append(msg_id)
        if self.expressions:
            self.expression_id = await ensure_async(kc.execute("", silent=True, store_history=False,
                                                               user_expressions=self.expressions))

    async def _pump(self, channel: Any, handle: Any) -> None:
        try:
            while True:
                handle(await ensure_async(channel.get_msg(timeout=None)))
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting loop
            self.failure = exc
            self.changed.set()

    def _on_reply(self, msg: dict[str, Any]) -> None:
        parent = msg["parent_header"].get("msg_id")
        if parent in self.cells or parent in (self.info_id, self.expression_id):
            self.replies[parent] = msg
            self.changed.set()

    def _on_iopub(self, msg: dict[str, Any]) -> None:
        parent = msg["parent_header"].get("msg_id")
        target = self.cells.get(parent)
        if target is None:
            return
        content = msg["content"]
        if msg["msg_type"] == "status" and content.get("execution_state") == "busy":
            self.client.clear_before_next_output = False  # as nbclient does when a cell starts
        try:
            self.client.process_message(msg, target[1], target[0])
        except CellExecutionComplete:
            self.idle.add(parent)
            self.changed.set()

    async def _until(self, done: Any, timeout: float | None, cell: Any) -> None:
        loop = asyncio.get_running_loop()
        deadline = None if timeout is None else loop.time() + timeout
        while not done():
            if self.failure is not None:
                raise self.failure
            wait = ALIVE_CHECK if deadline is None else min(ALIVE_CHECK, deadline - loop.time())
            if wait <= 0:
                raise CellTimeoutError.error_from_timeout_and_cell("Cell execution timed out", int(timeout or 0), cell)
            try:
                await asyncio.wait_for(self.changed.wait(), wait)
            except asyncio.TimeoutError:
                if not await ensure_async(self.kc.is_alive()):
                    raise DeadKernelError("Kernel died") from None
            self.changed.clear()

    async def wait(self) -> None:
        """Every cell's reply and idle status in order (raising for the first failing cell), then the expressions'."""
        client = self.client
        timeout = client._get_timeout(None)
        await self._until(lambda: self.info_id in self.replies, timeout, None)
        info = self.replies[self.info_id]["content"]
        if "language_info" in info:
            client.nb.metadata["language_info"] = info["language_info"]
        for msg_id in self.order:
            index, cell = self.cells[msg_id]
            await self._until(lambda m=msg_id: m in self.replies and m in self.idle, client._get_timeout(cell), cell)
            reply = self.replies[msg_id]
            if client.record_timing:
                cell["metadata"]["execution"]["shell.execute_reply"] = timestamp(reply)
            await client._check_raise_for_error(cell, index, reply)  # CellExecutionError unless errors are allowed
        if self.expression_id:
            await self._until(lambda: self.expression_id in self.replies, timeout, None)

    def expression_values(self) -> dict[str, str | None]:
        content = self.replies[self.expression_id]["content"] if self.expression_id else {}
        found = content.get("user_expressions", {}) if content.get("status") == "ok" else {}
        return {name: _text(found.get(name)) for name in self.expressions}

    def stop(self) -> None:
        for task in self.tasks:
            task.cancel()


def _text(result: Any) -> str | None:
    """The str an expression evaluated to (its text/plain repr read back), or None."""
    if not isinstance(result, dict) or result.get("status") != "ok":
        return None
    try:
        value = ast.literal_eval(result["data"]["text/plain"])
    except (KeyError, ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, str) else None
