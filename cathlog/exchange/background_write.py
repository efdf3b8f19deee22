"""Work handed to a second thread, in order, with flat memory.

The identified CSV export reads row batches from SQLite in one thread while a
second formats them (csv.writer), encodes them and deflates them into the zip.
SQLite lets go of the GIL while it steps through rows, and zlib, the CRC and
the file write let go of it too, so on a second core most of the work of one
thread overlaps the other's. At most ``depth`` items wait between the two. An
error in the second thread is raised in the first at its next ``put``, or when
the block ends.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

T = TypeVar("T")
_DONE = object()


class InBackground(Generic[T]):
    """``with InBackground(fn) as work: work.put(item)``: ``fn(item)`` for every item, in order, in
    a second thread; leaving the block waits for the last one."""

    def __init__(self, fn: Callable[[T], object], depth: int = 4) -> None:
        self._fn = fn
        self._queue: queue.Queue[object] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cathlog-background", daemon=True)

    def __enter__(self) -> InBackground[T]:
        self._thread.start()
        return self

    def put(self, item: T) -> None:
        if self._error is not None:
            self._finish()  # ends the thread and raises its error
        self._queue.put(item)

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if exc is None:
            self._finish()
        else:  # the caller's error wins; the thread still ends
            self._queue.put(_DONE)
            self._thread.join()

    def _finish(self) -> None:
        self._queue.put(_DONE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (item := self._queue.get()) is not _DONE:
            if self._error is None:  # after an error, only drain: the caller must never block
                try:
                    self._fn(item)  # type: ignore[arg-type]
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread
                    self._error = exc
