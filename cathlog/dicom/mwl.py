"""Modality Worklist C-FIND SCU: the room's scheduled cases from the hospital's worklist provider.

One association per query: A-ASSOCIATE with the Modality Worklist Information Model - FIND context,
one C-FIND (station AE title, modality, date; every attribute cathlog shows is asked for as a return
key), A-RELEASE. The connection and the provider's answer to the association each have ``timeout_s``
(3 s by default): a provider that is not there is reported as :class:`WorklistUnavailable` within about
that long, and the nurse enters the case by hand as before. A refusal (wrong AE title, no worklist
service, a failure status) is :class:`WorklistRefused` with what the provider said.

Answers are read leniently: an unreadable birth date or an unknown sex is left empty and named in the
case's ``problems``; the nurse sees it and types the value. Names are decoded in the character set the
provider declares (pydicom).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import date, datetime

from pydicom.charset import convert_encodings, decode_bytes
from pydicom.dataset import Dataset
from pydicom.valuerep import PersonName
from pynetdicom import AE, evt
from pynetdicom.pdu import A_ASSOCIATE_RJ
from pynetdicom.sop_class import ModalityWorklistInformationFind  # type: ignore[attr-defined]

from cathlog.dicom import _sockets
from cathlog.domain.fields import PROCEDURE_FIELDS
from cathlog.domain.mwl import (
    DEFAULT_TIMEOUT_S,
    ScheduledCase,
    StationQuery,
    WorklistProvider,
    WorklistRefused,
    WorklistUnavailable,
)

log = logging.getLogger(__name__)
_sockets.apply()  # pynetdicom 3.0.4 leaks the socket of a refused connection

RESPONSE_TIMEOUT_S = 15.0  # the whole answer, once the provider has accepted the query
MAX_CASES = 500  # a query that matches more is cut off with a message (a station never has that many a day)
_SEX = {"F": "female", "M": "male", "O": "other"}
_PENDING = (0xFF00, 0xFF01)


def query_identifier(query: StationQuery) -> Dataset:
    """The C-FIND identifier: matching keys for station, modality and date; empty return keys for what is shown."""
    ds = Dataset()
    ds.SpecificCharacterSet = "ISO_IR 192"  # we read UTF-8 (a provider answers in its own declared set)
    for keyword in ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "AccessionNumber",
                    "StudyInstanceUID", "RequestedProcedureDescription", "RequestedProcedureID",
                    "RequestedProcedureCodeSequence"):
        setattr(ds, keyword, [] if keyword.endswith("Sequence") else "")
    step = Dataset()
    step.ScheduledStationAETitle = query.station_ae
    step.Modality = query.modality
    step.ScheduledProcedureStepStartDate = query.day.strftime("%Y%m%d")
    for keyword in ("ScheduledProcedureStepStartTime", "ScheduledPerformingPhysicianName",
                    "ScheduledProcedureStepDescription", "ScheduledProcedureStepID"):
        setattr(step, keyword, "")
    ds.ScheduledProcedureStepSequence = [step]
    return ds


def find_scheduled(provider: WorklistProvider, query: StationQuery,
                   timeout_s: float = DEFAULT_TIMEOUT_S) -> list[ScheduledCase]:
    """The cases scheduled for ``query`` at ``provider``, in the order of their start time.

    Raises WorklistUnavailable when the provider cannot be reached or does not answer within
    ``timeout_s``, WorklistRefused when it refuses the association or the query."""
    ae = AE(ae_title=provider.calling_ae)
    ae.add_requested_context(ModalityWorklistInformationFind)
    ae.connection_timeout = timeout_s
    ae.acse_timeout = timeout_s
    ae.dimse_timeout = RESPONSE_TIMEOUT_S
    ae.network_timeout = RESPONSE_TIMEOUT_S
    rejections: list[A_ASSOCIATE_RJ] = []  # seen as it arrives: a peer that rejects and closes at once makes
    # pynetdicom 3.0.4 report an abort (it finds the socket closed before it reads the rejection)

    def on_pdu(event: evt.Event) -> None:
        if isinstance(event.pdu, A_ASSOCIATE_RJ):
            rejections.append(event.pdu)

    try:
        assoc = ae.associate(provider.host, provider.port, ae_title=provider.called_ae,
                             evt_handlers=[(evt.EVT_PDU_RECV, on_pdu)])
    except (OSError, ValueError) as exc:  # e.g. a host name that does not resolve
        raise WorklistUnavailable(f"the worklist ({provider.address}) cannot be reached: {exc}") from None
    if assoc.is_rejected or (rejections and not assoc.is_established):
        reason = _rejection(rejections[0] if rejections else getattr(assoc.acceptor, "primitive", None))
        raise WorklistRefused(f"the worklist ({provider.address}) refused cathlog's call "
                              f"(calling AE title {provider.calling_ae}): {reason}; check both AE titles")
    if not assoc.is_established:
        raise WorklistUnavailable(f"no answer from the worklist ({provider.address}) within {timeout_s:g} s")
    try:
        if not assoc.accepted_contexts:
            raise WorklistRefused(f"{provider.address} does not offer the Modality Worklist service")
        return _collect(assoc.send_c_find(query_identifier(query), ModalityWorklistInformationFind),
                        provider, query)
    finally:
        if assoc.is_established:
            assoc.release()


def _collect(responses: Iterable[tuple[Dataset, Dataset | None]], provider: WorklistProvider,
             query: StationQuery) -> list[ScheduledCase]:
    found: list[ScheduledCase] = []
    for status, identifier in responses:
        code = getattr(status, "Status", None)
        if code is None:  # no status: the provider went silent, or the association was aborted
            raise WorklistUnavailable(f"the worklist ({provider.address}) stopped answering")
        if code in _PENDING:
            if identifier is not None and len(found) < MAX_CASES:
                found.append(read_scheduled(identifier))
            continue
        if code == 0x0000:
            break
        comment = getattr(status, "ErrorComment", "")
        raise WorklistRefused(f"the worklist ({provider.address}) refused the query for {query.station_ae} "
                              f"{query.modality} {query.day}: status 0x{code:04X}"
                              + (f" ({comment})" if comment else ""))
    return sorted(found, key=lambda c: (c.scheduled_start or "", c.display_name))


def _rejection(answer: object) -> str:
    """The reason an A-ASSOCIATE-RJ (PDU or primitive) gives, in pynetdicom's words."""
    parts = [getattr(answer, name, "") for name in ("result_str", "source_str", "reason_str")]
    return ", ".join(str(p) for p in parts if p) or "association rejected"


# --- reading one answer ------------------------------------------------------------------------------


def _text(ds: Dataset, keyword: str) -> str | None:
    try:
        value = ds.get(keyword)
    except Exception:  # noqa: BLE001 - an undecodable value: treated as absent, the caller notes it
        return None
    if value is None:
        return None
    text = str(value).strip().strip("\x00").strip()
    return text or None


def _encodings(ds: Dataset) -> list[str]:
    try:
        return list(convert_encodings(ds.get("SpecificCharacterSet") or "ISO_IR 6"))
    except Exception:  # noqa: BLE001 - an unknown character set: read as Latin-1 (every byte is a character)
        return ["latin_1"]


def _raw_text(ds: Dataset, keyword: str, encodings: list[str] | None = None) -> str | None:
    """A value as sent, read without pydicom's value check (which warns on, or refuses, the sloppy dates
    and over-long values some systems send; here they are named as problems instead)."""
    try:
        element = ds.get_item(keyword)
    except Exception:  # noqa: BLE001 - treated as absent
        return None
    if element is None:
        return None
    value = element.value
    if isinstance(value, bytes):
        try:
            value = decode_bytes(value, encodings or ["iso8859"], set())
        except Exception:  # noqa: BLE001 - undecodable: what can be read, the rest as U+FFFD
            value = value.decode("latin_1", "replace")
    text = str(value or "").strip().strip("\x00").strip()
    return text or None


def _day(text: str | None) -> date | None:
    if not text:
        return None
    digits = text.replace(".", "").replace("-", "")  # ACR-NEMA dates (1954.03.02) still appear
    try:
        return datetime.strptime(digits, "%Y%m%d").date()
    except ValueError:
        return None


def _person(value: object) -> tuple[str, str | None]:
    """(family name, given names) of a PN value (its alphabetic group; given and middle names joined)."""
    name = value if isinstance(value, PersonName) else PersonName(str(value or ""))
    family = (name.family_name or "").strip()
    given = " ".join(p for p in ((name.given_name or "").strip(), (name.middle_name or "").strip()) if p)
    return family, given or None


def _display(value: object) -> str | None:
    family, given = _person(value)
    return (f"{family}, {given}" if given else family) or None


def _step(ds: Dataset) -> Dataset:
    steps = ds.get("ScheduledProcedureStepSequence")
    return steps[0] if steps else Dataset()


_KEPT = {s.name: s for s in PROCEDURE_FIELDS}


def _kept(name: str, value: str | None, problems: list[str]) -> str | None:
    """``value`` if the case can keep it as its field ``name`` (length, UID syntax); else None and a problem."""
    spec = _KEPT.get(name)
    if value is None or spec is None:
        return value
    label = spec.label[0].lower() + spec.label[1:] if not spec.label.startswith("Study") else spec.label
    if spec.max_len is not None and len(value) > spec.max_len:
        problems.append(f"{label} {value!r} is longer than {spec.max_len} characters: not kept")
        return None
    if spec.pattern is not None and not re.fullmatch(spec.pattern, value):
        problems.append(f"{label} {value!r} is not a DICOM UID: not kept")
        return None
    return value


def read_scheduled(ds: Dataset) -> ScheduledCase:
    """One C-FIND answer as a ScheduledCase (lenient: what cannot be read is None and named in problems)."""
    problems: list[str] = []
    mrn = _raw_text(ds, "PatientID", _encodings(ds)) or ""
    if not mrn:
        problems.append("no patient ID (MRN) sent")
    try:
        family, given = _person(ds.get("PatientName"))
    except Exception:  # noqa: BLE001 - a name in a character set pydicom cannot decode
        family, given = "", None
    if not family:
        problems.append("no readable patient name sent")
    birth_text = _raw_text(ds, "PatientBirthDate")
    birth = _day(birth_text)
    if birth_text and birth is None:
        problems.append(f"birth date {birth_text!r} is not a date")
    sex_code = (_text(ds, "PatientSex") or "").upper()
    sex = _SEX.get(sex_code)
    if sex is None:
        problems.append(f"sex {sex_code!r} is not F, M or O" if sex_code else "no sex sent")
    step = _step(ds)
    encodings = _encodings(ds)
    requested = _raw_text(ds, "RequestedProcedureDescription", encodings)
    if requested is None:
        codes = ds.get("RequestedProcedureCodeSequence") or []
        requested = _text(codes[0], "CodeMeaning") if codes else None
    start_day = _day(_raw_text(step, "ScheduledProcedureStepStartDate"))
    start_time = _raw_text(step, "ScheduledProcedureStepStartTime")
    start = None
    if start_day is not None:
        hhmm = (start_time or "").replace(":", "")
        start = start_day.isoformat() + (f" {hhmm[:2]}:{hhmm[2:4]}" if len(hhmm) >= 4 and hhmm[:4].isdigit() else "")
    physician = None
    try:
        physician = _display(step.get("ScheduledPerformingPhysicianName"))
    except Exception:  # noqa: BLE001 - shown empty
        pass
    station = step.get("ScheduledStationAETitle")
    if isinstance(station, (list, tuple)) or (station is not None and not isinstance(station, str)):
        station = "\\".join(str(s) for s in station)  # a step may be scheduled on several stations
    return ScheduledCase(
        mrn=mrn, family_name=family, given_name=given, birth_date=birth.isoformat() if birth else None, sex=sex,
        accession_number=_kept("accession_number", _raw_text(ds, "AccessionNumber", encodings), problems),
        study_instance_uid=_kept("study_instance_uid", _raw_text(ds, "StudyInstanceUID"), problems),
        requested_procedure=_kept("requested_procedure", requested, problems), requested_procedure_id=_text(ds, "RequestedProcedureID"),
        scheduled_start=start, station_ae=(station or "").strip() or None, modality=_text(step, "Modality"),
        step_description=_text(step, "ScheduledProcedureStepDescription"), performing_physician=physician,
        problems=tuple(problems))
