"""Admin → HL7 interface: the inbox (every message received, with its error), the outbox (every
report sent, its state and reason), the merge tasks (ADT^A40) and the interface's settings.

Every button acts on the selected row only (disabled, with the reason in its tooltip, otherwise), and
every action goes through the services: a retry applies the message again, a resend sends the same
message under the same control id, a merge decision needs a note; all are audited. Times are shown in
this computer's time zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from PySide6.QtWidgets import (QCheckBox, QFormLayout, QGridLayout, QInputDialog, QLabel, QLineEdit,
                               QPlainTextEdit, QPushButton, QScrollArea, QTabWidget, QTableWidget, QVBoxLayout,
                               QWidget)

from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services
from cathlog.services.hl7_in import MergeTask, PatientCases
from cathlog.services.settings import HL7_SETTINGS, checked
from cathlog.ui.admin_base import NO_SELECTION_TIP, AdminDialog, fill, hint_label, make_table, named_button, \
    selected_row
from cathlog.ui.combo import Combo
from cathlog.ui.local_zone import local_zone

CHOICES = {"hl7.listen": ("off", "on"), "hl7.report_message": ("ORU^R01", "MDM^T02"),
           "hl7.send_on": ("sign,addendum", "sign", "none")}


def local(utc: str | None) -> str:
    if not utc:
        return ""
    moment = datetime.strptime(utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return moment.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M:%S")


def _tab(tabs: QTabWidget, title: str) -> QVBoxLayout:
    page = QWidget()
    layout = QVBoxLayout(page)
    tabs.addTab(page, title)
    return layout


def _detail(name: str) -> QPlainTextEdit:
    box = QPlainTextEdit()
    box.setReadOnly(True)
    box.setAccessibleName(name)
    box.setMaximumHeight(150)
    return box


class Hl7Dialog(AdminDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(services, actor, "HL7 interface", parent, preferred=(1200, 700))
        self.inbox_rows: list[dict[str, Any]] = []
        self.outbox_rows: list[dict[str, Any]] = []
        self.tasks: list[MergeTask] = []
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("HL7 interface pages")
        self.layout_.addWidget(self.tabs, 1)
        self._inbox_page()
        self._outbox_page()
        self._tasks_page()
        self._settings_page()
        self.layout_.addWidget(self.message)
        self.reload()

    # --- pages ------------------------------------------------------------------------------------

    def _inbox_page(self) -> None:
        page = _tab(self.tabs, "Inbox (ADT in)")
        self.problems_only = QCheckBox("Only messages not applied (failed or refused)")
        self.problems_only.toggled.connect(self.reload_inbox)
        page.addWidget(self.problems_only)
        self.inbox = make_table("hl7_inbox", ("#", "Received", "From", "Type", "Control id", "State", "ACK",
                                              "Tries", "Error"))
        self.inbox.itemSelectionChanged.connect(self._inbox_selected)
        page.addWidget(self.inbox, 1)
        self.inbox_text = _detail("selected message text")
        page.addWidget(self.inbox_text)
        row, (self.retry_button, refresh) = self.buttons(("Retry the selected message", self.retry),
                                                         ("Refresh", self.reload))
        page.addLayout(row)

    def _outbox_page(self) -> None:
        page = _tab(self.tabs, "Outbox (reports out)")
        self.outbox = make_table("hl7_outbox", ("#", "Queued", "Case", "Event", "Type", "Control id", "To", "State",
                                                "Tries", "Next try", "ACK", "Reason"))
        self.outbox.itemSelectionChanged.connect(self._outbox_selected)
        page.addWidget(self.outbox, 1)
        row, (self.resend_button, refresh) = self.buttons(("Resend the selected report", self.resend),
                                                          ("Refresh", self.reload))
        page.addLayout(row)
        page.addWidget(hint_label("A report is queued when its case is signed (and again after an addendum), sent "
                                  "by the background sender with growing pauses between tries, and acknowledged "
                                  "only when the receiver answers AA. A resend sends the same message under the "
                                  "same control id."))

    def _tasks_page(self) -> None:
        page = _tab(self.tabs, "Merge tasks (A40)")
        self.open_only = QCheckBox("Only tasks not decided yet")
        self.open_only.setChecked(True)
        self.open_only.toggled.connect(self.reload_tasks)
        page.addWidget(self.open_only)
        self.task_table = make_table("hl7_merge_tasks", ("#", "Received", "Facility", "Surviving MRN", "Prior MRN",
                                                         "State", "Decided by", "Note"))
        self.task_table.itemSelectionChanged.connect(self._task_selected)
        page.addWidget(self.task_table, 1)
        both = QGridLayout()
        self.surviving_text, self.prior_text = _detail("surviving patient and cases"), _detail("prior patient and "
                                                                                                  "cases")
        both.addWidget(QLabel("Surviving patient (PID)"), 0, 0)
        both.addWidget(QLabel("Prior patient (MRG)"), 0, 1)
        both.addWidget(self.surviving_text, 1, 0)
        both.addWidget(self.prior_text, 1, 1)
        page.addLayout(both)
        row, (self.link_button, self.dismiss_button) = self.buttons(
            ("Same person: link the records…", self.link), ("Not the same person: dismiss…", self.dismiss))
        page.addLayout(row)
        page.addWidget(hint_label("cathlog never merges by itself: an MRN stays with its patient for ever. Linking "
                                  "records the decision that both records are one person (audited); neither record "
                                  "is changed or removed."))

    def _settings_page(self) -> None:
        layout = _tab(self.tabs, "Settings")
        inner = QWidget()
        form = QFormLayout(inner)
        self.setting_fields: dict[str, QLineEdit | Combo] = {}
        try:
            values = self.services.settings.values(self.actor)
        except CathlogError as exc:
            values = {}
            self.say(str(exc), error=True)
        for spec in HL7_SETTINGS:
            field: QLineEdit | Combo
            if spec.key in CHOICES:
                field = Combo()
                field.addItems(list(CHOICES[spec.key]))
                field.setCurrentText(values.get(spec.key, spec.default))
            else:
                field = QLineEdit(values.get(spec.key, spec.default))
            field.setAccessibleName(spec.key)
            field.setToolTip(f"{spec.key}: {spec.allowed}")
            label = spec.label.removeprefix("HL7: ")
            form.addRow(label[:1].upper() + label[1:], field)
            self.setting_fields[spec.key] = field
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        self.save_settings_button = named_button("Save the interface settings", "save_hl7_settings",
                                                 self.save_settings)
        layout.addWidget(self.save_settings_button)
        layout.addWidget(hint_label("The listener and the sender read these when they start: restart cathlog (or "
                                    "the hl7-listen / hl7-send command) after changing the addresses or ports."))

    # --- reading --------------------------------------------------------------------------------

    def reload(self) -> None:
        self.reload_inbox()
        self.reload_outbox()
        self.reload_tasks()

    def reload_inbox(self) -> None:
        try:
            self.inbox_rows = self.services.hl7_in.inbox(self.actor, problems_only=self.problems_only.isChecked())
        except CathlogError as exc:
            self.say(str(exc), error=True)
            self.inbox_rows = []
        fill(self.inbox, [(r["inbox_id"], local(r["received_at"]), f"{r['sending_facility']} ({r['peer']})",
                           r["message_type"], r["control_id"], r["state"], r["ack_code"], r["attempts"], r["error"])
                          for r in self.inbox_rows])
        self._inbox_selected()

    def reload_outbox(self) -> None:
        try:
            self.outbox_rows = self.services.hl7_out.outbox(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            self.outbox_rows = []
        fill(self.outbox, [(r["message_id"], local(r["queued_at"]), r["procedure_id"], r["event"], r["message_type"],
                            r["control_id"], r["destination"], r["state"] if r["built"] else f"{r['state']} (to build)",
                            r["attempts"], local(r["next_attempt_at"]) if r["state"] in ("queued", "sent") else "",
                            r["ack_code"], r["reason"]) for r in self.outbox_rows])
        self._outbox_selected()

    def reload_tasks(self) -> None:
        try:
            self.tasks = self.services.hl7_in.merge_tasks(self.actor, open_only=self.open_only.isChecked())
        except CathlogError as exc:
            self.say(str(exc), error=True)
            self.tasks = []
        fill(self.task_table, [(t.task_id, local(t.created_at), t.sending_facility, t.surviving_mrn, t.prior_mrn,
                                t.state, t.decided_by, t.note) for t in self.tasks])
        self._task_selected()

    @staticmethod
    def _selected(table: QTableWidget, rows: list[Any]) -> Any:
        row = selected_row(table)
        return rows[row] if row is not None and row < len(rows) else None

    def _enable(self, button: QPushButton, ok: bool, why: str) -> None:
        button.setEnabled(ok)
        button.setToolTip("" if ok else why)

    def _inbox_selected(self) -> None:
        row = self._selected(self.inbox, self.inbox_rows)
        self._enable(self.retry_button, row is not None and row["state"] in ("failed", "rejected"),
                     NO_SELECTION_TIP if row is None else "Only a message that was not applied is retried.")
        text = ""
        if row is not None:
            try:
                text = self.services.hl7_in.message(self.actor, row["inbox_id"]).replace("\r", "\n")
            except CathlogError as exc:
                text = str(exc)
            if row["error"]:
                text = f"Not applied ({row['ack_code']}): {row['error']}\n\n{text}"
        self.inbox_text.setPlainText(text)

    def _outbox_selected(self) -> None:
        row = self._selected(self.outbox, self.outbox_rows)
        in_flight = row is not None and row["state"] in ("queued", "sent") and row["built"]
        self._enable(self.resend_button, row is not None and not in_flight,
                     NO_SELECTION_TIP if row is None else "This report is being sent already.")

    def _task_selected(self) -> None:
        task = self._selected(self.task_table, self.tasks)
        undecided = task is not None and task.state == "open"
        why = NO_SELECTION_TIP if task is None else "This task was decided already."
        self._enable(self.link_button, undecided, why)
        self._enable(self.dismiss_button, undecided, why)
        self.surviving_text.setPlainText(_describe(task.surviving_mrn, task.surviving) if task else "")
        self.prior_text.setPlainText(_describe(task.prior_mrn, task.prior) if task else "")

    # --- acting ---------------------------------------------------------------------------------

    def retry(self) -> None:
        row = self._selected(self.inbox, self.inbox_rows)
        if row is None:
            return
        try:
            outcome = self.services.hl7_in.retry(self.actor, row["inbox_id"])
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        if outcome.state in ("applied", "task"):
            self.say(f"Message {row['control_id']} applied.")
        else:
            self.say(f"Message {row['control_id']} still not applied: {outcome.error}", error=True)
        self.reload_inbox()
        self.reload_tasks()

    def resend(self) -> None:
        row = self._selected(self.outbox, self.outbox_rows)
        if row is None:
            return
        reason, ok = QInputDialog.getText(self, "Resend report", "Why is it sent again? (kept in the audit trail)")
        if not ok:
            return
        try:
            self.services.hl7_out.resend(self.actor, row["message_id"], reason=reason.strip() or None)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.say(f"Report {row['control_id']} queued to be sent again (the same control id).")
        self.reload_outbox()

    def _decide(self, linked: bool) -> None:
        task = self._selected(self.task_table, self.tasks)
        if task is None:
            return
        question = ("Why are these one person? (kept in the audit trail)" if linked
                    else "Why are these not the same person? (kept in the audit trail)")
        note, ok = QInputDialog.getText(self, "Merge task", question)
        if not ok:
            return
        try:
            self.services.hl7_in.decide_merge(self.actor, task.task_id, linked=linked, note=note)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.say(f"Merge task {task.task_id}: {'linked' if linked else 'dismissed'}.")
        self.reload_tasks()

    def link(self) -> None:
        self._decide(True)

    def dismiss(self) -> None:
        self._decide(False)

    def save_settings(self) -> None:
        """Every value is checked first; one refused means nothing is saved (each change is audited)."""
        changed = 0
        try:
            current = self.services.settings.values(self.actor)
            wanted = {key: checked(key, field.currentText() if isinstance(field, Combo) else field.text())
                      for key, field in self.setting_fields.items()}
            for key, value in wanted.items():
                if value != current.get(key, ""):
                    self.services.settings.set(self.actor, key, value, reason="HL7 interface settings")
                    changed += 1
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.say(f"{changed} setting{'s' if changed != 1 else ''} saved." if changed else "Nothing changed.")


def _describe(mrn: str, found: PatientCases) -> str:
    if found.patient is None:
        return f"MRN {mrn}: no patient in cathlog has this MRN."
    p = found.patient
    lines = [f"{p.display_name} · MRN {p.mrn} · born {p.birth_date} · {p.sex}"]
    lines += [f"  case {pid}: {local(started)} ({status})" for pid, started, status in found.cases] or ["  no cases"]
    return "\n".join(lines)
