"""MLLP transport: the listener (python-hl7's asyncio MLLP streams, on a thread of its own) and a
blocking sender with timeouts.

The listener reads each framed block as bytes, decodes it (UTF-8, else Latin-1 as many older senders
write) and hands the text to ``handler(text, peer) -> ack text``, run on one worker thread so the
database sees one writer from here; it then writes the acknowledgement back. A block without the
MLLP start character, one over the size limit, or a handler that fails gets an AR/AE and a log line;
the connection goes on (or closes cleanly), the listener never stops for one bad message.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

from hl7.mllp import InvalidBlockError, start_hl7_server

from cathlog.hl7.inbound import EMPTY_HEADER, Refusal, acknowledgement, read_header

log = logging.getLogger(__name__)

START, END = b"\x0b", b"\x1c\x0d"
MAX_MESSAGE_BYTES = 32 * 1024 * 1024
Handler = Callable[[str, str], str]


def decode(block: bytes) -> str:
    try:
        return block.decode("utf-8")
    except UnicodeDecodeError:
        return block.decode("latin-1")


def _fallback_ack(text: str, code: str, reason: str, application: str, facility: str) -> str:
    try:
        header = read_header(text)
    except Refusal:
        header = EMPTY_HEADER
    return acknowledgement(header, code, application=application, facility=facility, text=reason,
                           error_code="207" if code == "AE" else "100")


class Listener:
    """An MLLP server on ``host:port`` (port 0: any free port, read back from :attr:`port`)."""

    def __init__(self, host: str, port: int, handler: Handler, *, application: str = "CATHLOG",
                 facility: str = "CATHLAB"):
        self.host, self.requested_port = host, port
        self.handler = handler
        self.application, self.facility = application, facility
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._worker = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="hl7-in")
        self._ready = threading.Event()
        self._error: BaseException | None = None

    def start(self, timeout_s: float = 10.0) -> Listener:
        self._thread = threading.Thread(target=self._run, name="hl7-listener", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout_s):
            raise OSError(f"the HL7 listener on {self.host}:{self.requested_port} did not start")
        if self._error is not None:
            raise OSError(f"the HL7 listener cannot listen on {self.host}:{self.requested_port}: {self._error}")
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            self._server = loop.run_until_complete(start_hl7_server(self._client, self.host, self.requested_port,
                                                                    limit=MAX_MESSAGE_BYTES))
            self.port = self._server.sockets[0].getsockname()[1]
        except BaseException as exc:  # noqa: BLE001 - reported to start()
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self._ready.set()
        log.info("HL7 listener on %s:%s", self.host, self.port)
        try:
            loop.run_forever()
        finally:
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            if pending:
                loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.close()

    async def _client(self, reader: Any, writer: Any) -> None:
        peer_info = writer.get_extra_info("peername")
        peer = str(peer_info[0]) if peer_info else "unknown"
        loop = asyncio.get_running_loop()
        try:
            while True:
                try:
                    block = await reader.readblock()
                except asyncio.IncompleteReadError:
                    return  # the sender closed the connection
                except InvalidBlockError:
                    log.warning("HL7 from %s: a block without the MLLP start character (0x0B); answered AR", peer)
                    ack = _fallback_ack("", "AR", "not framed as MLLP (no 0x0B start block)", self.application,
                                        self.facility)
                    writer.writeblock(ack.encode("utf-8"))
                    await writer.drain()
                    continue
                except ValueError:
                    log.warning("HL7 from %s: a message over %s bytes; answered AR", peer, MAX_MESSAGE_BYTES)
                    ack = _fallback_ack("", "AR", "message too large", self.application, self.facility)
                    writer.writeblock(ack.encode("utf-8"))
                    await writer.drain()
                    continue
                text = decode(block)
                try:
                    ack = await loop.run_in_executor(self._worker, self.handler, text, peer)
                except Exception as exc:  # noqa: BLE001 - a bug must not stop the listener
                    log.exception("HL7 from %s: the message could not be handled", peer)
                    ack = _fallback_ack(text, "AE", f"internal error ({type(exc).__name__})", self.application,
                                        self.facility)
                writer.writeblock(ack.encode("utf-8"))
                await writer.drain()
        except (ConnectionError, OSError) as exc:
            log.info("HL7 connection from %s ended: %s", peer, exc)
        finally:
            writer.close()

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)
        self._worker.shutdown(wait=True)


class SendError(OSError):
    """The message could not be sent or no acknowledgement came back."""


def send(host: str, port: int, message: str, *, timeout_s: float = 30.0,
         on_written: Callable[[], None] | None = None) -> str:
    """Send one framed message and return the acknowledgement's text. ``on_written`` runs once the
    message is on the wire, before the acknowledgement is awaited. Raises SendError."""
    try:
        with socket.create_connection((host, port), timeout=timeout_s) as sock:
            sock.settimeout(timeout_s)
            sock.sendall(START + message.encode("utf-8") + END)
            if on_written is not None:
                on_written()
            buffer = b""
            while END not in buffer:
                chunk = sock.recv(65536)
                if not chunk:
                    raise SendError("the receiver closed the connection without an acknowledgement")
                buffer += chunk
                if len(buffer) > MAX_MESSAGE_BYTES:
                    raise SendError("the acknowledgement is too large")
    except socket.timeout:
        raise SendError(f"no acknowledgement from {host}:{port} within {timeout_s:g} s") from None
    except OSError as exc:
        if isinstance(exc, SendError):
            raise
        raise SendError(f"cannot reach {host}:{port}: {exc.strerror or exc}") from None
    block = buffer.split(END, 1)[0]
    start = block.find(START)
    return decode(block[start + 1:] if start >= 0 else block)
