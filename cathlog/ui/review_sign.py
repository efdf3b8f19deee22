"""The signature part of the review dialog: the signatures with the addenda that
superseded them (times in the lab's zone), and the sign box that stays in view at
the bottom of the dialog. The actions themselves live in ``ui/review.py``."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.followup import Signature, SignatureMeaning
from cathlog.domain.records import ProcedureRecord, parse_utc_iso
from cathlog.reports.data import ADDENDUM_PREFIX, addenda_of, superseding_addendum
from cathlog.ui.local_zone import local_zone
from cathlog.ui.combo import Combo


def local_time(utc: str) -> str:
    """A stored UTC moment as the lab's wall-clock time with its zone: '2026-11-21 10:00 CET'."""
    return parse_utc_iso(utc).astimezone(local_zone()).strftime("%Y-%m-%d %H:%M %Z")


def signature_state(s: Signature) -> str:
    return "superseded by an addendum" if s.superseded else ("valid" if s.valid else "CHANGED AFTER SIGNING")


def signatures_text(signatures: Sequence[Signature], record: ProcedureRecord) -> str:
    """Each signature, and under a superseded one the addendum that superseded it, as the summary
    prints them on its first page (``reports.data``)."""
    notes = addenda_of(record)
    lines: list[str] = []
    for s in signatures:
        lines.append(f"{s.meaning.value.capitalize()} by {s.display_name} ({s.username}), "
                     f"{local_time(s.signed_at)} — {signature_state(s)}")
        ev = superseding_addendum(s, notes)
        if ev is not None:
            body = str(ev.data["text"])[len(ADDENDUM_PREFIX):].replace("\n", "\n      ")
            lines.append(f"    ↳ Addendum, {local_time(ev.recorded_at)}, by {ev.recorded_by}:\n      {body}")
    return "\n".join(lines)


class SignaturesBox(QGroupBox):
    """The case's signatures and addenda (read-only), in the scrolling part of the dialog."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__("Signatures and addenda", parent)
        layout = QVBoxLayout(self)
        self.text = QLabel("")
        self.text.setWordWrap(True)
        self.text.setAccessibleName("signatures")
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)


class SignBox(QGroupBox):
    """Meaning, password and Sign (Enter in the password signs too), and the addendum. Always
    visible: it sits under the scrolling form, never inside it."""

    def __init__(self, signer: str, parent: QWidget | None = None):
        super().__init__("Sign", parent)
        grid = QGridLayout(self)
        grid.setContentsMargins(8, 4, 8, 4)
        self.statement = QLabel(f"{signer} signs the summary as shown, meaning:")
        self.statement.setWordWrap(True)
        self.meaning = Combo()
        self.meaning.setAccessibleName("meaning of the signature")
        for m in SignatureMeaning:
            self.meaning.addItem(m.value, m.value)
        self.meaning.setCurrentIndex(self.meaning.findData("approved"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setAccessibleName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText("your password, Enter signs")
        self.sign_button = QPushButton("Sign")
        self.sign_button.setObjectName("Primary")
        self.addendum_button = QPushButton("Addendum…")
        self.addendum_button.setToolTip("Add to a signed case: the signature is superseded and the case "
                                        "needs a new one")
        grid.addWidget(self.statement, 0, 0, 1, 4)
        grid.addWidget(self.meaning, 1, 0)
        grid.addWidget(self.password, 1, 1)
        grid.addWidget(self.sign_button, 1, 2)
        grid.addWidget(self.addendum_button, 1, 3)
        grid.setColumnStretch(1, 1)
