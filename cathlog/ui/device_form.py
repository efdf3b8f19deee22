"""The device entry (F4) of the entry form: laid out to fit a laptop screen's form
column without ever scrolling sideways (issue 12 item 6). Labels sit above their
fields; the catalog choice, what the device is, what its label (or its scan)
says and what it links to are four groups; short fields go two to a row.

Also the catalog choice itself: a catalog item and size fill the fields; the
state follows the device type until the nurse chooses one herself."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from PySide6.QtWidgets import QFrame, QGridLayout, QLabel, QVBoxLayout, QWidget

from cathlog.catalog import Catalog, CatalogItem
from cathlog.domain.enums import default_state
from cathlog.domain.units import format_number
from cathlog.ui.fields import FieldBlock, FieldInput, narrow_combo
from cathlog.ui.combo import Combo

# (title, rows): a row of one field name, or two short ones side by side.
DEVICE_GROUPS: tuple[tuple[str, tuple[tuple[str, ...], ...]], ...] = (
    ("The device", (("device_type",), ("state",), ("diameter_mm", "length_mm"), ("nominal_atm", "rated_burst_atm"))),
    ("From the label (scan it: Ctrl+B)", (("manufacturer",), ("model",), ("catalog_number",), ("lot", "serial"),
                                          ("gtin", "expiry_date"), ("udi",), ("expiry_override_reason",))),
    ("Links", (("lesion_event_id",), ("delivered_with_event_id",), ("removes_event_id",))),
)


def size_key(diameter_mm: float, length_mm: float | None) -> str:
    """The catalog size combo's item data: '2.5x150' (Qt keeps strings as they are)."""
    return f"{format_number(diameter_mm, 2)}x{format_number(length_mm, 1)}" if length_mm else format_number(diameter_mm, 2)


def field_group(title: str, rows: Sequence[Sequence[QWidget]]) -> QFrame:
    """A titled group of blocks, one or two to a row (two share the width evenly)."""
    frame = QFrame()
    frame.setObjectName("FieldGroup")
    box = QVBoxLayout(frame)
    box.setContentsMargins(8, 6, 8, 8)
    box.setSpacing(4)
    head = QLabel(title)
    head.setObjectName("GroupTitle")
    head.setWordWrap(True)
    box.addWidget(head)
    grid = QGridLayout()
    grid.setContentsMargins(0, 0, 0, 0)
    grid.setHorizontalSpacing(8)
    grid.setVerticalSpacing(4)
    grid.setColumnStretch(0, 1)
    grid.setColumnStretch(1, 1)
    for r, widgets in enumerate(rows):
        if len(widgets) == 1:
            grid.addWidget(widgets[0], r, 0, 1, 2)
        else:
            for c, widget in enumerate(widgets):
                grid.addWidget(widget, r, c)
    box.addLayout(grid)
    return frame


class CatalogChoice(QWidget):
    """The catalog item and size combos; choosing fills the form's fields via ``fill``."""

    def __init__(self, catalog: Catalog, fill: Callable[[dict[str, Any]], None]):
        super().__init__()
        self.catalog, self._fill = catalog, fill
        self.model_combo = narrow_combo(Combo(), 14)
        self.model_combo.setObjectName("catalog_item")
        self.model_combo.setAccessibleName("catalog device")
        self.model_combo.addItem("— from the catalog —", None)
        for item in catalog.items:
            self.model_combo.addItem(f"{item.device_type.label}: {item.label}", item.id)
        self.size_combo = narrow_combo(Combo(), 8)
        self.size_combo.setObjectName("catalog_size")
        self.size_combo.setAccessibleName("catalog size")
        self.model_combo.currentIndexChanged.connect(self._item_changed)
        self.size_combo.activated.connect(self._size_chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.model_block = FieldBlock("Catalog device", self.model_combo, self.model_combo)
        self.size_block = FieldBlock("Size", self.size_combo, self.size_combo)
        layout.addWidget(self.model_block)
        layout.addWidget(self.size_block)

    def item(self) -> CatalogItem | None:
        item_id = self.model_combo.currentData()
        return next((i for i in self.catalog.items if i.id == item_id), None)

    def _item_changed(self) -> None:
        item = self.item()
        self.size_combo.clear()
        if item is None:
            return
        sizes: list[tuple[float, float | None]] = [(d, ln) for d in item.diameters_mm for ln in item.lengths_mm] \
            or [(d, None) for d in item.diameters_mm]
        for d, ln in sizes:
            text = f"{format_number(d, 2)} × {format_number(ln, 1)} mm" if ln else f"{format_number(d, 2)} mm"
            self.size_combo.addItem(text, size_key(d, ln))
        self._fill(item.entry(None, None))

    def _size_chosen(self) -> None:
        item = self.item()
        key = self.size_combo.currentData()
        if item and key:
            diameter, _, length = key.partition("x")
            self._fill(item.entry(float(diameter), float(length) if length else None))


class DeviceState:
    """The state follows the device type until the nurse chooses one herself: an implantable kind
    is stored implanted unless she says otherwise (issue 11 item 1)."""

    def __init__(self, inputs: Mapping[str, FieldInput]):
        self.inputs = inputs
        self.auto: str | None = None

    def type_changed(self) -> None:
        kind, state = self.inputs["device_type"].value(), self.inputs["state"].value()
        if kind and (state is None or state == self.auto):
            self.auto = default_state(kind).value
            self.inputs["state"].set_value(self.auto)


def device_layout(blocks: Mapping[str, FieldBlock], catalog: CatalogChoice | None) -> list[QWidget]:
    """The device form's groups, in order; a field not named in DEVICE_GROUPS goes last, alone."""
    out: list[QWidget] = []
    if catalog is not None:
        out.append(field_group("From the catalog", [[catalog]]))
    placed: set[str] = set()
    for title, rows in DEVICE_GROUPS:
        present = [[blocks[n] for n in row if n in blocks] for row in rows]
        present = [row for row in present if row]
        if present:
            out.append(field_group(title, present))
        placed.update(n for row in rows for n in row)
    out.extend(block for name, block in blocks.items() if name not in placed)
    return out
