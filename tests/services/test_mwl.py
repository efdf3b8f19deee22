"""The worklist service: settings, role, audit of every query (issue 15 items 4 and 5), against dcmtk's
wlmscpfs where a provider answers."""

from __future__ import annotations

import json

import pytest

from cathlog.domain.errors import PermissionDenied, ValidationError
from cathlog.domain.mwl import ScheduledCase, WorklistRefused, WorklistUnavailable
from tests.helpers import make_patient
from tests.mwl_server import configure

pytestmark = pytest.mark.backends


def _queries(services, admin):
    return [(json.loads(r.old_value), json.loads(r.new_value), r) for r in
            services.admin.audit_rows(admin, action="worklist_query")]


def test_a_nurse_lists_the_rooms_cases_and_the_query_is_audited(services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    cases = services.mwl.query(nurse, "CATHLAB1", "XA")
    assert [c.mrn for c in cases] == ["MWL-001", "MWL-002", "MWL-005", "MWL-006"]
    [(asked, result, row)] = _queries(services, admin)
    assert asked == {"station_ae": "CATHLAB1", "modality": "XA", "day": "2026-11-21", "calling_ae": "CATHLOG"}
    assert (result["outcome"], result["count"]) == ("ok", 4)
    assert result["listed"][0] == {"mrn": "MWL-001", "accession_number": "ACC-1001"}
    assert (row.username, row.workstation, row.entity) == ("nurse", "lab-2", "worklist")
    assert row.entity_id == f"WLPROV at 127.0.0.1:{worklist_server.port}"


def test_a_stopped_provider_is_a_clear_message_and_is_audited_too(services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    worklist_server.stop()
    with pytest.raises(WorklistUnavailable, match="no answer from the worklist .* within 3 s"):
        services.mwl.query(nurse, "CATHLAB1", "XA")
    [(_, result, _)] = _queries(services, admin)
    assert (result["outcome"], result["count"]) == ("unavailable", 0) and "within 3 s" in result["error"]


def test_a_refusal_is_audited_as_refused(services, admin, nurse, worklist_server):
    configure(services, admin, worklist_server)
    services.settings.set(admin, "mwl.provider_ae", "SOMEONEELSE")
    with pytest.raises(WorklistRefused, match="Called AE title not recognised"):
        services.mwl.query(nurse, "CATHLAB1", "XA")
    assert _queries(services, admin)[0][1]["outcome"] == "refused"


def test_not_set_up_nothing_goes_out_and_the_message_says_who_sets_it(services, admin, nurse):
    assert not services.mwl.is_set_up(nurse)
    with pytest.raises(WorklistUnavailable, match="not set up: an administrator"):
        services.mwl.query(nurse, "CATHLAB1", "XA")
    assert _queries(services, admin) == []


def test_bad_station_or_modality_is_refused_before_anything_goes_out(services, nurse):
    with pytest.raises(ValidationError) as caught:
        services.mwl.prepare(nurse, "CATH\\LAB", "xa ray")
    assert [i.field for i in caught.value.issues] == ["station_ae", "modality"]


def test_an_admin_sets_the_provider_but_may_not_query_patients(services, admin):
    with pytest.raises(PermissionDenied):
        services.mwl.query(admin, "CATHLAB1", "XA")


@pytest.mark.parametrize(("key", "value"), [
    ("mwl.provider_ae", "A" * 17), ("mwl.provider_ae", "WL\\PROV"), ("mwl.calling_ae", "   "),
    ("mwl.provider_host", "ris..hospital"), ("mwl.provider_host", "-ris"), ("mwl.provider_host", "ris host"),
    ("mwl.provider_port", "0"), ("mwl.provider_port", "65536"), ("mwl.provider_port", "1e3"),
    ("mwl.provider_port", "١٠٤"), ("mwl.calling_ae", "CATH\x01LOG"),
])
def test_worklist_settings_refuse_bad_values_and_keep_the_old_one(services, admin, key, value):
    with pytest.raises(ValidationError):
        services.settings.set(admin, key, value)
    assert services.settings.values(admin)[key] == {"mwl.calling_ae": "CATHLOG"}.get(key, "")


@pytest.mark.parametrize(("key", "value"), [
    ("mwl.provider_host", "ris.hospital.example"), ("mwl.provider_host", "10.1.2.3"),
    ("mwl.provider_host", "fe80::1"), ("mwl.provider_port", "104"), ("mwl.provider_port", "65535"),
    ("mwl.provider_ae", "RIS_MWL 1"),
])
def test_worklist_settings_take_good_values(services, admin, key, value):
    assert services.settings.set(admin, key, value) == value


def test_clearing_the_provider_turns_the_worklist_off(services, admin, nurse):
    for key, value in (("mwl.provider_ae", "RIS"), ("mwl.provider_host", "ris.example"), ("mwl.provider_port", "104")):
        services.settings.set(admin, key, value)
    assert services.mwl.is_set_up(nurse)
    services.settings.set(admin, "mwl.provider_host", "", reason="RIS retired")
    assert not services.mwl.is_set_up(nurse)


def _scheduled(**kw) -> ScheduledCase:
    fields = dict(mrn="00123", family_name="DOE", given_name="JANE", birth_date="1954-03-02", sex="female",
                  accession_number="A1", study_instance_uid="1.2.3", requested_procedure="PCI")
    fields.update(kw)
    return ScheduledCase(**fields)


def test_compare_finds_what_differs_and_ignores_capitals_and_what_was_not_sent(services, nurse):
    stored = services.cases.register_patient(nurse, make_patient("00123"))
    assert services.mwl.compare(nurse, stored, _scheduled()) == []  # DOE^JANE is Doe, Jane
    assert services.mwl.compare(nurse, stored, _scheduled(birth_date=None, sex=None)) == []
    found = services.mwl.compare(nurse, stored, _scheduled(family_name="Doe-Smith", birth_date="1954-03-20"))
    assert [(d.field, d.stored, d.worklist) for d in found] == [
        ("family_name", "Doe", "Doe-Smith"), ("birth_date", "1954-03-02", "1954-03-20")]


def test_start_case_corrects_a_found_patients_identity_only_with_a_reason(services, admin, nurse):
    from cathlog.domain.errors import Conflict
    from tests.helpers import CORONARY, TEAM

    stored = services.cases.register_patient(nurse, make_patient("00123"))
    corrected = make_patient("00123", family_name="Doe-Smith")
    with pytest.raises(Conflict):
        services.cases.start_case(nurse, corrected, CORONARY, TEAM)
    with pytest.raises(ValidationError):
        services.cases.start_case(nurse, corrected, CORONARY, TEAM, identity_reason="  ")
    proc = services.cases.start_case(nurse, corrected, CORONARY, TEAM, identity_reason="from the worklist")
    record = services.cases.get_record(nurse, proc.procedure_id)
    assert (record.patient.patient_id, record.patient.version, record.patient.family_name) == \
        (stored.patient_id, 2, "Doe-Smith")
    [update] = services.admin.audit_rows(admin, action="update_patient")
    assert update.reason == "from the worklist"
