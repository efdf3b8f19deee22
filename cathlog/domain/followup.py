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
    """One line of the discharge plan, as the physician wrote it."""

    drug: str
    dose: str  # e.g. "81 mg once daily": the physician's words, not computed
    duration: str  # e.g. "indefinitely", "3 months"
    duration_months: float | None = None  # when the drug is to be reviewed, if the duration is a time

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
