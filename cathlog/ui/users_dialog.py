"""Users and roles: add, change role, disable / enable, reset a password, and remove an
account created by mistake while it has recorded nothing.

Every button but "Add user…" acts on the selected row only (disabled, with the
reason in its tooltip, while nothing is selected); the line under the table
names the user the buttons act on; after any change the same user stays
selected. Every action goes through the services (role checks, audit).
"""

from __future__ import annotations

from PySide6.QtWidgets import QInputDialog, QLabel, QLineEdit, QWidget

from cathlog.domain.enums import Role
from cathlog.domain.errors import CathlogError
from cathlog.domain.records import Actor, User
from cathlog.services import Services
from cathlog.ui.admin_base import NO_SELECTION_TIP, AdminDialog, confirm, fill, make_table, selected_row

REMOVAL_RULE = ("An account can be removed only while it has recorded nothing: no log entries, cases, patients, "
                "reviews, signatures, reminders, imports, exports, backups or user changes (signing in and "
                "viewing records do not count). Nothing is deleted: the account leaves this list, can never sign "
                "in again, and its name, which the audit trail keeps, is never given to anyone else.")


class UsersDialog(AdminDialog):
    def __init__(self, services: Services, actor: Actor, parent: QWidget | None = None):
        super().__init__(services, actor, "Users and roles", parent)
        self.users: list[User] = []
        self.table = make_table("users", ("User", "Name", "Role", "Status"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.layout_.addWidget(self.table, 1)
        self.selection_line = QLabel("")
        self.selection_line.setAccessibleName("selected user")
        self.selection_line.setWordWrap(True)
        self.layout_.addWidget(self.selection_line)
        row, (self.add_button, self.role_button, self.active_button, self.password_button,
              self.remove_button) = self.buttons(
            ("Add user…", self.add_user), ("Set role…", self.set_role), ("Disable", self.toggle_active),
            ("Reset password…", self.reset_password), ("Remove…", self.remove_user))
        self.per_user = (self.role_button, self.active_button, self.password_button, self.remove_button)
        self.layout_.addLayout(row)
        hint = QLabel("Passwords: at least 8 characters, not the user name. After 5 failed sign-ins each further "
                      "attempt waits longer until the password is reset. " + REMOVAL_RULE)
        hint.setObjectName("Hint")
        hint.setWordWrap(True)
        self.layout_.addWidget(hint)
        self.layout_.addWidget(self.message)
        self.reload()

    # --- the list and its selection -------------------------------------------------

    def reload(self, select: str | None = None) -> None:
        """Read the users again; ``select`` (default: the one selected now) stays selected."""
        current = self.selected_user()
        keep = select if select is not None else (current.username if current else None)
        try:
            self.users = self.services.auth.list_users(self.actor)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            self.users = []
        self.table.clearSelection()
        fill(self.table, [(u.username, u.display_name, u.role.value, "active" if u.active else "disabled")
                          for u in self.users])
        names = [u.username for u in self.users]
        if keep in names:
            self.table.selectRow(names.index(keep))
        else:
            self.table.clearSelection()
            self.table.setCurrentCell(-1, -1)
        self._selection_changed()

    def selected_user(self) -> User | None:
        row = selected_row(self.table)
        return self.users[row] if row is not None and row < len(self.users) else None

    def _selection_changed(self) -> None:
        user = self.selected_user()
        for button in self.per_user:
            button.setEnabled(user is not None)
            button.setToolTip("" if user else NO_SELECTION_TIP)
        self.active_button.setText("Enable" if user and not user.active else "Disable")
        self.selection_line.setText(f"Selected: {user.username} ({user.display_name}, {user.role.value}, "
                                    f"{'active' if user.active else 'disabled'})" if user
                                    else "No user selected: click a row to act on it.")

    def _do(self, action, done: str, select: str | None) -> bool:
        try:
            action()
        except (CathlogError, ValueError) as exc:
            self.say(str(exc), error=True)
            return False
        self.reload(select=select)
        self.say(done)
        return True

    # --- the actions ---------------------------------------------------------------------

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
            name = name.strip()
            self._do(lambda: self.services.auth.add_user(self.actor, name, full, Role(role), password),
                     f"Added {name} ({role}).", select=name)

    def set_role(self) -> None:
        user = self.selected_user()
        if not user:
            return
        roles = [r.value for r in Role]
        role, ok = QInputDialog.getItem(self, "Set role", f"Role of {user.username}:", roles,
                                        roles.index(user.role.value), False)
        if not ok:
            return
        reason, ok = QInputDialog.getText(self, "Set role", "Reason (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.auth.set_role(self.actor, user.username, Role(role), reason),
                     f"{user.username} is now {role}.", select=user.username)

    def toggle_active(self) -> None:
        user = self.selected_user()
        if not user:
            return
        verb = "Disable" if user.active else "Enable"
        reason, ok = QInputDialog.getText(self, f"{verb} {user.username}", "Reason (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.auth.set_active(self.actor, user.username, not user.active, reason),
                     f"{user.username} is now {'disabled' if user.active else 'active'}.", select=user.username)

    def reset_password(self) -> None:
        user = self.selected_user()
        if not user:
            return
        password, ok = QInputDialog.getText(self, "Reset password", f"New password for {user.username}:",
                                            QLineEdit.EchoMode.Password)
        if ok:
            self._do(lambda: self.services.auth.reset_password(self.actor, user.username, password),
                     f"Password of {user.username} reset; the account may sign in at once.", select=user.username)

    def remove_user(self) -> None:
        user = self.selected_user()
        if not user:
            return
        try:
            recorded = self.services.auth.what_user_recorded(self.actor, user.username)
        except CathlogError as exc:
            self.say(str(exc), error=True)
            return
        if recorded:
            listed = ", ".join(f"{n} {what}" for what, n in recorded.items())
            self.say(f"{user.username} cannot be removed: they have recorded {listed}. An account that recorded "
                     "anything stays, so the record keeps its author; disable it instead.", error=True)
            return
        if not confirm(self, f"Remove {user.username}?",
                       f"Remove {user.username} ({user.display_name}, {user.role.value})?\n\n"
                       f"{user.username} has recorded nothing. {REMOVAL_RULE}\n\nThe removal is kept in the audit "
                       "trail with your reason.", yes="Remove"):
            return
        reason, ok = QInputDialog.getText(self, f"Remove {user.username}", "Reason (kept in the audit trail):")
        if ok:
            self._do(lambda: self.services.auth.remove_user(self.actor, user.username, reason),
                     f"{user.username} was removed (kept in the audit trail; the name is not reused).", select="")
