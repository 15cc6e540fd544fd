"""Group commit: the answers of many threads arriving together share one transaction and one fsync.

In a room of 200 phones, answers arrive faster than one fsync'd commit each can keep up with on a
slow disk: every commit waits for the one before it, and one slow fsync stalls everyone queued
behind it, each then paying its own. Here the callers hand their write to one committer thread and
wait; it takes everything queued, runs each write in a SAVEPOINT of its own (a failing one is rolled
back alone, as its own transaction would be), commits once (fsync) and only then answers every
caller. What a caller is told was saved is on disk, exactly as with a commit per answer.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from cxassess.errors import CxError, SessionError

MAX_BATCH = 256


class GroupCommit:
    """Runs ``fn()`` calls in shared transactions opened by ``begin()`` (a context manager)."""

    def __init__(self, begin: Callable[[], Any], name: str = "cxassess-session-writer") -> None:
        self._begin = begin
        self._name = name
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    def submit(self, fn: Callable[[], Any]) -> Future[Any]:
        """Queue ``fn`` for the next shared transaction; the future resolves once that is committed
        (an event loop awaits it with :func:`asyncio.wrap_future`, a thread with ``.result()``)."""
        self._ensure_thread()
        future: Future[Any] = Future()
        self._queue.put((fn, future))
        return future

    def run(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` in the next shared transaction; return its result once that is committed."""
        return self.submit(fn).result()

    def close(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(30)
            self._thread = None

    def _ensure_thread(self) -> None:
        with self._start:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name=self._name, daemon=True)
                self._thread.start()

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is None:  # close() asked: finish this batch, then stop
                    self._queue.put(None)
                    break
                batch.append(item)
            self._commit(batch)

    def _commit(self, batch: list[tuple[Callable[[], Any], Future[Any]]]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            with self._begin() as con:
                for fn, _ in batch:
                    con.execute("SAVEPOINT one_write")
                    try:
                        outcomes.append((True, fn()))
                        con.execute("RELEASE one_write")
                    except BaseException as exc:  # noqa: BLE001 - handed back to the caller that sent it
                        con.execute("ROLLBACK TO one_write")
                        con.execute("RELEASE one_write")
                        outcomes.append((False, exc))
        except BaseException as exc:  # noqa: BLE001 - the commit failed: nothing of the batch is stored
            error = exc if isinstance(exc, CxError) else SessionError(f"could not save ({exc}); nothing was stored")
            outcomes = [(False, error)] * len(batch)
        for (_, future), (ok, value) in zip(batch, outcomes, strict=True):  # only now: it is on disk
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)


__all__ = ["GroupCommit", "MAX_BATCH"]
