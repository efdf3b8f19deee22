"""The patient's implants across cases, as plain data (computed in
``cathlog.rules.case_facts.patient_implants``): what was left in the patient,
in which case, and whether a later entry retrieved or explanted it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cathlog.domain.describe import device_name
from cathlog.domain.records import EventVersion
from cathlog.domain.vocab_lab import DeviceState


@dataclass(frozen=True)
class Removal:
    """An entry that removed (or tried to remove) an implant."""

    event: EventVersion  # the device entry with state retrieved / explanted / retrieval failed
    state: DeviceState
    on: date  # the day of the removing entry (UTC date as stored)

    @property
    def procedure_id(self) -> str:
        return self.event.procedure_id

    @property
    def text(self) -> str:
        return f"{self.state.label} on {self.on.isoformat()} (case {self.procedure_id})"


@dataclass(frozen=True)
class PatientImplant:
    """A device left in the patient by one case, with what later entries did to it."""

    event: EventVersion  # the implanted device entry (latest version)
    placed_on: date
    removal: Removal | None = None  # the entry that retrieved or explanted it
    failed_attempts: tuple[Removal, ...] = ()

    @property
    def procedure_id(self) -> str:
        return self.event.procedure_id

    @property
    def in_place(self) -> bool:
        return self.removal is None

    @property
    def title(self) -> str:
        d = self.event.data
        ids = ", ".join(f"{k} {d[k]}" for k in ("lot", "serial") if d.get(k))
        return f"{device_name(d)}" + (f", {ids}" if ids else "") + f", placed {self.placed_on.isoformat()}"

    @property
    def status(self) -> str:
        if self.removal is not None:
            return self.removal.text
        if self.failed_attempts:
            return "in place; " + "; ".join(a.text for a in self.failed_attempts)
        return "in place"
