"""Which partition a run validates: the day, ISO week or local hour asked for, or the last
complete one before now. Shared by `datavigil validate --date/--hour` and ``datavigil.validate``;
``names`` are how the caller spells the two arguments in its errors (``--date`` or ``date``)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from datavigil.core.durations import parse_day
from datavigil.core.errors import UsageError
from datavigil.declare.window import Window

HOUR_RE = re.compile(r"(\d|1\d|2[0-3])\+?")


def window_for(
    suite: Any,
    day: date | str | None,
    hour: int | str | None = None,
    names: tuple[str, str] = ("date", "hour"),
) -> Window:
    """The partition asked for: ``day`` (a week suite: the ISO week holding it; an hour suite:
    with ``hour`` H, local; H+ for the second of a repeated fall-back hour), else the last
    complete partition before now. UsageError (exit 2) for what does not fit the suite."""
    date_name, hour_name = names
    unit = suite.partition_unit
    if hour is not None and (unit != "hour" or not day):
        problem = f"suite '{suite.name}' is not hourly or {date_name} is missing"
        raise UsageError(f"{hour_name}: {problem}")
    if not day:
        return Window.before(datetime.now(UTC), suite.timezone, unit)
    first = _day(day, date_name)
    if unit == "week":
        return Window.for_week(first, suite.timezone)
    if unit == "day":
        return Window.for_day(first, suite.timezone)
    return _hour(suite, first, hour, hour_name)


def _day(day: date | str, name: str) -> date:
    if isinstance(day, datetime):
        raise UsageError(f"{name}: give a day (a date or YYYY-MM-DD), not a datetime: {day}")
    if isinstance(day, date):
        return day
    if isinstance(day, str):
        return parse_day(day, name)
    raise UsageError(f"{name}: expected a date or YYYY-MM-DD, got {type(day).__name__}")


def _hour(suite: Any, day: date, hour: int | str | None, name: str) -> Window:
    text = str(hour) if isinstance(hour, int | str) and not isinstance(hour, bool) else ""
    if hour is None or not HOUR_RE.fullmatch(text):
        raise UsageError(
            f"{name}: suite '{suite.name}' is hourly: give {name} 0..23 "
            "(1+: the repeated 01:00 of a fall-back night)"
        )
    try:
        return Window.for_hour(day, int(text.rstrip("+")), suite.timezone, fold=int("+" in text))
    except ValueError as exc:
        raise UsageError(f"suite '{suite.name}': {name}: {exc}") from None
