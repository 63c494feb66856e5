"""Window: one local calendar day as a UTC interval, DST-aware; Window.before(instant) picks the
last complete local day ending at or before the instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from datavigil.declare.window import Window

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


# --- partitions of an hour or an ISO week (issue 11): DST days keep their 23/25 hours ---


def test_hours_of_the_dst_days_tile_the_day() -> None:
    """An hourly suite's partitions of a local day: 23 on the spring day, 25 in the fall, each
    one real hour, without gap or overlap; the repeated 01:00 is told apart by its offset."""
    for day, count in ((date(2013, 3, 10), 23), (date(2013, 6, 15), 24), (date(2013, 11, 3), 25)):
        whole = Window.for_day(day, NY)
        hours, w = [], Window.before(whole.start + timedelta(hours=1), NY, "hour")
        while w.start < whole.end:
            hours.append(w)
            w = Window.before(w.end + timedelta(hours=1), NY, "hour")
        assert len(hours) == count and hours[0].start == whole.start
        assert hours[-1].end == whole.end
        assert all(h.hours == 1 and h.unit == "hour" and h.day == day for h in hours)
        assert all(a.end == b.start for a, b in zip(hours, hours[1:], strict=False))
        assert len({h.label for h in hours}) == count
    fall = [Window.for_hour(date(2013, 11, 3), 1, NY, fold=f) for f in (0, 1)]
    assert [w.label for w in fall] == ["2013-11-03T01:00-04:00", "2013-11-03T01:00-05:00"]
    assert fall[0].end == fall[1].start


def test_an_hour_that_does_not_exist_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="02:00 does not exist on 2013-03-10 in America/New_York"):
        Window.for_hour(date(2013, 3, 10), 2, NY)


@pytest.mark.parametrize(
    ("instant", "start", "hours"),
    [
        (datetime(2013, 3, 11, 4, 30, tzinfo=UTC), datetime(2013, 3, 4, 5, tzinfo=UTC), 167),
        (datetime(2013, 11, 11, 5, tzinfo=UTC), datetime(2013, 11, 4, 5, tzinfo=UTC), 168),
        (datetime(2013, 11, 11, 4, 59, tzinfo=UTC), datetime(2013, 10, 28, 4, tzinfo=UTC), 169),
    ],
    ids=["spring-week-167h", "at-monday-midnight", "fall-week-169h"],
)
def test_weeks_are_iso_weeks_from_monday_local_midnight(instant, start, hours) -> None:
    w = Window.before(instant, NY, "week")
    assert (w.start, w.hours, w.unit) == (start, hours, "week")
    assert w.day.weekday() == 0 and len(w.days) == 7
    assert w.label == f"{w.day.isocalendar().year}-W{w.day.isocalendar().week:02d}"
    assert Window.for_week(w.days[3], NY) == w


def test_a_day_window_keeps_its_label_and_unit() -> None:
    w = Window.for_day(date(2013, 6, 15), NY)
    assert (w.unit, w.label, w.days) == ("day", "2013-06-15", [date(2013, 6, 15)])
    assert Window.before(datetime(2013, 6, 16, 7, tzinfo=UTC), NY, "day") == w
