"""Build a case's reports through the services and write them atomically.

Every PDF that leaves is audited (``services.access``): the files are
written first, then one ``write_report`` row names the case, the kinds and
the file names; if that row cannot be written the files are removed, so no
PDF of a patient exists without its audit row. ``print_file`` does the same
for the copy handed to the system's viewer to print."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from cathlog.domain.followup import CaseFile
from cathlog.domain.records import Actor
from cathlog.fileio import atomic_write, private_folder
from cathlog.reports import data, pdf
from cathlog.services import Services

KINDS = ("summary", "followup", "patient")


def report_bytes(services: Services, actor: Actor, procedure_id: str, kind: str,
                 lab: data.LabContact | None = None) -> bytes:
    """PDF bytes of one report, for a caller that audits where they go (``write_reports``, ``print_file``).
    ``lab`` None: the lab's name and phone from its settings (so does ``write_reports``)."""
    _check_kinds((kind,))  # before reading anything
    services.access.may_write_reports(actor)
    return render(services.review.case_file(actor, procedure_id), kind, lab or lab_contact(services, actor))


def lab_contact(services: Services, actor: Actor) -> data.LabContact:
    """The lab's name and phone from its settings (``services.settings``; 'cathlog settings set')."""
    return data.LabContact(*services.settings.lab_contact(actor))


def _check_kinds(kinds: tuple[str, ...]) -> None:
    for kind in kinds:
        if kind not in KINDS:
            raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")


def render(case: CaseFile, kind: str, lab: data.LabContact | None = None) -> bytes:
    """One report of a case file, as PDF bytes; ``lab`` names the lab and its phone on the patient sheet
    (None: "your cath lab", and 911 for emergencies)."""
    if kind == "summary":
        return pdf.render_summary(data.build_summary(case.record, case.review, case.signatures, date.today(),
                                                     case.implants))
    if kind == "followup":
        return pdf.render_followup(data.build_followup(case.record, case.reminders))
    if kind == "patient":
        return pdf.render_patient_sheet(data.build_patient_sheet(case.record, case.review, case.reminders, lab,
                                                                   case.implants))
    raise ValueError(f"unknown report kind {kind!r}; one of {', '.join(KINDS)}")


def safe_name(text: str) -> str:
    """A file name with no path separators or odd characters."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "report"


def write_reports(services: Services, actor: Actor, procedure_id: str, folder: Path,
                  kinds: tuple[str, ...] = KINDS, lab: data.LabContact | None = None) -> list[Path]:
    """Write the case's PDFs into ``folder`` (``<case>-<kind>.pdf``), then audit them."""
    _check_kinds(kinds)
    services.access.may_write_reports(actor)  # before anything is read or rendered
    case = services.review.case_file(actor, procedure_id)  # one read for every report
    lab = lab or lab_contact(services, actor)
    private_folder(folder, tighten_existing=False)  # refuses a device or file given as the folder
    written: list[Path] = []
    try:
        for kind in kinds:
            target = folder / f"{safe_name(procedure_id)}-{kind}.pdf"
            content = render(case, kind, lab)
            with atomic_write(target, "wb") as fh:
                fh.write(content)
            written.append(target)
        services.access.log_reports(actor, procedure_id, kinds, [p.name for p in written], folder.name)
    except BaseException:  # no PDF without its audit row (nor half a set)
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return written


def print_file(services: Services, actor: Actor, procedure_id: str, folder: Path, kind: str = "summary") -> Path:
    """Write one PDF of the case into ``folder`` (a private temporary folder) to hand to the system's
    viewer for printing; audited as ``print_report`` (the file is removed if the row cannot be written).
    The caller removes the folder after use (the GUI: at the end of the session)."""
    _check_kinds((kind,))
    services.access.may_write_reports(actor)
    content = render(services.review.case_file(actor, procedure_id), kind, lab_contact(services, actor))
    target = folder / f"{safe_name(procedure_id)}-{kind}.pdf"
    with atomic_write(target, "wb") as fh:
        fh.write(content)
    try:
        services.access.log_print(actor, procedure_id, kind, target.name)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target
