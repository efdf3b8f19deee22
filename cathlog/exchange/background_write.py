"""A binary stream whose writes another thread carries out, in order.

The CSV export formats rows in one thread while deflating and writing the zip
in another: zlib, the CRC and the file write let go of the GIL, so on a second
core the compression costs the export no time. At most ``depth`` chunks wait
between the two, so memory stays flat. An error in the writing thread is
raised in the formatting thread at its next write, or at close.
"""

from __future__ import annotations

import io
import queue
import threading
from typing import IO, Any


class BackgroundWriter(io.RawIOBase):
    def __init__(self, target: IO[bytes], depth: int = 4) -> None:
        super().__init__()
        self._target = target
        self._queue: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="cathlog-background-write", daemon=True)
        self._thread.start()

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self.closed:
            raise ValueError("write to a closed file")
        if self._error is not None:
            self.close()  # ends the thread and raises its error
        chunk = bytes(data)
        self._queue.put(chunk)
        return len(chunk)

    def close(self) -> None:
        if self.closed:
            return
        self._queue.put(None)
        self._thread.join()
        super().close()
        self._raise()

    def _run(self) -> None:
        while (chunk := self._queue.get()) is not None:
            if self._error is None:  # after an error, only drain: the writer must never block
                try:
                    self._target.write(chunk)
                except BaseException as exc:  # noqa: BLE001 - handed to the formatting thread
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error
