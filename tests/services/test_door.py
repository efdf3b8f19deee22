"""One door (issue 10): every use case is a services method, and nothing
outside cathlog/services/ reaches the store or the role check."""

import ast
import csv
import io
from pathlib import Path

import pytest

from cathlog import cli
from cathlog.domain.enums import ProcedureStatus
from cathlog.domain.errors import (
    CathlogError,
    ConfirmationRequired,
    Conflict,
    NotACathlogDatabase,
    PermissionDenied,
)
from cathlog.domain.followup import CaseFile, Review, SignatureMeaning
from cathlog.exchange.audit_csv import COLUMNS, export_audit
from cathlog.rules.permissions import Action
from cathlog.services import Services
from tests.conftest import FAST_HASHER, PASSWORD
from tests.helpers import CORONARY, TEAM, make_patient, open_case

pytestmark = pytest.mark.backends

PKG = Path(__file__).resolve().parents[2] / "cathlog"


def _count(services, table: str) -> int:
    return services.store.engine.scalar(f"SELECT count(*) FROM {table}")


def _actions(services) -> list[str]:
    return [r["action"] for r in services.store.engine.rows("SELECT action FROM audit ORDER BY seq")]


# --- Services.open ----------------------------------------------------------------


@pytest.mark.sqlite_only(reason="a missing database file, made only when asked (a server's database is made by the "
                                "lab's IT: tests/cli/test_cli_server.py)")
def test_open_refuses_a_missing_file_and_creates_only_when_asked(tmp_path):
    missing = tmp_path / "lab" / "cathlog.db"
    with pytest.raises(NotACathlogDatabase, match="cathlog init --admin NAME"):
        Services.open(missing)
    assert not missing.parent.exists()
    services = Services.open(missing, create=True, hasher=FAST_HASHER)
    try:
        services.auth.create_first_admin("admin", "Admin", PASSWORD)
    finally:
        services.close()
    again = Services.open(missing, hasher=FAST_HASHER)
    try:
        assert again.auth.has_users()
    finally:
        again.close()


# --- start_case: find or register, update, open, in one transaction -----------------


def test_start_case_registers_a_new_patient_and_opens_the_case(services, nurse):
    before = _actions(services)
    proc = services.cases.start_case(nurse, make_patient("S-1"), CORONARY, team=TEAM)
    assert proc.status is ProcedureStatus.OPEN and proc.patient_version == 1
    assert _actions(services)[len(before):] == ["register_patient", "open_case"]
    assert services.cases.find_patient(nurse, "s-1").patient_id == proc.patient_id


def test_start_case_updates_changed_values_as_a_new_version(services, nurse):
    first = services.cases.start_case(nurse, make_patient("S-2", weight_kg=80.0), CORONARY, team=TEAM)
    before = _actions(services)
    second = services.cases.start_case(nurse, make_patient(" s-2 ", weight_kg=76.5, creatinine_mg_dl=1.9),
                                       CORONARY, team=TEAM)
    assert second.patient_id == first.patient_id and second.patient_version == 2
    assert _actions(services)[len(before):] == ["update_patient", "open_case"]
    patient = services.cases.get_record(nurse, second.procedure_id).patient
    assert (patient.weight_kg, patient.creatinine_mg_dl) == (76.5, 1.9)
    before = _actions(services)
    third = services.cases.start_case(nurse, make_patient("S-2", weight_kg=76.5, creatinine_mg_dl=1.9),
                                      CORONARY, team=TEAM)
    assert third.patient_version == 2 and _actions(services)[len(before):] == ["open_case"]


def test_start_case_refuses_another_person_under_a_known_mrn(services, nurse):
    services.cases.start_case(nurse, make_patient("S-3"), CORONARY, team=TEAM)
    counts = (_count(services, "patient_versions"), _count(services, "procedure_versions"))
    with pytest.raises(Conflict, match="already belongs to Doe, Jane"):
        services.cases.start_case(nurse, make_patient("S-3", family_name="Roe"), CORONARY, team=TEAM)
    assert (_count(services, "patient_versions"), _count(services, "procedure_versions")) == counts


def test_a_failure_in_the_open_step_leaves_no_patient_behind(services, nurse, monkeypatch):
    def broken(_start):
        raise CathlogError("disk trouble while opening the case")

    monkeypatch.setattr(services.cases, "_new_procedure_id", broken)
    counts = (_count(services, "patient_versions"), _count(services, "audit"))
    with pytest.raises(CathlogError, match="disk trouble"):
        services.cases.start_case(nurse, make_patient("S-4"), CORONARY, team=TEAM)
    assert services.cases.find_patient(nurse, "S-4") is None
    assert (_count(services, "patient_versions"), _count(services, "audit")) == counts
    monkeypatch.undo()
    services.cases.start_case(nurse, make_patient("S-4"), CORONARY, team=TEAM)  # the MRN was not kept reserved
    monkeypatch.setattr(services.cases, "_new_procedure_id", broken)
    with pytest.raises(CathlogError):
        services.cases.start_case(nurse, make_patient("S-4", weight_kg=70.0), CORONARY, team=TEAM)
    assert services.cases.find_patient(nurse, "S-4").version == 1  # no new patient version either


def test_start_case_asks_to_confirm_warnings_before_writing_anything(services, nurse):
    heavy = make_patient("S-5", weight_kg=210.0, height_cm=190.0)
    with pytest.raises(ConfirmationRequired) as asked:
        services.cases.start_case(nurse, heavy, CORONARY, team=TEAM)
    codes = [w.code for w in asked.value.warnings]
    assert codes and services.cases.find_patient(nurse, "S-5") is None
    proc = services.cases.start_case(nurse, heavy, CORONARY, team=TEAM, confirm=codes)
    assert services.cases.get_record(nurse, proc.procedure_id).patient.weight_kg == 210.0


def test_start_case_is_refused_to_a_role_that_may_not_open_cases(services, admin):
    with pytest.raises(PermissionDenied):
        services.cases.start_case(admin, make_patient("S-6"), CORONARY, team=TEAM)
    assert services.cases.find_patient(admin, "S-6") is None


# --- demo, admin checks, may ---------------------------------------------------------


def test_demo_loader_is_a_service_with_its_role_check(services, admin, nurse):
    with pytest.raises(PermissionDenied):
        services.demo.load(nurse, 1)
    ids = services.demo.load(admin, 2, seed=4)
    assert len(ids) == 2 and all(services.cases.get_record(admin, p).events for p in ids)


def test_check_background_check_and_stop_writing(services, nurse):
    proc = open_case(services, nurse)
    report = services.admin.check()
    assert report.ok and report.problems == [] and report.chain.rows_checked > 0
    assert services.admin.background_check() is None
    services.admin.stop_writing()
    with pytest.raises(CathlogError):
        services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})


def test_may_reads_the_current_role(services, admin, nurse):
    assert services.auth.may(nurse, Action.RECORD_EVENT) and not services.auth.may(nurse, Action.MANAGE_USERS)
    assert services.auth.may(admin, Action.MANAGE_USERS) and not services.auth.may(None, Action.VIEW_RECORDS)
    services.auth.set_active(admin, "nurse", False, reason="left")
    assert not services.auth.may(nurse, Action.RECORD_EVENT)


# --- case_file: everything a report needs in one read --------------------------------


def test_case_file_matches_the_separate_reads(services, nurse, physician):
    proc = open_case(services, nurse)
    pid = proc.procedure_id
    services.cases.close_case(nurse, pid)
    services.review.save_review(physician, pid, Review(technical_success=True))
    services.review.sign(physician, pid, PASSWORD, SignatureMeaning.APPROVED)
    case = services.review.case_file(physician, pid)
    assert isinstance(case, CaseFile)
    assert case.record == services.cases.get_record(physician, pid)
    assert case.review == services.review.get_review(physician, pid)
    assert case.reminders == services.review.reminders(physician, pid)
    assert case.signatures == services.review.signatures(physician, pid)
    assert [s.valid for s in case.signatures] == [True]
    services.review.addendum(physician, pid, "late finding", reason="seen on review")
    (sig,) = services.review.case_file(physician, pid).signatures
    assert sig.superseded and not sig.valid


# --- one audit CSV ---------------------------------------------------------------------


def test_audit_csv_has_every_column_and_hash_and_is_audited(services, admin, tmp_path):
    rows = services.admin.audit_rows(admin, username="admin")
    out = tmp_path / "audit.csv"
    assert export_audit(services, admin, out, username="admin") == len(rows)
    lines = list(csv.reader(io.StringIO(out.read_text())))
    assert tuple(lines[0]) == COLUMNS
    assert [(int(r[0]), r[-1]) for r in lines[1:]] == [(r.seq, r.hash) for r in rows]
    (logged,) = services.admin.audit_rows(admin, action="export_audit")
    assert logged.entity_id == "audit.csv" and '"rows":' in logged.new_value


def test_an_audit_csv_whose_audit_row_fails_is_removed(services, admin, tmp_path, monkeypatch):
    def refuse(*_a, **_k):
        raise CathlogError("the audit row could not be written")

    monkeypatch.setattr(services.admin, "log_audit_export", refuse)
    out = tmp_path / "audit.csv"
    with pytest.raises(CathlogError):
        export_audit(services, admin, out)
    assert not out.exists()


def test_cli_audit_csv_is_the_same_writer(tmp_path, db_target, monkeypatch, capsys):
    db = db_target
    monkeypatch.setenv("CATHLOG_DB", db)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    capsys.readouterr()
    assert cli.main(["audit"]) == 0
    printed = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert tuple(printed[0]) == COLUMNS
    out = tmp_path / "a.csv"
    assert cli.main(["audit", "--out", str(out)]) == 0
    written = list(csv.reader(io.StringIO(out.read_text())))
    assert tuple(written[0]) == COLUMNS and len(written) > len(printed)  # the printout was audited too
    assert cli.main(["audit", "--out", str(out)]) == 1  # never overwrites
    services = Services.open(db)
    try:
        assert [r.entity_id for r in services.admin.audit_rows(services.auth.sign_in("admin", PASSWORD),
                                                               action="export_audit")] == ["standard output", "a.csv"]
    finally:
        services.close()


# --- the wall: nothing outside services reaches the store or the role check ---------


def _outside_services() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py") if p.relative_to(PKG).parts[0] not in ("services", "store"))


@pytest.mark.parametrize("path", _outside_services(), ids=lambda p: p.relative_to(PKG.parent).as_posix())
def test_nothing_outside_services_touches_the_store_or_the_role_check(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            assert node.attr != "store", f"{path.name}:{node.lineno} reaches .store past the services"
            assert node.attr != "require", f"{path.name}:{node.lineno} calls the services' role check"
        elif isinstance(node, ast.Import):
            assert not any(a.name.startswith("cathlog.store") for a in node.names), path.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert not node.module.startswith("cathlog.store"), f"{path.name} imports {node.module}"
            assert not (node.module == "cathlog.store" or node.module == "cathlog"
                        and any(a.name == "store" for a in node.names)), path.name


def test_the_wall_test_sees_a_leak():
    leak = ast.parse("def f(services):\n    services.store.close()\n")
    assert any(isinstance(n, ast.Attribute) and n.attr == "store" for n in ast.walk(leak))
    assert any(p.name == "app.py" for p in _outside_services())
    assert not any("services" in p.relative_to(PKG).parts for p in _outside_services())

