"""FHIR Bundle validates; a de-identified export holds no identifier of any demo patient."""

import pytest
import json
import zipfile
from collections import Counter

from fhir.resources.R4B.bundle import Bundle
from cathlog.exchange.fhir import write_bundle
from cathlog.exchange.json_records import parse_records, write_records
from cathlog.exchange.spreadsheets import write_csv_zip

pytestmark = pytest.mark.backends


def test_fhir_bundle_validates_and_has_every_resource(tmp_path, services, admin):
    services.demo.load(admin, 5, seed=3)
    out = tmp_path / "b.json"
    assert write_bundle(out, services.exchange.iter_records(admin)) == 5
    bundle = Bundle.model_validate_json(out.read_text())
    kinds = Counter(e.resource.get_resource_type() for e in bundle.entry)
    assert kinds["Patient"] == 5 and kinds["Procedure"] == 5
    assert kinds["Device"] > 0 and kinds["Observation"] > 0 and kinds["MedicationAdministration"] > 0
    procedures = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Procedure"]
    assert all(p.focalDevice for p in procedures)
    devices = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Device"]
    assert any(d.udiCarrier and d.lotNumber and d.expirationDate for d in devices)
    act = [e.resource for e in bundle.entry if e.resource.get_resource_type() == "Observation"
           and e.resource.code.text == "Activated clotting time"]
    assert act and act[0].valueQuantity.code == "s"
    urls = {e.fullUrl for e in bundle.entry}
    refs = {r for e in bundle.entry for r in [json.loads(e.resource.model_dump_json()).get("subject", {})
                                              .get("reference")] if r}
    assert refs <= urls  # every subject reference resolves inside the bundle
    again = tmp_path / "c.json"
    write_bundle(again, services.exchange.iter_records(admin))
    assert again.read_text() == out.read_text()  # stable ids


def _identifiers(services, admin):
    found = set()
    for r in services.exchange.iter_records(admin):
        p = r.patient
        found |= {p.mrn, p.family_name, p.birth_date, r.procedure.procedure_id, r.procedure.started_at[:10]}
        if p.given_name:
            found.add(p.given_name)
        found |= {v.event_id for h in r.events for v in h.versions}  # entry ids link back too (issue 13)
        found.add(r.procedure.patient_id)
        for ev in r.current_events():
            for key in ("lot", "serial", "udi"):
                if ev.data.get(key):
                    found.add(ev.data[key])
            if ev.kind.value == "note":
                found.add(ev.data["text"])
        found |= {m.name for m in r.procedure.team}
    return {f for f in found if len(f) >= 3}


def test_deidentified_exports_contain_no_identifier(tmp_path, services, admin):
    services.demo.load(admin, 10, seed=9)
    identifiers = _identifiers(services, admin)
    outputs = {}
    for name, writer in (("d.json", write_records), ("d.fhir.json", write_bundle), ("d.zip", write_csv_zip)):
        path = tmp_path / name
        if name.endswith(".zip"):  # the flat tables: streamed rows through the de-identifying row transform
            writer(path, services.exchange.flat_tables(admin, deidentified=True))
        else:
            writer(path, services.exchange.deidentified(admin, services.exchange.iter_records(admin)))
        if name.endswith(".zip"):
            with zipfile.ZipFile(path) as z:
                outputs[name] = "".join(z.read(n).decode("utf-8-sig") for n in z.namelist())
        else:
            outputs[name] = path.read_text(encoding="utf-8")
    for name, text in outputs.items():
        leaks = [i for i in identifiers if i in text]
        assert not leaks, f"{name} leaks {leaks[:5]}"


def test_pseudonyms_are_stable_and_intervals_survive(tmp_path, services, admin):
    services.demo.load(admin, 3, seed=4)
    one = list(services.exchange.deidentified(admin, services.exchange.iter_records(admin)))
    two = list(services.exchange.deidentified(admin, services.exchange.iter_records(admin)))
    assert [r.patient.mrn for r in one] == [r.patient.mrn for r in two]
    assert all(r.procedure.started_at[5:] == "01-01T00:00:00Z" for r in one)
    original = list(services.exchange.iter_records(admin))[0]
    from cathlog.domain.records import parse_utc_iso

    def gaps(record):
        times = [parse_utc_iso(h.current.occurred_at) for h in record.events]
        return [b - a for a, b in zip(times, times[1:])]

    assert gaps(original) == gaps(one[0])
    out = tmp_path / "d.json"
    write_records(out, iter(one))
    assert len(parse_records(out.read_bytes(), "d.json")) == 3  # still a valid record file
