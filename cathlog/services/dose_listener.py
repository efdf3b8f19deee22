"""The dose-report listener as the GUI and ``cathlog dicom-listen`` run it (issue 15 item 2).

The DICOM Storage SCP (``dicom.scp``) runs in pynetdicom's threads; each report it receives is kept,
audited and matched by a :class:`DoseService` on a connection of its own to the same database (a file in
WAL mode, or the same PostgreSQL server: the nurse's screen keeps writing meanwhile), acting for the signed-in user who
started it. The listener's AE title, port and allowed calling AE titles are the lab's settings;
starting and stopping it are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cathlog.dicom.scp import CANNOT_UNDERSTAND, SUCCESS, DoseListener, Received
from cathlog.domain.dose import ae_title_list
from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import ServiceBase
from cathlog.services.cases import CaseService
from cathlog.services.dose import DoseService
from cathlog.services.settings import stored_values
from cathlog.store.db import Store


@dataclass(frozen=True)
class ListenerSettings:
    enabled: bool
    ae_title: str
    port: int
    allowed_calling: tuple[str, ...]


class RunningListener:
    """A started listener and the connection its reports are written through."""

    def __init__(self, listener: DoseListener, store: Store | None, on_stop: Callable[[], None]):
        self.listener, self._store, self._on_stop = listener, store, on_stop

    @property
    def port(self) -> int:
        return self.listener.port

    @property
    def running(self) -> bool:
        return self.listener.running

    @property
    def last(self) -> Received | None:
        return self.listener.last

    def status_text(self) -> str:
        """One line for the status bar: the listener's state and the last report received."""
        if not self.listener.running:
            return "Dose reports: not listening" + (f" ({self.listener.error})" if self.listener.error else "")
        text = f"Dose reports: listening as {self.listener.ae_title} on port {self.port}"
        last = self.listener.last
        if last is not None:
            text += f"; last from {last.calling_ae} at {last.at.astimezone().strftime('%H:%M')}: {last.message}"
        return text

    def stop(self) -> None:
        if self.listener.running:
            self.listener.stop()
            self._on_stop()
        if self._store is not None:
            self._store.close()
            self._store = None


class DoseListenerService(ServiceBase):
    def __init__(self, store: Store, *, dose: DoseService):
        super().__init__(store, dose.clock)
        self.dose = dose

    def settings(self, actor: Actor) -> ListenerSettings:
        self.require(actor, Action.VIEW_RECORDS)
        values = stored_values(self.store)
        return ListenerSettings(values["dose.listen"] == "yes", values["dose.ae_title"], int(values["dose.port"]),
                                tuple(ae_title_list(values["dose.allowed_calling"])))

    def start(self, actor: Actor, *, port: int | None = None, host: str = "0.0.0.0",
              on_received: Callable[[Received], None] | None = None) -> RunningListener:
        """Start listening with the lab's settings (``port`` overrides the setting; 0 lets the OS choose).
        OSError when the port cannot be had (in use, or below 1024 without the right)."""
        self.require(actor, Action.RECORD_EVENT)
        config = self.settings(actor)
        target = self.store.url if self.store.url is not None else self.store.path
        own = Store.open(target, create=False, verify=False) if target is not None else None
        worker = DoseService(own, self.clock, cases=CaseService(own, self.clock), local_zone=self.dose._zone) \
            if own is not None else self.dose

        def on_report(data: bytes, calling_ae: str) -> tuple[int, str]:
            result = worker.receive(actor, data, channel="network", sender=calling_ae)
            return (CANNOT_UNDERSTAND if result.outcome == "unreadable" else SUCCESS), result.message

        listener = DoseListener(config.ae_title, config.port if port is None else port, on_report,
                                allowed_calling=list(config.allowed_calling), host=host, on_received=on_received)
        try:
            listener.start()
        except OSError:
            if own is not None:
                own.close()
            raise
        with self.store.write():
            self.audit(actor, "start_dose_listener", "dose_listener", config.ae_title,
                       new={"ae_title": config.ae_title, "port": listener.port, "host": host,
                            "allowed_calling": list(config.allowed_calling)})

        def on_stop() -> None:
            with self.store.write():
                self.audit(actor, "stop_dose_listener", "dose_listener", config.ae_title, new={"port": listener.port})

        return RunningListener(listener, own, on_stop)
