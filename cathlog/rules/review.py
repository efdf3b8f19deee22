"""Checks of the physician's review and discharge plan (hard limits only)."""

from __future__ import annotations

from cathlog.domain.errors import Issue, ValidationError
from cathlog.domain.followup import Review


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
        for name in ("drug", "dose", "duration"):
            value = getattr(drug, name)
            if not isinstance(value, str) or not value.strip() or len(value) > 100:
                issues.append(Issue(f"plan[{n}].{name}", value, f"plan line {n}: {name} must be 1-100 characters"))
        if drug.duration_months is not None and not 0 < drug.duration_months <= 120:
            issues.append(Issue(f"plan[{n}].duration_months", drug.duration_months,
                                f"plan line {n}: review after {drug.duration_months!r} months; allowed 0-120"))
    if issues:
        raise ValidationError(issues)
