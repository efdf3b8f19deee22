"""The patient's implants across cases (issue 11 item 13): what earlier cases
left in the patient, what was retrieved or explanted since, and the check that
an entry removing an implant names one of the same patient still in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cathlog.store.db import Store

from cathlog.domain.enums import REMOVAL_STATES, Action
from cathlog.domain.errors import Issue, NotFound, ValidationError
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import Actor, Procedure, ProcedureRecord
from cathlog.rules.implant_facts import match_implant, patient_implants
from cathlog.services.base import ServiceBase
from cathlog.store import records as rec


def _records(store: Store, patient_id: str) -> list[ProcedureRecord]:
    out = []
    for procedure_id in rec.patient_procedure_ids(store, patient_id):
        record = rec.read_case(store, procedure_id)
        if record is not None:
            out.append(record)
    return out


def implants_of(store: Store, patient_id: str) -> tuple[PatientImplant, ...]:
    """Every implant of the patient's cases with its removal status (no role check: callers check)."""
    return patient_implants(_records(store, patient_id))


def check_removal(store: Store, proc: Procedure, data: Mapping[str, Any], event_id: str | None = None) -> None:
    """An entry that removes an implant must name an implant of the same patient that is still
    in place (a correction may keep naming the implant it removed itself)."""
    target = data.get("removes_event_id")
    if not target or data.get("state") not in REMOVAL_STATES:
        return
    found = {i.event.event_id: i for i in implants_of(store, proc.patient_id)}
    imp = found.get(target)
    if imp is None:
        raise ValidationError([Issue("removes_event_id", target, "that is not an implant of this patient")])
    if imp.removal is not None and imp.removal.event.event_id != event_id:
        raise ValidationError([Issue("removes_event_id", target,
                                     f"that implant was already {imp.removal.text}")])


class ImplantService(ServiceBase):
    def of_patient(self, actor: Actor, patient_id: str) -> tuple[PatientImplant, ...]:
        """The patient's implants across cases, oldest first, each with its removal status."""
        self.require(actor, Action.VIEW_RECORDS)
        with self.store.read():
            return implants_of(self.store, patient_id)

    def in_place(self, actor: Actor, patient_id: str) -> tuple[PatientImplant, ...]:
        """The patient's implants still in place (a failed retrieval attempt leaves one in place)."""
        return tuple(i for i in self.of_patient(actor, patient_id) if i.in_place)

    def match(self, actor: Actor, patient_id: str, *, udi: str | None = None, serial: str | None = None,
              gtin: str | None = None, other_than: str | None = None) -> PatientImplant:
        """The implant in place a scanned UDI or serial names (optionally not one of case
        ``other_than``: a scan in the case that placed it is a repeat scan), or NotFound."""
        candidates = [i for i in self.in_place(actor, patient_id) if i.procedure_id != other_than]
        found = match_implant(candidates, udi=udi, serial=serial, gtin=gtin)
        if found is None:
            raise NotFound("no implant of this patient still in place has that UDI or serial")
        return found

