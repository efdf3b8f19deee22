"""The device catalog: sizes per type and nominal/rated burst pressures,
read from ``resources/device_catalog.json`` and checked against the data
dictionary when loaded (a bad catalog is refused, not half used)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cathlog.domain.enums import BURR_SIZES_MM, DeviceType
from cathlog.domain.errors import CathlogError
from cathlog.domain.fields import event_field
from cathlog.domain.enums import EventKind
from cathlog.resources import resource_path
from cathlog.rules.validation import check_value


class CatalogError(CathlogError):
    pass


@dataclass(frozen=True)
class CatalogItem:
    id: str
    device_type: DeviceType
    manufacturer: str
    model: str
    bed: str
    diameters_mm: tuple[float, ...] = ()
    lengths_mm: tuple[float, ...] = ()
    nominal_atm: float | None = None
    rated_burst_atm: float | None = None
    gtins: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return f"{self.model} ({self.manufacturer})"

    def entry(self, diameter_mm: float | None = None, length_mm: float | None = None) -> dict[str, Any]:
        """Device-entry fields for one size of this item."""
        out: dict[str, Any] = {"device_type": self.device_type.value, "manufacturer": self.manufacturer,
                               "model": self.model, "diameter_mm": diameter_mm, "length_mm": length_mm,
                               "nominal_atm": self.nominal_atm, "rated_burst_atm": self.rated_burst_atm}
        return {k: v for k, v in out.items() if v is not None}


@dataclass(frozen=True)
class Catalog:
    items: tuple[CatalogItem, ...]
    note: str = ""

    def of_type(self, device_type: DeviceType | str) -> list[CatalogItem]:
        return [i for i in self.items if i.device_type == device_type]

    def by_gtin(self, gtin: str) -> tuple[CatalogItem, dict[str, float]] | None:
        for item in self.items:
            if gtin in item.gtins:
                return item, item.gtins[gtin]
        return None


def _check(item: CatalogItem, where: str) -> None:
    for name, values in (("diameter_mm", item.diameters_mm), ("length_mm", item.lengths_mm)):
        spec = event_field(EventKind.DEVICE, name)
        for v in values:
            errors, _ = check_value(spec, v)
            if errors:
                raise CatalogError(f"{where}: {errors[0].message}")
    if item.device_type is DeviceType.RA_BURR and not set(item.diameters_mm) <= set(BURR_SIZES_MM):
        raise CatalogError(f"{where}: burr sizes must be among {BURR_SIZES_MM}")
    if item.nominal_atm and item.rated_burst_atm and item.rated_burst_atm < item.nominal_atm:
        raise CatalogError(f"{where}: rated burst pressure below nominal")


def load_catalog(path: Path | None = None) -> Catalog:
    path = path or resource_path("device_catalog.json")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        items = []
        for n, raw in enumerate(doc["items"], 1):
            item = CatalogItem(
                id=raw["id"], device_type=DeviceType(raw["device_type"]), manufacturer=raw["manufacturer"],
                model=raw["model"], bed=raw["bed"], diameters_mm=tuple(float(x) for x in raw["diameters_mm"]),
                lengths_mm=tuple(float(x) for x in raw["lengths_mm"]), nominal_atm=raw.get("nominal_atm"),
                rated_burst_atm=raw.get("rated_burst_atm"), gtins=raw.get("gtins", {}))
            _check(item, f"{path.name} item {n} ({item.id})")
            items.append(item)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise CatalogError(f"the device catalog {path.name} cannot be used: {exc}") from None
    return Catalog(tuple(items), doc.get("note", ""))
