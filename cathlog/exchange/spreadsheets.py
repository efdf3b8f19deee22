"""The flat exports: CSV (a file per table, zipped) and XLSX (a sheet per table).

One writer each, over the streamed tables of ``services.exchange.flat_tables``
(identified or de-identified): rows arrive as export cells
(``cathlog.domain.flat_tables``) and are written as they come (openpyxl's
write-only mode for XLSX), so memory stays flat on years of data. Files are
written to a temporary name and renamed into place.

CSV goes through the one neutralizing writer (``cathlog.exchange.csv_out``).
XLSX cells are typed, so nothing needs a guard quote: text is written as an
explicit string cell (never a formula, even when it starts with ``=``) with
the data unchanged, numbers as numbers, booleans as booleans, dates as dates
with a ``yyyy-mm-dd`` format. MRNs, GTINs and serials stay text in both.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import IO, Any

from cathlog.domain.fields import EVENT_FIELDS, PATIENT_FIELDS, FieldType
from cathlog.domain.flat_tables import CASES_TABLE, PATIENTS, Cell, FlatTable, unneutralize
from cathlog.exchange.csv_out import CsvOut, write_final_cells
from cathlog.fileio import atomic_write, check_target

Row = tuple[Any, ...]
Tables = Iterable[tuple[FlatTable, Iterable[Row]]]


def write_csv_zip(path: str | Path, tables: Tables) -> int:
    """``path`` becomes a zip of one CSV per table (UTF-8 with BOM, for spreadsheets);
    returns the number of cases (rows of ``CASES_TABLE``)."""
    def write(fh: IO[str], table: FlatTable, rows: Iterable[Row]) -> int:
        writer = CsvOut(fh)  # None is written as an empty cell
        writer.writerow(table.column_names)
        plain = _plain_text(table)
        written = 0
        for chunk in _chunks(rows):
            writer.writerows(plain(row) for row in chunk)
            written += len(chunk)
        return written
    return _csv_zip(path, tables, write)


def write_csv_zip_cells(path: str | Path, tables: Iterable[tuple[FlatTable, Iterable[list[Row]]]]) -> int:
    """As :func:`write_csv_zip`, from tables whose rows come in batches with every cell already as
    the CSV writer writes it (``services.exchange.csv_cells``): the same bytes, faster."""
    def write(fh: IO[str], table: FlatTable, batches: Iterable[list[Row]]) -> int:
        return write_final_cells(fh, table.column_names, batches)
    return _csv_zip(path, tables, write)


def _csv_zip(path: str | Path, tables: Iterable[tuple[FlatTable, Any]],
             write: Callable[[IO[str], FlatTable, Any], int]) -> int:
    count = 0
    with atomic_write(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                          compresslevel=1) as archive:
        for table, rows in tables:
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                written = write(fh, table, rows)
            if table is CASES_TABLE:
                count = written
    return count


def _chunks(rows: Iterable[Row], size: int = 5000) -> Iterable[list[Row]]:
    chunk: list[Row] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _plain_text(table: FlatTable) -> Any:
    """A function giving a row's plain values: the text cells without their guard quote
    (the writer of each format guards them its own way)."""
    text = [i for i, c in enumerate(table.columns) if c.cell is Cell.TEXT]

    def plain(row: Row) -> list[Any]:
        cells = list(row)
        for i in text:
            if isinstance(cells[i], str):
                cells[i] = unneutralize(cells[i])
        return cells
    return plain


_BOOLS = {"true": True, "false": False, None: None}
DATE_FORMAT = "yyyy-mm-dd"


def _date_columns(table: FlatTable) -> list[int]:
    specs = PATIENT_FIELDS if table is PATIENTS else EVENT_FIELDS.get(table.kind, ()) if table.kind else ()
    dates = {s.name for s in specs if s.type is FieldType.DATE}
    return [i for i, c in enumerate(table.columns) if c.name in dates]


def _typed(sheet: Any, value: Any, as_date: bool) -> Any:
    """One write-only cell: text always a string cell (openpyxl would make a formula of
    text starting with '='), an ISO date a date cell, other values as they are."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and as_date:
        try:
            value = date.fromisoformat(value)
        except ValueError:
            pass  # not a date after all (e.g. a partial one): kept as text
        else:
            cell = WriteOnlyCell(sheet, value)
            cell.number_format = DATE_FORMAT
            return cell
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def write_xlsx(path: str | Path, tables: Tables) -> int:
    """One sheet per table of typed cells: text as string cells with the data unchanged (never
    evaluated, so no guard quote), booleans as booleans, dates as dates; returns the number of
    cases (rows of ``CASES_TABLE``)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = 0
    sheets = []
    try:
        check_target(path)  # before the work: never a device, pipe or folder
        for table, rows in tables:
            sheet = workbook.create_sheet(title=table.name[:31])
            sheets.append(sheet)
            sheet.append(list(table.column_names))
            bools = [i for i, c in enumerate(table.columns) if c.cell is Cell.BOOL]
            dates = set(_date_columns(table))
            plain = _plain_text(table)
            written = 0
            for row in rows:
                cells = plain(row)
                for i in bools:
                    cells[i] = _BOOLS[cells[i]]
                sheet.append([_typed(sheet, v, i in dates) for i, v in enumerate(cells)])
                written += 1
            if table is CASES_TABLE:
                count = written
        with atomic_write(path, "wb") as fh:
            workbook.save(fh)
    except BaseException:  # e.g. refused or a full disk: finish the sheets' temp files, leave nothing behind
        for sheet in sheets:
            with contextlib.suppress(Exception):
                sheet.close()
        raise
    return count
