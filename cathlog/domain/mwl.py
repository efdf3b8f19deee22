"""The DICOM Modality Worklist as cathlog sees it (issue 15 item 4): who is asked, what is asked for,
and a case the hospital scheduled for this room.

The worklist provider (the RIS or the hospital's broker) is asked by C-FIND for the procedure steps
scheduled for one station (the room's X-ray system, by its AE title), one modality and one day. Each
answer becomes a :class:`ScheduledCase`: the patient's identity as the hospital has it and the
identifiers that link the case to its images and its dose report (accession number, Study Instance
UID). What could not be read is kept in ``problems`` and shown, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from cathlog.domain.errors import CathlogError

AE_TITLE_MAX = 16  # DICOM PS3.5 6.2: AE, 16 characters of the default repertoire, no backslash
_AE_TITLE = re.compile(r"[\x20-\x5b\x5d-\x7e]{1,16}")  # printable ASCII without the backslash
_MODALITY = re.compile(r"[A-Z0-9_]{1,16}")  # CS: upper-case letters, digits, underscore
AE_TITLE_ALLOWED = "1 to 16 characters: letters, digits, spaces and printable signs except the backslash"
MODALITY_ALLOWED = "a DICOM modality code of 1 to 16 upper-case letters, digits or _ (XA for angiography)"
DEFAULT_MODALITY = "XA"
DEFAULT_TIMEOUT_S = 3.0  # no answer within this long: manual entry as before (integration notes 3.3)


def ae_title_problem(text: str) -> str | None:
    """What is wrong with ``text`` as an AE title (surrounding spaces are not significant), or None."""
    value = text.strip()
    if not value:
        return f"an AE title is required: {AE_TITLE_ALLOWED}"
    if not _AE_TITLE.fullmatch(value):
        return f"{value!r} is not an AE title: {AE_TITLE_ALLOWED}"
    return None


def modality_problem(text: str) -> str | None:
    value = text.strip()
    if not _MODALITY.fullmatch(value):
        return f"{value or 'nothing'!r} is not {MODALITY_ALLOWED}"
    return None


class WorklistUnavailable(CathlogError):
    """The worklist provider did not answer (not set up, unreachable, too slow): enter the case by hand."""


class WorklistRefused(CathlogError):
    """The provider answered but refused the query (wrong AE title, no worklist service, a failure status)."""


@dataclass(frozen=True)
class WorklistProvider:
    """Where the worklist is: the provider's AE title, host and port, and the AE title cathlog calls with."""

    called_ae: str
    host: str
    port: int
    calling_ae: str

    @property
    def address(self) -> str:
        return f"{self.called_ae} at {self.host}:{self.port}"


@dataclass(frozen=True)
class StationQuery:
    """The room's scheduled cases: its station AE title (0040,0001), a modality (0008,0060), one day."""

    station_ae: str
    modality: str
    day: date

    def to_json(self) -> dict[str, str]:
        return {"station_ae": self.station_ae, "modality": self.modality, "day": self.day.isoformat()}


@dataclass(frozen=True)
class ScheduledCase:
    """One scheduled procedure step, as the provider sent it (None: not sent or unreadable)."""

    mrn: str  # Patient ID (0010,0020)
    family_name: str
    given_name: str | None
    birth_date: str | None  # YYYY-MM-DD
    sex: str | None  # cathlog's Sex vocabulary: female, male, other
    accession_number: str | None  # (0008,0050)
    study_instance_uid: str | None  # (0020,000D): links the dose report and the images to the case
    requested_procedure: str | None  # Requested Procedure Description (0032,1060) or its code's meaning
    requested_procedure_id: str | None = None  # (0040,1001)
    scheduled_start: str | None = None  # "YYYY-MM-DD HH:MM", the provider's local time (DICOM has no zone)
    station_ae: str | None = None
    modality: str | None = None
    step_description: str | None = None  # Scheduled Procedure Step Description (0040,0007)
    performing_physician: str | None = None  # (0040,0006), "Family, Given"
    problems: tuple[str, ...] = ()  # what could not be read, shown beside the row

    @property
    def display_name(self) -> str:
        return f"{self.family_name}, {self.given_name}" if self.given_name else self.family_name

    def to_json(self) -> dict[str, object]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}
