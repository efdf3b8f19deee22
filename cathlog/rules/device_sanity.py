"""Device sanity by vessel bed (issue 11 item 10): soft warnings, each with a
code and the source of its band in domain-reference.md section 2.5.

Sizes unusual for the case's category or the treated vessel, an inflation
above 20 atm when no rated burst pressure is recorded, and a burr larger than
the case's guide admits. All are confirmable: a band is a data-quality aid,
never a treatment rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from cathlog.domain import enums as e
from cathlog.domain.errors import Issue
from cathlog.domain.records import EventVersion
from cathlog.domain.units import format_number
from cathlog.rules.case_facts import largest_sheath_fr

T = e.DeviceType
BALLOONS = frozenset({T.BALLOON, T.NC_BALLOON, T.DCB})
STENTS = frozenset({T.DES, T.BMS, T.COVERED_STENT, T.NITINOL_STENT, T.VENOUS_STENT})
TIBIAL = frozenset({e.Vessel.ANTERIOR_TIBIAL, e.Vessel.POSTERIOR_TIBIAL, e.Vessel.PERONEAL,
                    e.Vessel.TIBIOPERONEAL_TRUNK, e.Vessel.DORSALIS_PEDIS, e.Vessel.PLANTAR})
FEM_POP = frozenset({e.Vessel.COMMON_FEMORAL, e.Vessel.SFA, e.Vessel.POPLITEAL})
ILIAC = frozenset({e.Vessel.CIA, e.Vessel.EIA})
VENOUS_ILIAC = frozenset({e.Vessel.CIV, e.Vessel.EIV, e.Vessel.COMMON_FEMORAL_VEIN})


@dataclass(frozen=True)
class SizeBand:
    """A typical diameter band for some devices in some bed."""

    code: str  # the warning's code, after "diameter_mm:"
    what: str
    category: e.Category
    devices: frozenset[e.DeviceType]
    vessels: frozenset[e.Vessel] | None  # None: any vessel of the category (or no lesion linked)
    low_mm: float
    high_mm: float
    source: str


SIZE_BANDS: tuple[SizeBand, ...] = (
    SizeBand("coronary_balloon", "coronary balloon", e.Category.CORONARY, BALLOONS, None, 1.0, 5.0,
             "domain-reference 2.5: coronary balloon 1.0-5.0 mm (brief; unverified)"),
    SizeBand("coronary_stent", "coronary stent", e.Category.CORONARY, STENTS, None, 2.0, 5.0,
             "domain-reference 2.5: coronary DES 2.0-5.0 mm, Resolute Onyx IFU / FDA P160043 [17]"),
    SizeBand("tibial_balloon", "tibial (below-the-knee) balloon", e.Category.PERIPHERAL_ARTERIAL, BALLOONS, TIBIAL,
             2.0, 4.0, "domain-reference 2.5: tibial balloon 2.0-4.0 mm, DIR 2024 [22]"),
    SizeBand("fem_pop", "femoropopliteal balloon or stent", e.Category.PERIPHERAL_ARTERIAL, BALLOONS | STENTS,
             FEM_POP, 4.0, 7.0, "domain-reference 2.5: fem-pop / DCB 4-7 mm (unverified)"),
    SizeBand("iliac", "iliac balloon or stent", e.Category.PERIPHERAL_ARTERIAL, BALLOONS | STENTS, ILIAC,
             6.0, 10.0, "domain-reference 2.5: iliac 6-10 mm (unverified)"),
    SizeBand("venous_stent", "venous iliac stent", e.Category.VENOUS, frozenset({T.VENOUS_STENT}), None,
             10.0, 20.0, "domain-reference 2.5: venous iliac stent 10-20 mm, Venovo series [23], VERNACULAR [23b]"),
)

NO_RBP_MAX_ATM = 20.0
NO_RBP_SOURCE = ("domain-reference 2.5: any balloon hard 1-30 atm, warn above the device's rated burst pressure "
                 "(store nominal/RBP per catalog item)")
BURR_NEEDS_7FR_FROM_MM = 1.75
BURR_GUIDE_FR = 7.0
BURR_GUIDE_SOURCE = "domain-reference 2.5: burrs >= 1.75 mm traditionally via >= 7 Fr guides, Levi JIC 2019 [19]"


def _lesion_vessel(data: Mapping[str, Any], events: Mapping[str, EventVersion]) -> e.Vessel | None:
    lesion = events.get(data.get("lesion_event_id") or "")
    if lesion is None or lesion.kind is not e.EventKind.LESION:
        return None
    return e.Vessel(lesion.data["vessel"])


def size_warnings(data: Mapping[str, Any], category: str | None,
                  events: Mapping[str, EventVersion]) -> list[Issue]:
    """A device's diameter outside the band of its kind in the case's category (and vessel)."""
    diameter = data.get("diameter_mm")
    if diameter is None or category is None:
        return []
    kind, vessel = e.DeviceType(data["device_type"]), _lesion_vessel(data, events)
    out = []
    for band in SIZE_BANDS:
        if band.category != category or kind not in band.devices:
            continue
        if band.vessels is not None and vessel not in band.vessels:
            continue
        if not band.low_mm <= diameter <= band.high_mm:
            out.append(Issue("diameter_mm", diameter,
                             f"a {format_number(diameter)} mm {kind.label} is unusual for a {band.what} "
                             f"(usually {format_number(band.low_mm)}-{format_number(band.high_mm)} mm)",
                             band.source, f"diameter_mm:{band.code}"))
    return out


def burr_guide_warning(data: Mapping[str, Any], events: Iterable[EventVersion]) -> list[Issue]:
    """A burr of 1.75 mm or more in a case whose largest sheath is below 7 Fr."""
    diameter = data.get("diameter_mm")
    if data["device_type"] != T.RA_BURR or diameter is None or diameter < BURR_NEEDS_7FR_FROM_MM:
        return []
    sheath = largest_sheath_fr(events)
    if sheath is None or sheath >= BURR_GUIDE_FR:
        return []
    return [Issue("diameter_mm", diameter,
                  f"a {format_number(diameter)} mm burr needs a guide of at least {format_number(BURR_GUIDE_FR)} Fr; "
                  f"the largest sheath of this case is {format_number(sheath)} Fr", BURR_GUIDE_SOURCE,
                  "diameter_mm:burr_guide")]


def pressure_warning(pressure_atm: float, device: EventVersion) -> list[Issue]:
    """An inflation above 20 atm with no rated burst pressure recorded for the device."""
    if device.data.get("rated_burst_atm") is not None or pressure_atm <= NO_RBP_MAX_ATM:
        return []
    return [Issue("pressure_atm", pressure_atm,
                  f"pressure {format_number(pressure_atm)} atm is above {format_number(NO_RBP_MAX_ATM)} atm and this "
                  "device has no rated burst pressure recorded", NO_RBP_SOURCE, "pressure_atm:no_rated_burst")]
