"""The HL7 interface at run time: the ADT listener and the report sender, each on a thread of its own
with its own connection to the database (a SQLite file's, or a PostgreSQL server's: connections are not
shared between threads, nor transactions).

Started by ``python -m cathlog hl7-listen`` / ``hl7-send`` and by the GUI where the lab's settings say
so (``hl7.listen`` on; the sender runs whenever a receiver is set, ``hl7.out_host``). The report PDF is
drawn by a renderer the launcher passes in (ReportLab sits in ``cathlog.reports``, beside this layer).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from cathlog.hl7.mllp import Listener
from cathlog.paths import is_server_url
from cathlog.services import Services
from cathlog.services.hl7_out import Renderer

log = logging.getLogger(__name__)


class Hl7Interface:
    def __init__(self, db_path: str | Path, render: Renderer, *, listen: bool, send: bool, poll_s: float = 1.0,
                 listen_host: str | None = None, listen_port: int | None = None):
        self.db_path: str | Path = db_path if is_server_url(db_path) else Path(db_path)  # a file or a server URL
        self.render = render
        self.listen, self.send = listen, send
        self.poll_s = poll_s
        self.listen_host, self.listen_port = listen_host, listen_port
        self.listener: Listener | None = None
        self._listener_services: Services | None = None
        self._sender: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.error: str | None = None

    @property
    def port(self) -> int:
        return self.listener.port if self.listener else 0

    def start(self) -> Hl7Interface:
        if self.listen:
            services = Services.open(self.db_path, verify=False)
            settings = services.hl7_in.interface_settings()
            host = self.listen_host or settings["hl7.listen_host"]
            port = int(settings["hl7.listen_port"]) if self.listen_port is None else self.listen_port
            listener = Listener(host, port, lambda text, peer: services.hl7_in.receive(text, peer).ack,
                                application=settings["hl7.application"], facility=settings["hl7.facility"])
            try:
                listener.start()
            except OSError:
                services.close()
                raise
            self.listener, self._listener_services = listener, services
        if self.send:
            self._sender = threading.Thread(target=self._send_loop, name="hl7-sender", daemon=True)
            self._sender.start()
        return self

    def wake(self) -> None:
        """Send now (e.g. right after a signature) instead of at the next poll."""
        self._wake.set()

    def _send_loop(self) -> None:
        try:
            services = Services.open(self.db_path, verify=False)
        except Exception as exc:  # noqa: BLE001 - said in the log and in .error; the application goes on
            self.error = f"the report sender cannot open the database: {exc}"
            log.error("HL7 report sender not started: %s", exc)
            return
        try:
            services.hl7_out.recover()
            while not self._stop.is_set():
                try:
                    services.hl7_out.build_pending(self.render)
                    services.hl7_out.send_due()
                    self.error = None
                except Exception as exc:  # noqa: BLE001 - the sender must outlive a bad pass (disk full, locked)
                    self.error = f"{type(exc).__name__}: {exc}"
                    log.exception("HL7 report sender: a pass failed; retrying")
                self._wake.wait(self.poll_s)
                self._wake.clear()
        finally:
            services.close()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self.listener is not None:
            self.listener.stop()
            self.listener = None
        if self._listener_services is not None:
            self._listener_services.close()
            self._listener_services = None
        if self._sender is not None:
            self._sender.join(30)
            self._sender = None


def send_once(services: Services, render: Renderer) -> tuple[int, list[tuple[str, str, str | None]]]:
    """One pass of the sender on ``services``: recover, build, send. (built, [(control id, state, reason)])."""
    services.hl7_out.recover()
    built = services.hl7_out.build_pending(render)
    return built, [(r.control_id, r.state, r.reason) for r in services.hl7_out.send_due()]
