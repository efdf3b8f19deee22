"""Input widgets built from the data dictionary, one per FieldSpec.

No spin boxes: Qt's spin boxes clamp (an ACT of 300 in a 0-99 box becomes
99) and ``maxLength`` truncates a pasted MRN. Numbers are typed into line
edits and read with the Do-Not-Use rules; the services check the range and
the form shows their message under the field. Nothing is clamped, rounded or
cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from cathlog.domain.fields import FieldSpec, FieldType
from cathlog.domain.units import QuantityError, format_number, parse_number
from cathlog.ui.combo import Combo


Editor = QCheckBox | QComboBox | QPlainTextEdit | QLineEdit
"""The widgets a FieldInput edits with (which one follows from the spec's type)."""


class FieldError(ValueError):
    """What a person typed cannot be read as this field's type."""


def narrow_combo(combo: QComboBox, chars: int = 10) -> QComboBox:
    """A combo that asks for the width of ``chars`` characters, not of its longest item: a form of
    long catalog names still fits a laptop screen without scrolling sideways (the open list shows
    the items in full)."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(chars)
    combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
    combo.view().setTextElideMode(Qt.TextElideMode.ElideNone)
    return combo


class FieldInput(QWidget):
    """One input: ``value()`` reads it, ``set_value()`` fills it. The editor and its unit sit in
    ``row``; ``column`` holds the row and anything shown under it (a conversion)."""

    def __init__(self, spec: FieldSpec, refs: Sequence[tuple[str, str]] = (), parent: QWidget | None = None):
        super().__init__(parent)
        self.spec = spec
        self.column = QVBoxLayout(self)
        self.column.setContentsMargins(0, 0, 0, 0)
        self.column.setSpacing(2)
        layout = self.row = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        self.column.addLayout(layout)
        name = spec.label + (f" ({spec.unit})" if spec.unit else "")
        t = spec.type
        if t is FieldType.BOOL:
            self.editor: Editor = QCheckBox()
        elif t in (FieldType.ENUM, FieldType.REF):
            combo = Combo()
            # A required choice starts empty too: a silent default ("female", "coronary") is a wrong entry.
            combo.addItem("— choose —" if spec.required else "—", None)
            items = refs if t is FieldType.REF else list(zip(spec.choices, spec.choice_labels or spec.choices))
            for value, text in items:
                combo.addItem(text, value)
            self.editor = narrow_combo(combo)
        elif spec.multiline:
            box = QPlainTextEdit()
            box.setTabChangesFocus(True)
            box.setFixedHeight(70)
            self.editor = box
        else:
            edit = QLineEdit()
            edit.setMinimumWidth(60)
            if spec.is_number:
                low, high = spec.hard or (None, None)
                places = "whole number" if spec.type is FieldType.INT or not spec.decimals else (
                    f"up to {spec.decimals} decimal{'s' if spec.decimals > 1 else ''}")
                if low is not None and high is not None:
                    edit.setPlaceholderText(f"{format_number(low, 3)}-{format_number(high, 3)}, {places}")
            elif t is FieldType.DATE:
                edit.setPlaceholderText("YYYY-MM-DD")
            self.editor = edit
        self.editor.setObjectName(spec.name)
        self.editor.setAccessibleName(name)
        self.editor.setToolTip(f"{name}" + (f"\nLimits: {spec.source}" if spec.source else ""))
        layout.addWidget(self.editor, 1)
        if spec.unit:
            unit = QLabel(spec.unit)
            unit.setObjectName("Unit")
            layout.addWidget(unit)

    @property
    def combo(self) -> QComboBox:
        """The editor of a choice field (enum or reference)."""
        assert isinstance(self.editor, QComboBox), self.spec.name
        return self.editor

    @property
    def line(self) -> QLineEdit:
        """The editor of a one-line field (text, number, date)."""
        assert isinstance(self.editor, QLineEdit), self.spec.name
        return self.editor

    @property
    def label(self) -> str:
        return self.spec.label + (" *" if self.spec.required else "")

    def value(self) -> Any:
        """The typed value (None when empty); FieldError if it is not readable."""
        e = self.editor
        if isinstance(e, QCheckBox):
            return e.isChecked()
        if isinstance(e, QComboBox):
            return e.currentData()
        text = e.toPlainText() if isinstance(e, QPlainTextEdit) else e.text()
        if self.spec.is_number:
            if not text.strip():
                return None
            try:
                number = parse_number(text)
            except QuantityError as exc:
                raise FieldError(f"{self.spec.label}: {exc}") from None
            if self.spec.type is FieldType.INT:
                if not number.is_integer():
                    raise FieldError(f"{self.spec.label} must be a whole number, not {text.strip()}")
                return int(number)
            return number
        return text if text else None

    def set_value(self, value: Any) -> None:
        e = self.editor
        if isinstance(e, QCheckBox):
            e.setChecked(bool(value))
        elif isinstance(e, QComboBox):
            index = e.findData(value)
            e.setCurrentIndex(index if index >= 0 else 0)
        elif isinstance(e, QPlainTextEdit):
            e.setPlainText("" if value is None else str(value))
        elif self.spec.is_number and value is not None:
            e.setText(format_number(value, 0 if self.spec.type is FieldType.INT else self.spec.decimals))
        else:
            e.setText("" if value is None else str(value))


class FieldBlock(QWidget):
    """A field as the forms lay it out: its label above it, its own error right under it (the
    form names a refused value where it was typed), so a narrow form never scrolls sideways and
    the label never scrolls away from its field."""

    def __init__(self, text: str, field: QWidget, editor: QWidget | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("FieldBlock")
        self.field = field
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        self.label = QLabel(text)
        self.label.setObjectName("FieldLabel")
        self.label.setWordWrap(True)
        if editor is not None:
            self.label.setBuddy(editor)
        layout.addWidget(self.label)
        layout.addWidget(field)
        self.error = QLabel("")
        self.error.setObjectName("FieldError")
        self.error.setWordWrap(True)
        self.error.setAccessibleName(f"{text.rstrip(' *')}: error")
        self.error.hide()
        layout.addWidget(self.error)

    def set_error(self, text: str) -> None:
        self.error.setText(f"✖ {text}" if text else "")
        self.error.setVisible(bool(text))
