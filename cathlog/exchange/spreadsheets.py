"""The flat exports: CSV (a file per table, zipped) and XLSX (a sheet per table).

One writer each, over the streamed tables of ``services.exchange.flat_tables``
(identified or de-identified): rows arrive as export cells
(``cathlog.domain.flat_tables``) and are written as they come (openpyxl's
write-only mode for XLSX), so memory stays flat on years of data. Files are
written to a temporary name and renamed into place.
"""

from __future__ import annotations

import contextlib
import csv
import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from cathlog.domain.flat_tables import CASES_TABLE, Cell, FlatTable
from cathlog.fileio import atomic_write, check_target

Row = tuple[Any, ...]
Tables = Iterable[tuple[FlatTable, Iterable[Row]]]


def write_csv_zip(path: str | Path, tables: Tables) -> int:
    """``path`` becomes a zip of one CSV per table (UTF-8 with BOM, for spreadsheets);
    returns the number of cases (rows of ``CASES_TABLE``)."""
    count = 0
    with atomic_write(path, "wb") as out, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED,
                                                          compresslevel=1) as archive:
        for table, rows in tables:
            with archive.open(f"{table.name}.csv", "w", force_zip64=True) as raw, \
                    io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as fh:
                writer = csv.writer(fh)  # None is written as an empty cell
                writer.writerow(table.column_names)
                written = 0
                for chunk in _chunks(rows):
                    writer.writerows(chunk)
                    written += len(chunk)
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


_BOOLS = {"true": True, "false": False, None: None}


def write_xlsx(path: str | Path, tables: Tables) -> int:
    """One sheet per table; text cells arrive neutralized against formula injection, booleans
    become spreadsheet booleans; returns the number of cases (rows of ``CASES_TABLE``)."""
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
            written = 0
            for row in rows:
                cells = list(row)
                for i in bools:
                    cells[i] = _BOOLS[cells[i]]
                sheet.append(cells)
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
