"""Build a case's reports through the services and write them atomically."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from cathlog.domain.records import Actor
from cathlog.fileio import atomic_write, private_folder
from cathlog.reports import data, pdf
from cathlog.services import Services

KINDS = ("summary", "followup", "patient")


def report_bytes(services: Services, actor: Actor, procedure_id: str, kind: str) -> bytes:
    record = services.cases.get_record(actor, procedure_id)
    review = services.review.get_review(actor, procedure_id)
    reminders = services.review.reminders(actor, procedure_id)
    if kind == "summary":
        return pdf.render_summary(data.build_summary(record, review, services.review.signatures(actor, procedure_id),
                                                     date.today()))
    if kind == "followup":
        return pdf.render_followup(data.build_followup(record, reminders))
    if kind == "patient":
        return pdf.render_patient_sheet(data.build_patient_sheet(record, review, reminders))
    raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")


def safe_name(text: str) -> str:
    """A file name with no path separators or odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "report"


def write_reports(services: Services, actor: Actor, procedure_id: str, folder: Path,
                  kinds: tuple[str, ...] = KINDS) -> list[Path]:
    private_folder(folder, tighten_existing=False)  # refuses a device or file given as the folder
    written = []
    for kind in kinds:
        target = folder / f"{safe_name(procedure_id)}-{kind}.pdf"
        content = report_bytes(services, actor, procedure_id, kind)
        with atomic_write(target, "wb") as fh:
            fh.write(content)
        written.append(target)
    return written
