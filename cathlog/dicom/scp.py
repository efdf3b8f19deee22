"""A DICOM Storage SCP for radiation dose reports (pynetdicom): the X-ray system sends its X-Ray
Radiation Dose SR here at the end of each study (IHE REM, "Dose Reporter" to "Dose Consumer").

Only the two dose-report SOP classes are offered (X-Ray and Enhanced X-Ray Radiation Dose SR), in every
standard transfer syntax; a sender must call cathlog's AE title and, when the lab lists them, be one of
the allowed calling AE titles. Each received object is handed, as the bytes of a DICOM file, to
``on_report`` (the services keep it, audit it and match it) from pynetdicom's association thread; its
answer is the C-STORE status the X-ray system gets: success once the report is safely kept, "out of
resources" (the sender retries later) when it could not be.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt
from pynetdicom.transport import ThreadedAssociationServer

from cathlog.domain.dose import ACCEPTED_SOP_CLASSES

log = logging.getLogger(__name__)
SUCCESS = 0x0000
OUT_OF_RESOURCES = 0xA700  # "Refused: out of resources": the sender keeps the report and retries
CANNOT_UNDERSTAND = 0xC000


@dataclass(frozen=True)
class Received:
    """What the listener last received and what became of it."""

    at: datetime
    calling_ae: str
    status: int
    message: str


class DoseListener:
    """The Storage SCP. ``on_report(data, calling_ae)`` returns (C-STORE status, message)."""

    def __init__(self, ae_title: str, port: int, on_report: Callable[[bytes, str], tuple[int, str]], *,
                 allowed_calling: list[str] | None = None, host: str = "0.0.0.0",
                 on_received: Callable[[Received], None] | None = None):
        self.ae_title, self.host, self.requested_port = ae_title, host, port
        self.allowed_calling = list(allowed_calling or [])
        self.on_report, self.on_received = on_report, on_received
        self.last: Received | None = None
        self.error: str | None = None
        self._server: ThreadedAssociationServer | None = None
        self._lock = threading.Lock()  # one report at a time: the services' transaction is short

    @property
    def running(self) -> bool:
        return self._server is not None

    @property
    def port(self) -> int:
        """The port listened on (the one the OS chose when 0 was asked for)."""
        if self._server is None:
            return self.requested_port
        return int(self._server.server_address[1])

    def start(self) -> None:
        """Listen (in pynetdicom's own threads); OSError when the port cannot be had."""
        if self._server is not None:
            return
        ae = AE(ae_title=self.ae_title)
        for uid in ACCEPTED_SOP_CLASSES:
            ae.add_supported_context(uid, ALL_TRANSFER_SYNTAXES)
        ae.require_called_aet = True
        if self.allowed_calling:
            ae.require_calling_aet = self.allowed_calling
        try:
            self._server = ae.start_server((self.host, self.requested_port), block=False,
                                           evt_handlers=[(evt.EVT_C_STORE, self._handle_store)])
        except OSError as exc:
            self.error = f"cannot listen on port {self.requested_port}: {exc.strerror or exc}"
            raise
        self.error = None
        log.info("dose listener %s on %s:%s", self.ae_title, self.host, self.port)

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()

    def _handle_store(self, event: Any) -> int:
        calling = str(event.assoc.requestor.ae_title).strip()
        try:
            data = event.encoded_dataset(include_meta=True)
        except Exception as exc:  # noqa: BLE001 - a data set pynetdicom cannot encode: tell the sender
            return self._note(calling, CANNOT_UNDERSTAND, f"the object could not be read: {exc}")
        try:
            with self._lock:
                status, message = self.on_report(data, calling)
        except Exception as exc:  # noqa: BLE001 - never let the sender think it was kept when it was not
            log.exception("a dose report from %s could not be kept", calling)
            return self._note(calling, OUT_OF_RESOURCES, f"not kept ({exc}); the X-ray system will send it again")
        return self._note(calling, status, message)

    def _note(self, calling: str, status: int, message: str) -> int:
        self.last = Received(datetime.now(timezone.utc), calling, status, message)
        if self.on_received is not None:
            try:
                self.on_received(self.last)
            except Exception:  # noqa: BLE001 - a display callback must not fail the C-STORE
                log.exception("dose listener callback failed")
        return status
