"""The follow-up worklist as CSV (issue 12 item 10): the rows under the screen's filters,
written through the one neutralising CSV writer (``csv_out``: a patient named
"=HYPERLINK(...)" comes out as inert text), atomically, then audited
(``export_reminders``); if the audit row cannot be written the file is removed."""

from __future__ import annotations

from pathlib import Path

from cathlog.domain.records import Actor
from cathlog.domain.worklist import WorklistItem, WorklistQuery
from cathlog.exchange.csv_out import write_csv
from cathlog.fileio import atomic_write
from cathlog.services import Services

HEADER = ("due_date", "overdue", "rule", "rule_title", "patient", "mrn", "procedure_id", "operator", "status",
          "not_yet_reviewed", "what", "source")


def csv_row(item: WorklistItem, today: str) -> tuple[object, ...]:
    return (item.due_date, item.overdue(today), item.rule_id, item.title, item.patient_name, item.mrn,
            item.procedure_id, item.operator, item.state.value, item.pending, item.text, item.source)


def write_worklist_csv(services: Services, actor: Actor, query: WorklistQuery, target: Path, today: str) -> int:
    """Every row under ``query`` into ``target`` (UTF-8 with a byte-order mark, for spreadsheets);
    returns the number of rows. ``today``: the lab's local date (YYYY-MM-DD), for "overdue"."""
    items = list(services.followup.all_items(actor, query))  # role and filters checked before the file is made
    with atomic_write(target, "w", encoding="utf-8-sig") as fh:
        count = write_csv(fh, HEADER, (csv_row(i, today) for i in items), lineterminator="\r\n")
    try:
        services.access.log_worklist(actor, "csv", query.described(), [i.procedure_id for i in items], target.name)
    except BaseException:  # no list of patients without its audit row
        target.unlink(missing_ok=True)
        raise
    return count
