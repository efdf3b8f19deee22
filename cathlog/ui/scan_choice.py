"""A small modal chooser: the nurse picks one of a few readings the program cannot
tell apart on its own -- the possible splits of a scan whose group separator was
lost, or which of the two 01:30s of the night the clocks went back. Nothing is
guessed: Cancel (Esc) chooses none, and the caller stores nothing."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import QDialog, QLabel, QPushButton, QVBoxLayout, QWidget


class ChoiceDialog(QDialog):
    def __init__(self, title: str, text: str, options: Sequence[str], cancel_text: str = "Cancel",
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("ChoiceDialog")
        self.setWindowTitle(title)
        self.setModal(True)
        self.chosen: int | None = None
        layout = QVBoxLayout(self)
        message = QLabel(text)
        message.setObjectName("ChoiceText")
        message.setWordWrap(True)
        layout.addWidget(message)
        self.buttons: list[QPushButton] = []
        for i, option in enumerate(options):
            button = QPushButton(option)
            button.setObjectName(f"choice_{i}")
            button.setAccessibleName(option)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, i=i: self._choose(i))
            layout.addWidget(button)
            self.buttons.append(button)
        cancel = QPushButton(cancel_text)
        cancel.setObjectName("choice_cancel")
        cancel.setAutoDefault(False)
        cancel.clicked.connect(self.reject)
        layout.addWidget(cancel)

    def _choose(self, index: int) -> None:
        self.chosen = index
        self.accept()


def choose(parent: QWidget | None, title: str, text: str, options: Sequence[str],
           cancel_text: str = "Cancel") -> int | None:
    """Show the chooser; the index of the option picked, or None."""
    dialog = ChoiceDialog(title, text, options, cancel_text, parent)
    try:
        dialog.exec()
        return dialog.chosen
    finally:
        dialog.deleteLater()
