"""Use cases of record exchange: reading records out and bringing them in.

Import is all-or-nothing per file, in short transactions (cathlog.services.imports).
Imported entries keep their ids, times and authors as imported history, so
export -> import -> export gives back the same records. Soft warnings are not
asked again: they were confirmed where the records were logged. Every import
and export is audited.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from cathlog.domain.flat_tables import ExportFilters, FlatTable
from cathlog.domain.records import Actor, ProcedureRecord
from cathlog.rules.deidentify import deidentify, deidentify_row
from cathlog.rules.permissions import Action
from cathlog.services import settings as lab_settings
from cathlog.services.base import ServiceBase
from cathlog.services.imports import Importer
from cathlog.store import export_rows
from cathlog.store import records as rec
from cathlog.store import keys


# The lab's identity in a FHIR export: the lab settings ``fhir.*`` (cathlog.services.settings; set with
# 'cathlog settings set'). Until the lab enters its own, LOCAL placeholders.
FHIR_DEFAULTS = lab_settings.FHIR_DEFAULTS


class ExchangeService(ServiceBase):
    def iter_records(self, actor: Actor, *, since: str | None = None, until: str | None = None,
                     category: str | None = None, status: str | None = None,
                     operator: str | None = None) -> Iterator[ProcedureRecord]:
        """Whole records, oldest first, one at a time (constant memory): the record path of JSON and FHIR.

        Filters (``cathlog.domain.flat_tables.FILTERS``, the same as the flat tables'): start time range
        (UTC), category, status, and an operator's name (case-insensitive, any team member)."""
        self.require(actor, Action.EXPORT)
        filters = ExportFilters(since=since, until=until, category=category, status=status, operator=operator)
        return self._records(list(export_rows.selected_procedure_ids(self.store, filters)))

    def count_cases(self, actor: Actor, filters: ExportFilters | Mapping[str, Any] | None = None) -> int:
        """How many cases an export with ``filters`` writes (the same selection as the export's),
        for the export screen to show before anything is written."""
        self.require(actor, Action.EXPORT)
        return sum(1 for _ in export_rows.selected_procedure_ids(self.store, ExportFilters.of(filters)))

    def _records(self, procedure_ids: list[str]) -> Iterator[ProcedureRecord]:
        """Each case as the summary and the flat tables show it: with the patient as recorded for the case
        (a later weight or name change belongs to later cases)."""
        for procedure_id in procedure_ids:
            record = rec.read_case(self.store, procedure_id)
            if record is not None:  # a case is never deleted; selected ids always exist
                yield record

    def flat_tables(self, actor: Actor, filters: ExportFilters | Mapping[str, Any] | None = None, *,
                    deidentified: bool = False) -> Iterator[tuple[FlatTable, Iterator[tuple[Any, ...]]]]:
        """Every flat export table (``cathlog.domain.flat_tables.TABLES``, in order) with its rows as
        export cells, streamed from the database: what the CSV and XLSX writers write.

        ``deidentified``: each row goes through the Safe Harbor row transform. Read each table's rows
        before asking for the next table."""
        self.require(actor, Action.EXPORT)
        wanted = ExportFilters.of(filters)
        if not deidentified:
            return export_rows.stream_tables(self.store, wanted)
        return self._deidentified_tables(wanted, keys.deidentification_key())

    def csv_cells(self, actor: Actor, filters: ExportFilters | Mapping[str, Any] | None = None
                  ) -> Iterator[tuple[FlatTable, Iterator[list[tuple[Any, ...]]]]]:
        """The identified flat tables for CSV, in batches of rows whose cells SQLite has made final
        (``store.export_rows.stream_csv_cells``): what ``cathlog.exchange.csv_out.CsvOut`` writes for
        the rows of :meth:`flat_tables`, written with no Python work per cell."""
        self.require(actor, Action.EXPORT)
        return export_rows.stream_csv_cells(self.store, ExportFilters.of(filters))

    def _deidentified_tables(self, filters: ExportFilters,
                             key: bytes) -> Iterator[tuple[FlatTable, Iterator[tuple[Any, ...]]]]:
        for table, rows in export_rows.stream_tables(self.store, filters, with_context=True):
            yield table, (deidentify_row(table, row, key) for row in rows)

    def deidentified(self, actor: Actor, records: Iterator[ProcedureRecord]) -> Iterator[ProcedureRecord]:
        """The records with Safe Harbor identifiers removed (see cathlog.rules.deidentify); pseudonyms
        keyed with the installation's de-identification key, kept outside the database."""
        self.require(actor, Action.EXPORT)
        key = keys.deidentification_key()
        for record in records:
            yield deidentify(record, key)

    def fhir_identity(self, actor: Actor) -> dict[str, str]:
        """The MRN identifier system and the lab's organisation for a FHIR export: the database
        settings ``fhir.mrn_system``, ``fhir.organization_name``, ``fhir.organization_system``,
        ``fhir.organization_id``, each defaulting to ``FHIR_DEFAULTS`` (local placeholders)."""
        self.require(actor, Action.EXPORT)
        found = lab_settings.stored_values(self.store)
        return {key: found[key] for key in FHIR_DEFAULTS}

    def log_export(self, actor: Actor, fmt: str, filters: Mapping[str, Any], count: int, target: str) -> None:
        self.require(actor, Action.EXPORT)
        new: dict[str, Any] = {"format": fmt, "filters": dict(filters), "records": count}
        if filters.get("deidentified"):  # which key made the pseudonyms (its id, never the key)
            new["deidentification_key_id"] = keys.deid_key_id(keys.deidentification_key())
        with self.store.write():
            self.audit(actor, "export", "export", target, new=new)

    def import_records(self, actor: Actor, records: Sequence[ProcedureRecord], source: str) -> int:
        """Write every record or none; errors name the source and the record (see cathlog.services.imports)."""
        return Importer(self.store, self.clock).import_records(actor, records, source)

    def resume_imports(self, actor: Actor | None = None) -> int:
        """Finish an import a crash interrupted after it was staged (at start-up); discard a half-staged one."""
        return Importer(self.store, self.clock).resume(actor)
