"""Read a DICOM X-Ray Radiation Dose SR (TID 10001 "Projection X-Ray Radiation Dose", with its
accumulated totals TID 10002/10004 and irradiation events TID 10003) into a :class:`DoseReport`.

Pure: bytes in, a value out (pydicom only; no database, no network). Lenient where real vendor files
are untidy, strict where a guess would put a wrong number into a record:

- concepts are found by their code value (DCM scheme), whatever the file's spelling of the meaning
  (GE writes "Fluoro Dose(RP) Total") or its misspelt unit scheme (GE's "UCM");
- units are converted as stated; both spellings real files use for DAP (``Gy.m2`` Philips/GE,
  ``Gym2`` Siemens) and the other UCUM multiples are understood; a value with no unit or an
  unknown one is left out, with a note, never assumed;
- an empty or unreadable value (Azurion's empty Calibration Factor) is left out with a note;
- a CT, mammography or other dose report that arrives under the same SOP class is refused by name;
- a file without ``ContentTemplateSequence`` (GE OEC) is read by its document title.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator
from typing import Any

import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from cathlog.domain.dose import (
    ACCEPTED_SOP_CLASSES,
    MAX_FILE_BYTES,
    DoseReport,
    DoseReportRefused,
    IrradiationEvent,
    PlaneTotals,
)

# DCM concept codes (PS3.16)
REPORT_TITLE = "113701"  # X-Ray Radiation Dose Report
PROCEDURE_REPORTED = "121058"
PROJECTION_XRAY = "113704"
ACCUMULATED = "113702"  # Accumulated X-Ray Dose Data
EVENT = "113706"  # Irradiation Event X-Ray Data
PLANE = "113764"  # Acquisition Plane
CT_ACCUMULATED, CT_ACQUISITION = "113811", "113819"
_PLANE_CODES = {"113622": "single", "113620": "A", "113621": "B"}
# What each accumulated concept becomes: (PlaneTotals field, quantity)
_TOTALS = {
    "113722": ("dap_total_gy_cm2", "dap"), "113725": ("air_kerma_total_mgy", "dose"),
    "113726": ("fluoro_dap_gy_cm2", "dap"), "113728": ("fluoro_air_kerma_mgy", "dose"),
    "113730": ("fluoro_time_s", "time"),
    "113727": ("acquisition_dap_gy_cm2", "dap"), "113729": ("acquisition_air_kerma_mgy", "dose"),
    "113855": ("acquisition_time_s", "time"),
}
_OBSERVER = {"121013": "device_observer", "121014": "manufacturer", "121015": "model"}
# Procedure Reported codes of other modalities, refused by name (SRT and SNOMED CT spellings).
_OTHER_PROCEDURES = {"P5-08000": "a CT dose report", "77477000": "a CT dose report",
                     "P5-40010": "a mammography dose report", "71651007": "a mammography dose report"}
_FLUORO_TYPES = {"P5-06000", "44491008"}
_ACQUISITION_TYPES = {"113611", "113612", "113613"}

# Unit conversions into cathlog's units (Gy·cm², mGy, s), by UCUM code as files spell them.
_UNITS: dict[str, dict[str, float]] = {
    "dap": {"gy.m2": 1e4, "gym2": 1e4, "gy.m^2": 1e4, "dgy.m2": 1e3, "cgy.m2": 1e2, "mgy.m2": 10.0,
            "ugy.m2": 1e-2, "gy.cm2": 1.0, "gycm2": 1.0, "dgy.cm2": 0.1, "dgycm2": 0.1, "cgy.cm2": 1e-2,
            "cgycm2": 1e-2, "mgy.cm2": 1e-3, "mgycm2": 1e-3, "ugy.cm2": 1e-6, "ugycm2": 1e-6},
    "dose": {"gy": 1e3, "dgy": 1e2, "cgy": 10.0, "mgy": 1.0, "ugy": 1e-3, "ngy": 1e-6},
    "time": {"s": 1.0, "ms": 1e-3, "us": 1e-6, "min": 60.0, "h": 3600.0},
}
_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_TIME = re.compile(r"(\d{2})(\d{2})?(\d{2})?")
_DATETIME = re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})?(\d{2})?(\d{2})?(?:\.\d{1,6})?([+-]\d{4})?")


def read_bytes(data: bytes) -> DoseReport:
    """Read a dose report from the bytes of a DICOM file (Part 10, or a bare data set)."""
    if len(data) > MAX_FILE_BYTES:
        raise DoseReportRefused(f"the file is {len(data):,} bytes; a dose report is at most "
                                f"{MAX_FILE_BYTES:,} bytes")
    try:
        ds = pydicom.dcmread(io.BytesIO(data), force=True)
        sop_class = ds.get("SOPClassUID")
    except (InvalidDicomError, AttributeError, ValueError, EOFError, OSError, KeyError, TypeError) as exc:
        raise DoseReportRefused(f"not a readable DICOM file ({exc})") from None
    if sop_class is None:
        raise DoseReportRefused("not a readable DICOM file (it has no SOP Class UID)")
    return read_dataset(ds)


def read_dataset(ds: Dataset) -> DoseReport:
    """Read a dose report from a pydicom data set."""
    try:
        return _read(ds)
    except DoseReportRefused:
        raise
    except (AttributeError, ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise DoseReportRefused(f"the dose report could not be read ({type(exc).__name__}: {exc})") from None


def _read(ds: Dataset) -> DoseReport:
    sop_class = _text(ds.get("SOPClassUID"))
    if sop_class not in ACCEPTED_SOP_CLASSES:
        raise DoseReportRefused(f"SOP class {sop_class or '(none)'} is not an X-ray radiation dose report; "
                                f"cathlog accepts {', '.join(ACCEPTED_SOP_CLASSES.values())}")
    sop_instance = _text(ds.get("SOPInstanceUID"))
    if not sop_instance or not _is_uid(sop_instance):
        raise DoseReportRefused(f"the report has no valid SOP Instance UID ({sop_instance!r})")
    title = _concept(ds)
    templates = [_text(t.get("TemplateIdentifier")) for t in ds.get("ContentTemplateSequence", [])]
    if "10011" in templates:
        raise DoseReportRefused("a CT dose report (template TID 10011): cathlog records fluoroscopy and "
                                "angiography dose only")
    if title != REPORT_TITLE:
        raise DoseReportRefused(f"the document title is {title or '(none)'}, not 113701 X-Ray Radiation Dose Report")
    root = list(ds.get("ContentSequence", []))
    notes: list[str] = []
    for item in root:
        if _concept(item) == PROCEDURE_REPORTED:
            code = _code_value(item)
            if code in _OTHER_PROCEDURES:
                raise DoseReportRefused(f"{_OTHER_PROCEDURES[code]} (Procedure Reported {code}): cathlog records "
                                        "fluoroscopy and angiography dose only")
            if code != PROJECTION_XRAY:
                notes.append(f"Procedure Reported is {code}, not 113704 Projection X-Ray")
    if any(_concept(i) in (CT_ACCUMULATED, CT_ACQUISITION) for i in root):
        raise DoseReportRefused("a CT dose report (it holds CT accumulated dose data): cathlog records "
                                "fluoroscopy and angiography dose only")
    observer = {name: _text_value(i) for i in root if (name := _OBSERVER.get(_concept(i) or "")) is not None}
    planes = tuple(_plane_totals(item, notes) for item in root if _concept(item) == ACCUMULATED)
    if not planes:
        raise DoseReportRefused("the report has no accumulated X-ray dose data (113702): no totals to record")
    events = tuple(_event(item, notes) for item in root if _concept(item) == EVENT)
    study_local = _study_moment(ds, events)
    return DoseReport(
        sop_instance_uid=sop_instance, sop_class_uid=sop_class,
        study_instance_uid=_uid_or_note(ds.get("StudyInstanceUID"), "Study Instance UID", notes),
        accession_number=_limited(ds.get("AccessionNumber"), 16, "accession number", notes),
        patient_id=_limited(ds.get("PatientID"), 64, "patient ID", notes),
        patient_name=_limited(ds.get("PatientName"), 324, "patient name", notes),
        patient_birth_date=_birth_date(ds.get("PatientBirthDate"), notes),
        patient_sex=_limited(ds.get("PatientSex"), 16, "patient sex", notes),
        manufacturer=_limited(observer.get("manufacturer") or ds.get("Manufacturer"), 64, "manufacturer", notes),
        model=_limited(observer.get("model") or ds.get("ManufacturerModelName"), 64, "model", notes),
        device_observer=_limited(observer.get("device_observer") or ds.get("StationName"), 64, "device name",
                                 notes),
        study_local=study_local, utc_offset_min=_utc_offset(ds.get("TimezoneOffsetFromUTC")),
        planes=planes, events=events, notes=tuple(notes))


# --- the content tree ---------------------------------------------------------------------


def _concept(item: Dataset) -> str | None:
    seq = item.get("ConceptNameCodeSequence")
    return _text(seq[0].get("CodeValue")) if seq else None


def _code_value(item: Dataset) -> str | None:
    seq = item.get("ConceptCodeSequence")
    return _text(seq[0].get("CodeValue")) if seq else None


def _text_value(item: Dataset) -> str | None:
    return _text(item.get("TextValue"))


def _children(item: Dataset) -> list[Dataset]:
    return list(item.get("ContentSequence", []))


def _descendants(item: Dataset, stop: str) -> Iterator[Dataset]:
    """Every item below ``item``, not entering another container of concept ``stop``."""
    for child in _children(item):
        yield child
        if _concept(child) != stop:
            yield from _descendants(child, stop)


def _plane_of(item: Dataset) -> str:
    for child in _children(item):
        if _concept(child) == PLANE:
            return _PLANE_CODES.get(_code_value(child) or "", "unspecified")
    return "unspecified"


def _plane_totals(container: Dataset, notes: list[str]) -> PlaneTotals:
    plane = _plane_of(container)
    values: dict[str, float] = {}
    for item in _descendants(container, ACCUMULATED):
        target = _TOTALS.get(_concept(item) or "")
        if target is None or _text(item.get("ValueType")) != "NUM":
            continue
        name, quantity = target
        value = _number(item, quantity, f"plane {plane} {name}", notes)
        if value is not None and name not in values:
            values[name] = value
    return PlaneTotals(plane=plane, **values)


def _event(container: Dataset, notes: list[str]) -> IrradiationEvent:
    uid = kind = started = protocol = None
    numbers: dict[str, float] = {}
    for item in _descendants(container, EVENT):
        concept = _concept(item)
        if concept == "113769":
            uid = _text(item.get("UID"))
        elif concept == "113721":
            code = _code_value(item) or ""
            kind = ("fluoroscopy" if code in _FLUORO_TYPES else "acquisition" if code in _ACQUISITION_TYPES
                    else _text(item.get("ConceptCodeSequence")[0].get("CodeMeaning")) or code or None)
        elif concept == "111526":
            started = _datetime_local(_text(item.get("DateTime")))
        elif concept == "125203" and protocol is None:
            protocol = _text_value(item)
            protocol = protocol[:64] if protocol else None  # a label for the nurse, not a record value
        elif concept in ("122130", "113738", "113742") and _text(item.get("ValueType")) == "NUM":
            name, quantity = {"122130": ("dap_gy_cm2", "dap"), "113738": ("air_kerma_mgy", "dose"),
                              "113742": ("duration_s", "time")}[concept]
            value = _number(item, quantity, f"event {uid or '?'} {name}", notes)
            if value is not None and name not in numbers:
                numbers[name] = value
    return IrradiationEvent(event_uid=uid, kind=kind, plane=_plane_of(container), started_local=started,
                            protocol=protocol, **numbers)


def _number(item: Dataset, quantity: str, what: str, notes: list[str]) -> float | None:
    """A NUM item's value converted to cathlog's unit; None (with a note) when empty, unreadable or in
    a unit that cannot be converted."""
    seq = item.get("MeasuredValueSequence")
    if not seq:
        notes.append(f"{what}: no value")
        return None
    measured = seq[0]
    raw = measured.get("NumericValue")
    if isinstance(raw, pydicom.multival.MultiValue):
        raw = raw[0] if len(raw) == 1 else None
    try:
        value = float(raw) if raw is not None and str(raw).strip() != "" else None
    except (TypeError, ValueError):
        value = None
    if value is None or not math.isfinite(value):
        notes.append(f"{what}: empty or unreadable value {str(raw)!r}")
        return None
    units = measured.get("MeasurementUnitsCodeSequence")
    unit = _text(units[0].get("CodeValue")) if units else None
    factor = _UNITS[quantity].get((unit or "").replace("µ", "u").replace("·", ".").replace(" ", "").lower())
    if factor is None:
        notes.append(f"{what}: unit {unit!r} not understood; value {value} left out")
        return None
    return value * factor


# --- identifiers and times -------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip().strip("\x00").strip()
    return text or None


def _is_uid(text: str) -> bool:
    return len(text) <= 64 and re.fullmatch(r"(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*", text) is not None


def _uid_or_note(value: Any, what: str, notes: list[str]) -> str | None:
    text = _text(value)
    if text is not None and not _is_uid(text):
        notes.append(f"{what} {text!r} is not a valid UID: not used for matching")
        return None
    return text


def _limited(value: Any, max_len: int, what: str, notes: list[str]) -> str | None:
    text = _text(value)
    if text is not None and (len(text) > max_len or any(ord(c) < 32 for c in text)):
        notes.append(f"{what} is longer than {max_len} characters or holds control characters: not kept")
        return None
    return text


def _birth_date(value: Any, notes: list[str]) -> str | None:
    text = _text(value)
    if text is None:
        return None
    if not _DATE.fullmatch(text):
        notes.append(f"birth date {text!r} is not YYYYMMDD: not used")
        return None
    return text


def _study_moment(ds: Dataset, events: tuple[IrradiationEvent, ...]) -> str | None:
    """The study's start on the X-ray system's clock: Study Date/Time, else the first event, else the
    content date/time."""
    for date_key, time_key in (("StudyDate", "StudyTime"), ("ContentDate", "ContentTime")):
        moment = _date_time(_text(ds.get(date_key)), _text(ds.get(time_key)))
        if moment is not None:
            return moment
        if date_key == "StudyDate":
            started = sorted(e.started_local for e in events if e.started_local)
            if started:
                return started[0]
    return None


def _date_time(date: str | None, time: str | None) -> str | None:
    d = _DATE.fullmatch(date or "")
    t = _TIME.match(time or "")
    if d is None or t is None:
        return None
    return _checked(d.groups(), t.groups())


def _datetime_local(text: str | None) -> str | None:
    m = _DATETIME.fullmatch(text or "")
    if m is None:
        return None
    return _checked(m.groups()[:3], m.groups()[3:6])


def _checked(date: tuple[str | Any, ...], time: tuple[str | None, ...]) -> str | None:
    from datetime import datetime

    try:
        moment = datetime(int(date[0]), int(date[1]), int(date[2]), int(time[0] or 0), int(time[1] or 0),
                          int(time[2] or 0))
    except (TypeError, ValueError):
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def _utc_offset(value: Any) -> int | None:
    text = _text(value)
    m = re.fullmatch(r"([+-])(\d{2})(\d{2})", text or "")
    if m is None:
        return None
    minutes = int(m.group(2)) * 60 + int(m.group(3))
    return -minutes if m.group(1) == "-" else minutes
