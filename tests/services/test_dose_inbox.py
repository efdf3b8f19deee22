"""Dose reports into the record (issue 15 items 2, 3): matching, recording as a new entry version with
provenance, the inbox, idempotence, refusals; synthetic reports made with pydicom (tests/dicom/rdsr_maker)."""

from __future__ import annotations

from datetime import timezone

import pytest

from cathlog.domain.errors import ConfirmationRequired, Conflict, ValidationError
from cathlog.rules.reminders import suggest
from tests.dicom import rdsr_maker as mk
from tests.helpers import CORONARY, open_case

pytestmark = pytest.mark.backends
UID = f"{mk.ROOT}.2.1"


@pytest.fixture
def utc_services(services):
    services.dose._zone = timezone.utc  # the X-ray system's clock reads UTC in these tests
    return services


def receive(services, actor, ds, sender="CATHLAB2"):
    return services.dose.receive(actor, mk.to_bytes(ds), channel="network", sender=sender)


def radiation(services, actor, procedure_id):
    record = services.cases.get_record(actor, procedure_id)
    return [h for h in record.events if h.current.kind.value == "radiation"]


def test_matched_by_study_uid_becomes_a_new_version_of_the_typed_entry(utc_services, nurse, admin):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    typed = s.cases.record_event(nurse, proc.procedure_id, "radiation",
                                 {"fluoro_time_s": 300, "air_kerma_mgy": 150.0, "dap_gy_cm2": 12.0})
    result = receive(s, nurse, mk.make())
    assert result.outcome == "attached", result.message
    [history] = radiation(s, nurse, proc.procedure_id)
    assert [v.version for v in history.versions] == [1, 2]
    assert history.versions[0].data == typed.data  # the typed values stay as history
    now = history.current.data
    assert (now["fluoro_time_s"], now["air_kerma_mgy"], now["dap_gy_cm2"]) == (305, 210.0, 12.0)
    assert now["source"] == "rdsr" and now["sop_instance_uid"] == f"{mk.ROOT}.1.1"
    assert (now["device_manufacturer"], now["device_model"]) == ("Cathlog Test Systems", "Synthetic C-arm")
    # Ka,r typed 150 vs reported 210 (29 % apart) is shown; fluoro 300 vs 305 and DAP equal are not.
    assert len(result.differences) == 1 and result.differences[0].startswith("Ka,r: typed 150 mGy, reported 210 mGy")
    assert "29 % apart" in history.current.reason
    actions = [r.action for r in s.admin.audit_rows(admin, procedure_id=proc.procedure_id)]
    assert {"correct_event", "attach_dose_report"} <= set(actions)
    received = [r for r in s.admin.audit_rows(admin) if r.action == "receive_dose_report"]
    assert len(received) == 1 and received[0].entity_id == f"{mk.ROOT}.1.1"


def test_matched_by_mrn_and_time_without_a_typed_entry(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse)  # started 09:00 UTC; the study at 09:05
    result = receive(s, nurse, mk.make(study_instance_uid=f"{mk.ROOT}.2.99"))
    assert result.outcome == "attached" and result.procedure_id == proc.procedure_id
    [history] = radiation(s, nurse, proc.procedure_id)
    assert history.current.version == 1 and history.current.data["air_kerma_mgy"] == 210.0


def test_the_same_report_twice_changes_nothing(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    assert receive(s, nurse, mk.make()).outcome == "attached"
    again = receive(s, nurse, mk.make())
    assert again.outcome == "duplicate"
    [history] = radiation(s, nurse, proc.procedure_id)
    assert len(history.versions) == 1
    different = mk.make(planes=[mk.accumulated("single", {"dap": 0.5, "ka": 1.0, "fluoro_time": 10.0})])
    assert receive(s, nurse, different).outcome == "refused"
    assert len(radiation(s, nurse, proc.procedure_id)[0].versions) == 1


def test_an_unknown_patient_waits_in_the_inbox(utc_services, nurse):
    s = utc_services
    open_case(s, nurse)
    result = receive(s, nurse, mk.make(patient_id="99999", study_instance_uid=None))
    assert result.outcome == "waiting" and "no patient has MRN '99999'" in result.message
    [item] = s.dose.inbox(nurse)
    assert item.state == "received" and item.entry["air_kerma_mgy"] == 210.0 and item.patient_id == "99999"


def test_two_cases_in_the_window_are_never_guessed(utc_services, nurse, clock):
    s = utc_services
    first = open_case(s, nurse)
    clock.advance(minutes=30)
    s.cases.open_case(nurse, first.patient_id, CORONARY)
    result = receive(s, nurse, mk.make(study_instance_uid=None))
    assert result.outcome == "waiting" and "2 cases within 3 hours" in result.message
    assert all(not radiation(s, nurse, c.procedure_id) for c in s.cases.list_cases(nurse))


def test_a_study_uid_match_with_another_patient_id_waits(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    result = receive(s, nurse, mk.make(patient_id="555"))
    assert result.outcome == "waiting" and "patient ID '555' is not the case's MRN" in result.message
    assert not radiation(s, nurse, proc.procedure_id)
    with pytest.raises(ConfirmationRequired):
        s.dose.attach(nurse, f"{mk.ROOT}.1.1", proc.procedure_id)
    assert s.dose.attach(nurse, f"{mk.ROOT}.1.1", proc.procedure_id, confirm=True).outcome == "attached"
    assert s.dose.inbox(nurse) == []


def test_never_into_a_closed_case(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    s.cases.close_case(nurse, proc.procedure_id)
    result = receive(s, nurse, mk.make())
    assert result.outcome == "waiting" and "closed" in result.message
    [item] = s.dose.inbox(nurse)
    assert item.state == "matched" and item.procedure_id == proc.procedure_id
    with pytest.raises(Conflict, match="closed"):
        s.dose.attach(nurse, item.sop_instance_uid, proc.procedure_id)
    s.cases.reopen_case(nurse, proc.procedure_id, "dose report arrived late")
    assert s.dose.attach(nurse, item.sop_instance_uid, proc.procedure_id).outcome == "attached"


def test_the_nurse_refuses_a_report_with_a_reason(utc_services, nurse):
    s = utc_services
    receive(s, nurse, mk.make(patient_id="QA-PHANTOM"))
    [item] = s.dose.inbox(nurse)
    with pytest.raises(ValidationError):
        s.dose.refuse(nurse, item.sop_instance_uid, "  ")
    s.dose.refuse(nurse, item.sop_instance_uid, "phantom exposure for quality control")
    assert s.dose.inbox(nurse) == []
    assert s.dose.inbox(nurse, ("refused",))[0].reason == "phantom exposure for quality control"
    with pytest.raises(Conflict):
        s.dose.refuse(nurse, item.sop_instance_uid, "again")


def test_a_ct_report_is_refused_by_name_and_audited(utc_services, nurse):
    s = utc_services
    data = (mk.DATA / "ct_under_xray_class.dcm").read_bytes()
    result = s.dose.receive(nurse, data, channel="file", sender="ct.dcm")
    assert result.outcome == "refused" and "a CT dose report" in result.message
    assert s.dose.inbox(nurse, ("received", "matched", "refused", "attached")) == []


@pytest.mark.parametrize("name, outcome, text", [
    ("negative_dap.dcm", "waiting", "DAP (cumulative) -12 Gy·cm² is out of range"),
    ("huge_kerma.dcm", "waiting", "is out of range"),
    ("high_dose.dcm", "waiting", "confirm when attaching"),
])
def test_reported_values_go_through_the_hand_entry_validator(utc_services, nurse, name, outcome, text):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    result = s.dose.receive(nurse, (mk.DATA / name).read_bytes(), channel="file", sender=name)
    assert result.outcome == outcome and text in result.message, result.message
    assert not radiation(s, nurse, proc.procedure_id)


def test_a_high_dose_confirmed_by_the_nurse_triggers_the_skin_check(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    s.dose.receive(nurse, (mk.DATA / "high_dose.dcm").read_bytes(), channel="file", sender="high_dose.dcm")
    [item] = s.dose.inbox(nurse)
    with pytest.raises(ConfirmationRequired):
        s.dose.attach(nurse, item.sop_instance_uid, proc.procedure_id)
    assert s.dose.attach(nurse, item.sop_instance_uid, proc.procedure_id, confirm=True).outcome == "attached"
    rules = {r.rule_id for r in suggest(s.cases.get_record(nurse, proc.procedure_id))}
    assert "R6" in rules  # the skin check, on the reported Ka,r of 6200 mGy


def test_biplane_values_are_kept_per_plane(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse, details={**CORONARY, "study_instance_uid": UID})
    assert s.dose.receive(nurse, (mk.DATA / "biplane.dcm").read_bytes(), channel="file",
                          sender="biplane.dcm").outcome == "attached"
    data = radiation(s, nurse, proc.procedure_id)[0].current.data
    assert data["dap_gy_cm2"] == 45.0 and data["air_kerma_mgy"] == 1300.0 and data["fluoro_time_s"] == 600
    assert (data["air_kerma_plane_a_mgy"], data["air_kerma_plane_b_mgy"]) == (900.0, 400.0)
    assert (data["fluoro_time_plane_a_s"], data["fluoro_time_plane_b_s"]) == (600, 420)


def test_a_person_cannot_type_report_provenance(utc_services, nurse):
    s = utc_services
    proc = open_case(s, nurse)
    with pytest.raises(ValidationError, match="comes from the X-ray system"):
        s.cases.record_event(nurse, proc.procedure_id, "radiation",
                             {"fluoro_time_s": 300, "source": "rdsr", "sop_instance_uid": "1.2.3"})


def test_the_received_file_is_kept_sealed_and_audited(utc_services, nurse, admin):
    s = utc_services
    data = mk.to_bytes(mk.make(patient_id="nobody"))
    s.dose.receive(nurse, data, channel="file", sender="x.dcm")
    assert s.dose.file_of(nurse, f"{mk.ROOT}.1.1") == data
    assert s.admin.check(admin).ok  # every report and state row sealed under its audit row
