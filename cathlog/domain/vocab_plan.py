"""The discharge plan's drugs (issue 12): antiplatelets and anticoagulants by
generic name, the brand names a physician may type, and duration units.
Import them through ``cathlog.domain.followup``."""

from __future__ import annotations

import re

from cathlog.domain.vocab_base import Vocab as _Vocab


class PlanDrugName(_Vocab):
    """Antithrombotic drugs of a discharge plan, by generic name."""

    ASPIRIN = "aspirin"
    CLOPIDOGREL = "clopidogrel"
    TICAGRELOR = "ticagrelor"
    PRASUGREL = "prasugrel"
    CILOSTAZOL = "cilostazol"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    DABIGATRAN = "dabigatran"
    EDOXABAN = "edoxaban"
    WARFARIN = "warfarin"
    ENOXAPARIN = "enoxaparin"
    FONDAPARINUX = "fondaparinux"


P2Y12_INHIBITORS = frozenset({PlanDrugName.CLOPIDOGREL, PlanDrugName.TICAGRELOR, PlanDrugName.PRASUGREL})
ANTIPLATELETS = P2Y12_INHIBITORS | {PlanDrugName.ASPIRIN, PlanDrugName.CILOSTAZOL}
ANTICOAGULANTS = frozenset(set(PlanDrugName) - ANTIPLATELETS)

# Brand (and common other) names -> generic. Keys are casefolded.
BRAND_NAMES: dict[str, PlanDrugName] = {
    "asa": PlanDrugName.ASPIRIN, "acetylsalicylic acid": PlanDrugName.ASPIRIN, "aspirin": PlanDrugName.ASPIRIN,
    "plavix": PlanDrugName.CLOPIDOGREL, "iscover": PlanDrugName.CLOPIDOGREL,
    "brilinta": PlanDrugName.TICAGRELOR, "brilique": PlanDrugName.TICAGRELOR,
    "effient": PlanDrugName.PRASUGREL, "efient": PlanDrugName.PRASUGREL,
    "pletal": PlanDrugName.CILOSTAZOL,
    "eliquis": PlanDrugName.APIXABAN,
    "xarelto": PlanDrugName.RIVAROXABAN,
    "pradaxa": PlanDrugName.DABIGATRAN,
    "savaysa": PlanDrugName.EDOXABAN, "lixiana": PlanDrugName.EDOXABAN,
    "coumadin": PlanDrugName.WARFARIN, "jantoven": PlanDrugName.WARFARIN, "marevan": PlanDrugName.WARFARIN,
    "lovenox": PlanDrugName.ENOXAPARIN, "clexane": PlanDrugName.ENOXAPARIN,
    "arixtra": PlanDrugName.FONDAPARINUX,
}


def generic_for(text: str) -> PlanDrugName | None:
    """``"Eliquis"`` -> apixaban, ``"clopidogrel"`` -> clopidogrel; None if not in the vocabulary."""
    key = re.sub(r"[®™]", "", text).strip().casefold()
    for drug in PlanDrugName:
        if key in (drug.value, drug.label.casefold()):
            return drug
    return BRAND_NAMES.get(key)


class DurationUnit(_Vocab):
    DAYS = "days"
    WEEKS = "weeks"
    MONTHS = "months"
    INDEFINITE = "indefinitely"


# Longest duration a plan line may give before its review, per unit (design bound: 10 years).
DURATION_MAX = {DurationUnit.DAYS: 3650, DurationUnit.WEEKS: 520, DurationUnit.MONTHS: 120}
_DURATION_TEXT = re.compile(r"^\s*(\d{1,4})\s*(day|week|month)s?\s*$", re.IGNORECASE)


def duration_text(value: int | None, unit: DurationUnit | str) -> str:
    """``(3, months)`` -> ``"3 months"``, ``(1, weeks)`` -> ``"1 week"``; indefinite -> ``"indefinitely"``."""
    unit = DurationUnit(unit)
    if unit is DurationUnit.INDEFINITE:
        return unit.value
    return f"{value} {unit.value[:-1] if value == 1 else unit.value}"


def parse_duration_text(text: str) -> tuple[int, DurationUnit] | None:
    """A free-text duration of an old review, if it is one plain time: ``"3 months"`` -> ``(3, months)``."""
    match = _DURATION_TEXT.match(text)
    if not match:
        return None
    return int(match.group(1)), DurationUnit(match.group(2).casefold() + "s")
