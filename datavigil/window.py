"""The partition a run validates: one local calendar day of the suite, as a UTC interval.

Time is an input (docs/adr/0003): the CLI passes ``--date``; Airflow passes the run's data-interval
end (or ``run_after``). A daily suite validates the last complete local day that ends at or before
that instant, so a run triggered at 00:00 or 03:00 on the 9th validates the 8th, in any season.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone '{name}'") from exc


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in UTC, covering local calendar day ``day`` in ``timezone``."""

    day: date
    timezone: str
    start: datetime
    end: datetime
    first: date | None = None  # a span of days first..day (snapshots, history); None: one day

    @classmethod
    def for_day(cls, day: date, timezone: str) -> Window:
        tz = zone(timezone)
        start = datetime.combine(day, time(0), tz).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), time(0), tz).astimezone(UTC)
        return cls(day=day, timezone=timezone, start=start, end=end)

    @classmethod
    def before(cls, instant: datetime, timezone: str) -> Window:
        """The last complete local day ending at or before ``instant`` (an aware datetime)."""
        if instant.tzinfo is None:
            raise ValueError("the reference instant must be time-zone aware")
        local = instant.astimezone(zone(timezone))
        return cls.for_day(local.date() - timedelta(days=1), timezone)

    @classmethod
    def span(cls, first: date, last: date, timezone: str) -> Window:
        """Local days ``first``..``last`` as one interval (contiguous, DST-correct)."""
        a, b = cls.for_day(first, timezone), cls.for_day(last, timezone)
        return cls(day=last, timezone=timezone, start=a.start, end=b.end, first=first)

    @property
    def days(self) -> list[date]:
        first = self.first or self.day
        return [first + timedelta(days=i) for i in range((self.day - first).days + 1)]

    def bounds_in(self, column_timezone: str) -> tuple[datetime, datetime]:
        """The bounds as naive datetimes in the zone a naive timestamp column is stored in."""
        tz = zone(column_timezone)
        return (
            self.start.astimezone(tz).replace(tzinfo=None),
            self.end.astimezone(tz).replace(tzinfo=None),
        )

    @property
    def hours(self) -> float:
        return (self.end - self.start).total_seconds() / 3600
