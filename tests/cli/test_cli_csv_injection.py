"""The command line's CSVs (cases, reminders, audit) go through the one neutralizing writer:
an operator named ``=2+3`` or an MRN ``-EVIL01`` is never a live formula."""

import csv
import io

import pytest

from cathlog import cli
from cathlog.domain.enums import Role, TeamRole
from cathlog.domain.flat_tables import FORMULA_TRIGGERS, unneutralize
from cathlog.domain.records import TeamMember
from cathlog.services import Services
from cathlog.store.db import Store
from tests.conftest import PASSWORD
from tests.helpers import make_patient

pytestmark = pytest.mark.backends

VENOUS = {"category": "venous", "planned": ["ivc_filter_placement"], "indication": "dvt", "urgency": "urgent",
          "room": "@room"}


@pytest.fixture
def hostile(db_target, monkeypatch, capsys):
    db = db_target
    monkeypatch.setenv("CATHLOG_DB", db)
    monkeypatch.setenv("CATHLOG_USER", "admin")
    monkeypatch.setenv("CATHLOG_PASSWORD", PASSWORD)
    assert cli.main(["init", "--admin", "admin"]) == 0
    services = Services(Store.open(db))
    admin = services.auth.sign_in("admin", PASSWORD)
    services.auth.add_user(admin, "doc", "Dr. Doc", Role.PHYSICIAN, PASSWORD)
    doc = services.auth.sign_in("doc", PASSWORD)
    patient = services.cases.register_patient(doc, make_patient("-EVIL01", family_name="=HYPERLINK(\"x\")"))
    proc = services.cases.open_case(doc, patient.patient_id, VENOUS,
                                    team=[TeamMember("=2+3", TeamRole.PRIMARY_OPERATOR)])
    services.cases.record_event(doc, proc.procedure_id, "device",
                                {"device_type": "ivc_filter_retrievable", "state": "implanted"})
    note = services.cases.record_event(doc, proc.procedure_id, "note", {"text": "a"})
    services.cases.correct_event(doc, note.event_id, {"text": "b"}, reason="=1+1")
    services.store.close()
    capsys.readouterr()
    return proc.procedure_id


def _csv(capsys):
    return list(csv.reader(io.StringIO(capsys.readouterr().out, newline="")))


def _assert_safe(rows):
    for row in rows:
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row), row


def test_cases_csv_is_neutralized(hostile, capsys):
    assert cli.main(["cases", "--format", "csv"]) == 0
    rows = _csv(capsys)
    _assert_safe(rows)
    [row] = [r for r in rows if r[0] == hostile]
    assert (row[2], row[6]) == ("'-EVIL01", "'=2+3")
    assert unneutralize(row[3]).startswith("=HYPERLINK")


def test_reminders_csv_is_neutralized(hostile, capsys, monkeypatch):
    monkeypatch.setenv("CATHLOG_USER", "doc")
    assert cli.main(["reminders", "--due-before", "2100-01-01", "--format", "csv"]) == 0
    rows = _csv(capsys)
    _assert_safe(rows)
    mine = [r for r in rows if r[3] == hostile]
    assert mine and {r[1] for r in mine} == {"'-EVIL01"}
    assert all(unneutralize(r[2]).startswith("=HYPERLINK") for r in mine)


def test_audit_csv_is_neutralized(hostile, capsys):
    assert cli.main(["audit"]) == 0
    rows = _csv(capsys)
    _assert_safe(rows)
    reason = rows[0].index("reason")
    assert "'=1+1" in {r[reason] for r in rows[1:]}
