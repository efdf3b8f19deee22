"""HL7 FHIR R4 export: a Bundle (type collection) per file.

Per case: Patient; Procedure (focalDevice for every device used or
implanted); Device (udiCarrier, lot, expiry, serial); Observations for ACT,
contrast volume, air kerma and DAP (UCUM units); MedicationAdministration
for every drug. Each resource is built and validated with fhir.resources
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

from fhir.resources.R4B.device import Device
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

from cathlog.domain.enums import DeviceType, Drug, EventKind, PlannedProcedure, ProcedureStatus, Route
from cathlog.domain.records import ProcedureRecord
from cathlog.fileio import atomic_write

_NS = uuid.UUID("6f1d3c2a-4b7e-4f0e-9a51-2c8d7e3b9a10")
MRN_SYSTEM = "urn:cathlog:mrn"
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


def _ref(resource_id: str) -> dict[str, str]:
    return {"reference": f"urn:uuid:{resource_id}"}


def resources(record: ProcedureRecord) -> list[tuple[str, Any]]:
    """(uuid, validated fhir.resources model) for one case."""
    p, proc = record.patient, record.procedure
    pid, prid = _uuid("patient", p.mrn), _uuid("procedure", proc.procedure_id)
    out: list[tuple[str, Any]] = []
    name = {"family": p.family_name, **({"given": [p.given_name]} if p.given_name else {})}
    out.append((pid, Patient.model_validate({
        "resourceType": "Patient", "id": pid, "identifier": [{"system": MRN_SYSTEM, "value": p.mrn}],
        "name": [name], "gender": _SEX[p.sex], "birthDate": p.birth_date})))
    devices = []
    for ev in record.current_events(EventKind.DEVICE):
        d = ev.data
        did = _uuid("device", ev.event_id)
        carrier = {k: v for k, v in (("deviceIdentifier", d.get("gtin")), ("carrierHRF", d.get("udi"))) if v}
        body: dict[str, Any] = {"resourceType": "Device", "id": did, "patient": _ref(pid),
                                "type": {"text": DeviceType(d["device_type"]).label}}
        if carrier:
            body["udiCarrier"] = [carrier]
        for key, field in (("lotNumber", "lot"), ("serialNumber", "serial"), ("manufacturer", "manufacturer")):
            if d.get(field):
                body[key] = d[field]
        if d.get("expiry_date"):
            body["expirationDate"] = f"{d['expiry_date']}T00:00:00Z"
        if d.get("model"):
            body["deviceName"] = [{"name": d["model"], "type": "model-name"}]
        out.append((did, Device.model_validate(body)))
        devices.append({"action": {"text": d["state"]}, "manipulated": _ref(did)})
    status = "in-progress" if proc.status is ProcedureStatus.OPEN else "completed"
    body = {"resourceType": "Procedure", "id": prid, "identifier": [{"system": CASE_SYSTEM,
                                                                      "value": proc.procedure_id}],
            "status": status, "subject": _ref(pid), "performedDateTime": proc.started_at,
            "code": {"text": ", ".join(PlannedProcedure(x).label for x in proc.planned)},
            "category": {"text": proc.category}, "reasonCode": [{"text": proc.indication}]}
    if proc.team:
        body["performer"] = [{"actor": {"display": m.name}, "function": {"text": m.role.label}} for m in proc.team]
    if devices:
        body["focalDevice"] = devices
    out.append((prid, Procedure.model_validate(body)))
    for ev in record.current_events():
        for n, (text, field, unit, code) in enumerate(OBSERVATIONS.get(ev.kind, ())):
            if ev.data.get(field) is None:
                continue
            oid = _uuid("observation", ev.event_id, str(n))
            out.append((oid, Observation.model_validate({
                "resourceType": "Observation", "id": oid, "status": "final", "code": {"text": text},
                "subject": _ref(pid), "partOf": [_ref(prid)], "effectiveDateTime": ev.occurred_at,
                "valueQuantity": {"value": ev.data[field], "unit": unit, "system": UCUM, "code": code}})))
        if ev.kind is EventKind.MEDICATION:
            d = ev.data
            mid = _uuid("medication", ev.event_id)
            out.append((mid, MedicationAdministration.model_validate({
                "resourceType": "MedicationAdministration", "id": mid, "status": "completed",
                "medicationCodeableConcept": {"text": d.get("drug_name") or Drug(d["drug"]).label},
                "subject": _ref(pid), "partOf": [_ref(prid)], "effectiveDateTime": ev.occurred_at,
                "dosage": {"route": {"text": Route(d["route"]).label},
                           "dose": {"value": d["dose"], "unit": d["dose_unit"], "system": UCUM,
                                    "code": _DOSE_UCUM[d["dose_unit"]]}}})))
    return out


def write_bundle(path: str | Path, records: Iterable[ProcedureRecord]) -> int:
    """Stream a FHIR Bundle of every record into ``path`` (atomically)."""
    count = 0
    seen_patients: set[str] = set()
    with atomic_write(path) as fh:
        fh.write('{"resourceType": "Bundle", "type": "collection", "entry": [')
        first = True
        for record in records:
            count += 1
            for rid, resource in resources(record):
                if resource.get_resource_type() == "Patient":
                    if rid in seen_patients:
                        continue
                    seen_patients.add(rid)
                entry = {"fullUrl": f"urn:uuid:{rid}", "resource": json.loads(resource.model_dump_json())}
                fh.write(("" if first else ",") + "\n" + json.dumps(entry, ensure_ascii=False))
                first = False
        fh.write("\n]}\n")
    return count
