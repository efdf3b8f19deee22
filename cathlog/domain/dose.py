"""Radiation dose reports (DICOM X-Ray Radiation Dose SR, issue 15): what cathlog reads from one,
in cathlog's units (Gy·cm², mGy, s), before any rounding; and the names of what can go wrong.

A report holds one set of accumulated totals per acquisition plane (one for a single-plane system,
two for a biplane one) and one row per irradiation event. Values the file did not give are None:
nothing is guessed or filled in.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from cathlog.domain.errors import CathlogError

# SOP classes accepted (PS3.4 B.5): X-Ray Radiation Dose SR and Enhanced X-Ray Radiation Dose SR.
XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.67"
ENHANCED_XRAY_DOSE_SR = "1.2.840.10008.5.1.4.1.1.88.76"
ACCEPTED_SOP_CLASSES = {XRAY_DOSE_SR: "X-Ray Radiation Dose SR", ENHANCED_XRAY_DOSE_SR: "Enhanced X-Ray Radiation Dose SR"}
PLANES = ("single", "A", "B", "unspecified")
MAX_FILE_BYTES = 64 * 1024 * 1024  # a dose report is kilobytes to a few megabytes; anything bigger is refused


class DoseReportRefused(CathlogError):
    """The file is not an X-ray dose report cathlog can record (a CT report, another SR, no totals...)."""


@dataclass(frozen=True)
class PlaneTotals:
    """The accumulated totals of one plane (TID 10002/10004), converted to cathlog's units."""

    plane: str  # "single", "A", "B" or "unspecified"
    dap_total_gy_cm2: float | None = None
    air_kerma_total_mgy: float | None = None  # Dose (RP) Total: the reference-point air kerma, Ka,r
    fluoro_dap_gy_cm2: float | None = None
    fluoro_air_kerma_mgy: float | None = None
    fluoro_time_s: float | None = None
    acquisition_dap_gy_cm2: float | None = None
    acquisition_air_kerma_mgy: float | None = None
    acquisition_time_s: float | None = None

    @property
    def dap_gy_cm2(self) -> float | None:
        """The plane's DAP: its stated total, else fluoroscopy + acquisition when both are given."""
        if self.dap_total_gy_cm2 is not None:
            return self.dap_total_gy_cm2
        if self.fluoro_dap_gy_cm2 is not None and self.acquisition_dap_gy_cm2 is not None:
            return self.fluoro_dap_gy_cm2 + self.acquisition_dap_gy_cm2
        return None

    @property
    def air_kerma_mgy(self) -> float | None:
        if self.air_kerma_total_mgy is not None:
            return self.air_kerma_total_mgy
        if self.fluoro_air_kerma_mgy is not None and self.acquisition_air_kerma_mgy is not None:
            return self.fluoro_air_kerma_mgy + self.acquisition_air_kerma_mgy
        return None


@dataclass(frozen=True)
class IrradiationEvent:
    """One irradiation event (TID 10003): a fluoroscopy run or an acquisition."""

    event_uid: str | None
    kind: str | None  # "fluoroscopy", "acquisition" or the file's own wording
    plane: str
    started_local: str | None = None  # YYYY-MM-DDTHH:MM:SS as the X-ray system's clock said
    dap_gy_cm2: float | None = None
    air_kerma_mgy: float | None = None
    duration_s: float | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class DoseReport:
    """Everything cathlog keeps from one dose report."""

    sop_instance_uid: str
    sop_class_uid: str
    study_instance_uid: str | None = None
    accession_number: str | None = None
    patient_id: str | None = None
    patient_name: str | None = None
    patient_birth_date: str | None = None  # YYYYMMDD as sent
    patient_sex: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    device_observer: str | None = None
    study_local: str | None = None  # YYYY-MM-DDTHH:MM:SS, the X-ray system's local time
    utc_offset_min: int | None = None  # when the file states its time zone (Timezone Offset From UTC)
    planes: tuple[PlaneTotals, ...] = ()
    events: tuple[IrradiationEvent, ...] = ()
    notes: tuple[str, ...] = field(default=())  # what the reader tolerated (missing units, empty values...)

    def totals_json(self) -> dict[str, Any]:
        """The parsed content as stored with the report in the inbox (JSON-native)."""
        return {"planes": [asdict(p) for p in self.planes], "events": [asdict(e) for e in self.events],
                "notes": list(self.notes), "utc_offset_min": self.utc_offset_min}

    @classmethod
    def from_stored(cls, row: dict[str, Any]) -> DoseReport:
        """Rebuild a report from its inbox row (``store.dose_inbox`` columns)."""
        totals = row["totals"]
        birth = row.get("patient_birth_date")
        return cls(sop_instance_uid=row["sop_instance_uid"], sop_class_uid=row["sop_class_uid"],
                   study_instance_uid=row.get("study_instance_uid"), accession_number=row.get("accession_number"),
                   patient_id=row.get("patient_id"), patient_name=row.get("patient_name"), patient_birth_date=birth,
                   patient_sex=row.get("patient_sex"), manufacturer=row.get("manufacturer"), model=row.get("model"),
                   device_observer=row.get("device_observer"), study_local=row.get("study_at"),
                   utc_offset_min=totals.get("utc_offset_min"),
                   planes=tuple(PlaneTotals(**p) for p in totals.get("planes", [])),
                   events=tuple(IrradiationEvent(**e) for e in totals.get("events", [])),
                   notes=tuple(totals.get("notes", [])))


# --- DICOM AE titles and ports (settings of the listener) ------------------------------

AE_TITLE_RULE = ("1 to 16 characters: letters, digits, space and the printable signs except backslash; "
                 "not only spaces")
PORT_RULE = "a whole number from 1 to 65535 (DICOM's registered port is 104; 11112 is common)"


def is_ae_title(value: str) -> bool:
    """A DICOM AE title (PS3.5 6.2, VR AE): 1-16 characters of printable ASCII but backslash, not all spaces."""
    return (0 < len(value) <= 16 and value.strip() != "" and value.isascii()
            and all(32 <= ord(c) < 127 and c != "\\" for c in value))


def is_port(value: str) -> bool:
    return value.isascii() and value.isdigit() and 1 <= int(value) <= 65535


def ae_title_list(value: str) -> list[str]:
    """The calling AE titles allowed to send, comma separated; empty means any."""
    return [part.strip() for part in value.split(",") if part.strip()]


def is_ae_title_list(value: str) -> bool:
    parts = value.split(",") if value.strip() else []
    return len(value) <= 1000 and all(is_ae_title(p.strip()) for p in parts)
