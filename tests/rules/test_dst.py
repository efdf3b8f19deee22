"""Issue 11 item 5: a typed HH:MM across a daylight-saving change means the moment
the lab's clocks showed it, in the lab's zone injected here (never the machine's)."""

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from cathlog.domain.records import utc_iso
from cathlog.rules import case_facts as cf
from tests.helpers import open_case

NY = ZoneInfo("America/New_York")


def ny(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=NY, fold=fold)


@pytest.mark.parametrize("now, text, expected_utc", [
    # spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 01:58 typed at 03:05 EDT was 7 minutes ago
    (ny(2026, 3, 8, 3, 5), "01:58", "2026-03-08T06:58:00Z"),
    (ny(2026, 3, 8, 3, 5), "03:01", "2026-03-08T07:01:00Z"),
    (ny(2026, 3, 8, 1, 30), "23:50", "2026-03-08T04:50:00Z"),  # yesterday, EST
    # fall back 2026-11-01 02:00 EDT -> 01:00 EST: 00:50 typed at 01:10 EST was 80 minutes ago
    (ny(2026, 11, 1, 1, 10, fold=1), "00:50", "2026-11-01T04:50:00Z"),
    (ny(2026, 11, 1, 2, 30), "00:50", "2026-11-01T04:50:00Z"),
    # 01:30 typed at 01:10 EST: the second 01:30 is still ahead, so the first (EDT) is meant
    (ny(2026, 11, 1, 1, 10, fold=1), "01:30", "2026-11-01T05:30:00Z"),
    # 01:05 typed at 01:10 EDT (first pass): the second 01:05 has not happened yet
    (ny(2026, 11, 1, 1, 10), "01:05", "2026-11-01T05:05:00Z"),
    # ordinary days either side
    (ny(2026, 3, 9, 12, 0), "11:00", "2026-03-09T15:00:00Z"),
    (ny(2026, 11, 2, 12, 0), "11:00", "2026-11-02T16:00:00Z"),
])
def test_a_typed_time_uses_the_offset_of_its_own_moment(now, text, expected_utc):
    assert utc_iso(cf.typed_moment(text, now, tz=NY)) == expected_utc


@pytest.mark.parametrize("now, text", [
    (ny(2026, 3, 8, 3, 5), "02:30"),
    (ny(2026, 3, 8, 3, 5), "02:00"),
    (ny(2026, 3, 8, 3, 5), "02:59"),
])
def test_a_time_the_clocks_jumped_over_is_refused_by_name(now, text):
    with pytest.raises(cf.NonexistentTimeError) as info:
        cf.typed_moment(text, now, tz=NY)
    message = str(info.value)
    assert f"{text} did not exist on 2026-03-08 in America/New_York" in message
    assert "EST to EDT" in message


def test_a_correction_to_a_jumped_over_time_is_refused_too():
    with pytest.raises(cf.NonexistentTimeError):
        cf.typed_moment("02:15", ny(2026, 3, 9, 9, 0), "2026-03-08T06:50:00Z", tz=NY)


def test_a_time_shown_twice_asks_which():
    now = ny(2026, 11, 1, 1, 50, fold=1)  # 01:50 EST, after both 01:30s
    with pytest.raises(cf.AmbiguousTimeError) as info:
        cf.typed_moment("01:30", now, tz=NY)
    labels = [c.label for c in info.value.choices]
    assert labels == ["01:30 EDT (first)", "01:30 EST (second)"]
    assert [utc_iso(c.moment) for c in info.value.choices] == ["2026-11-01T05:30:00Z", "2026-11-01T06:30:00Z"]
    assert utc_iso(cf.typed_moment("01:30", now, tz=NY, fold=0)) == "2026-11-01T05:30:00Z"
    assert utc_iso(cf.typed_moment("01:30", now, tz=NY, fold=1)) == "2026-11-01T06:30:00Z"


def test_a_correction_on_the_fall_back_day_asks_too():
    with pytest.raises(cf.AmbiguousTimeError):
        cf.typed_moment("01:20", ny(2026, 11, 1, 9, 0), "2026-11-01T05:00:00Z", tz=NY)
    assert utc_iso(cf.typed_moment("01:20", ny(2026, 11, 1, 9, 0), "2026-11-01T05:00:00Z", tz=NY, fold=1)) \
        == "2026-11-01T06:20:00Z"


def test_a_clock_set_back_behind_the_case_is_a_fact(services, nurse, clock):
    proc = open_case(services, nurse)
    services.cases.record_event(nurse, proc.procedure_id, "act", {"act_s": 250})
    record = services.cases.get_record(nurse, proc.procedure_id)
    last = record.events[-1].current.recorded_at
    assert cf.clock_behind(record, clock()) is None
    stepped = cf.clock_behind(record, clock().replace(hour=clock().hour - 1))
    assert stepped is not None and stepped.last_recorded_at == last
    assert stepped.behind.total_seconds() == 3600
    assert cf.clock_behind(record, clock() - timedelta(seconds=30)) is None  # workstations a little apart


def test_utc_stays_utc():
    assert cf.typed_moment("10:00", datetime(2026, 3, 8, 12, 0, tzinfo=timezone.utc)).hour == 10
