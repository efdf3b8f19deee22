"""Review, discharge plan and follow-up reminders of a case.

The physician enters the outcome and the discharge antithrombotic plan
(drugs, doses and durations are theirs: cathlog computes none); the
reminder rules suggest "review due" prompts the physician accepts, edits or
dismisses.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import ProcedureRecord
from cathlog.domain.vocab_plan import (
    ANTICOAGULANTS as ANTICOAGULANTS,
    ANTIPLATELETS as ANTIPLATELETS,
    BRAND_NAMES as BRAND_NAMES,
    DURATION_MAX as DURATION_MAX,
    P2Y12_INHIBITORS as P2Y12_INHIBITORS,
    DurationUnit as DurationUnit,
    PlanDrugName as PlanDrugName,
    duration_text as duration_text,
    generic_for as generic_for,
    parse_duration_text as parse_duration_text,
)


class ReminderStatus(StrEnum):
    SUGGESTED = "suggested"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"
    DONE = "done"


class SignatureMeaning(StrEnum):
    AUTHORED = "authored"
    REVIEWED = "reviewed"
    APPROVED = "approved"


@dataclass(frozen=True)
class PlanDrug:
    """One line of the discharge plan, as the physician wrote it.

    A structured line (``duration_unit`` set, made with :meth:`planned`) names its
    drug by generic name from :class:`PlanDrugName` and its duration as a number
    with a unit; the review date is derived from that one field (``duration`` is
    its text, ``duration_months`` its months, both derived). Lines of older reviews
    have free text in ``drug`` and ``duration`` and an optional ``duration_months``:
    they stay readable as they were written."""

    drug: str
    dose: str  # e.g. "81 mg once daily": the physician's words, not computed
    duration: str  # e.g. "indefinitely", "3 months"
    duration_months: float | None = None  # old reviews: "review after (months)"; structured: derived
    duration_value: int | None = None
    duration_unit: str | None = None  # a DurationUnit value: days, weeks, months, indefinitely

    @classmethod
    def planned(cls, drug: str, dose: str, value: int | None, unit: DurationUnit | str) -> PlanDrug:
        """A structured line: a brand name becomes its generic (Eliquis -> apixaban); the
        duration's text and months follow from ``value`` and ``unit``. An unknown drug or
        unit is kept as given, for :func:`cathlog.rules.review.validate_review` to name."""
        generic = generic_for(drug)
        unit_text = unit.value if isinstance(unit, DurationUnit) else unit
        known_unit = unit_text in DurationUnit.values()
        return cls(drug=generic.value if generic else drug, dose=dose,
                   duration=duration_text(value, unit_text) if known_unit else "",
                   duration_months=float(value) if unit_text == DurationUnit.MONTHS and value is not None else None,
                   duration_value=value, duration_unit=unit_text)

    @property
    def structured(self) -> bool:
        return self.duration_unit is not None

    def review_after(self) -> tuple[int, DurationUnit] | None:
        """How long after the case the drug is to be reviewed, from the one field that says
        it: the structured duration; on an old line its months, else its text if that is a
        plain time ("3 months"). None for "indefinitely" or a duration that is no time."""
        if self.duration_unit is not None:
            unit = DurationUnit(self.duration_unit)
            return None if unit is DurationUnit.INDEFINITE or self.duration_value is None else (
                self.duration_value, unit)
        if self.duration_months:
            return round(self.duration_months), DurationUnit.MONTHS
        return parse_duration_text(self.duration)

    def to_json(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


@dataclass(frozen=True)
class Review:
    """The physician's review of a case."""

    technical_success: bool | None = None
    residual_stenosis_pct: int | None = None
    final_timi: int | None = None
    completion_angiography: str | None = None
    plan: tuple[PlanDrug, ...] = ()
    high_bleeding_risk: bool = False
    compression_stockings: str | None = None
    follow_up_notes: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {k: v for k, v in self.__dict__.items() if v is not None and k != "plan"}
        out["plan"] = [p.to_json() for p in self.plan]
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Review:
        data = dict(data)
        plan = tuple(PlanDrug(**p) for p in data.pop("plan", []))
        return cls(plan=plan, **data)


@dataclass(frozen=True)
class ReminderSuggestion:
    """What a rule suggests: due date, what, why, and the source."""

    rule_id: str
    due_date: str  # YYYY-MM-DD
    title: str
    text: str
    source: str


@dataclass(frozen=True)
class Reminder:
    """A stored reminder (one version of it)."""

    reminder_id: str
    procedure_id: str
    rule_id: str
    due_date: str
    title: str
    text: str
    source: str
    status: ReminderStatus = ReminderStatus.SUGGESTED
    version: int = 1
    changed_by: str = ""
    changed_at: str = ""
    reason: str | None = None
    suggested_due: str = ""  # the rule's date, kept when the physician moves the due date


@dataclass(frozen=True)
class Signature:
    """One e-signature of a case, as shown and printed."""

    signature_id: str
    username: str
    display_name: str
    meaning: SignatureMeaning
    signed_at: str
    content_hash: str
    superseded: bool
    valid: bool  # the content still hashes to what was signed


@dataclass(frozen=True)
class CaseFile:
    """Everything a report of a case needs, read at one moment."""

    record: ProcedureRecord
    review: Review | None
    reminders: list[Reminder]
    signatures: list[Signature]
    implants: tuple[PatientImplant, ...] = ()  # the patient's implants across cases, with their removals
