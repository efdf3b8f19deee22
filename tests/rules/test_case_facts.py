"""The facts of a case (cathlog.rules.case_facts), table by table, edges included."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import pytest

from cathlog.domain.enums import DeviceType, EventKind
from cathlog.domain.followup import Reminder, ReminderStatus
from cathlog.domain.records import EventHistory, EventVersion, Procedure, ProcedureRecord, utc_iso
from cathlog.rules import case_facts as cf
from cathlog.rules.reminders import FILTER_RULE, open_filter_windows
from tests.helpers import make_patient

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=timezone.utc)
PROC = Procedure("P20261121-TEST", "pat", "coronary", ("stenting",), "sihd", "elective", utc_iso(T0),
                 changed_at=utc_iso(T0), changed_by="nurse")


def at(minute: float) -> str:
    return utc_iso(T0 + timedelta(minutes=minute))


def ev(kind: str, minute: float, *, eid: str | None = None, recorded: float | None = None, version: int = 1,
       voided: bool = False, **data) -> EventVersion:
    return EventVersion(eid or f"{kind}-{minute}", PROC.procedure_id, EventKind(kind), data, at(minute),
                        at(minute if recorded is None else recorded), "nurse", version=version, voided=voided,
                        reason="because" if version > 1 else None)


def record(*entries: EventVersion | tuple[EventVersion, ...], weight: float | None = 80.0, proc: Procedure = PROC,
           history: tuple[Procedure, ...] = ()) -> ProcedureRecord:
    histories = tuple(EventHistory(e if isinstance(e, tuple) else (e,)) for e in entries)
    return ProcedureRecord(proc, make_patient(weight_kg=weight), histories, procedure_history=history)


def med(minute: float, drug: str, dose: float, unit: str, **kw) -> EventVersion:
    return ev("medication", minute, drug=drug, dose=dose, dose_unit=unit, route="iv", **kw)


def void(original: EventVersion, minute: float) -> tuple[EventVersion, EventVersion]:
    return original, replace(original, version=2, voided=True, reason="wrong", recorded_at=at(minute))


# --- doses ------------------------------------------------------------------------------------


@pytest.mark.parametrize("drug, dose, weight, expected", [
    ("heparin", 5600.0, 80.0, 70.0),
    ("heparin", 6000.0, 75.0, 80.0),
    ("heparin", 5600.0, None, None),  # no weight: no per-kg dose, never a guess
    ("heparin", None, 80.0, None),
    ("bivalirudin", 60.0, 80.0, None),  # only heparin is shown per kg
    ("eptifibatide", 14.4, 80.0, None),
])
def test_dose_per_kg(drug, dose, weight, expected):
    assert cf.dose_per_kg(drug, dose, weight) == expected


def test_doses_carry_per_kg_and_running_totals_without_voided_doses():
    rec = record(med(0, "heparin", 5000.0, "units"),
                 void(med(5, "heparin", 2000.0, "units"), 6),
                 med(10, "eptifibatide", 14.4, "mg"),
                 med(20, "heparin", 3000.0, "units"),
                 med(25, "eptifibatide", 2000.0, "mcg"))
    got = [(d.drug.value, d.amount, d.unit, d.per_kg, d.running_total) for d in cf.doses(rec)]
    assert got == [("heparin", 5000.0, "units", 62.5, 5000.0),
                   ("eptifibatide", 14.4, "mg", None, 14.4),
                   ("heparin", 3000.0, "units", 37.5, 8000.0),
                   ("eptifibatide", 2000.0, "mcg", None, 2000.0)]
    assert cf.doses(record(med(0, "heparin", 5000.0, "units"), weight=None))[0].per_kg is None


@pytest.mark.parametrize("entries, expected", [
    ([], []),
    ([med(0, "heparin", 5000.0, "units"), med(30, "heparin", 2000.0, "units")],
     [("heparin", "units", 7000.0, 2)]),
    ([void(med(0, "heparin", 5000.0, "units"), 1)], []),  # a voided dose was not given
    # a corrected dose counts as corrected
    ([(med(0, "heparin", 5000.0, "units", eid="h"), replace(med(0, "heparin", 4000.0, "units", eid="h"), version=2))],
     [("heparin", "units", 4000.0, 1)]),
    # one drug in two units: two totals, never added up
    ([med(0, "eptifibatide", 14.4, "mg"), med(5, "eptifibatide", 2000.0, "mcg"), med(9, "eptifibatide", 0.6, "mg")],
     [("eptifibatide", "mg", 15.0, 2), ("eptifibatide", "mcg", 2000.0, 1)]),
    # "other" drugs are told apart by their name (case and spaces aside)
    ([med(0, "other", 1.0, "mg", drug_name="Cangrelor"), med(1, "other", 2.0, "mg", drug_name="cangrelor "),
      med(2, "other", 5.0, "mg", drug_name="Diltiazem")],
     [("other", "mg", 3.0, 2), ("other", "mg", 5.0, 1)]),
])
def test_drug_totals(entries, expected):
    got = [(t.drug.value, t.unit, round(t.total, 6), t.count) for t in cf.drug_totals(record(*entries))]
    assert got == expected


# --- ACT ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("act_s, band, verdict", [
    (249, (250, 300), cf.ActVerdict.BELOW),
    (250, (250, 300), cf.ActVerdict.IN),
    (300, (250, 300), cf.ActVerdict.IN),
    (301, (250, 300), cf.ActVerdict.ABOVE),
    (199, (200, 250), cf.ActVerdict.BELOW),
    (251, (200, 250), cf.ActVerdict.ABOVE),
])
def test_act_verdict(act_s, band, verdict):
    assert cf.act_verdict(act_s, band) is verdict


def _versions(*bands_at: tuple[float, tuple[int, int] | None]) -> tuple[Procedure, ...]:
    out = []
    for n, (minute, band) in enumerate(bands_at, start=1):
        low, high = band if band else (None, None)
        out.append(replace(PROC, version=n, act_target_low_s=low, act_target_high_s=high, changed_at=at(minute),
                           changed_by="doc" if n > 1 else "nurse"))
    return tuple(out)


# The physician sets 300-350 s at 09:30; the case closes at 10:30 (same band).
BAND_MID_CASE = _versions((0, None), (30, (300, 350)), (90, (300, 350)))


@pytest.mark.parametrize("acts, history, expected", [
    # no physician band: the heparin default throughout
    ([ev("act", 10, act_s=240), ev("act", 40, act_s=280), ev("act", 50, act_s=320)], (),
     [(250, 300, False, "below target"), (250, 300, False, "in target"), (250, 300, False, "above target")]),
    # band changed mid-case: earlier readings keep the band of their time
    ([ev("act", 10, act_s=280), ev("act", 40, act_s=280), ev("act", 50, act_s=360)], BAND_MID_CASE,
     [(250, 300, False, "in target"), (300, 350, True, "below target"), (300, 350, True, "above target")]),
    # drawn before the change, entered after it: the time it was drawn counts
    ([ev("act", 25, recorded=35, act_s=280)], BAND_MID_CASE, [(250, 300, False, "in target")]),
    # a band set when the case was opened holds from the case's start, even for back-dated readings
    ([ev("act", -30, act_s=320)], _versions((0, (300, 350))), [(300, 350, True, "in target")]),
    # a voided ACT is not part of the series
    ([void(ev("act", 10, act_s=100), 12), ev("act", 20, act_s=260)], (), [(250, 300, False, "in target")]),
])
def test_act_series_against_the_band_in_force(acts, history, expected):
    proc = history[-1] if history else PROC
    series = cf.act_series(record(*acts, proc=proc, history=history))
    assert [(r.band.low_s, r.band.high_s, r.band.physician_set, r.verdict.value) for r in series] == expected


@pytest.mark.parametrize("entries, expected", [
    # GP IIb/IIIa at 09:10: 250-300 s before, 200-250 s after
    ([med(0, "heparin", 5000.0, "units"), ev("act", 5, act_s=220), med(10, "eptifibatide", 14.4, "mg"),
      ev("act", 15, act_s=220), ev("act", 20, act_s=260)],
     [(250, 300, False, "below target"), (200, 250, True, "in target"), (200, 250, True, "above target")]),
    # a voided GP IIb/IIIa dose was not given
    ([void(med(0, "tirofiban", 2.0, "mg"), 1), ev("act", 5, act_s=220)], [(250, 300, False, "below target")]),
])
def test_act_band_follows_the_gp_iib_iiia_state(entries, expected):
    series = cf.act_series(record(*entries))
    assert [(r.band.low_s, r.band.high_s, r.band.gp_iib_iiia, r.verdict.value) for r in series] == expected


def test_physician_band_wins_over_the_gp_default_and_band_now():
    history = _versions((0, None), (30, (300, 350)))
    rec = record(med(5, "abciximab", 20.0, "mg"), ev("act", 10, act_s=220), ev("act", 40, act_s=320),
                 proc=history[-1], history=history)
    assert [(r.band.band, r.band.physician_set, r.band.gp_iib_iiia) for r in cf.act_series(rec)] == [
        ((200, 250), False, True), ((300, 350), True, True)]
    assert cf.act_band_now(rec).band == (300, 350) and cf.act_band_now(rec).physician_set
    assert cf.act_band_now(record(med(5, "abciximab", 20.0, "mg"))).band == (200, 250)
    assert cf.act_band_now(record()).band == (250, 300)
    assert [(c.band, c.changed_by) for c in cf.band_changes(replace(rec, procedure_history=BAND_MID_CASE))] == [
        (None, "nurse"), ((300, 350), "doc")]


def test_band_changes_reach_the_record_through_the_services(services, nurse, physician, clock):
    from tests.helpers import open_case

    pid = open_case(services, nurse).procedure_id
    services.cases.record_event(nurse, pid, "act", {"act_s": 280})
    clock.advance(minutes=10)
    services.cases.set_act_target(physician, pid, 300, 350, "Hemochron")
    clock.advance(minutes=10)
    services.cases.record_event(nurse, pid, "act", {"act_s": 280})
    series = cf.act_series(services.cases.get_record(nurse, pid))
    assert [(r.band.band, r.verdict.value) for r in series] == [((250, 300), "in target"),
                                                                 ((300, 350), "below target")]


# --- late entries -----------------------------------------------------------------------------------


@pytest.mark.parametrize("versions, late", [
    ((ev("note", 0, recorded=4, text="a"),), False),
    ((ev("note", 0, recorded=5, text="a"),), False),  # 5 minutes is still in time
    ((ev("note", 0, recorded=5.5, text="a"),), True),
    ((ev("note", 0, recorded=90, text="a"),), True),
    # a correction made an hour later is not a late entry: the entry was made in time
    ((ev("note", 0, eid="n", recorded=1, text="a"), ev("note", 0, eid="n", recorded=60, version=2, text="b")),
     False),
    # a correction that moves the time earlier is judged by the entry's own time, not the corrected one:
    # typed at once, the entry is not "late" because someone later put its time 19 minutes back
    ((ev("note", 0, eid="n", recorded=1, text="a"), ev("note", -19, eid="n", recorded=30, version=2, text="a")),
     False),
    # nor is a late entry made timely by a correction that moves its time later
    ((ev("note", 0, eid="n", recorded=30, text="a"), ev("note", 28, eid="n", recorded=31, version=2, text="a")),
     True),
    # a late entry stays late when corrected at once
    ((ev("note", 0, eid="n", recorded=30, text="a"), ev("note", 0, eid="n", recorded=31, version=2, text="b")),
     True),
    # voiding is not lateness either
    (void(ev("note", 0, recorded=1, text="a"), 120), False),
])
def test_late_entries(versions, late):
    history = EventHistory(versions)
    assert cf.is_late(history) is late
    assert cf.late_entries(record(versions)) == ((history,) if late else ())


# --- the moment a typed time means ------------------------------------------------------------------

CET = timezone(timedelta(hours=1))


@pytest.mark.parametrize("now, text, expected", [
    (datetime(2026, 11, 22, 12, 0, tzinfo=CET), "11:40", datetime(2026, 11, 22, 11, 40, tzinfo=CET)),
    (datetime(2026, 11, 22, 12, 0, tzinfo=CET), "12:05", datetime(2026, 11, 22, 12, 5, tzinfo=CET)),
    (datetime(2026, 11, 22, 12, 0, tzinfo=CET), "12:06", datetime(2026, 11, 21, 12, 6, tzinfo=CET)),
    (datetime(2026, 11, 22, 12, 0, 30, tzinfo=CET), " 9:05 ", datetime(2026, 11, 22, 9, 5, tzinfo=CET)),
    # just after midnight: 23:50 was yesterday, a few minutes ahead is still today
    (datetime(2026, 11, 22, 0, 3, tzinfo=CET), "23:50", datetime(2026, 11, 21, 23, 50, tzinfo=CET)),
    (datetime(2026, 11, 22, 0, 3, tzinfo=CET), "00:08", datetime(2026, 11, 22, 0, 8, tzinfo=CET)),
    (datetime(2026, 11, 22, 0, 3, tzinfo=CET), "00:09", datetime(2026, 11, 21, 0, 9, tzinfo=CET)),
    (datetime(2026, 11, 22, 0, 3, tzinfo=CET), "00:00", datetime(2026, 11, 22, 0, 0, tzinfo=CET)),
    # ... across a month and a year end
    (datetime(2027, 1, 1, 0, 1, tzinfo=CET), "23:59", datetime(2026, 12, 31, 23, 59, tzinfo=CET)),
    (datetime(2028, 3, 1, 0, 1, tzinfo=CET), "23:30", datetime(2028, 2, 29, 23, 30, tzinfo=CET)),
])
def test_typed_time_rolls_over_midnight(now, text, expected):
    assert cf.typed_moment(text, now) == expected


@pytest.mark.parametrize("text", ["", "24:00", "12:60", "12.30", "noon", "1230"])
def test_typed_time_must_be_hh_mm(text):
    with pytest.raises(cf.TypedTimeError, match="HH:MM"):
        cf.typed_moment(text, datetime(2026, 11, 22, 12, 0, tzinfo=CET))


@pytest.mark.parametrize("text, expected", [
    ("23:50", datetime(2026, 11, 21, 22, 50, 17, tzinfo=timezone.utc)),  # unchanged: the exact moment, seconds kept
    ("23:55", datetime(2026, 11, 21, 23, 55, tzinfo=CET)),  # no roll-over although it is past midnight now
    ("00:10", datetime(2026, 11, 21, 0, 10, tzinfo=CET)),  # the entry's own day, never the next
])
def test_a_corrected_time_stays_on_the_entrys_day(text, expected):
    now = datetime(2026, 11, 22, 0, 30, tzinfo=CET)
    assert cf.typed_moment(text, now, "2026-11-21T22:50:17Z", tz=CET) == expected


# --- devices --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("device_type, kind", [
    ("balloon", EventKind.INFLATION), ("nc_balloon", EventKind.INFLATION), ("dcb", EventKind.INFLATION),
    ("des", EventKind.INFLATION), ("venous_stent", EventKind.INFLATION),
    ("ra_burr", EventKind.ATHERECTOMY), ("orbital_crown", EventKind.ATHERECTOMY),
    ("guidewire", None), ("ivc_filter_retrievable", None), ("closure_device", None), ("other", None),
])
def test_timer_kind(device_type, kind):
    assert cf.timer_kind(device_type) is kind


def test_timed_devices_newest_first_without_voided():
    rec = record(ev("device", 0, eid="b", device_type="balloon", state="used"),
                 ev("device", 1, eid="w", device_type="guidewire", state="used"),
                 ev("device", 2, eid="r", device_type="ra_burr", state="used", diameter_mm=1.5),
                 void(ev("device", 3, eid="v", device_type="dcb", state="used"), 4))
    assert [(t.event.event_id, t.kind) for t in cf.timed_devices(rec)] == [
        ("r", EventKind.ATHERECTOMY), ("b", EventKind.INFLATION)]
    assert [t.event.event_id for t in cf.timed_devices(rec, EventKind.INFLATION)] == ["b"]


def _device(eid: str, device_type: str, state: str, minute: float = 0, version: int = 1) -> EventVersion:
    return ev("device", minute, eid=eid, recorded=minute + max(0, version - 1), version=version,
              device_type=device_type, state=state)


@pytest.mark.parametrize("entries, expected", [
    ([_device("s", "des", "implanted")], [("s", 1)]),
    ([_device("s", "des", "used"), _device("b", "balloon", "used")], []),
    ([void(_device("s", "des", "implanted"), 5)], []),
    # corrected away from implanted (it was wasted), and corrected to implanted: the latest version decides
    ([(_device("s", "des", "implanted"), _device("s", "des", "wasted", version=2)),
      (_device("f", "ivc_filter_retrievable", "opened"), _device("f", "ivc_filter_retrievable", "implanted",
                                                                  version=2))],
     [("f", 2)]),
])
def test_implants_left_in_the_patient(entries, expected):
    assert [(i.event_id, i.version) for i in cf.implants(record(*entries))] == expected


@pytest.mark.parametrize("started_at, opens, escalates", [
    ("2026-11-21T09:00:00Z", date(2026, 12, 20), date(2027, 1, 14)),
    ("2026-01-31T09:00:00Z", date(2026, 3, 1), date(2026, 3, 26)),  # from a month's end, February short
    ("2028-01-31T09:00:00Z", date(2028, 2, 29), date(2028, 3, 25)),  # leap year
    ("2026-04-30T09:00:00Z", date(2026, 5, 29), date(2026, 6, 23)),
    ("2026-12-31T23:30:00Z", date(2027, 1, 29), date(2027, 2, 23)),  # across the year
])
def test_filter_window_days_29_and_54(started_at, opens, escalates):
    proc = replace(PROC, started_at=started_at)
    window = cf.filter_window(record(_device("f", "ivc_filter_retrievable", "implanted"), proc=proc))
    assert window is not None
    assert (window.opens_on, window.escalates_on, window.filter_event_ids) == (opens, escalates, ("f",))
    assert (window.opens_on - window.placed_on).days == 29 and (window.escalates_on - window.placed_on).days == 54


@pytest.mark.parametrize("entries", [
    [],
    [_device("f", "ivc_filter_permanent", "implanted")],
    [void(_device("f", "ivc_filter_retrievable", "implanted"), 5)],
    [(_device("f", "ivc_filter_retrievable", "implanted"), _device("f", "ivc_filter_retrievable", "wasted",
                                                                   version=2))],
])
def test_no_filter_window_without_a_retrievable_filter_left_in(entries):
    assert cf.filter_window(record(*entries)) is None
    assert open_filter_windows(record(*entries)) == []


def _decided(due: str, status: ReminderStatus = ReminderStatus.ACCEPTED) -> Reminder:
    return Reminder("r" * 32, PROC.procedure_id, FILTER_RULE, due, "t", "x", "s", status, suggested_due=due)


@pytest.mark.parametrize("decided, due_before, expected", [
    ([], None, ["2026-12-20", "2027-01-14"]),
    ([], "2027-01-14", ["2026-12-20"]),  # due before: the day itself is not before
    ([], "2026-12-20", []),
    ([_decided("2026-12-20")], None, ["2027-01-14"]),
    ([_decided("2026-12-20", ReminderStatus.DISMISSED), _decided("2027-01-14", ReminderStatus.DONE)], None, []),
    # the physician moved the date: the rule's date is what was decided
    ([replace(_decided("2026-12-20"), due_date="2027-01-05")], None, ["2027-01-14"]),
])
def test_open_filter_windows(decided, due_before, expected):
    rec = record(_device("f", "ivc_filter_retrievable", "implanted"))
    got = open_filter_windows(rec, decided, due_before)
    assert [s.due_date for s in got] == expected
    assert all(s.rule_id == FILTER_RULE for s in got)


class _Udi:
    """What cathlog.rules.barcode.ScannedUdi offers, without loading biip."""

    def __init__(self, udi: str, gtin: str | None = None, serial: str | None = None, expiry_date: str | None = None):
        self.udi, self.gtin, self.serial, self.expiry_date = udi, gtin, serial, expiry_date

    def is_expired(self, on: date) -> bool:
        return self.expiry_date is not None and date.fromisoformat(self.expiry_date) < on


SCANNED = ev("device", 0, eid="s", device_type="des", state="implanted", udi="(01)088(21)SN1", gtin="088",
             serial="SN1")


@pytest.mark.parametrize("entries, udi, in_catalog, expected", [
    ([SCANNED], _Udi("(01)088(21)SN1", "088", "SN1"), True, (True, False)),
    ([SCANNED], _Udi("(01)088(10)L(21)SN1", "088", "SN1"), True, (True, False)),  # same GTIN and serial
    ([SCANNED], _Udi("(01)088(21)SN2", "088", "SN2"), True, (False, False)),
    ([SCANNED], _Udi("(01)088", "088"), True, (False, False)),  # no serial: a second box of the same kind
    ([replace(SCANNED, data={"device_type": "des", "state": "used", "udi": "(01)088(10)L1", "gtin": "088"})],
     _Udi("(01)088(10)L2", "088"), True, (False, False)),  # ... also when neither has a serial
    ([void(SCANNED, 5)], _Udi("(01)088(21)SN1", "088", "SN1"), True, (False, False)),
    ([], _Udi("(01)099(17)261120", "099", expiry_date="2026-11-20"), False, (False, True)),
    ([], _Udi("(01)099(17)261121", "099", expiry_date="2026-11-21"), True, (False, False)),  # expires today: usable
])
def test_scan_check(entries, udi, in_catalog, expected):
    check = cf.scan_check(record(*entries), udi, date(2026, 11, 21), in_catalog)
    assert (check.already_scanned, check.expired) == expected
    assert ("⚠ this device was already scanned in this case" in check.notes) is expected[0]
    assert any("EXPIRED" in n for n in check.notes) is expected[1]
    assert ("not in the catalog: choose type and size" in check.notes) is (not in_catalog)


def test_case_day_is_the_stored_start_date():
    assert cf.case_day(record()) == date(2026, 11, 21)
    assert DeviceType.IVC_FILTER_RETRIEVABLE is cf.RETRIEVABLE_FILTER
