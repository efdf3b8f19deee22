"""CSV and XLSX exports: every table, formula injection neutralized, numbers numeric."""

import pytest
import csv
import io
import zipfile

from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cathlog.domain.flat_tables import FORMULA_TRIGGERS, TABLE_BY_NAME, TABLES, neutralize, unneutralize
from cathlog.exchange.spreadsheets import write_csv_zip, write_xlsx
from tests.exchange.flat_reference import reference_tables
from tests.helpers import open_case


@given(st.text())
def test_neutralize_round_trips_and_never_leaves_a_trigger(text):
    cell = neutralize(text)
    assert not cell.startswith(FORMULA_TRIGGERS)
    assert unneutralize(cell) == text


def test_numbers_are_not_touched():
    assert neutralize(-5) == -5 and neutralize(2.5) == 2.5 and neutralize(True) is True


def _hostile_case(services, nurse):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": "=HYPERLINK(\"http://x\",\"y\")"})
    services.cases.record_event(nurse, proc.procedure_id, "device",
                                {"device_type": "des", "state": "implanted", "lot": "+1234", "diameter_mm": 3.0})
    return proc


def test_csv_zip_has_every_table_and_neutralized_cells(tmp_path, services, admin, nurse):
    services.demo.load(admin, 5, seed=1)
    _hostile_case(services, nurse)
    out = tmp_path / "all.zip"
    assert write_csv_zip(out, services.exchange.flat_tables(admin)) == 6
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == sorted(f"{t.name}.csv" for t in TABLES)
        notes = list(csv.reader(io.StringIO(archive.read("events_note.csv").decode("utf-8-sig"))))
        devices = list(csv.reader(io.StringIO(archive.read("events_device.csv").decode("utf-8-sig"))))
    assert notes[0] == list(TABLE_BY_NAME["events_note"].column_names)
    assert "'=HYPERLINK(\"http://x\",\"y\")" in [r[-1] for r in notes]
    lot = devices[0].index("lot")
    assert "'+1234" in [r[lot] for r in devices]
    for row in notes[1:] + devices[1:]:
        assert not any(cell.startswith(FORMULA_TRIGGERS) for cell in row)


def test_xlsx_opens_with_typed_cells(tmp_path, services, admin, nurse):
    services.demo.load(admin, 5, seed=1)
    _hostile_case(services, nurse)
    out = tmp_path / "all.xlsx"
    assert write_xlsx(out, services.exchange.flat_tables(admin)) == 6
    book = load_workbook(out, read_only=True)
    assert set(book.sheetnames) == {t.name for t in TABLES}
    contrast = list(book["events_contrast"].iter_rows(values_only=True))
    volume = contrast[0].index("volume_ml")
    assert all(isinstance(r[volume], (int, float)) and not isinstance(r[volume], bool) for r in contrast[1:])
    notes = [r[-1] for r in book["events_note"].iter_rows()]
    hostile = next(c for c in notes if c.value == "=HYPERLINK(\"http://x\",\"y\")")  # unchanged: no guard quote
    assert hostile.data_type == "s"  # a typed string cell, never a formula
    book.close()


def test_filters(services, admin, nurse):
    services.demo.load(admin, 10, seed=4)
    venous = list(services.exchange.iter_records(admin, category="venous"))
    assert venous and all(r.procedure.category == "venous" for r in venous)
    closed = list(services.exchange.iter_records(admin, status="closed"))
    assert len(closed) == 8
    some = list(services.exchange.iter_records(admin, operator="patel"))
    assert all(any("Patel" in m.name for m in r.procedure.team) for r in some)


from hypothesis import HealthCheck, settings  # noqa: E402

from tests.conftest import FAST_HASHER, PASSWORD, FakeClock  # noqa: E402
from tests.helpers import make_patient  # noqa: E402

pytestmark = pytest.mark.backends

names = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1,
                max_size=40).map(str.strip).filter(bool)


@pytest.mark.sqlite_only(reason="30 generated examples, each on a new database file; the server exports the same "
                                "tables (tests/exchange/test_export_on_server.py)")
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(family=names, note=names)
def test_unicode_and_hostile_text_round_trip_through_csv(tmp_path_factory, family, note):
    from cathlog.services import Services
    from cathlog.store.db import Store

    tmp = tmp_path_factory.mktemp("csv")
    services = Services(Store.open(tmp / "a.db"), FakeClock(), hasher=FAST_HASHER)
    admin = services.auth.create_first_admin("admin", "A", PASSWORD)
    services.auth.add_user(admin, "n", "N", "nurse", PASSWORD)
    nurse = services.auth.sign_in("n", PASSWORD)
    patient = services.cases.register_patient(nurse, make_patient("X1", family_name=family), confirm=True)
    from tests.helpers import CORONARY

    proc = services.cases.open_case(nurse, patient.patient_id, CORONARY)
    services.cases.record_event(nurse, proc.procedure_id, "note", {"text": note})
    out = tmp / "x.zip"
    write_csv_zip(out, services.exchange.flat_tables(admin))
    with zipfile.ZipFile(out) as archive:
        patients = list(csv.DictReader(io.StringIO(archive.read("patients.csv").decode("utf-8-sig"))))
        notes = list(csv.DictReader(io.StringIO(archive.read("events_note.csv").decode("utf-8-sig"))))
    assert unneutralize(patients[0]["family_name"]) == family
    assert unneutralize(notes[0]["text"]) == note
    assert not patients[0]["family_name"].startswith(FORMULA_TRIGGERS)
    services.store.close()


def test_streamed_csv_gives_the_same_tables_as_the_record_path(tmp_path, services, admin, nurse):
    services.demo.load(admin, 6, seed=6)
    proc = _hostile_case(services, nurse)
    ev = services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 228})
    services.cases.correct_event(nurse, ev.event_id, {"act_s": 282}, reason="=typo")
    services.cases.void_event(nurse, ev.event_id, reason="@wrong")
    slow, fast = tmp_path / "slow.zip", tmp_path / "fast.zip"
    for filters in ({}, {"category": "venous"}, {"operator": "patel"}, {"status": "closed"}):
        n_slow = write_csv_zip(slow, reference_tables(services.exchange.iter_records(admin, **filters)))
        n_fast = write_csv_zip(fast, services.exchange.flat_tables(admin, filters))
        assert n_slow == n_fast
        with zipfile.ZipFile(slow) as a, zipfile.ZipFile(fast) as b:
            for name in (t.name for t in TABLES):
                rows_a = sorted(csv.reader(io.StringIO(a.read(f"{name}.csv").decode("utf-8-sig"))))
                rows_b = sorted(csv.reader(io.StringIO(b.read(f"{name}.csv").decode("utf-8-sig"))))
                assert rows_a == rows_b, (filters, name)
