"""The partition a run validates: one local calendar day of the suite (or one local hour, or one
ISO week), as a UTC interval.

Time is an input (docs/adr/0003): the CLI passes ``--date``; Airflow passes the run's data-interval
end (or ``run_after``). A suite validates the last complete partition that ends at or before that
instant, so a daily run triggered at 00:00 or 03:00 on the 9th validates the 8th, in any season.
Units (docs/adr/0097): ``day`` (default: 23 or 25 hours on DST days), ``hour`` (one real hour,
named by its local start; the repeated hour of a fall-back night by its offset), ``week`` (ISO
week, Monday 00:00 local to the next Monday: 167 or 169 hours around DST).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

UNITS = ("hour", "day", "week")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone '{name}'") from exc


def _utc(local: datetime) -> datetime:
    return local.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class Window:
    """[start, end) in UTC. ``day``: the local day of the partition (an hour's day, a week's
    Monday, the last day of a span); ``unit``: hour, day or week."""

    day: date
    timezone: str
    start: datetime
    end: datetime
    first: date | None = None  # a span of days first..day (snapshots, history); None: one day
    unit: str = "day"

    @classmethod
    def for_day(cls, day: date, timezone: str) -> Window:
        tz = zone(timezone)
        start = _utc(datetime.combine(day, time(0), tz))
        end = _utc(datetime.combine(day + timedelta(days=1), time(0), tz))
        return cls(day=day, timezone=timezone, start=start, end=end)

    @classmethod
    def for_hour(cls, day: date, hour: int, timezone: str, fold: int = 0) -> Window:
        """The local hour ``hour``:00 of ``day`` (``fold=1``: the second of a repeated hour)."""
        tz = zone(timezone)
        local = datetime.combine(day, time(hour, fold=fold), tz)
        if _utc(local).astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
            raise ValueError(f"{hour:02d}:00 does not exist on {day} in {timezone}")
        start = _utc(local)
        return cls(
            day=day, timezone=timezone, start=start, end=start + timedelta(hours=1), unit="hour"
        )

    @classmethod
    def for_week(cls, day: date, timezone: str) -> Window:
        """The ISO week holding ``day``: Monday 00:00 local to the next Monday 00:00 local."""
        monday = day - timedelta(days=day.weekday())
        a, b = cls.for_day(monday, timezone), cls.for_day(monday + timedelta(days=7), timezone)
        return cls(day=monday, timezone=timezone, start=a.start, end=b.start, unit="week")

    @classmethod
    def before(cls, instant: datetime, timezone: str, unit: str = "day") -> Window:
        """The last complete partition of ``unit`` ending at or before ``instant`` (aware)."""
        if instant.tzinfo is None:
            raise ValueError("the reference instant must be time-zone aware")
        local = instant.astimezone(zone(timezone))
        if unit == "hour":
            end = _utc(local.replace(minute=0, second=0, microsecond=0))
            start = (end - timedelta(hours=1)).astimezone(zone(timezone))
            return cls.for_hour(start.date(), start.hour, timezone, fold=start.fold)
        if unit == "week":
            return cls.for_week(local.date() - timedelta(days=7), timezone)
        return cls.for_day(local.date() - timedelta(days=1), timezone)

    @classmethod
    def span(cls, first: date, last: date, timezone: str) -> Window:
        """Local days ``first``..``last`` as one interval (contiguous, DST-correct)."""
        a, b = cls.for_day(first, timezone), cls.for_day(last, timezone)
        return cls(day=last, timezone=timezone, start=a.start, end=b.end, first=first)

    @property
    def days(self) -> list[date]:
        """The local days the partition covers (an hour: its day)."""
        if self.unit == "week":
            return [self.day + timedelta(days=i) for i in range(7)]
        first = self.first or self.day
        return [first + timedelta(days=i) for i in range((self.day - first).days + 1)]

    @property
    def label(self) -> str:
        """The partition's name: ``2013-06-15``, ``2013-11-03T01:00-05:00``, ``2013-W45``."""
        if self.unit == "hour":
            return self.start.astimezone(zone(self.timezone)).isoformat(timespec="minutes")
        if self.unit == "week":
            iso = self.day.isocalendar()
            return f"{iso.year}-W{iso.week:02d}"
        return self.day.isoformat() if self.first is None else f"{self.first}..{self.day}"

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
