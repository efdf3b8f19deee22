"""The implant card rows (issue 11 items 1 and 13): every device left in the
patient with what identifies it for a recall (manufacturer, model, size, lot,
serial, expiry, UDI), and what became of it. Plain data, no ReportLab."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from cathlog.domain.enums import DeviceType
from cathlog.domain.implants import PatientImplant
from cathlog.domain.records import EventVersion, ProcedureRecord, parse_utc_iso
from cathlog.domain.units import format_number
from cathlog.rules.case_facts import implants
from cathlog.rules.implant_facts import removals

IMPLANT_HEAD = ("Device", "Size", "Lot", "Serial", "Expiry", "UDI", "Placed", "Status")
IMPLANT_WIDTHS = (0.17, 0.08, 0.1, 0.1, 0.115, 0.2, 0.115, 0.12)


def _size(d: dict) -> str:
    if d.get("diameter_mm") is None:
        return "—"
    return format_number(d["diameter_mm"], 2) + (f" × {format_number(d['length_mm'], 1)}"
                                                 if d.get("length_mm") is not None else "") + " mm"


def _row(ev: EventVersion, status: str) -> tuple[str, ...]:
    d = ev.data
    device = DeviceType(d["device_type"]).label + (f" ({d['model']})" if d.get("model") else "")
    device += f", {d['manufacturer']}" if d.get("manufacturer") else ""
    return (device, _size(d), d.get("lot") or "—", d.get("serial") or "—",
            d.get("expiry_date") or "—", d.get("udi") or "—", parse_utc_iso(ev.occurred_at).date().isoformat(),
            status)


def implant_rows(record: ProcedureRecord, patient_implants: Iterable[PatientImplant] = ()) -> Sequence[tuple[str, ...]]:
    """The implants of this case, then those of the patient's other cases still in place
    (and what this case removed), each with its status."""
    known = {i.event.event_id: i for i in patient_implants}
    rows = []
    here = implants(record)
    for ev in here:
        imp = known.get(ev.event_id)
        rows.append(_row(ev, "implanted in this case" + (f"; {imp.status}" if imp and imp.status != "in place"
                                                          else "")))
    removed_here = {r.event.data["removes_event_id"] for r in removals(record)}
    ids = {ev.event_id for ev in here}
    for imp in known.values():
        if imp.event.event_id in ids:
            continue
        if imp.in_place or imp.event.event_id in removed_here:
            rows.append(_row(imp.event, f"from case {imp.procedure_id}; {imp.status}"))
    return rows
