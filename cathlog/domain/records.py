"""The record: patients, procedures and their time-ordered event log.

Plain frozen dataclasses, no I/O. Every stored row is a *version*: a
correction or a status change adds a version, nothing is overwritten.
Timestamps are UTC ISO 8601 strings (``2026-11-21T09:05:00Z``); dates are
``YYYY-MM-DD`` strings, so a record is JSON-native as it stands.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cathlog.domain.enums import EventKind, ProcedureStatus, Role, TeamRole


def normalize_mrn(mrn: str) -> str:
    """The form two MRNs are compared in: NFKC (full-width digits become
    ASCII), surrounding spaces trimmed, case folded."""
    return unicodedata.normalize("NFKC", mrn).strip().casefold()


@dataclass(frozen=True)
class Patient:
    mrn: str
    family_name: str
    birth_date: str
    sex: str
    given_name: str | None = None
    weight_kg: float | None = None
    height_cm: float | None = None
    creatinine_mg_dl: float | None = None
    egfr_ml_min: float | None = None
    allergies: str | None = None
    anticoagulation: str | None = None
    patient_id: str | None = None
    version: int = 1

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name

    def age_years(self, on: date) -> int:
        born = date.fromisoformat(self.birth_date)
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))

    def clinical_fields(self) -> dict[str, Any]:
        """The fields a person enters, without ids and versions."""
        return {k: v for k, v in self.__dict__.items() if k not in ("patient_id", "version")}


@dataclass(frozen=True)
class TeamMember:
    name: str
    role: TeamRole

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "role": self.role.value}


@dataclass(frozen=True)
class Procedure:
    procedure_id: str
    patient_id: str
    category: str
    planned: tuple[str, ...]
    indication: str
    urgency: str
    started_at: str
    status: ProcedureStatus = ProcedureStatus.OPEN
    indication_detail: str | None = None
    room: str | None = None
    team: tuple[TeamMember, ...] = ()
    act_target_low_s: int | None = None
    act_target_high_s: int | None = None
    patient_version: int | None = None  # the patient's details as they were for this case
    accession_number: str | None = None  # from the Modality Worklist (issue 15)
    study_instance_uid: str | None = None  # links the X-ray system's dose report to the case
    requested_procedure: str | None = None
    version: int = 1
    changed_at: str = ""
    changed_by: str = ""

    @property
    def act_target(self) -> tuple[int, int] | None:
        if self.act_target_low_s is None or self.act_target_high_s is None:
            return None
        return self.act_target_low_s, self.act_target_high_s

    @property
    def primary_operator(self) -> str | None:
        for member in self.team:
            if member.role is TeamRole.PRIMARY_OPERATOR:
                return member.name
        return None


@dataclass(frozen=True)
class EventVersion:
    """One version of one log entry.

    ``event_id`` is stable across versions; ``version`` counts from 1. A
    void is a version with ``voided`` set and a ``reason``; the entry stays
    visible, struck through.
    """

    event_id: str
    procedure_id: str
    kind: EventKind
    data: dict[str, Any]
    occurred_at: str
    recorded_at: str
    recorded_by: str
    performed_by: str | None = None
    workstation: str = ""
    version: int = 1
    voided: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class EventHistory:
    """All versions of one entry, oldest first; ``current`` is the last."""

    versions: tuple[EventVersion, ...]

    @property
    def current(self) -> EventVersion:
        return self.versions[-1]

    @property
    def corrected(self) -> bool:
        return any(not v.voided for v in self.versions[1:])


@dataclass(frozen=True)
class ProcedureRecord:
    """A whole case as read back: procedure, patient, every entry with history."""

    procedure: Procedure
    patient: Patient
    events: tuple[EventHistory, ...] = field(default_factory=tuple)
    # Every version of the procedure, oldest first, when the reader asked for them (the ACT band a
    # physician set mid-case applies from then on); empty means only ``procedure`` is known.
    procedure_history: tuple[Procedure, ...] = ()

    def with_entry_version(self, ev: EventVersion) -> ProcedureRecord:
        """This record with one more stored version of an entry (a new entry, a correction or a void), in the
        order the store reads a case back: by the current time, ties in the order the entries were first
        stored (a stable sort keeps the order of the rest; a new entry is the newest)."""
        histories = list(self.events)
        at = next((i for i, h in enumerate(histories) if h.current.event_id == ev.event_id), None)
        if at is None:
            histories.append(EventHistory((ev,)))
        else:
            histories[at] = EventHistory(histories[at].versions + (ev,))
        histories.sort(key=lambda h: h.current.occurred_at)
        return ProcedureRecord(self.procedure, self.patient, tuple(histories), self.procedure_history)

    @property
    def version_count(self) -> int:
        """How many stored versions of entries the record holds."""
        return sum(len(h.versions) for h in self.events)

    def current_events(self, kind: EventKind | None = None, include_voided: bool = False) -> list[EventVersion]:
        out = []
        for history in self.events:
            ev = history.current
            if (include_voided or not ev.voided) and (kind is None or ev.kind is kind):
                out.append(ev)
        return out


@dataclass(frozen=True)
class CaseSummary:
    """One line of the case list."""

    procedure_id: str
    started_at: str
    mrn: str
    patient_name: str
    category: str
    status: str
    primary_operator: str | None
    room: str | None


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: Role
    active: bool = True
    created_at: str = ""


@dataclass(frozen=True)
class Actor:
    """An authenticated user acting at a workstation: who every change is by."""

    username: str
    display_name: str
    role: Role
    workstation: str = ""


def utc_iso(moment: datetime) -> str:
    """A timezone-aware datetime as cathlog's canonical UTC string."""
    if moment.tzinfo is None:
        raise ValueError("a timestamp must carry its time zone")
    from datetime import timezone

    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})")
UTC_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_utc_iso(text: str) -> datetime:
    """Read a timestamp written by :func:`utc_iso` (or an ISO 8601 date and time with
    its offset), strictly: ValueError for anything that is not a real moment
    (``2025-02-30``, ``08:00:61``, ``24:00``, no zone, a leap second)."""
    if not isinstance(text, str):
        raise ValueError(f"timestamp {text!r} is not an ISO 8601 date and time with its zone "
                         "(YYYY-MM-DDTHH:MM:SSZ)")
    return _parse_utc_iso(text)


@functools.lru_cache(maxsize=65536)  # pure (a datetime is immutable), asked again for the same moments at every save
def _parse_utc_iso(text: str) -> datetime:
    if not _ISO_MOMENT.fullmatch(text):
        raise ValueError(f"timestamp {text!r} is not an ISO 8601 date and time with its zone "
                         "(YYYY-MM-DDTHH:MM:SSZ)")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(f"timestamp {text!r} is not a real time ({exc})") from None
    if moment.tzinfo is None:
        raise ValueError(f"timestamp {text!r} has no time zone")
    return moment


def is_utc_timestamp(text: object) -> bool:
    """True for a real UTC time in cathlog's stored form ``YYYY-MM-DDTHH:MM:SSZ``."""
    if not isinstance(text, str):
        return False
    try:
        return datetime.strptime(text, UTC_FORMAT).strftime(UTC_FORMAT) == text
    except ValueError:
        return False
