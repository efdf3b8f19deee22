"""The CSV zip and the XLSX of a 30-case demo database, opened by LibreOffice headless: opened
(exit 0, output written), and no cell became a computed value, a formula or a number that was text.

LibreOffice is the counterpart nobody on the team wrote: ``bash test.sh`` installs it
(``libreoffice-calc-nogui``, about 20 s and 200 MB); where it is missing these tests fail in CI and skip
elsewhere (``tests/peers.py``)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook

from cathlog.domain.flat_tables import TABLE_BY_NAME, TABLES, unneutralize
from cathlog.exchange.spreadsheets import write_csv_zip, write_xlsx
from tests.peers import missing
from tests.exchange.hostile_lab import GTIN, HOSTILE_MRN, HOSTILE_OPERATOR, LOT, NOTE, SERIAL, ZERO_MRN, hostile_lab

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.sqlite_only(reason="LibreOffice reading cathlog's CSV and XLSX; the server exports the same "
                                            "tables (tests/exchange/test_export_on_server.py)")


@pytest.fixture(autouse=True)
def soffice() -> str:
    if SOFFICE is None:
        missing("LibreOffice is not installed (no soffice or libreoffice on PATH): the spreadsheet round trip "
                "cannot be checked (bash test.sh installs libreoffice-calc-nogui)")
    assert SOFFICE is not None
    return SOFFICE

#: the columns docs/spreadsheets.md tells a reader to import as Text
TEXT_COLUMNS = ("mrn", "gtin", "serial", "lot")


def _convert(profile, outdir, to: str, files, infilter: str | None = None) -> None:
    """LibreOffice converts ``files`` into ``outdir``; it must exit 0 and write every output
    (it exits 0 even when it could not load a file)."""
    command = [SOFFICE, "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}",
               *([f"--infilter={infilter}"] if infilter else []), "--convert-to", to, "--outdir", str(outdir),
               *map(str, files)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    for f in files:
        assert (outdir / f"{f.stem}.{to}").is_file(), (f.name, result.stdout, result.stderr)



@pytest.fixture
def lab_outputs(tmp_path, services, admin, nurse):
    hostile_lab(services, admin, nurse, n=30)
    zipped, xlsx = tmp_path / "all.zip", tmp_path / "all.xlsx"
    assert write_csv_zip(zipped, services.exchange.flat_tables(admin)) == 32
    assert write_xlsx(xlsx, services.exchange.flat_tables(admin)) == 32
    members = tmp_path / "csv"
    with zipfile.ZipFile(zipped) as archive:
        archive.extractall(members)
    return tmp_path, members, xlsx


#: how LibreOffice saves a boolean cell in XLSX (its own convention, not a computed value)
LO_BOOLEANS = {"=TRUE()": True, "=FALSE()": False}


def _formulas(book) -> list[str]:
    """Every formula cell but LibreOffice's own booleans."""
    return [f"{sheet.title}!{c.coordinate}" for sheet in book.worksheets for row in sheet.iter_rows() for c in row
            if c.data_type == "f" and c.value not in LO_BOOLEANS]


def test_libreoffice_reads_the_xlsx_without_a_computed_cell(lab_outputs):
    tmp, _, xlsx = lab_outputs
    out = tmp / "lo-xlsx"
    _convert(tmp / "profile", out, "xlsx", [xlsx])
    ours, theirs = load_workbook(xlsx), load_workbook(out / "all.xlsx")
    assert theirs.sheetnames == [t.name for t in TABLES]
    assert _formulas(theirs) == []
    strings = 0
    for sheet in ours.worksheets:  # every text cell comes back as the same text
        for row in sheet.iter_rows():
            for cell in row:
                back = theirs[sheet.title][cell.coordinate]
                if isinstance(cell.value, str):
                    assert (back.value, back.data_type) == (cell.value, "s"), (sheet.title, cell.coordinate)
                    strings += 1
                elif back.data_type == "f":  # only a boolean of ours, as LibreOffice writes booleans
                    assert LO_BOOLEANS[back.value] is cell.value, (sheet.title, cell.coordinate)
    assert strings > 1000
    procedures = list(theirs["procedures"].iter_rows(values_only=True))
    header = procedures[0]
    assert sum(r[header.index("primary_operator")] == HOSTILE_OPERATOR for r in procedures) == 2  # not 5
    assert {HOSTILE_MRN, ZERO_MRN} <= {r[header.index("mrn")] for r in procedures}
    devices = list(theirs["events_device"].iter_rows(values_only=True))
    columns = [devices[0].index(c) for c in ("gtin", "serial", "lot")]
    assert sum([r[i] for i in columns] == [GTIN, SERIAL, LOT] for r in devices) == 2


def _csv_rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"), newline="")))


def test_libreoffice_default_csv_import_computes_nothing(lab_outputs):
    """Opened as a double click opens it (default import): not one formula, every guarded
    cell is the text as written, numbers are numbers."""
    tmp, members, _ = lab_outputs
    files = sorted(members.glob("*.csv"))
    assert len(files) == len(TABLES)
    out = tmp / "lo-csv"
    _convert(tmp / "profile", out, "xlsx", files, infilter="CSV:44,34,76,1")
    guarded = 0
    for f in files:
        book = load_workbook(out / f"{f.stem}.xlsx")
        assert _formulas(book) == [], f.name
        sheet = book.active
        for r, row in enumerate(_csv_rows(f), start=1):
            for c, text in enumerate(row, start=1):
                if text.startswith("'"):
                    assert sheet.cell(r, c).value == text, (f.name, r, c)
                    guarded += 1
    assert guarded >= 8  # the MRN, operator, lot and note of both hostile cases at least
    device = load_workbook(out / "events_device.xlsx").active
    header = [c.value for c in device[1]]
    diameters = [row[header.index("diameter_mm")] for row in device.iter_rows(min_row=2, values_only=True)]
    assert 3.0 in diameters and all(isinstance(d, (int, float)) for d in diameters if d is not None)


def test_libreoffice_documented_csv_import_keeps_leading_zeros(lab_outputs):
    """With the import settings of docs/spreadsheets.md (UTF-8, comma, English (USA) numbers,
    MRN/GTIN/serial/lot as Text), text with leading zeros stays text."""
    tmp, members, _ = lab_outputs
    out = tmp / "lo-text"
    for name in ("patients", "procedures", "events_device"):
        names = TABLE_BY_NAME[name].column_names
        formats = "/".join(f"{i}/{2 if n in TEXT_COLUMNS else 1}" for i, n in enumerate(names, start=1))
        _convert(tmp / "profile", out, "xlsx", [members / f"{name}.csv"],
                 infilter=f"CSV:44,34,76,1,{formats},1033,true,false")
    for name in ("patients", "procedures"):
        sheet = load_workbook(out / f"{name}.xlsx").active
        rows = list(sheet.iter_rows(values_only=True))
        mrns = {unneutralize(r[rows[0].index("mrn")]) for r in rows[1:]}
        assert {HOSTILE_MRN, ZERO_MRN} <= mrns, name
    device = load_workbook(out / "events_device.xlsx").active
    rows = list(device.iter_rows(values_only=True))
    columns = [rows[0].index(c) for c in ("gtin", "serial", "lot")]
    assert sum([r[i] for i in columns] == [GTIN, SERIAL, "'" + LOT] for r in rows) == 2
    notes = [r for r in _csv_rows(members / "events_note.csv") if "'" + NOTE in r]
    assert len(notes) == 2
