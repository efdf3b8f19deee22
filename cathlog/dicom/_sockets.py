"""A socket pynetdicom 3.0.4 leaves open: when the TCP connection fails (a provider that is not running),
``AssociationSocket._shutdown_socket`` calls ``shutdown()`` first, which raises on a socket that never
connected, and so never reaches ``close()``: one file descriptor leaks per failed query (a
ResourceWarning). Upstream reworked socket closing after this release (pydicom/pynetdicom#979, #999).
Here the socket is closed whether or not ``shutdown`` succeeds; nothing else changes. Applied once, on
import of cathlog.dicom's network modules.
"""

from __future__ import annotations

import socket

from pynetdicom.transport import AssociationSocket


def _shutdown_and_close(self: AssociationSocket) -> None:
    sock = self.socket
    if sock is None:
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # never connected, or the peer is gone
    try:
        sock.close()
    except OSError:
        pass


def apply() -> None:
    AssociationSocket._shutdown_socket = _shutdown_and_close  # type: ignore[method-assign]
