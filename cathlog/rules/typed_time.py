"""The moment a typed time means, and a clock that has stepped back.

A nurse types HH:MM on the lab's wall clock. The offset from UTC is the one of
that very date and time in the lab's zone (a ZoneInfo), not today's: back-dating
across a daylight-saving change is exact. A time the clocks jumped over is
refused by name; one they showed twice is asked (first or second). Pure: no
clock, no machine zone (callers pass ``now`` and ``tz``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone, tzinfo

from cathlog.domain.records import ProcedureRecord, parse_utc_iso

TYPED_TIME_AHEAD = timedelta(minutes=5)  # a typed time this far ahead of now is still today


class TypedTimeError(ValueError):
    """The typed text is not a time HH:MM."""


class NonexistentTimeError(TypedTimeError):
    """The typed local time never happened that day: the clocks went forward over it."""


@dataclass(frozen=True)
class TimeChoice:
    """One of the two moments an ambiguous local time can mean (the clocks went back)."""

    moment: datetime
    fold: int  # 0: the first time the clock showed it, 1: the second
    label: str  # "01:30 EDT (first)"


class AmbiguousTimeError(TypedTimeError):
    """The typed local time happened twice that day: the nurse must say which."""

    def __init__(self, message: str, choices: tuple[TimeChoice, ...]):
        super().__init__(message)
        self.choices = choices


def _local(utc: str, tz: tzinfo | None) -> datetime:
    return parse_utc_iso(utc).astimezone(tz)


def _aware(naive: datetime, tz: tzinfo | None, fold: int) -> datetime:
    """``naive`` as a local wall-clock time in ``tz`` (None: this computer's zone, whose
    rules the C library applies: the offset of that very date, not of today)."""
    naive = naive.replace(fold=fold)
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def _zone_name(tz: tzinfo | None) -> str:
    return getattr(tz, "key", None) or "local time"


def _wall_moments(day: date, clock: time, tz: tzinfo | None) -> tuple[datetime, ...]:
    """The real moments at which the clocks of ``tz`` showed ``clock`` on ``day``: none (the clocks
    jumped over it), one, or two (the clocks went back: first, then second), in time order."""
    naive = datetime.combine(day, clock)
    out: list[datetime] = []
    for fold in (0, 1):
        moment = _aware(naive, tz, fold)
        if moment.astimezone(timezone.utc).astimezone(tz).replace(tzinfo=None, fold=0) != naive:
            continue  # this offset does not give back the typed wall time: it never existed
        if all(moment.astimezone(timezone.utc) != m.astimezone(timezone.utc) for m in out):
            out.append(moment)
    return tuple(sorted(out, key=lambda m: m.astimezone(timezone.utc)))


def _nonexistent(text: str, day: date, clock: time, tz: tzinfo | None) -> NonexistentTimeError:
    naive = datetime.combine(day, clock)
    before, after = _aware(naive, tz, 0).tzname(), _aware(naive, tz, 1).tzname()
    return NonexistentTimeError(
        f"{text} did not exist on {day.isoformat()} in {_zone_name(tz)}: the clocks went forward "
        f"({before} to {after}); type the time the clock showed")


def _pick(text: str, day: date, moments: tuple[datetime, ...], fold: int | None) -> datetime:
    if len(moments) == 1:
        return moments[0]
    if fold is not None:
        return moments[min(fold, 1)]
    choices = tuple(TimeChoice(m, i, f"{text} {m.tzname()} ({'first' if i == 0 else 'second'})")
                    for i, m in enumerate(moments))
    raise AmbiguousTimeError(f"{text} happened twice on {day.isoformat()} (the clocks went back): "
                             f"{choices[0].label} or {choices[1].label}?", choices)


def typed_moment(text: str, now: datetime, correcting_at: str | None = None, tz: tzinfo | None = None,
                 fold: int | None = None) -> datetime:
    """The moment a time typed as HH:MM (24-hour, local) means.

    ``now`` is now (aware). A new entry's time is today's, unless that lies more than 5
    minutes ahead of now: then it is yesterday's (23:50 typed just after midnight). A
    corrected entry keeps its own day, and an unchanged time keeps the entry's exact
    moment. ``tz`` is the lab's zone, a ZoneInfo (None: ``now``'s own zone): the offset is
    the one of the entry's own date and time, so back-dating across a clock change is exact.
    A time the clocks jumped over raises NonexistentTimeError; one they showed twice raises
    AmbiguousTimeError with both choices, unless ``fold`` says which (0 first, 1 second).
    """
    text = text.strip()
    tz = tz if tz is not None else now.tzinfo
    if correcting_at is not None and text == _local(correcting_at, tz).strftime("%H:%M"):
        return parse_utc_iso(correcting_at)
    try:
        clock = datetime.strptime(text, "%H:%M").time()
    except ValueError:
        raise TypedTimeError(f"Time {text!r} must be written HH:MM (24-hour)") from None
    if correcting_at is not None:
        day = _local(correcting_at, tz).date()
        moments = _wall_moments(day, clock, tz)
        if not moments:
            raise _nonexistent(text, day, clock, tz)
        return _pick(text, day, moments, fold)
    day = now.astimezone(tz).date()
    moments = _wall_moments(day, clock, tz)
    if not moments:
        raise _nonexistent(text, day, clock, tz)
    latest = now.astimezone(timezone.utc) + TYPED_TIME_AHEAD  # in UTC: same-zone comparison ignores fold
    moments = tuple(m for m in moments if m.astimezone(timezone.utc) <= latest)  # later than now: not today
    if not moments:
        day -= timedelta(days=1)
        moments = _wall_moments(day, clock, tz)
        if not moments:
            raise _nonexistent(text, day, clock, tz)
    return _pick(text, day, moments, fold)


# --- the computer's clock -------------------------------------------------------------

CLOCK_STEP_TOLERANCE = timedelta(minutes=1)  # workstations a few seconds apart are not a stepped clock


@dataclass(frozen=True)
class ClockBehind:
    """This computer's clock reads earlier than the case's last entry was recorded:
    the clock was set back (or another workstation's runs ahead). Times typed now
    would be judged against the wrong "now"."""

    now: datetime
    last_recorded_at: str
    behind: timedelta


def clock_behind(record: ProcedureRecord, now: datetime) -> ClockBehind | None:
    """The clock-step fact for the live log: None while the clock is not behind the case."""
    stamps = [v.recorded_at for h in record.events for v in h.versions]
    if not stamps:
        return None
    last = max(stamps, key=parse_utc_iso)
    behind = parse_utc_iso(last) - now
    return ClockBehind(now, last, behind) if behind > CLOCK_STEP_TOLERANCE else None
