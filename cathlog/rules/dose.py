"""What a dose report means for the record (issue 15 item 3): the radiation entry it gives, how far
typed values are from it, and when a report's study time fits a case. Pure functions.

The radiation entry holds cumulative values, in the record's units and precision:

- DAP: the planes' DAP added up (each plane's stated total, else its fluoroscopy + acquisition);
- Ka,r: the planes' reference-point air kerma added up. For a biplane system the two reference points
  differ, so the sum over-states the peak skin dose rather than under-stating it: the skin-check rule
  (R6) errs on the side of the patient. Each plane's own value is kept beside it;
- fluoroscopy time: a single plane's total; for two planes the larger of the two, never the sum (the
  planes often run at the same time), with each plane's time kept beside it.

A value the report does not give is left out, never estimated.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Any

from cathlog.domain.dose import DoseReport, PlaneTotals
from cathlog.domain.errors import Issue

DIFFERENCE_SHOWN = 0.10  # a typed value more than 10 % away from the reported one is shown (issue 15 item 3)
MATCH_WINDOW = timedelta(hours=3)  # a case is a candidate when it started within this of the report's study time
_COMPARED = (("fluoro_time_s", "Fluoro time", "s"), ("air_kerma_mgy", "Ka,r", "mGy"), ("dap_gy_cm2", "DAP", "Gy·cm²"))
_PLANE_FIELDS = {"A": ("air_kerma_plane_a_mgy", "dap_plane_a_gy_cm2", "fluoro_time_plane_a_s"),
                 "B": ("air_kerma_plane_b_mgy", "dap_plane_b_gy_cm2", "fluoro_time_plane_b_s")}


@dataclass(frozen=True)
class Difference:
    """A typed value more than 10 % away from the reported one."""

    field: str
    label: str
    unit: str
    typed: float
    reported: float

    @property
    def percent(self) -> float:
        return abs(self.typed - self.reported) / abs(self.reported) * 100 if self.reported else float("inf")

    def describe(self) -> str:
        pct = "∞" if self.reported == 0 else f"{self.percent:.0f}"
        return (f"{self.label}: typed {_fmt(self.typed)} {self.unit}, reported {_fmt(self.reported)} {self.unit} "
                f"({pct} % apart)")


def _fmt(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))


def _sum(values: list[float | None]) -> float | None:
    return None if not values or any(v is None for v in values) else sum(v for v in values if v is not None)


def entry_data(report: DoseReport) -> dict[str, Any]:
    """The radiation entry's data for a report: the totals in the record's units and precision, their
    acquisition/fluoroscopy split and per-plane values where given, and where they came from. Raises
    nothing: validation of the result (hard and soft limits) is the caller's, as for typed values."""
    planes = [p for p in report.planes if p.plane in ("single", "A", "B", "unspecified")]
    data: dict[str, Any] = {"source": "rdsr", "sop_instance_uid": report.sop_instance_uid,
                            "device_manufacturer": report.manufacturer, "device_model": report.model,
                            "device_observer": report.device_observer, "planes": len(planes)}
    dap = _sum([p.dap_gy_cm2 for p in planes])
    kerma = _sum([p.air_kerma_mgy for p in planes])
    times = [p.fluoro_time_s for p in planes]
    fluoro = None if not times or any(t is None for t in times) else max(t for t in times if t is not None)
    data.update(dap_gy_cm2=_round(dap, 4), air_kerma_mgy=_round(kerma, 1), fluoro_time_s=_whole(fluoro),
                fluoro_dap_gy_cm2=_round(_sum([p.fluoro_dap_gy_cm2 for p in planes]), 4),
                acquisition_dap_gy_cm2=_round(_sum([p.acquisition_dap_gy_cm2 for p in planes]), 4),
                fluoro_air_kerma_mgy=_round(_sum([p.fluoro_air_kerma_mgy for p in planes]), 1),
                acquisition_air_kerma_mgy=_round(_sum([p.acquisition_air_kerma_mgy for p in planes]), 1),
                acquisition_time_s=_whole(_acquisition_time(planes)))
    if len(planes) > 1:
        for plane in planes:
            fields = _PLANE_FIELDS.get(plane.plane)
            if fields:
                kerma_f, dap_f, time_f = fields
                data.update({kerma_f: _round(plane.air_kerma_mgy, 1), dap_f: _round(plane.dap_gy_cm2, 4),
                             time_f: _whole(plane.fluoro_time_s)})
    return {k: v for k, v in data.items() if v is not None}


def _acquisition_time(planes: list[PlaneTotals]) -> float | None:
    times = [p.acquisition_time_s for p in planes]
    return None if not times or any(t is None for t in times) else max(t for t in times if t is not None)


def _round(value: float | None, places: int) -> float | None:
    return None if value is None else round(value, places) + 0.0  # + 0.0: no negative zero


def _whole(value: float | None) -> int | None:
    return None if value is None else int(round(value))


def has_totals(data: dict[str, Any]) -> bool:
    """Whether a report gave at least one of the three totals the radiation entry is for."""
    return any(k in data for k in ("fluoro_time_s", "air_kerma_mgy", "dap_gy_cm2"))


def missing_totals(data: dict[str, Any]) -> list[str]:
    return [label for name, label, _ in _COMPARED if name not in data]


def differences(typed: dict[str, Any], reported: dict[str, Any]) -> list[Difference]:
    """Typed values more than 10 % away from the reported ones (a value missing on either side is not
    compared)."""
    out = []
    for name, label, unit in _COMPARED:
        t, r = typed.get(name), reported.get(name)
        if isinstance(t, (int, float)) and isinstance(r, (int, float)) and not isinstance(t, bool):
            if (r == 0 and t != 0) or (r != 0 and abs(t - r) / abs(r) > DIFFERENCE_SHOWN):
                out.append(Difference(name, label, unit, float(t), float(r)))
    return out


def study_moment_utc(report: DoseReport, local_zone: tzinfo) -> datetime | None:
    """The report's study time as a UTC moment: by the offset the file states, else read in
    ``local_zone`` (the X-ray system stands in the lab, on the lab's clock)."""
    if report.study_local is None:
        return None
    naive = datetime.fromisoformat(report.study_local)
    zone = timezone(timedelta(minutes=report.utc_offset_min)) if report.utc_offset_min is not None else local_zone
    return naive.replace(tzinfo=zone).astimezone(timezone.utc)


def identity_problems(report: DoseReport, mrn: str, birth_date: str) -> list[str]:
    """Why a report's patient may not be the case's patient (an empty list when nothing disagrees)."""
    from cathlog.domain.records import normalize_mrn

    problems = []
    if report.patient_id is not None and normalize_mrn(report.patient_id) != normalize_mrn(mrn):
        problems.append(f"the report's patient ID {report.patient_id!r} is not the case's MRN {mrn!r}")
    if report.patient_birth_date is not None and report.patient_birth_date != birth_date.replace("-", ""):
        problems.append(f"the report's birth date {report.patient_birth_date} is not the patient's {birth_date}")
    return problems


def issues_text(issues: list[Issue]) -> str:
    return "; ".join(i.message for i in issues)
