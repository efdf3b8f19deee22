"""Who saw which record, and what patient data left cathlog (HIPAA access log).

Every PDF, print and CSV that carries patient data gets an audit row through
here, written after the output is complete (the caller removes a file whose
row cannot be written) or, for text printed to a stream that cannot be taken
back, before it is printed. Opening a case's record for viewing writes a
``view_record`` row, but not at every timeline refresh or save: the first
view of a case by an actor in this session is logged, then at most one more
per :data:`VIEW_WINDOW` (the decision is made here, in memory, so it costs no
read and no transaction; the nurse's save path never calls it).

Who may write what (``cathlog.rules.permissions``): a case's PDFs need
``WRITE_REPORT`` (physician, who reviews and prints; admin, who answers
records requests), never a nurse; a CSV of the case list is an export
(``EXPORT``, admin); the follow-up worklist's CSV and printed list are a clinical
tool (``VIEW_RECORDS``) and are audited (``export_reminders``, ``print_reminders``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from cathlog.domain.records import Actor
from cathlog.rules.permissions import Action
from cathlog.services.base import Clock, ServiceBase, system_clock
from cathlog.store.db import Store

VIEW_WINDOW = timedelta(minutes=15)
VIEW_ACTION = "view_record"
# The audit actions that mean "patient data left cathlog" (the audit viewer's filter).
OUTPUT_ACTIONS = ("export", "export_audit", "write_report", "print_report", "export_case_list",
                  "export_reminders", "print_reminders")


class AccessService(ServiceBase):
    def __init__(self, store: Store, clock: Clock = system_clock):
        super().__init__(store, clock)
        self._logged: dict[tuple[str, str], datetime] = {}  # (username, procedure_id) -> last view row

    # --- who viewed which record -------------------------------------------------------

    def record_view(self, actor: Actor, procedure_id: str, via: str) -> bool:
        """Log that ``actor`` opened ``procedure_id``'s record for viewing (``via``: where, e.g.
        "case list", "live log", "review", "cli report"). Returns True if a row was written,
        False when this actor's view of this case was already logged within VIEW_WINDOW.

        Call after the record was read (the read checked the role and that the case exists)."""
        key = (actor.username, procedure_id)
        now = self.clock()
        last = self._logged.get(key)
        if last is not None and timedelta(0) <= now - last < VIEW_WINDOW:
            return False
        self.require(actor, Action.VIEW_RECORDS)
        with self.store.write():
            self.audit(actor, VIEW_ACTION, "procedure", procedure_id, procedure_id=procedure_id,
                       new={"via": via})
        self._logged[key] = now
        return True

    # --- patient data leaving ----------------------------------------------------------

    def may_write_reports(self, actor: Actor) -> None:
        """Raise PermissionDenied unless ``actor`` may write a case's PDFs (check before rendering)."""
        self.require(actor, Action.WRITE_REPORT)

    def log_reports(self, actor: Actor, procedure_id: str, kinds: Sequence[str], files: Sequence[str],
                    folder: str) -> None:
        """The PDFs of a case were written (``files``: their names, in ``folder``)."""
        self.require(actor, Action.WRITE_REPORT)
        with self.store.write():
            self.audit(actor, "write_report", "procedure", procedure_id, procedure_id=procedure_id,
                       new={"kinds": list(kinds), "files": list(files), "folder": folder, "count": len(files)})

    def log_print(self, actor: Actor, procedure_id: str, kind: str, file: str) -> None:
        """A case's PDF was handed to the system's viewer to print (``file``: the temporary file's name)."""
        self.require(actor, Action.WRITE_REPORT)
        with self.store.write():
            self.audit(actor, "print_report", "procedure", procedure_id, procedure_id=procedure_id,
                       new={"kind": kind, "file": file, "count": 1})

    def may_export_case_list(self, actor: Actor) -> None:
        """Raise PermissionDenied unless ``actor`` may write the case list as CSV (an export)."""
        self.require(actor, Action.EXPORT)

    def log_case_list(self, actor: Actor, filters: Mapping[str, Any], procedure_ids: Sequence[str],
                      target: str) -> None:
        """The case list (patients' names and MRNs) was written as CSV to ``target``."""
        self.require(actor, Action.EXPORT)
        with self.store.write():
            self.audit(actor, "export_case_list", "procedure", target,
                       new={"format": "csv", "filters": dict(filters), "records": len(procedure_ids),
                            "procedure_ids": list(procedure_ids)})

    def log_reminder_list(self, actor: Actor, due_before: str, procedure_ids: Sequence[str],
                          target: str) -> None:
        """The follow-up worklist (patients' names and MRNs) was written as CSV to ``target``."""
        self.require(actor, Action.VIEW_RECORDS)
        with self.store.write():
            self.audit(actor, "export_reminders", "reminder", target,
                       new={"format": "csv", "filters": {"due_before": due_before}, "records": len(procedure_ids),
                            "procedure_ids": sorted(set(procedure_ids))})

    def log_worklist(self, actor: Actor, fmt: str, filters: Mapping[str, Any], procedure_ids: Sequence[str],
                     target: str) -> None:
        """The follow-up worklist screen's list (patients' names and MRNs) was written to ``target``:
        ``fmt`` "csv" (``export_reminders``) or "pdf" (``print_reminders``), with its filters."""
        self.require(actor, Action.VIEW_RECORDS)
        if fmt not in ("csv", "pdf"):
            raise ValueError(f"unknown worklist format {fmt!r}")
        with self.store.write():
            self.audit(actor, "export_reminders" if fmt == "csv" else "print_reminders", "reminder", target,
                       new={"format": fmt, "filters": dict(filters), "records": len(procedure_ids),
                            "procedure_ids": sorted(set(procedure_ids))})
