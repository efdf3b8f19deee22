"""The follow-up worklist, printed (issue 12 item 10): the rows under the screen's filters as
a ReportLab PDF in the reports' style (embedded fonts with fallbacks, a header with the lab's
name on every page, "page X of Y"). Overdue rows say so in words and a sign, not only in
colour; a window of a case nobody has reviewed yet says "not yet reviewed". Written
atomically, then audited (``print_reminders``); the file is removed if the row cannot be
written."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast
import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from cathlog.domain.records import Actor
from cathlog.domain.worklist import WorklistItem, WorklistQuery
from cathlog.fileio import atomic_write
from cathlog.reports import pdf
from cathlog.reports.data import Header
from cathlog.services import Services

TITLE = "Follow-up worklist"
HEAD = ("Due", "Rule", "Patient", "Case", "Operator", "Status", "What (source)")
WIDTHS = (0.08, 0.04, 0.15, 0.11, 0.1, 0.11, 0.41)
PAGE = landscape(A4)  # a list of many columns reads across
OVERDUE = "⚠ OVERDUE"
NOT_REVIEWED = "not yet reviewed"


def status_text(item: WorklistItem, today: str) -> str:
    """The row's status in words, one per line: '⚠ OVERDUE' first, then 'open', 'done' or 'dismissed', then
    'not yet reviewed' for a filter window no physician has decided on."""
    parts = ([OVERDUE] if item.overdue(today) else []) + [item.state.value] + ([NOT_REVIEWED] if item.pending else [])
    return "\n".join(parts)


def rows(items: Sequence[WorklistItem], today: str) -> list[tuple[str, ...]]:
    return [(i.due_date, i.rule_id, f"{i.patient_name}\nMRN {i.mrn}", i.procedure_id, i.operator or "—",
             status_text(i, today), f"{i.text}\n({i.source})") for i in items]


def filters_text(query: WorklistQuery) -> str:
    due = ("any due date" if not (query.due_from or query.due_to)
           else f"due {query.due_from or '…'} to {query.due_to or '…'}")
    return " · ".join([due, f"rule {query.rule_id}" if query.rule_id else "every rule",
                       f"operator {query.operator}" if query.operator else "every operator",
                       "status " + " or ".join(s.value for s in query.states),
                       "IVC filter windows first" if query.order.value == "priority" else "soonest first"])


def render_worklist(items: Sequence[WorklistItem], query: WorklistQuery, *, lab_name: str, printed: str,
                    printed_by: str, today: str) -> bytes:
    """PDF bytes of the list. ``printed``: the local time of printing, as shown; ``today``: the lab's
    local date (YYYY-MM-DD) that decides "overdue"."""
    width = PAGE[0] - 2 * pdf.MARGIN
    overdue = sum(i.overdue(today) for i in items)
    story: list = [pdf._p(TITLE, "title"),
                   pdf._p(f"{filters_text(query)}\nPrinted {printed} by {printed_by}. {len(items)} reminder(s)"
                          + (f", {overdue} overdue." if overdue else "."), "small"),
                   pdf._p("Review-due prompts that cite their source; not orders.", "small"), Spacer(1, 3 * mm)]
    if items:
        story.append(pdf._table(rows(items, today), [width * f for f in WIDTHS], HEAD))
    else:
        story.append(pdf._p("No reminders match these filters."))
    return _build(story, Header(lab_name or "cathlog", TITLE), f"{TITLE} — {lab_name or 'cathlog'}")


def _build(story: list, header: Header, title: str) -> bytes:
    """As the case reports are built (``pdf._build``: embedded fonts, header and "page X of Y" on every
    page), on a landscape page."""
    pdf.styles()  # registers the fonts
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=PAGE, leftMargin=pdf.MARGIN, rightMargin=pdf.MARGIN,
                            topMargin=pdf.MARGIN + 4 * mm, bottomMargin=pdf.MARGIN + 2 * mm, title=title,
                            author="cathlog", subject=TITLE, lang=pdf.LANG, initialFontName=pdf.FONT)
    canvas_class = cast(type[pdf._NumberedCanvas], type("Canvas", (pdf._NumberedCanvas,), {"header": header}))
    doc.build(story, canvasmaker=canvas_class)
    return buffer.getvalue()


def write_worklist_pdf(services: Services, actor: Actor, query: WorklistQuery, target: Path, *, printed: str,
                       today: str) -> int:
    """Every row under ``query`` printed into ``target``; returns the number of rows."""
    items = list(services.followup.all_items(actor, query))  # role and filters checked before the file is made
    lab_name, _phone = services.settings.lab_contact(actor)
    content = render_worklist(items, query, lab_name=lab_name, printed=printed, printed_by=actor.display_name,
                              today=today)
    with atomic_write(target, "wb") as fh:
        fh.write(content)
    try:
        services.access.log_worklist(actor, "pdf", query.described(), [i.procedure_id for i in items], target.name)
    except BaseException:  # no list of patients without its audit row
        target.unlink(missing_ok=True)
        raise
    return len(items)
