"""ACT facts of a case: the target band in force at each moment (the physician's band, else the default for
the GP IIb/IIIa state then and the analyser), each reading's verdict, the trend. Part of ``case_facts``, which
re-exports every name here: import them from there."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from cathlog.domain.enums import GP_IIB_IIIA_DRUGS, ActDevice, Drug, EventKind
from cathlog.domain.records import EventVersion, Procedure, ProcedureRecord, parse_utc_iso


def in_time_order(events: Iterable[EventVersion]) -> list[EventVersion]:
    return sorted(events, key=lambda ev: parse_utc_iso(ev.occurred_at))  # stable: ties keep the log's order


ACT_TARGET_HEPARIN = (250, 300)
ACT_TARGET_GP_IIB_IIIA = (200, 250)
ACT_TARGET_HEMOCHRON = (300, 350)  # without GP IIb/IIIa, on a Hemochron analyser [5]
ACT_TARGET_SOURCE = "2013 ACCF/AHA STEMI guideline, table 3 [5] (HemoTec; Hemochron 300-350 s)"


def gp_iib_iiia_given(events: Iterable[EventVersion]) -> bool:
    return any(ev.kind is EventKind.MEDICATION and Drug(ev.data["drug"]) in GP_IIB_IIIA_DRUGS for ev in events)


def default_act_target(events: Iterable[EventVersion]) -> tuple[int, int]:
    """250-300 s with heparin alone, 200-250 s once a GP IIb/IIIa inhibitor is given."""
    return ACT_TARGET_GP_IIB_IIIA if gp_iib_iiia_given(events) else ACT_TARGET_HEPARIN


def device_act_target(gp_iib_iiia: bool, device: str | None) -> tuple[int, int]:
    """The default band for the analyser: with GP IIb/IIIa 200-250 s on any; without, 300-350 s
    on a Hemochron and 250-300 s otherwise (HemoTec, or no analyser recorded) [5]."""
    if gp_iib_iiia:
        return ACT_TARGET_GP_IIB_IIIA
    return ACT_TARGET_HEMOCHRON if device == ActDevice.HEMOCHRON else ACT_TARGET_HEPARIN


class ActVerdict(StrEnum):
    BELOW = "below target"
    IN = "in target"
    ABOVE = "above target"


def act_verdict(act_s: float, band: tuple[int, int]) -> ActVerdict:
    low, high = band
    return ActVerdict.BELOW if act_s < low else ActVerdict.ABOVE if act_s > high else ActVerdict.IN


@dataclass(frozen=True)
class ActBand:
    """The target band in force at a moment, and why it is that band."""

    low_s: int
    high_s: int
    physician_set: bool  # set for this case; otherwise the default for the GP IIb/IIIa state
    gp_iib_iiia: bool  # a GP IIb/IIIa inhibitor had been given by then
    device: str | None = None  # the ACT analyser the default band is for (None: not recorded)

    @property
    def band(self) -> tuple[int, int]:
        return self.low_s, self.high_s


@dataclass(frozen=True)
class BandChange:
    """A version of the procedure that changed the physician-set band."""

    changed_at: str
    band: tuple[int, int] | None
    changed_by: str


def _versions(record: ProcedureRecord) -> tuple[Procedure, ...]:
    return record.procedure_history or (record.procedure,)


def band_changes(record: ProcedureRecord) -> tuple[BandChange, ...]:
    """The physician-set band over time: the first version's band, then every change."""
    out: list[BandChange] = []
    for proc in _versions(record):
        if not out or out[-1].band != proc.act_target:
            out.append(BandChange(proc.changed_at, proc.act_target, proc.changed_by))
    return tuple(out)


def _physician_band_at(changes: tuple[BandChange, ...], moment: datetime) -> tuple[int, int] | None:
    band = changes[0].band  # the band the case was opened with holds from its start
    for change in changes[1:]:
        if change.changed_at and parse_utc_iso(change.changed_at) <= moment:
            band = change.band
    return band


def _first_gp_iib_iiia_at(record: ProcedureRecord) -> datetime | None:
    """When the case's first GP IIb/IIIa inhibitor was given (voided doses excluded), if one was."""
    return min((parse_utc_iso(ev.occurred_at) for ev in record.current_events(EventKind.MEDICATION)
                if Drug(ev.data["drug"]) in GP_IIB_IIIA_DRUGS), default=None)


def _band_at(at: datetime, device: str | None, first_gp: datetime | None,
             changes: tuple[BandChange, ...]) -> ActBand:
    gp = first_gp is not None and first_gp <= at
    band = _physician_band_at(changes, at)
    if band is None:
        return ActBand(*device_act_target(gp, device), physician_set=False, gp_iib_iiia=gp, device=device)
    return ActBand(*band, physician_set=True, gp_iib_iiia=gp, device=device)


def act_band_at(record: ProcedureRecord, moment: str | datetime, device: str | None = None) -> ActBand:
    """The band in force at a moment: the physician's band set by then, else the default
    for the GP IIb/IIIa state then (a GP IIb/IIIa given later does not reach back) and the
    analyser ``device`` the sample ran on (Hemochron 300-350 s without GP IIb/IIIa)."""
    at = parse_utc_iso(moment) if isinstance(moment, str) else moment
    return _band_at(at, device, _first_gp_iib_iiia_at(record), band_changes(record))


def last_act_device(record: ProcedureRecord) -> str | None:
    """The analyser of the case's latest ACT (voided ones excluded), if recorded."""
    acts = in_time_order(record.current_events(EventKind.ACT))
    return acts[-1].data.get("act_device") if acts else None


def act_band_now(record: ProcedureRecord, device: str | None = None) -> ActBand:
    """The band in force now: the case's current band, else the default for every drug given so
    far and the analyser (``device``, or the one of the latest ACT)."""
    gp = gp_iib_iiia_given(record.current_events())
    device = device or last_act_device(record)
    band = record.procedure.act_target
    if band is None:
        return ActBand(*device_act_target(gp, device), physician_set=False, gp_iib_iiia=gp, device=device)
    return ActBand(*band, physician_set=True, gp_iib_iiia=gp, device=device)


@dataclass(frozen=True)
class ActReading:
    event: EventVersion
    act_s: int
    band: ActBand  # in force when the sample was drawn
    verdict: ActVerdict


@dataclass(frozen=True)
class ActBasis:
    """What the band of every reading of a case depends on besides the reading's own time and analyser:
    when the first GP IIb/IIIa inhibitor was given, and the physician's band over time. Under an equal
    basis, the same version of a reading is judged alike (a panel re-judges only readings it has not seen)."""

    first_gp_iib_iiia: datetime | None
    changes: tuple[BandChange, ...]


def act_basis(record: ProcedureRecord) -> ActBasis:
    return ActBasis(_first_gp_iib_iiia_at(record), band_changes(record))  # linear in the case's size


def judge_act(ev: EventVersion, basis: ActBasis) -> ActReading:
    """One ACT reading against the band in force when its sample was drawn."""
    band = _band_at(parse_utc_iso(ev.occurred_at), ev.data.get("act_device"), basis.first_gp_iib_iiia, basis.changes)
    return ActReading(ev, ev.data["act_s"], band, act_verdict(ev.data["act_s"], band.band))


def act_series(record: ProcedureRecord) -> tuple[ActReading, ...]:
    """Every ACT (voided ones excluded) in time order, judged against the band of its time."""
    basis = act_basis(record)  # once
    return tuple(judge_act(ev, basis) for ev in in_time_order(record.current_events(EventKind.ACT)))
