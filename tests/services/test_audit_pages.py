"""The audit trail a page at a time (issue 18 item 6): the viewer's newest-first pages and the
CSV's chunks come from the one service method, keyset by seq, and together give every row once."""

import csv
import io

import pytest

from cathlog.domain.errors import PermissionDenied
from cathlog.exchange import audit_csv
from cathlog.exchange.audit_csv import export_audit, print_audit
from tests.conftest import PASSWORD

pytestmark = pytest.mark.backends


@pytest.fixture
def trail(services, admin):
    services.demo.load(admin, 2, seed=3)
    return services.admin.audit_rows(admin)


def _walk(services, admin, limit, **filters):
    """Every page, newest first, each asked for before the last seq of the one before."""
    pages, before = [], None
    while True:
        page = services.admin.audit_rows(admin, **filters, before_seq=before, newest_first=True, limit=limit)
        if not page:
            return pages
        pages.append(page)
        before = page[-1].seq


def _in_range(trail, since, until):
    return [r for r in trail if (since is None or r.at >= since) and (until is None or r.at < until)]


def _assert_paged_both_ways(services, admin, expected, since, until, limits):
    """Every page of the range, newest first and in order, at each page size, gives exactly ``expected``."""
    for limit in limits:
        newest = [r for p in _walk(services, admin, limit, since=since, until=until) for r in p]
        assert newest == list(reversed(expected)), (since, until, limit)
        walked, after = [], None
        while page := services.admin.audit_rows(admin, since=since, until=until, after_seq=after, limit=limit):
            walked += page
            after = page[-1].seq
        assert walked == expected, (since, until, limit)


def test_newest_first_pages_give_every_row_once_in_order(services, admin, trail):
    pages = _walk(services, admin, 7)
    assert all(len(p) == 7 for p in pages[:-1]) and 1 <= len(pages[-1]) <= 7
    walked = [r for p in pages for r in p]
    assert walked == list(reversed(trail))
    assert len(trail) > 3 * 7  # several pages


@pytest.mark.parametrize("field", ["username", "action", "procedure_id"])
def test_pages_of_a_filter_are_the_filtered_trail(services, admin, trail, field):
    value = getattr(trail[len(trail) // 2], field)
    expected = [r for r in trail if getattr(r, field) == value]
    walked = [r for p in _walk(services, admin, 3, **{field: value}) for r in p]
    assert walked == list(reversed(expected)) and len(expected) > 3
    assert services.admin.audit_count(admin, **{field: value}) == len(expected)


def test_a_date_range_and_seq_bounds_select_exactly(services, admin, clock):
    for _ in range(12):
        clock.advance(minutes=5)
        services.auth.sign_in("admin", PASSWORD)
    trail = services.admin.audit_rows(admin)
    since, until = trail[-10].at, trail[-3].at
    bounds = {"after_seq": trail[-9].seq, "before_seq": trail[-4].seq}
    expected = [r for r in trail if since <= r.at < until and bounds["after_seq"] < r.seq < bounds["before_seq"]]
    assert services.admin.audit_rows(admin, since=since, until=until, **bounds) == expected
    assert len(expected) == 4 and len({r.at for r in trail}) > 10
    assert services.admin.audit_count(admin, since=since, until=until, **bounds) == 4


def test_paging_needs_the_right_to_view_the_trail(services, nurse):
    with pytest.raises(PermissionDenied):
        services.admin.audit_rows(nurse, newest_first=True, limit=1)
    with pytest.raises(PermissionDenied):
        services.admin.audit_count(nurse)


def test_the_csv_reads_in_chunks_and_stops_at_the_rows_of_its_start(services, admin, trail, tmp_path, monkeypatch):
    monkeypatch.setattr(audit_csv, "CHUNK_ROWS", 4)
    asked = []
    real = services.admin.audit_rows
    monkeypatch.setattr(services.admin, "audit_rows", lambda *a, **k: asked.append(k) or real(*a, **k))
    out = tmp_path / "audit.csv"
    assert export_audit(services, admin, out) == len(trail)
    lines = list(csv.reader(io.StringIO(out.read_text())))[1:]
    assert [int(r[0]) for r in lines] == [r.seq for r in trail]  # not the export's own audit row
    assert max(k.get("limit") or 0 for k in asked) == 4 and len(asked) > len(trail) // 4


def test_printed_csv_counts_what_it_prints(services, admin, trail, monkeypatch):
    monkeypatch.setattr(audit_csv, "CHUNK_ROWS", 5)
    stream = io.StringIO()
    written = print_audit(services, admin, stream, username="demo.nurse")
    expected = [r for r in trail if r.username == "demo.nurse"]
    assert written == len(expected) > 5
    lines = list(csv.reader(io.StringIO(stream.getvalue())))[1:]
    assert [int(r[0]) for r in lines] == [r.seq for r in expected]
    (logged,) = services.admin.audit_rows(admin, action="export_audit")
    assert f'"rows":{len(expected)}' in logged.new_value


def test_date_ranges_are_exact_when_clocks_disagree(services, admin, clock):
    """A workstation whose clock is behind writes rows whose ``at`` is earlier than the row before:
    every page of every range still holds exactly the rows of the range, in seq order."""
    for i in range(60):
        clock.advance(minutes=7 if i % 5 else -30)  # every fifth row from a clock half an hour behind
        services.auth.sign_in("admin", PASSWORD)
    trail = services.admin.audit_rows(admin)
    assert any(a.at > b.at for a, b in zip(trail, trail[1:]))  # the clocks do disagree
    times = sorted({r.at for r in trail})
    for since, until in ((times[2], times[20]), (times[30], times[-3]), (times[0], times[5]), (times[-6], None),
                         (None, times[10])):
        expected = _in_range(trail, since, until)
        _assert_paged_both_ways(services, admin, expected, since, until, limits=(1, 4, 50))
        with_user = [r for r in expected if r.username == "admin"]
        assert [r for p in _walk(services, admin, 3, since=since, until=until, username="admin")
                for r in p] == list(reversed(with_user))


def test_ranges_over_months_are_exact_with_the_month_plan(services, admin, clock, monkeypatch):
    """Rows over four months, every seventh from a clock two days behind (so rows of one month are written
    after rows of the next): ranges of whole months, parts of months at either end (most of a month or a
    little of it), an open end, and a range without a whole month give exactly their rows, every page, both
    ways; the month plan (migration 0017's index) answers the ranges that hold a whole month."""
    from cathlog.store import audit_pages

    for i in range(80):
        clock.advance(hours=(-48 if i % 7 == 6 else 29 + (i * 37) % 23))
        services.auth.sign_in("admin", PASSWORD)
    trail = services.admin.audit_rows(admin)
    assert any(a.at[:7] > b.at[:7] for a, b in zip(trail, trail[1:]))  # a month's rows after the next month's
    assert len({r.at[:7] for r in trail}) >= 4
    taken = []
    real = audit_pages._month_parts
    monkeypatch.setattr(audit_pages, "_month_parts", lambda *a: taken.append(found := real(*a)) or found)
    ranges = (("2026-12-01T00:00:00Z", "2027-02-01T00:00:00Z"),  # two whole months
              ("2026-11-28T13:00:00Z", "2027-01-03T05:00:00Z"),  # a little of November and of January
              ("2026-11-22T00:00:00Z", "2027-02-27T23:00:00Z"),  # most of November and of February
              ("2026-12-31T23:00:00Z", "2027-01-31T23:00:00Z"),  # a local month: one hour, most of January
              (None, "2027-01-01T00:00:00Z"), ("2026-12-15T08:00:00Z", None),
              ("2026-12-10T00:00:00Z", "2027-01-20T00:00:00Z"))  # no whole month: the older plan
    for since, until in ranges:
        expected = _in_range(trail, since, until)
        assert expected, (since, until)
        _assert_paged_both_ways(services, admin, expected, since, until, limits=(3, 50))
    assert sum(found is not None for found in taken) > 10 and None in taken  # both plans were taken
