"""Issue 11 items 2, 6, 7, 11 through the services and the command line: the closing
checklist and reopening, drug totals and dose checks, the ACT band by analyser, last-used
values, the contrast-allergy question."""

from __future__ import annotations

import json

import pytest

from cathlog import cli
from cathlog.domain.errors import ConfirmationRequired, ValidationError
from cathlog.rules import case_facts as cf
from cathlog.store import audit
from tests.conftest import PASSWORD
from tests.helpers import open_case

HEPARIN = {"drug": "heparin", "dose": 5000.0, "dose_unit": "units", "route": "iv"}


def _codes(call) -> list[str]:
    with pytest.raises(ConfirmationRequired) as info:
        call()
    return [w.code for w in info.value.warnings]


def _audit(services, pid, action):
    return [r for r in audit.rows(services.store, procedure_id=pid) if r.action == action]


# --- item 11: contrast allergy --------------------------------------------------------------


def test_iodinated_contrast_for_a_contrast_allergy_asks_premedication(services, nurse):
    pid = open_case(services, nurse, allergies="Iodinated contrast (hives 2019)").procedure_id
    data = {"agent": "iohexol", "volume_ml": 40.0}
    record = lambda **kw: services.cases.record_event(nurse, pid, "contrast", data, **kw)  # noqa: E731
    with pytest.raises(ConfirmationRequired) as info:
        record()
    warning = info.value.warnings[0]
    assert warning.code == "agent:contrast_allergy" and "premedication" in warning.message and warning.source
    assert services.cases.get_record(nurse, pid).events == ()
    record(confirm=["agent:contrast_allergy"])
    # CO2 is not iodinated; a patient without that allergy is not asked
    services.cases.record_event(nurse, pid, "contrast", {"agent": "co2", "volume_ml": 100.0})
    other = open_case(services, nurse, "00999", allergies="penicillin").procedure_id
    services.cases.record_event(nurse, other, "contrast", data)


# --- item 6: dose checks and totals ---------------------------------------------------------------


def test_a_second_bolus_within_15_minutes_asks(services, nurse, clock):
    pid = open_case(services, nurse, allergies=None).procedure_id
    first = services.cases.record_event(nurse, pid, "medication", HEPARIN)
    clock.advance(minutes=10)
    assert _codes(lambda: services.cases.record_event(nurse, pid, "medication", {**HEPARIN, "dose": 1000.0})) \
        == ["dose:repeat_bolus"]
    # another drug is not a repeat; correcting the first dose does not count it against itself
    services.cases.record_event(nurse, pid, "medication", {"drug": "nitroglycerin", "dose": 200.0,
                                                           "dose_unit": "mcg", "route": "ia"})
    services.cases.correct_event(nurse, first.event_id, {**HEPARIN, "dose": 5500.0}, "typo")
    clock.advance(minutes=6)  # 16 min after the first dose
    services.cases.record_event(nurse, pid, "medication", {**HEPARIN, "dose": 1000.0})


def test_heparin_over_100_units_per_kg_in_the_case_asks_and_a_voided_dose_does_not_count(services, nurse, clock):
    pid = open_case(services, nurse, allergies=None, weight_kg=80.0).procedure_id  # 100 units/kg = 8000 units
    first = services.cases.record_event(nurse, pid, "medication", HEPARIN)
    clock.advance(minutes=30)
    with pytest.raises(ConfirmationRequired) as info:
        services.cases.record_event(nurse, pid, "medication", {**HEPARIN, "dose": 4000.0})
    (warning,) = info.value.warnings
    assert warning.code == "dose:heparin_cumulative" and "9000 units = 112 units/kg" in warning.message
    assert "domain-reference.md 2.2" in warning.source
    services.cases.void_event(nurse, first.event_id, "wrong patient")
    services.cases.record_event(nurse, pid, "medication", {**HEPARIN, "dose": 4000.0})  # 50 units/kg now
    record = services.cases.get_record(nurse, pid)
    (total,) = cf.drug_totals(record)
    assert (total.total, total.count, total.per_kg) == (4000.0, 1, 50.0)
    assert cf.heparin_units_per_kg_total(record) == 50.0


# --- item 7: ACT band by analyser, last used ----------------------------------------------------


def test_act_band_follows_the_analyser_and_last_used_values_are_remembered(services, nurse, clock):
    pid = open_case(services, nurse, allergies=None).procedure_id
    services.cases.record_event(nurse, pid, "act", {"act_s": 290, "act_device": "hemotec", "cartridge": "HR-ACT"})
    clock.advance(minutes=20)
    services.cases.record_event(nurse, pid, "act", {"act_s": 290, "act_device": "hemochron", "cartridge": "FTCA510"})
    clock.advance(minutes=20)
    services.cases.record_event(nurse, pid, "contrast", {"agent": "iodixanol", "concentration_mgi_ml": 320,
                                                         "volume_ml": 50.0})
    record = services.cases.get_record(nurse, pid)
    series = cf.act_series(record)
    assert [(r.act_s, r.band.band, r.verdict.value) for r in series] == [
        (290, (250, 300), "in target"), (290, (300, 350), "below target")]
    assert cf.act_band_now(record).band == (300, 350)
    assert cf.last_used(record, "act") == {"act_device": "hemochron", "cartridge": "FTCA510"}
    assert cf.last_used(record, "contrast") == {"agent": "iodixanol", "concentration_mgi_ml": 320}
    assert cf.last_used(record, "note") == {}


# --- item 2: checklist, close anyway, reopen --------------------------------------------------


def test_the_closing_checklist_and_a_close_with_items_missing_is_audited(services, nurse, clock):
    pid = open_case(services, nurse, allergies=None).procedure_id
    access = services.cases.record_event(nurse, pid, "access", {"site": "radial", "side": "right",
                                                                "vessel_type": "artery", "sheath_fr": 6.0})
    missing = cf.missing_at_close(services.cases.get_record(nurse, pid))
    assert missing == ("closure / haemostasis recorded for the right radial access",
                       "sheath out time for the right radial access", "end time (the last sheath out)",
                       "contrast total entered", "radiation totals entered (fluoro time and air kerma or DAP)")
    with pytest.raises(ValidationError):
        services.cases.close_case(nurse, pid, reason="  ")
    services.cases.close_case(nurse, pid, reason="radiation totals on the C-arm printout")
    (row,) = _audit(services, pid, "close_case")
    assert row.reason == "radiation totals on the C-arm printout"
    assert json.loads(row.new_value)["checklist_missing"] == list(missing)

    services.cases.reopen_case(nurse, pid, "closure to record")
    clock.advance(minutes=40)
    services.cases.correct_event(nurse, access.event_id, {**access.data, "closure": "radial_band"}, "band on")
    services.cases.record_event(nurse, pid, "contrast", {"agent": "co2", "volume_ml": 60.0})
    services.cases.record_event(nurse, pid, "radiation", {"fluoro_time_s": 300, "dap_gy_cm2": 20.0})
    record = services.cases.get_record(nurse, pid)
    assert cf.missing_at_close(record) == ()
    end = next(i for i in cf.closing_checklist(record) if i.key == "end_time")
    assert end.at == "2026-11-21T09:40:00Z"  # when the closure was recorded
    services.cases.close_case(nurse, pid)
    closes = _audit(services, pid, "close_case")
    assert len(closes) == 2 and "checklist_missing" not in json.loads(closes[1].new_value)


@pytest.fixture
def cli_case(tmp_path, monkeypatch, services):
    """A closed case in a database the command line opens."""
    from cathlog.domain.enums import Role
    from cathlog.services import Services
    from cathlog.store.db import Store

    db = tmp_path / "cli.db"
    monkeypatch.setenv("CATHLOG_DB", str(db))
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    own = Services(Store.open(db))
    admin = own.auth.sign_in("admin", PASSWORD)
    own.auth.add_user(admin, "nina", "Nina Nurse", Role.NURSE, PASSWORD)
    nina = own.auth.sign_in("nina", PASSWORD)
    pid = open_case(own, nina).procedure_id
    own.cases.close_case(nina, pid, reason="test")
    own.store.close()
    monkeypatch.setenv("CATHLOG_USER", "nina")
    return db, pid


def test_cli_reopen_is_audited_with_its_reason(cli_case, capsys):
    from cathlog.services import Services
    from cathlog.store.db import Store

    db, pid = cli_case
    capsys.readouterr()
    assert cli.main(["reopen", pid]) == 1
    assert "--reason" in capsys.readouterr().err
    assert cli.main(["reopen", pid, "--reason", "  "]) == 1
    assert "reason is required" in capsys.readouterr().err
    assert cli.main(["reopen", pid, "--reason", "sheath out time missing"]) == 0
    assert f"reopened {pid}" in capsys.readouterr().out
    assert cli.main(["reopen", pid, "--reason", "again"]) == 1
    assert "is open, not closed" in capsys.readouterr().err
    store = Store.open(db)
    try:
        (row,) = [r for r in audit.rows(store, procedure_id=pid) if r.action == "reopen_case"]
        assert (row.username, row.reason) == ("nina", "sheath out time missing")
        services = Services(store)
        assert services.cases.get_record(services.auth.sign_in("nina", PASSWORD), pid).procedure.status == "open"
    finally:
        store.close()
