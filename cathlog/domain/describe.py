"""One line of plain text per log entry, with units, for timelines and reports.

``describe(ev)`` -> "Heparin 6000 units IV", "ACT 268 s (Hemochron)",
"DES 3 × 28 mm, lot 8831, implanted"; ``kind_title(kind)`` -> "Drug", "ACT". Entries that refer to other entries
(an inflation's balloon) are described with the help of ``others``.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from cathlog.domain import enums as e
from cathlog.domain.vocab_base import Vocab
from cathlog.domain.fields import EVENT_FIELDS
from cathlog.domain.records import EventVersion
from cathlog.domain.units import format_number, format_quantity


# What each kind of entry is called on screen and in reports (form headings, quick-entry buttons,
# the timeline's and the report log's "Entry" column): the one place these titles are spelled.
KIND_TITLES: Mapping[e.EventKind, str] = MappingProxyType({
    e.EventKind.ACCESS: "Access", e.EventKind.MEDICATION: "Drug", e.EventKind.ACT: "ACT",
    e.EventKind.DEVICE: "Device", e.EventKind.INFLATION: "Inflation", e.EventKind.ATHERECTOMY: "Atherectomy run",
    e.EventKind.CONTRAST: "Contrast", e.EventKind.RADIATION: "Radiation dose", e.EventKind.LESION: "Lesion",
    e.EventKind.COMPLICATION: "Complication", e.EventKind.NOTE: "Note",
})


def kind_title(kind: e.EventKind | str) -> str:
    """``kind_title("medication")`` -> "Drug"."""
    return KIND_TITLES[e.EventKind(kind)]


def _q(kind: e.EventKind, data: Mapping[str, Any], name: str) -> str:
    spec = next(s for s in EVENT_FIELDS[kind] if s.name == name)
    return format_quantity(data.get(name), spec.unit, spec.decimals)


def _label(vocab: type[Vocab], value: str | None) -> str:
    return vocab(value).label if value else ""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def device_name(data: Mapping[str, Any]) -> str:
    kind = e.DeviceType(data["device_type"])
    short = {e.DeviceType.DES: "DES", e.DeviceType.BMS: "BMS", e.DeviceType.DCB: "DCB",
             e.DeviceType.NC_BALLOON: "NC balloon", e.DeviceType.RA_BURR: "Burr"}.get(kind, _cap(kind.label))
    d, length = data.get("diameter_mm"), data.get("length_mm")
    size = ""
    if d is not None and length is not None:
        size = f" {format_number(d, 2)} × {format_number(length, 1)} mm"
    elif d is not None:
        size = f" {format_number(d, 2)} mm"
    model = f" {data['model']}" if data.get("model") else ""
    return f"{short}{size}{model}"


def describe(ev: EventVersion, others: Mapping[str, EventVersion] | None = None) -> str:
    d, k = ev.data, ev.kind
    others = others or {}
    if k is e.EventKind.ACCESS:
        parts = [f"{_label(e.Side, d.get('side'))} {_label(e.AccessSite, d['site'])}".strip()]
        if d.get("access_vessel"):
            parts.append(_label(e.AccessVessel, d["access_vessel"]))
        if d.get("approach") and d["approach"] != "not_applicable":
            parts.append(d["approach"])
        parts.append(_q(k, d, "sheath_fr"))
        if d.get("ultrasound_guided"):
            parts.append("US-guided")
        if d.get("closure"):
            parts.append(f"closure: {_label(e.Closure, d['closure'])}")
        return ", ".join(p for p in parts if p)
    if k is e.EventKind.MEDICATION:
        name = d.get("drug_name") or _cap(_label(e.Drug, d["drug"]))
        return f"{name} {format_quantity(d['dose'], d['dose_unit'])} {_label(e.Route, d['route'])}"
    if k is e.EventKind.ACT:
        device = f" ({_label(e.ActDevice, d.get('act_device'))})" if d.get("act_device") else ""
        return f"ACT {d['act_s']} s{device}"
    if k is e.EventKind.DEVICE:
        extra = [f"lot {d['lot']}"] if d.get("lot") else []
        extra.append(_label(e.DeviceState, d["state"]))
        return f"{device_name(d)}, " + ", ".join(extra)
    if k in (e.EventKind.INFLATION, e.EventKind.ATHERECTOMY):
        target = others.get(d["device_event_id"])
        what = device_name(target.data) if target else "device"
        if k is e.EventKind.INFLATION:
            return f"{what}: {_q(k, d, 'pressure_atm')} for {d['duration_s']} s"
        return f"{what}: {format_number(d['speed_rpm'])} rpm for {d['duration_s']} s"
    if k is e.EventKind.CONTRAST:
        conc = f" {_q(k, d, 'concentration_mgi_ml')}," if d.get("concentration_mgi_ml") else ""
        return f"{_cap(_label(e.ContrastAgent, d['agent']))}{conc} {_q(k, d, 'volume_ml')}"
    if k is e.EventKind.RADIATION:
        parts = []
        if d.get("fluoro_time_s") is not None:
            parts.append(f"fluoro {format_number(d['fluoro_time_s'] / 60, 1)} min")
        if d.get("air_kerma_mgy") is not None:
            parts.append(f"Ka,r {_q(k, d, 'air_kerma_mgy')}")
        if d.get("dap_gy_cm2") is not None:
            parts.append(f"DAP {_q(k, d, 'dap_gy_cm2')}")
        return ", ".join(parts)
    if k is e.EventKind.LESION:
        parts = [_label(e.Vessel, d["vessel"]) + (f" {d['segment']}" if d.get("segment") else "")]
        if d.get("side") and d["side"] != "not_applicable":
            parts[0] = f"{_label(e.Side, d['side'])} {parts[0]}"
        for key, vocab in (("btk_segment", e.BtkSegment), ("vein_segment", e.VeinSegment)):
            if d.get(key):
                parts.append(_label(vocab, d[key]))
        if d.get("runoff_vessels"):
            parts.append("runoff: " + ", ".join(_label(e.RunoffVessel, v) for v in d["runoff_vessels"]))
        if d.get("is_cto"):
            months = f" ({format_number(d['cto_duration_months'], 1)} months)" if d.get("cto_duration_months") else ""
            parts.append("CTO" + months)
        if d.get("stenosis_pre_pct") is not None:
            post = f" → {d['stenosis_post_pct']}%" if d.get("stenosis_post_pct") is not None else ""
            parts.append(f"{d['stenosis_pre_pct']}%{post}")
        if d.get("length_mm") is not None:
            parts.append(_q(k, d, "length_mm"))
        if d.get("calcification"):
            parts.append(f"{d['calcification']} calcification")
        return ", ".join(parts)
    if k is e.EventKind.COMPLICATION:
        text = f"{_cap(_label(e.ComplicationKind, d['complication']))} ({_label(e.Severity, d['severity'])})"
        if d.get("dissection_grade"):
            text += f", NHLBI type {d['dissection_grade']}"
        if d.get("flow_limiting"):
            text += ", flow-limiting" if d["flow_limiting"] == "yes" else ", not flow-limiting"
        treated = others.get(d.get("treated_with_event_id") or "")
        if treated is not None:
            text += f", treated with {device_name(treated.data)}"
        return text + (f": {d['description']}" if d.get("description") else "")
    return str(d.get("text", ""))
