"""Checks of the physician's review and discharge plan (hard limits only)."""

from __future__ import annotations

from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.followup import (
    DURATION_MAX,
    DurationUnit,
    PlanDrug,
    PlanDrugName,
    Review,
    duration_text,
)


def validate_review(review: Review) -> None:
    issues = []
    if review.residual_stenosis_pct is not None and not (
            isinstance(review.residual_stenosis_pct, int) and 0 <= review.residual_stenosis_pct <= 100):
        issues.append(Issue("residual_stenosis_pct", review.residual_stenosis_pct,
                            f"residual stenosis {review.residual_stenosis_pct!r} % is out of range; allowed 0 to 100"))
    if review.final_timi is not None and review.final_timi not in (0, 1, 2, 3):
        issues.append(Issue("final_timi", review.final_timi, f"final TIMI flow {review.final_timi!r}: allowed 0-3"))
    for name in ("completion_angiography", "compression_stockings", "follow_up_notes"):
        value = getattr(review, name)
        if value is not None and (not value.strip() or len(value) > 1000):
            issues.append(Issue(name, value, f"{name.replace('_', ' ')} must be 1-1000 characters"))
    for n, drug in enumerate(review.plan, 1):
        for name in ("drug", "dose") if drug.structured else ("drug", "dose", "duration"):
            value = getattr(drug, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                issues.append(Issue(f"plan[{n}].{name}", value, f"plan line {n}: {name} must be 1-100 characters"))
        if drug.duration_months is not None and not 0 < drug.duration_months <= 120:
            issues.append(Issue(f"plan[{n}].duration_months", drug.duration_months,
                                f"plan line {n}: review after {drug.duration_months!r} months; allowed 0-120"))
        if drug.structured:
            issues += _structured_line(n, drug)
    if issues:
        raise ValidationError(issues)


def _structured_line(n: int, drug: PlanDrug) -> list[Issue]:
    """A structured plan line: a generic from the vocabulary, a duration that is one number
    with a unit, and its text and months derived from it (so no second column can disagree)."""
    issues = []
    if drug.drug not in PlanDrugName.values():
        issues.append(Issue(f"plan[{n}].drug", drug.drug, f"plan line {n}: {drug.drug!r} is not in the drug list "
                            f"(generic or brand name, e.g. {', '.join(PlanDrugName.values()[:4])}, Eliquis, Plavix)"))
    if drug.duration_unit not in DurationUnit.values():
        return issues + [Issue(f"plan[{n}].duration_unit", drug.duration_unit, f"plan line {n}: duration unit "
                               f"{drug.duration_unit!r}; use one of: {', '.join(DurationUnit.values())}")]
    unit, value = DurationUnit(drug.duration_unit), drug.duration_value
    if unit is DurationUnit.INDEFINITE:
        if value is not None:
            issues.append(Issue(f"plan[{n}].duration_value", value,
                                f"plan line {n}: 'indefinitely' takes no number ({value!r} given)"))
    elif isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= DURATION_MAX[unit]:
        issues.append(Issue(f"plan[{n}].duration_value", value, f"plan line {n}: duration {value!r} {unit.value}; "
                            f"give a whole number 1-{DURATION_MAX[unit]}"))
    else:
        months = float(value) if unit is DurationUnit.MONTHS else None
        if drug.duration != duration_text(value, unit) or drug.duration_months != months:
            issues.append(Issue(f"plan[{n}].duration", drug.duration, f"plan line {n}: the duration text "
                                f"{drug.duration!r} or months {drug.duration_months!r} disagree with "
                                f"{duration_text(value, unit)!r}"))
    return issues
