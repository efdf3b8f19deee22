"""XLSX cells are typed: text unchanged and never a formula, numbers numbers, dates dates."""

import pytest
import datetime

from openpyxl import load_workbook

from cathlog.exchange.spreadsheets import DATE_FORMAT, write_xlsx
from tests.exchange.hostile_lab import GTIN, HOSTILE_MRN, HOSTILE_OPERATOR, LOT, NOTE, SERIAL, ZERO_MRN, hostile_lab

pytestmark = pytest.mark.backends


def _rows(sheet):
    rows = list(sheet.iter_rows())
    names = [c.value for c in rows[0]]
    return [dict(zip(names, r, strict=True)) for r in rows[1:]]


def test_hostile_text_is_written_unchanged_as_string_cells(tmp_path, services, admin, nurse):
    hostile_lab(services, admin, nurse, n=3)
    out = tmp_path / "all.xlsx"
    write_xlsx(out, services.exchange.flat_tables(admin))
    book = load_workbook(out)  # full mode: number formats are read
    procedures = _rows(book["procedures"])
    operators = [r["primary_operator"] for r in procedures if r["primary_operator"].value == HOSTILE_OPERATOR]
    assert len(operators) == 2 and all(c.data_type == "s" for c in operators)
    mrns = {r["mrn"].value: r["mrn"].data_type for r in procedures}
    assert mrns[HOSTILE_MRN] == "s" and mrns[ZERO_MRN] == "s"  # no visible guard quote, no lost zeros
    devices = [r for r in _rows(book["events_device"]) if r["gtin"].value == GTIN]
    assert len(devices) == 2
    for r in devices:
        assert (r["serial"].value, r["lot"].value) == (SERIAL, LOT)
        assert {r[k].data_type for k in ("gtin", "serial", "lot")} == {"s"}
        assert r["diameter_mm"].data_type == "n" and r["diameter_mm"].value == 3.0
    notes = [r["text"] for r in _rows(book["events_note"]) if r["text"].value == NOTE]
    assert len(notes) == 2 and notes[0].data_type == "s"
    patients = _rows(book["patients"])
    birth = next(r["birth_date"] for r in patients if r["mrn"].value == ZERO_MRN)
    assert birth.value == datetime.datetime(1954, 3, 2) and birth.is_date and birth.number_format == DATE_FORMAT
    assert {r["family_name"].value for r in patients if r["mrn"].value in (HOSTILE_MRN, ZERO_MRN)} == {"-Old"}
    for sheet in book.worksheets:  # not one formula anywhere
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), sheet.title


def test_deidentified_xlsx_is_typed_too(tmp_path, services, admin, nurse):
    hostile_lab(services, admin, nurse, n=2)
    out = tmp_path / "deid.xlsx"
    write_xlsx(out, services.exchange.flat_tables(admin, deidentified=True))
    book = load_workbook(out)
    names = [r["family_name"] for r in _rows(book["patients"])]
    assert names and all(c.data_type == "s" and c.value.startswith("Patient ") for c in names)
    for sheet in book.worksheets:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), sheet.title
