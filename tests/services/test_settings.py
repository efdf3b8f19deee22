"""The lab's settings (issue 14 items 4 and 9): typed, validated, read with defaults, set by an admin, audited."""

from __future__ import annotations

import json

import pytest

from cathlog.domain.errors import PermissionDenied, ValidationError
from cathlog.exchange.export import export
from cathlog.services.settings import FHIR_DEFAULTS, SETTINGS, checked
from tests.helpers import open_case

pytestmark = pytest.mark.backends

OID = "urn:oid:1.2.840.114350.1.13.0.1.7.5.737384.14"


def test_defaults_until_set_and_every_role_may_read(services, admin, nurse, physician):
    for actor in (admin, nurse, physician):
        values = services.settings.values(actor)
        assert list(values) == [s.key for s in SETTINGS]
        assert values["lab_name"] == "" and values["lab_phone"] == ""
        assert {k: values[k] for k in FHIR_DEFAULTS} == FHIR_DEFAULTS
    assert services.settings.lab_contact(nurse) == ("", "")


def test_admin_sets_and_everyone_reads_it_back(services, admin, nurse):
    assert services.settings.set(admin, "lab_name", "  St. Elsewhere Cath Lab ") == "St. Elsewhere Cath Lab"
    services.settings.set(admin, "lab_phone", "+1 (555) 0100-12")
    services.settings.set(admin, "fhir.mrn_system", OID)
    services.settings.set(admin, "fhir.organization_system", "https://lab.example.org/ids")
    assert services.settings.lab_contact(nurse) == ("St. Elsewhere Cath Lab", "+1 (555) 0100-12")
    assert services.settings.values(nurse)["fhir.mrn_system"] == OID
    identity = services.exchange.fhir_identity(admin)
    assert identity["fhir.mrn_system"] == OID
    assert identity["fhir.organization_system"] == "https://lab.example.org/ids"
    assert identity["fhir.organization_id"] == FHIR_DEFAULTS["fhir.organization_id"]


def test_each_change_is_audited_with_old_and_new_value(services, admin):
    services.settings.set(admin, "lab_phone", "555 0100")
    services.settings.set(admin, "lab_phone", "555 0199", reason="new switchboard")
    services.settings.set(admin, "lab_phone", "555 0199")  # unchanged: nothing to record
    rows = services.admin.audit_rows(admin, action="set_setting")
    assert [(r.entity, r.entity_id, json.loads(r.old_value), json.loads(r.new_value), r.reason) for r in rows] == [
        ("settings", "lab_phone", {"value": None}, {"value": "555 0100"}, None),
        ("settings", "lab_phone", {"value": "555 0100"}, {"value": "555 0199"}, "new switchboard")]
    assert services.admin.verify_audit(admin).ok


@pytest.mark.parametrize("key, value, says", [
    ("lab_name", "", "1 to 100 characters"),
    ("lab_name", "x" * 101, "1 to 100 characters"),
    ("lab_name", "Lab\nTwo", "no control characters"),
    ("lab_phone", "call 555", "digits, spaces and + - ( )"),
    ("lab_phone", "12", "3 to 30 characters"),
    ("lab_phone", "1" * 31, "3 to 30 characters"),
    ("lab_phone", "+-()", "at least one digit"),
    ("fhir.mrn_system", "1.2.840.114350", "urn:oid:"),
    ("fhir.mrn_system", "urn:oid:1.2.abc", "urn:oid:"),
    ("fhir.mrn_system", "urn:oid:1.02.3", "urn:oid:"),
    ("fhir.organization_system", "ftp://lab.example.org", "http(s) URI"),
    ("fhir.organization_system", "https://lab example.org", "no spaces"),
    ("fhir.organization_id", "x" * 65, "1 to 64 characters"),
    ("pseudonym_key", "anything", "unknown setting"),
    ("audit_key_id", "anything", "unknown setting"),
])
def test_bad_values_are_refused_with_what_is_allowed(services, admin, key, value, says):
    before = services.settings.values(admin)
    with pytest.raises(ValidationError, match="refused|unknown setting") as caught:
        services.settings.set(admin, key, value)
    assert says in str(caught.value)
    assert services.settings.values(admin) == before
    assert services.admin.audit_rows(admin, action="set_setting") == []


@pytest.mark.parametrize("key, value", [
    ("fhir.mrn_system", "urn:oid:2.16.840.1.113883.19.5"),
    ("fhir.mrn_system", "http://hospital.example.org/mrn"),
    ("fhir.mrn_system", "urn:uuid:0c0e6a0e-3d8c-4f5e-9d1a-2b3c4d5e6f70"),
    ("lab_phone", "911"),
    ("lab_name", "Herzkatheterlabor Zoë-李"),
])
def test_good_values_are_kept_exactly(key, value):
    assert checked(key, value) == value


def test_a_nurse_or_physician_may_not_set(services, nurse, physician):
    for actor in (nurse, physician):
        with pytest.raises(PermissionDenied, match="may not manage settings"):
            services.settings.set(actor, "lab_name", "Any Lab")
    with pytest.raises(PermissionDenied):
        services.settings.set(None, "lab_name", "Any Lab")


def test_the_legacy_pseudonym_key_row_is_left_alone(services, admin):
    """An older file's row (which migrate-db carries to a server as it is) is kept and never read."""
    with services.store.write():
        services.store.engine.execute("INSERT INTO settings (key, value) VALUES (?, ?)", ["pseudonym_key", "old-secret"])
    services.settings.set(admin, "lab_name", "St. Elsewhere Cath Lab")
    rows = {r["key"]: r["value"] for r in services.store.engine.rows("SELECT key, value FROM settings")}
    assert rows["pseudonym_key"] == "old-secret" and rows["lab_name"] == "St. Elsewhere Cath Lab"
    assert "pseudonym_key" not in services.settings.values(admin)


def test_fhir_bundle_uses_the_configured_mrn_system_and_organisation(tmp_path, services, admin, nurse):
    open_case(services, nurse)
    services.settings.set(admin, "fhir.mrn_system", OID)
    services.settings.set(admin, "fhir.organization_name", "St. Elsewhere Cath Lab")
    out = tmp_path / "b.fhir.json"
    export(services, admin, "fhir", out, {})
    resources = [e["resource"] for e in json.loads(out.read_text(encoding="utf-8"))["entry"]]
    patients = [r for r in resources if r["resourceType"] == "Patient"]
    assert patients and {i["system"] for p in patients for i in p["identifier"]} == {OID}
    assert [r["name"] for r in resources if r["resourceType"] == "Organization"] == ["St. Elsewhere Cath Lab"]
