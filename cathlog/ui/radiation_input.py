"""Radiation as the C-arm shows it (issue 11 item 8): fluoro time in mm:ss,
minutes or seconds and DAP in any of the units C-arms and RIS tables use,
with the conversion shown under the typing ("= 24.74 Gy·cm²") before saving.
The value stored is always seconds and Gy·cm² (cathlog.domain.units does
the exact conversion; an inexact one is refused, never rounded)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from PySide6.QtWidgets import QLabel, QWidget

from cathlog.domain.fields import FieldSpec
from cathlog.domain.units import (
    DAP_STORED_UNIT,
    DAP_UNITS,
    FLUORO_UNITS,
    QuantityError,
    dap_to_gy_cm2,
    format_decimal,
    format_fluoro_time,
    parse_fluoro_time,
)
from cathlog.ui.fields import FieldError, FieldInput
from cathlog.ui.combo import Combo

CONVERTED_FIELDS = {"fluoro_time_s": FLUORO_UNITS, "dap_gy_cm2": DAP_UNITS}


class ConvertedInput(FieldInput):
    """A number typed in a chosen unit; ``value()`` is the stored unit's value."""

    def __init__(self, spec: FieldSpec, refs: Sequence[tuple[str, str]] = (), parent: QWidget | None = None):
        super().__init__(spec, refs, parent)
        layout = self.row
        fixed = self.findChild(QLabel, "Unit")
        if fixed is not None:
            layout.removeWidget(fixed)
            fixed.deleteLater()
        self.units = Combo()
        self.units.setObjectName(f"{spec.name}_unit")
        self.units.setAccessibleName(f"{spec.label} unit")
        for unit in CONVERTED_FIELDS[spec.name]:
            self.units.addItem(unit, unit)
        self.conversion = QLabel("")
        self.conversion.setObjectName(f"{spec.name}_conversion")
        self.conversion.setAccessibleName(f"{spec.label} in {spec.unit}")
        self.conversion.setWordWrap(True)
        layout.addWidget(self.units)
        self.column.addWidget(self.conversion)  # under the typing: the form stays narrow
        self.line.setPlaceholderText("as the C-arm shows it")
        self.line.textChanged.connect(self._show_conversion)
        self.units.currentIndexChanged.connect(self._show_conversion)

    def _converted(self) -> int | Decimal | None:
        text = self.line.text()
        if not text.strip():
            return None
        unit = self.units.currentData()
        if self.spec.name == "fluoro_time_s":
            return parse_fluoro_time(text, unit)
        return dap_to_gy_cm2(text, unit)

    def _show_conversion(self) -> None:
        try:
            value = self._converted()
        except QuantityError as exc:
            self.conversion.setText(f"✖ {exc}")
            return
        if value is None:
            self.conversion.setText("")
        elif isinstance(value, int):
            self.conversion.setText(f"= {value} s ({format_fluoro_time(value)})")
        else:
            self.conversion.setText(f"= {format_decimal(value)} {DAP_STORED_UNIT}")

    def value(self) -> Any:
        try:
            value = self._converted()
        except QuantityError as exc:
            raise FieldError(f"{self.spec.label}: {exc}") from None
        return float(value) if isinstance(value, Decimal) else value

    def set_value(self, value: Any) -> None:
        self.units.setCurrentIndex(self.units.findData(self.spec.unit))  # stored values are in the stored unit
        super().set_value(value)


def field_input(spec: FieldSpec, refs: Sequence[tuple[str, str]] = ()) -> FieldInput:
    """The input for one field: a unit chooser for radiation, else the plain input."""
    return ConvertedInput(spec, refs) if spec.name in CONVERTED_FIELDS else FieldInput(spec, refs)
