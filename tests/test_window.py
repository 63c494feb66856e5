"""Window: one local calendar day as a UTC interval, DST-aware; Window.before(instant) picks the
last complete local day ending at or before the instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from datavigil.window import Window

NY = "America/New_York"


@pytest.mark.parametrize(
    ("day", "start", "end", "hours"),
    [
        (date(2013, 2, 8), datetime(2013, 2, 8, 5), datetime(2013, 2, 9, 5), 24),
        (date(2013, 3, 10), datetime(2013, 3, 10, 5), datetime(2013, 3, 11, 4), 23),
        (date(2013, 6, 15), datetime(2013, 6, 15, 4), datetime(2013, 6, 16, 4), 24),
        (date(2013, 11, 3), datetime(2013, 11, 3, 4), datetime(2013, 11, 4, 5), 25),
        (date(2013, 12, 31), datetime(2013, 12, 31, 5), datetime(2014, 1, 1, 5), 24),
    ],
    ids=["winter", "spring-forward-23h", "summer", "fall-back-25h", "year-end"],
)
def test_for_day_in_new_york(day: date, start: datetime, end: datetime, hours: int) -> None:
    w = Window.for_day(day, NY)
    assert (w.start, w.end) == (start.replace(tzinfo=UTC), end.replace(tzinfo=UTC))
    assert w.hours == hours
    assert w.start.tzinfo is UTC and w.end.tzinfo is UTC
    assert w.day == day and w.timezone == NY


def test_consecutive_days_tile_without_gap_or_overlap() -> None:
    day = date(2013, 3, 1)
    for _ in range(300):
        assert Window.for_day(day, NY).end == Window.for_day(day + timedelta(days=1), NY).start
        day += timedelta(days=1)


def test_utc_day() -> None:
    w = Window.for_day(date(2024, 2, 29), "UTC")
    assert (w.start, w.end) == (datetime(2024, 2, 29, tzinfo=UTC), datetime(2024, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize(
    ("instant", "day"),
    [
        (datetime(2013, 2, 9, 5, tzinfo=UTC), date(2013, 2, 8)),  # exactly local midnight
        (datetime(2013, 2, 9, 8, tzinfo=UTC), date(2013, 2, 8)),  # 03:00 local, the schedule
        (datetime(2013, 2, 9, 4, 59, tzinfo=UTC), date(2013, 2, 7)),  # 23:59 local on the 8th
        (datetime(2013, 3, 11, 4, tzinfo=UTC), date(2013, 3, 10)),  # after spring forward
        (datetime(2013, 11, 4, 5, tzinfo=UTC), date(2013, 11, 3)),  # after fall back
        (datetime(2013, 11, 4, 8, tzinfo=ZoneInfo(NY)), date(2013, 11, 3)),  # aware, not UTC
    ],
    ids=["at-midnight", "at-3am", "one-minute-before", "after-23h-day", "after-25h-day", "ny-tz"],
)
def test_before_is_the_last_complete_local_day(instant: datetime, day: date) -> None:
    w = Window.before(instant, NY)
    assert w.day == day
    assert w.end <= instant


def test_before_needs_an_aware_instant() -> None:
    with pytest.raises(ValueError, match="time-zone aware"):
        Window.before(datetime(2013, 2, 9), NY)


def test_bounds_in_a_naive_column_zone() -> None:
    w = Window.for_day(date(2013, 3, 10), NY)
    assert w.bounds_in("UTC") == (datetime(2013, 3, 10, 5), datetime(2013, 3, 11, 4))
    assert w.bounds_in(NY) == (datetime(2013, 3, 10), datetime(2013, 3, 11))


def test_unknown_zone_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown time zone 'Nowhere/Land'"):
        Window.for_day(date(2013, 1, 1), "Nowhere/Land")
