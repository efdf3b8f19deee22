"""HL7 FHIR R4 export: a Bundle (type collection) per file.

Per case: Patient; Procedure (code, bodySite, complications, performers,
focalDevice for every device); Practitioner and PractitionerRole for each
team member, the lab's Organization (identity from the database settings,
``services.exchange.fhir_identity``); BodyStructure per access (site and
laterality); Device (udiCarrier with the GS1 issuer and the UDI as scanned,
lot, expiry, serial); Observations for ACT, contrast volume, air kerma, DAP
and fluoroscopy time (UCUM units); MedicationAdministration for every drug.
Codes come from ``resources/fhir_codes.json`` (``fhir_codes``) beside the
text; an unlisted term is text only. A voided entry is exported with status
``entered-in-error`` (its Device, Observation or MedicationAdministration). Each resource is built and validated with fhir.resources
(R4B models, wire-compatible with R4 for these resources) and streamed into
the Bundle one entry at a time. Ids are stable UUIDs derived from cathlog's
own ids, so the same case exports to the same resources every time.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from fhir.resources.R4B.bodystructure import BodyStructure
from fhir.resources.R4B.device import Device
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.organization import Organization
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole
from fhir.resources.R4B.procedure import Procedure

from cathlog.domain.enums import (AccessSite, ComplicationKind, DeviceType, Drug, EventKind,
                                  PlannedProcedure, ProcedureStatus, Route, Side)
from cathlog.domain.records import EventVersion, ProcedureRecord
from cathlog.exchange.fhir_codes import concept
from cathlog.fileio import atomic_write
from cathlog.hl7.codes import is_pci

_NS = uuid.UUID("6f1d3c2a-4b7e-4f0e-9a51-2c8d7e3b9a10")
MRN_SYSTEM = "urn:cathlog:local:mrn"  # used only when no identity is given (see services.exchange.FHIR_DEFAULTS)
GS1_ISSUER = "http://hl7.org/fhir/NamingSystem/gs1-di"
CASE_SYSTEM = "urn:cathlog:procedure-id"
UCUM = "http://unitsofmeasure.org"
_SEX = {"female": "female", "male": "male", "other": "other", "unknown": "unknown"}
_DOSE_UCUM = {"units": "[iU]", "mg": "mg", "mcg": "ug", "g": "g", "mL": "mL"}
# (code text, field, unit text, UCUM code) of the observations cathlog exports.
OBSERVATIONS = {
    EventKind.ACT: (("Activated clotting time", "act_s", "s", "s"),),
    EventKind.CONTRAST: (("Contrast volume", "volume_ml", "mL", "mL"),),
    EventKind.RADIATION: (("Air kerma at the reference point (Ka,r)", "air_kerma_mgy", "mGy", "mGy"),
                          ("Dose-area product (DAP)", "dap_gy_cm2", "Gy·cm²", "Gy.cm2"),
                          ("Fluoroscopy time", "fluoro_time_s", "s", "s")),
}


def _uuid(*parts: str) -> str:
    return str(uuid.uuid5(_NS, "/".join(parts)))


def _ref(resource_id: str, display: str | None = None) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}", **({"display": display} if display else {})}


DEFAULT_IDENTITY = {"fhir.mrn_system": MRN_SYSTEM, "fhir.organization_name": "Cath lab (local, not configured)",
                    "fhir.organization_system": "urn:cathlog:local:organization", "fhir.organization_id": "cathlog-lab"}
def organization(identity: dict[str, str]) -> tuple[str, Any]:
    oid = _uuid("organization", identity["fhir.organization_system"], identity["fhir.organization_id"])
    return oid, Organization.model_validate({
        "resourceType": "Organization", "id": oid, "active": True, "name": identity["fhir.organization_name"],
        "identifier": [{"system": identity["fhir.organization_system"], "value": identity["fhir.organization_id"]}]})


def _status(ev: EventVersion, ok: str) -> str:
    return "entered-in-error" if ev.voided else ok


def _procedure_code(record: ProcedureRecord) -> dict[str, Any]:
    proc = record.procedure
    text = ", ".join(PlannedProcedure(x).label for x in proc.planned)
    pci = is_pci(proc.category, proc.planned)  # the same set as the HL7 report (cathlog.hl7.codes)
    return concept("procedure", "coronary_pci" if pci else None, text)


def _device(ev: EventVersion, pid: str) -> tuple[str, Any]:
    d = ev.data
    did = _uuid("device", ev.event_id)
    carrier: dict[str, Any] = {}
    if d.get("gtin"):
        carrier = {"deviceIdentifier": d["gtin"], "issuer": GS1_ISSUER}
    if d.get("udi"):
        carrier["carrierHRF"] = d["udi"]  # the full UDI string as scanned
    body: dict[str, Any] = {"resourceType": "Device", "id": did, "patient": _ref(pid),
                            "status": _status(ev, "active"),
                            "type": concept("device_type", d["device_type"], DeviceType(d["device_type"]).label)}
    if carrier:
        body["udiCarrier"] = [carrier]
    for key, field in (("lotNumber", "lot"), ("serialNumber", "serial"), ("manufacturer", "manufacturer")):
        if d.get(field):
            body[key] = d[field]
    if d.get("expiry_date"):
        body["expirationDate"] = f"{d['expiry_date']}T00:00:00Z"
    if d.get("model"):
        body["deviceName"] = [{"name": d["model"], "type": "model-name"}]
    return did, Device.model_validate(body)


def _access(ev: EventVersion, pid: str) -> tuple[str, Any, dict[str, Any]]:
    d = ev.data
    site = concept("access_site", d["site"], AccessSite(d["site"]).label)
    bid = _uuid("bodystructure", ev.event_id)
    body: dict[str, Any] = {"resourceType": "BodyStructure", "id": bid, "patient": _ref(pid),
                            "active": not ev.voided, "location": site,
                            "description": f"Vascular access: {Side(d['side']).label} {AccessSite(d['site']).label}"}
    if d["side"] in ("left", "right"):
        body["locationQualifier"] = [concept("laterality", d["side"], Side(d["side"]).label)]
    return bid, BodyStructure.model_validate(body), site


def _team(record: ProcedureRecord, org_id: str) -> tuple[list[tuple[str, Any]], list[dict[str, Any]]]:
    out: list[tuple[str, Any]] = []
    performers = []
    for member in record.procedure.team:
        prac = _uuid("practitioner", member.name)
        if prac not in {rid for rid, _ in out}:
            out.append((prac, Practitioner.model_validate({
                "resourceType": "Practitioner", "id": prac, "name": [{"text": member.name}]})))
        role_id = _uuid("practitionerrole", member.name, member.role.value)
        if role_id not in {rid for rid, _ in out}:
            out.append((role_id, PractitionerRole.model_validate({
                "resourceType": "PractitionerRole", "id": role_id, "practitioner": _ref(prac, member.name),
                "organization": _ref(org_id), "code": [{"text": member.role.label}]})))
        performers.append({"actor": _ref(prac, member.name), "function": {"text": member.role.label},
                           "onBehalfOf": _ref(org_id)})
    return out, performers


def resources(record: ProcedureRecord, identity: dict[str, str] | None = None) -> list[tuple[str, Any]]:
    """(uuid, validated fhir.resources model) for one case; ``identity`` as
    ``services.exchange.fhir_identity`` gives it (local placeholders when None)."""
    ident = {**DEFAULT_IDENTITY, **(identity or {})}
    p, proc = record.patient, record.procedure
    pid, prid = _uuid("patient", p.mrn), _uuid("procedure", proc.procedure_id)
    org_id, org = organization(ident)
    out: list[tuple[str, Any]] = [(org_id, org)]
    name = {"family": p.family_name, **({"given": [p.given_name]} if p.given_name else {})}
    out.append((pid, Patient.model_validate({
        "resourceType": "Patient", "id": pid, "identifier": [{"system": ident["fhir.mrn_system"], "value": p.mrn}],
        "name": [name], "gender": _SEX[p.sex], "birthDate": p.birth_date, "managingOrganization": _ref(org_id)})))
    team, performers = _team(record, org_id)
    out.extend(team)
    devices, sites = [], []
    for ev in record.current_events(include_voided=True):
        if ev.kind is EventKind.DEVICE:
            did, device = _device(ev, pid)
            out.append((did, device))
            if not ev.voided:
                devices.append({"action": {"text": ev.data["state"]}, "manipulated": _ref(did)})
        elif ev.kind is EventKind.ACCESS:
            bid, structure, site = _access(ev, pid)
            out.append((bid, structure))
            if not ev.voided:
                sites.append(site)
    complications = [concept("complication", ev.data["complication"],
                             ev.data.get("description") or ComplicationKind(ev.data["complication"]).label)
                     for ev in record.current_events(EventKind.COMPLICATION)]
    status = "in-progress" if proc.status is ProcedureStatus.OPEN else "completed"
    body: dict[str, Any] = {
        "resourceType": "Procedure", "id": prid, "identifier": [{"system": CASE_SYSTEM, "value": proc.procedure_id}],
        "status": status, "subject": _ref(pid), "performedDateTime": proc.started_at, "code": _procedure_code(record),
        "category": {"text": proc.category}, "reasonCode": [{"text": proc.indication}]}
    for key, value in (("performer", performers), ("focalDevice", devices), ("bodySite", sites),
                       ("complication", complications)):
        if value:
            body[key] = value
    out.append((prid, Procedure.model_validate(body)))
    for ev in record.current_events(include_voided=True):
        out.extend(_clinical(ev, pid, prid))
    return out


def _clinical(ev: EventVersion, pid: str, prid: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for n, (text, field, unit, code) in enumerate(OBSERVATIONS.get(ev.kind, ())):
        if ev.data.get(field) is None:
            continue
        oid = _uuid("observation", ev.event_id, str(n))
        out.append((oid, Observation.model_validate({
            "resourceType": "Observation", "id": oid, "status": _status(ev, "final"),
            "code": concept("observation", field, text), "subject": _ref(pid), "partOf": [_ref(prid)],
            "effectiveDateTime": ev.occurred_at,
            "valueQuantity": {"value": ev.data[field], "unit": unit, "system": UCUM, "code": code}})))
    if ev.kind is EventKind.MEDICATION:
        d = ev.data
        mid = _uuid("medication", ev.event_id)
        drug = None if d["drug"] == Drug.OTHER else d["drug"]
        out.append((mid, MedicationAdministration.model_validate({
            "resourceType": "MedicationAdministration", "id": mid, "status": _status(ev, "completed"),
            "medicationCodeableConcept": concept("drug", drug, d.get("drug_name") or Drug(d["drug"]).label),
            "subject": _ref(pid), "partOf": [_ref(prid)], "effectiveDateTime": ev.occurred_at,
            "dosage": {"route": {"text": Route(d["route"]).label},
                       "dose": {"value": d["dose"], "unit": d["dose_unit"], "system": UCUM,
                                "code": _DOSE_UCUM[d["dose_unit"]]}}})))
    return out


def write_bundle(path: str | Path, records: Iterable[ProcedureRecord],
                 identity: dict[str, str] | None = None) -> int:
    """Stream a FHIR Bundle of every record into ``path`` (atomically); ``identity``
    is ``services.exchange.fhir_identity`` (MRN system, the lab's organisation)."""
    count = 0
    seen: set[str] = set()  # a patient, practitioner or the organisation appears once
    with atomic_write(path) as fh:
        fh.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
        first = True
        for record in records:
            count += 1
            for rid, resource in resources(record, identity):
                if rid in seen:
                    continue
                seen.add(rid)
                entry = {"fullUrl": f"urn:uuid:{rid}", "resource": json.loads(resource.model_dump_json())}
                fh.write(("" if first else ",") + "\n" + json.dumps(entry, ensure_ascii=False))
                first = False
        fh.write("\n]}\n")
    return count
