"""Admin screens: users and roles, the audit trail, exports, backup and restore.

Every action goes through the services (role checks, audit); nothing here
runs SQL. Users are disabled, never deleted.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.enums import Category, ProcedureStatus, Role
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor
from cathlog.services import Services


def _table(name: str, headers: tuple[str, ...]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setObjectName(name)
    table.setAccessibleName(name.replace("_", " "))
    table.setHorizontalHeaderLabels(headers)
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    table.horizontalHeader().setStretchLastSection(True)
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
    table.verticalHeader().setVisible(False)
    return table


def _fill(table: QTableWidget, rows: list[tuple]) -> None:
    table.setRowCount(len(rows))
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            table.setItem(i, j, QTableWidgetItem("" if value is None else str(value)))


class _AdminDialog(QDialog):
    def __init__(self, services: Services, actor: Actor, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.services, self.actor = services, actor
        self.setWindowTitle(f"cathlog — {title}")
        self.resize(1000, 650)
        self.layout_ = QVBoxLayout(self)
        heading = QLabel(title)
        heading.setObjectName("Title")
        self.layout_.addWidget(heading)
        self.message = QLabel("")
        self.message.setObjectName("FormMessages")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("messages")

    def say(self, text: str, error: bool = False) -> None:
        self.message.setProperty("error", error)
        self.message.setText(("✖ " if error else "") + text)
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)

    def buttons(self, *items: tuple[str, object]) -> QHBoxLayout:
        row = QHBoxLayout()
        for text, slot in items:
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.setIcon(QIcon())
            button.clicked.connect(slot)
            row.addWidget(button)
        row.addStretch(1)
        return row


class UsersDialog(_AdminDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(services, actor, "Users and roles", parent)
        self.table = _table("users", ("User", "Name", "Role", "Status"))
        self.layout_.addWidget(self.table, 1)
        self.layout_.addLayout(self.buttons(("Add user…", self.add_user), ("Set role…", self.set_role),
                                            ("Disable / enable", self.toggle_active),
                                            ("Reset password…", self.reset_password)))
        self.layout_.addWidget(QLabel("Passwords: at least 8 characters, not the user name. After 5 failed sign-ins "
                                      "an account locks until its password is reset. Accounts are never deleted."))
        self.layout_.addWidget(self.message)
        self.reload()

    def reload(self) -> None:
        try:
            self.users = self.services.auth.list_users(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            self.users = []
        _fill(self.table, [(u.username, u.display_name, u.role.value, "active" if u.active else "disabled")
                           for u in self.users])

    def _selected(self):
        row = self.table.currentRow()
        if not 0 <= row < len(self.users):
            self.say("Select a user first.", error=True)
            return None
        return self.users[row]

    def _do(self, action, done: str) -> None:
        try:
            action()
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        self.reload()
        self.say(done)

    def add_user(self) -> None:
        name, ok = QInputDialog.getText(self, "Add user", "User name (a-z, 0-9, . _ -):")
        if not ok:
            return
        full, ok = QInputDialog.getText(self, "Add user", "Full name:")
        if not ok:
            return
        role, ok = QInputDialog.getItem(self, "Add user", "Role:", [r.value for r in Role], 0, False)
        if not ok:
            return
        password, ok = QInputDialog.getText(self, "Add user", "First password (the user changes it later):",
                                            QLineEdit.EchoMode.Password)
        if ok:
            self._do(lambda: self.services.auth.add_user(self.actor, name.strip(), full, Role(role), password),
                     f"Added {name} ({role}).")

    def set_role(self) -> None:
        user = self._selected()
        if not user:
            return
        role, ok = QInputDialog.getItem(self, "Set role", f"Role of {user.username}:", [r.value for r in Role],
                                        [r.value for r in Role].index(user.role.value), False)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Set role", "Reason (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.auth.set_role(self.actor, user.username, Role(role), reason),
                     f"{user.username} is now {role}.")

    def toggle_active(self) -> None:
        user = self._selected()
        if not user:
            return
        reason, ok = QInputDialog.getText(self, "Disable / enable", "Reason (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.auth.set_active(self.actor, user.username, not user.active, reason),
                     f"{user.username} is now {'disabled' if user.active else 'active'}.")

    def reset_password(self) -> None:
        user = self._selected()
        if not user:
            return
        password, ok = QInputDialog.getText(self, "Reset password", f"New password for {user.username}:",
                                            QLineEdit.EchoMode.Password)
        if ok:
            self._do(lambda: self.services.auth.reset_password(self.actor, user.username, password),
                     f"Password of {user.username} reset; the account is unlocked.")


class AuditDialog(_AdminDialog):
    HEADERS = ("#", "When (UTC)", "User", "Workstation", "Action", "What", "Case", "Old value", "New value",
               "Reason")
    PRESETS = (("Every action", None), ("Who viewed which record", "view_record"),
               ("Case PDFs written", "write_report"), ("Case PDFs printed", "print_report"),
               ("Case lists as CSV", "export_case_list"), ("Worklists as CSV", "export_reminders"),
               ("Record exports", "export"))

    def _preset(self) -> None:
        """A choice of "show only" fills the action filter (so the CSV export follows it too)."""
        self.action.setText(self.show_only.currentData() or "")
        self.reload()

    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(services, actor, "Audit trail", parent)
        self.resize(1300, 750)
        form = QHBoxLayout()
        self.case = QLineEdit()
        self.case.setAccessibleName("filter by case id")
        self.case.setPlaceholderText("case id")
        self.user = QLineEdit()
        self.user.setAccessibleName("filter by user")
        self.user.setPlaceholderText("user")
        self.action = QLineEdit()
        self.action.setAccessibleName("filter by action")
        self.action.setPlaceholderText("action, e.g. correct_event")
        self.since = QLineEdit()
        self.since.setAccessibleName("from date")
        self.since.setPlaceholderText("from YYYY-MM-DD")
        self.show_only = QComboBox()  # the HIPAA access log: who viewed which record, what left
        self.show_only.setAccessibleName("show only")
        for text, action in self.PRESETS:
            self.show_only.addItem(text, action)
        self.show_only.currentIndexChanged.connect(self._preset)
        form.addWidget(self.show_only)
        for w in (self.case, self.user, self.action, self.since):
            w.returnPressed.connect(self.reload)
            form.addWidget(w)
        self.layout_.addLayout(form)
        self.table = _table("audit", self.HEADERS)
        self.layout_.addWidget(self.table, 1)
        self.layout_.addLayout(self.buttons(("Filter", self.reload), ("Verify the hash chain", self.verify),
                                            ("Export CSV…", lambda: self.export())))
        self.layout_.addWidget(self.message)
        self.reload()

    def _filters(self) -> dict[str, str | None]:
        since = f"{self.since.text().strip()}T00:00:00Z" if self.since.text().strip() else None
        return {"procedure_id": self.case.text().strip() or None, "username": self.user.text().strip() or None,
                "since": since, "action": self.action.text().strip() or None}

    def _rows(self) -> list:
        return self.services.admin.audit_rows(self.actor, **self._filters())

    def reload(self) -> None:
        try:
            self.rows = self._rows()
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        _fill(self.table, [(r.seq, r.at, r.username, r.workstation, r.action, f"{r.entity} {r.entity_id[:12]}",
                            r.procedure_id, r.old_value, r.new_value, r.reason) for r in self.rows])
        self.say(f"{len(self.rows)} row(s).")

    def verify(self) -> None:
        try:
            report = self.services.admin.verify_audit(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        if report.ok:
            self.say(f"✔ Hash chain intact: {report.rows_checked} rows checked.")
        else:  # the key, the chain, every record against its seal, the checkpoints
            self.say("Audit check FAILED: " + "; ".join(report.problems[:3]), error=True)

    def export(self, path: str | None = None) -> Path | None:
        path = path or QFileDialog.getSaveFileName(self, "Export the audit trail", "audit.csv", "CSV (*.csv)")[0]
        if not path:
            return None
        from cathlog.exchange.audit_csv import export_audit

        try:  # the rows the filters select now, with their hashes; the export is audited
            count = export_audit(self.services, self.actor, Path(path), **self._filters())
        except (CathlogError, OSError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return None
        self.say(f"Exported {count} rows to {path}.")
        return Path(path)


class ExportDialog(_AdminDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(services, actor, "Export records", parent)
        self.resize(640, 420)
        form = QFormLayout()
        self.format = QComboBox()
        self.format.setAccessibleName("format")
        for text, value in (("CSV (zip, one file per table)", "csv"), ("Excel (sheet per table)", "xlsx"),
                            ("cathlog JSON records", "json"), ("HL7 FHIR R4 Bundle", "fhir")):
            self.format.addItem(text, value)
        self.since, self.until = QLineEdit(), QLineEdit()
        self.since.setPlaceholderText("YYYY-MM-DD (optional)")
        self.until.setPlaceholderText("YYYY-MM-DD, not included (optional)")
        self.category = QComboBox()
        self.category.addItem("all", None)
        for c in Category:
            self.category.addItem(c.label, c.value)
        self.status = QComboBox()
        self.status.addItem("all", None)
        for s in ProcedureStatus:
            self.status.addItem(s.value, s.value)
        self.operator = QLineEdit()
        self.operator.setPlaceholderText("part of a team member's name (optional)")
        self.deidentify = QCheckBox("De-identify (HIPAA Safe Harbor: no names, MRNs, exact dates, serials, "
                                    "free text)")
        for label, widget in (("Format", self.format), ("From", self.since), ("Until", self.until),
                              ("Category", self.category), ("Status", self.status), ("Operator", self.operator),
                              ("", self.deidentify)):
            widget.setAccessibleName(label.lower() or "de-identify")
            form.addRow(label, widget)
        self.layout_.addLayout(form)
        self.layout_.addLayout(self.buttons(("Export…", lambda: self.export())))
        self.layout_.addWidget(self.message)

    def export(self, path: str | None = None) -> Path | None:
        from datetime import datetime

        from cathlog.exchange.export import export

        fmt = self.format.currentData()
        bounds = {}
        for name, edit in (("since", self.since), ("until", self.until)):
            text = edit.text().strip()
            if text:
                try:
                    bounds[name] = datetime.strptime(text, "%Y-%m-%d").strftime("%Y-%m-%dT00:00:00Z")
                except ValueError:
                    self.say(f"{name}: {text!r} is not a date written YYYY-MM-DD", error=True)
                    return None
        suffix = {"csv": "zip", "xlsx": "xlsx", "json": "json", "fhir": "fhir.json"}[fmt]
        path = path or QFileDialog.getSaveFileName(self, "Export to", f"cathlog-export.{suffix}")[0]
        if not path:
            return None
        filters = {"since": None, "until": None, **bounds, "category": self.category.currentData(),
                   "status": self.status.currentData(), "operator": self.operator.text().strip() or None}
        try:
            count = export(self.services, self.actor, fmt, Path(path), filters,
                           deidentify=self.deidentify.isChecked())
        except (CathlogError, OSError) as exc:
            self.say(f"Not exported: {exc}", error=True)
            return None
        self.say(f"Exported {count} case(s) to {path}.")
        return Path(path)

