"""The one way to export: choose the writer, apply filters and
de-identification, write atomically, then audit (an export whose audit row
cannot be written is removed). Used by the command line and the GUI.

CSV and XLSX write the flat tables streamed from the database
(``services.exchange.flat_tables``; an identified CSV export has SQLite make
every cell final, ``services.exchange.csv_cells``: the same bytes); JSON and
FHIR write whole records.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cathlog.domain.flat_tables import ExportFilters
from cathlog.domain.records import Actor
from cathlog.services import Services

FORMATS = ("json", "csv", "xlsx", "fhir")
FLAT_FORMATS = ("csv", "xlsx")


def export(services: Services, actor: Actor, fmt: str, out: Path, filters: dict[str, Any],
           deidentify: bool = False) -> int:
    """Write the cases matching ``filters`` (since/until as UTC timestamps, category,
    status, operator) to ``out``; returns how many cases were written."""
    from cathlog.exchange.fhir import write_bundle
    from cathlog.exchange.json_records import write_records
    from cathlog.exchange.spreadsheets import write_csv_zip, write_csv_zip_cells, write_xlsx

    if fmt not in FORMATS:
        raise ValueError(f"unknown export format {fmt!r}")
    wanted = ExportFilters.of(filters)
    if fmt == "csv" and not deidentify:  # cells made final in SQL: the same bytes, faster
        count = write_csv_zip_cells(out, services.exchange.csv_cells(actor, wanted))
    elif fmt in FLAT_FORMATS:
        tables = services.exchange.flat_tables(actor, wanted, deidentified=deidentify)
        count = {"csv": write_csv_zip, "xlsx": write_xlsx}[fmt](out, tables)
    else:
        records = services.exchange.iter_records(actor, **vars(wanted))
        if deidentify:
            records = services.exchange.deidentified(actor, records)
        if fmt == "fhir":
            count = write_bundle(out, records, services.exchange.fhir_identity(actor))
        else:
            count = write_records(out, records)
    try:  # no unaudited export: if the audit row cannot be written, the file goes
        services.exchange.log_export(actor, fmt, {**filters, "deidentified": deidentify}, count, out.name)
    except BaseException:
        out.unlink(missing_ok=True)
        raise
    return count
