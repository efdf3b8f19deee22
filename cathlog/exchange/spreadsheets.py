"""CSV (a file per table, zipped) and XLSX (a sheet per table) exports.

Both stream: records are read one at a time and rows written as they come
(openpyxl's write-only mode for XLSX), so memory stays flat on years of
data. Files are written to a temporary name and renamed into place.
"""

from __future__ import annotations

import csv
import io
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO

from cathlog.domain.records import ProcedureRecord
from cathlog.exchange.tables import TABLES, neutralize, rows
from cathlog.fileio import atomic_write


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralize(value)


def write_csv_zip(path: str | Path, records: Iterable[ProcedureRecord]) -> int:
    """``path`` becomes a zip of one CSV per table (UTF-8 with BOM, for spreadsheets)."""
    count = 0
    with tempfile.TemporaryDirectory(prefix="cathlog-csv-") as tmp:
        handles: dict[str, IO[str]] = {}
        writers = {}
        try:
            for name, columns in TABLES.items():
                fh = open(Path(tmp) / f"{name}.csv", "w", encoding="utf-8-sig", newline="")  # noqa: SIM115
                handles[name] = fh
                writers[name] = csv.writer(fh)
                writers[name].writerow(columns)
            for count, table, row in _table_rows_once(records):
                writers[table].writerow([_csv_cell(v) for v in row])
        finally:
            for handle in handles.values():
                handle.close()
        with atomic_write(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name in TABLES:
                archive.write(Path(tmp) / f"{name}.csv", arcname=f"{name}.csv")
    return count


def write_csv_zip_tables(path: str | Path, table_rows: Callable[[str], Iterable[tuple]]) -> int:
    """The fast path: ``table_rows(name)`` streams each table's rows already
    neutralized (see cathlog.store.export_rows); returns the procedure count."""
    count = 0
    with atomic_write(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                          compresslevel=1) as archive:
        for name, columns in TABLES.items():
            with archive.open(f"{name}.csv", "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(columns)
                rows = 0
                for chunk in _chunks(table_rows(name)):
                    writer.writerows(chunk)
                    rows += len(chunk)
                if name == "procedures":
                    count = rows
    return count


def _chunks(rows: Iterable[tuple], size: int = 5000) -> Iterable[list[tuple]]:
    chunk: list[tuple] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_xlsx(path: str | Path, records: Iterable[ProcedureRecord]) -> int:
    """One sheet per table; text cells neutralized against formula injection."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheets = {}
    for name, columns in TABLES.items():
        sheet = workbook.create_sheet(title=name[:31])
        sheet.append(list(columns))
        sheets[name] = sheet
    count = 0
    for count, table, row in _table_rows_once(records):
        sheets[table].append([neutralize(v) for v in row])
    with atomic_write(path, "wb") as fh:
        workbook.save(fh)
    return count


def _table_rows_once(records: Iterable[ProcedureRecord]) -> Iterable[tuple[int, str, tuple]]:
    """(records so far, table, row) for every record; a patient's row only once."""
    seen_patients: set[str] = set()
    for count, record in enumerate(records, 1):
        for table, row in rows(record):
            if table == "patients":
                if record.patient.mrn in seen_patients:
                    continue
                seen_patients.add(record.patient.mrn)
            yield count, table, row
