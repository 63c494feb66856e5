"""Freshness of a data dependency at the end of the validated day (docs/adr/0020).

Declared in a suite's ``dependencies``: the validated dataset itself (``source=None``) or an
upstream SQL table/query or files. "Now" is the window's end (the data-interval end), never the
wall clock, so a backfill of 2013 in 2026 gets the night's verdict. Three ways to measure:

* ``timestamp=``: max(column) pushed down to SQL (no rows pulled), counting only rows strictly
  before the reference instant (the partition's [start, end): a row stamped at the end is the
  next day's); a DATE or 'YYYY-MM-DD' column counts days up to the validated one, each complete
  at its end. lag = reference - newest. dbt-style ``warn_after`` / ``error_after``.
* ``partition_key=``: the run's partition is present (a date, a timestamp or a 'YYYY-MM-DD' key).
* a FileSource: the day's file(s) are present; with thresholds, lag from the newest mtime.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from datavigil.checks.base import Check, CheckContext, Gathered
from datavigil.core.durations import human, parse_duration
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.declare.suite import NAME_RE
from datavigil.declare.window import zone
from datavigil.engine.probes import Where, file_times, sql_latest, sql_partition_rows
from datavigil.engine.sources import FileSource, SqlSource

CROSSED = "crossed"  # details key: which threshold the lag crossed


def _ts(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


class _Fresh(Gathered):
    def __init__(self, check: Freshness) -> None:
        self.check = check
        self.latest: datetime | None = None
        self.newest: datetime | None = None
        self.rows: int | None = None  # rows in total (lag) or in the partition (presence)
        self.files: dict[str, datetime] | None = None
        self.day: date | None = None  # a DATE or day-key column: the newest day counted

    def prepare(self, env: Any) -> None:
        c = self.check
        source = c.source or env.suite.source
        where = Where(env.suite.name, c.dependency)
        zone_name = c.column_timezone or "UTC"
        if isinstance(source, FileSource):
            self.files = file_times(source, where, env.window, env.suite.partition)
            self.latest = max(self.files.values(), default=None)
        elif c.timestamp:
            found = sql_latest(source, where, c.timestamp, env.window, zone_name)
            self.latest, self.newest, self.rows = found.value, found.newest, found.rows
            self.day = found.day
        else:
            key = str(c.partition_key)
            self.rows = sql_partition_rows(source, where, key, env.window, zone_name)

    def finish(self, ctx: CheckContext) -> Outcome:
        c = self.check
        if self.files is not None and not self.files:
            return c.absent(ctx, "no file for the partition")
        if c.measures_lag:
            return c.judge_lag(ctx, self.latest, self.newest, self.rows, self.day)
        if self.files is not None:
            return c.present(ctx, len(self.files), "file(s)")
        return c.present(ctx, int(self.rows or 0), "row(s)")


@dataclass(frozen=True)
class Freshness(Check):
    """``dependency``: its name (result ``freshness.<name>``). ``source``: a SqlSource or
    FileSource, None for the suite's own source. ``timestamp``: the column whose max is the last
    update (a timestamp, a DATE or a 'YYYY-MM-DD' key). ``partition_key``: instead, a column that
    must hold the run's day. ``column_timezone``: the zone a naive timestamp column is stored in
    (aware columns ignore it). ``warn_after`` / ``error_after``: the largest lag allowed ("6h",
    "1d 2h", "90m"), each optional; crossing one fails with that severity. A presence check
    fails with ``severity``.

    The dataset itself (``source=None``) inherits from the suite's ``Partition`` what it is not
    told: its ``column_timezone``, and its column as ``timestamp`` (with thresholds) or as
    ``partition_key`` (without). Any other source reads naive columns as UTC unless told."""

    dependency: str  # type: ignore[misc]
    source: Any = None
    timestamp: str | None = None
    partition_key: str | None = None
    column_timezone: str | None = None  # None: inherited (see above), else UTC
    warn_after: str | timedelta | None = None
    error_after: str | timedelta | None = None

    check_type = "freshness"
    phase = "freshness"
    needs_scan = False
    needs_rows = False

    def default_name(self) -> str:
        return f"freshness.{self.dependency}"

    @property
    def measures_lag(self) -> bool:
        """Lag against thresholds (a timestamp, or files with thresholds) vs presence only."""
        return bool(self.timestamp) or (
            not self.partition_key and self.thresholds() != (None, None)
        )

    def thresholds(self) -> tuple[timedelta | None, timedelta | None]:
        """(warn_after, error_after) parsed; raises ValueError naming the field."""
        out = []
        for fld in ("warn_after", "error_after"):
            value = getattr(self, fld)
            try:
                out.append(None if value is None else parse_duration(value))
            except ValueError as exc:
                raise ValueError(f"{fld}: {exc}") from None
        return out[0], out[1]

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        if not isinstance(self.dependency, str) or not NAME_RE.match(self.dependency):
            return [f"dependency name must match [a-z][a-z0-9_]*, got {self.dependency!r}"]
        try:
            warn, error = self.thresholds()
            if self.column_timezone is not None:
                zone(self.column_timezone)
        except ValueError as exc:
            return [str(exc)]
        if warn is not None and error is not None and warn >= error:
            return [f"warn_after ({human(warn.total_seconds())}) must be shorter than error_after"]
        if self.timestamp and warn is None and error is None:
            return ["timestamp= needs warn_after= and/or error_after="]
        return []

    def for_suite(self, suite: Any) -> Freshness:
        """This declaration with what it inherits from ``suite`` filled in (see the class
        docstring); call after ``problems`` found none."""
        part = suite.partition if self.source is None else None
        tz = self.column_timezone or (part.column_timezone if part is not None else "UTC")
        ts, key = self.timestamp, self.partition_key
        if part is not None and not (ts or key) and isinstance(suite.source, SqlSource):
            lag = self.thresholds() != (None, None)
            ts, key = (part.column, None) if lag else (None, part.column)
        return replace(self, column_timezone=tz, timestamp=ts, partition_key=key)

    def source_problems(self, source: Any) -> list[str]:
        """Problems of this dependency given its resolved source (the suite's if None)."""
        if isinstance(source, FileSource):
            if self.timestamp or self.partition_key:
                return [
                    "a FileSource dependency is measured by its files: drop timestamp= "
                    "and partition_key="
                ]
            return []
        if not isinstance(source, SqlSource):
            return [f"source must be a SqlSource or FileSource, got {type(source).__name__}"]
        if bool(self.timestamp) == bool(self.partition_key):
            return ["a SQL dependency needs exactly one of timestamp= or partition_key="]
        if self.partition_key and self.thresholds() != (None, None):
            return ["partition_key= checks presence: drop warn_after/error_after"]
        return source.problems(None)

    def gatherer(self) -> Gathered:
        return _Fresh(self)

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        acc = ctx.prepared
        outcome = acc.finish(ctx)
        column = self.timestamp or self.partition_key
        return [replace(self.result(outcome, column=column), severity=self.severity_of(outcome))]

    def severity_of(self, outcome: Outcome) -> Severity:
        if not self.measures_lag:
            return Severity(self.severity)
        crossed = outcome.details.get(CROSSED)
        if crossed in ("warn_after", "error_after"):
            return Severity.WARN if crossed == "warn_after" else Severity.ERROR
        return Severity.ERROR if self.error_after is not None else Severity.WARN

    def threshold_text(self) -> str:
        warn, error = self.thresholds()
        parts = [f"warn_after {human(warn.total_seconds())}"] if warn else []
        parts += [f"error_after {human(error.total_seconds())}"] if error else []
        return "lag <= " + ", ".join(parts)

    def reference(self, ctx: CheckContext) -> str:
        w = ctx.window
        return f"{_ts(w.end)} (end of {w.label} in {w.timezone})"

    def crossed(self, lag: float) -> tuple[str, timedelta] | None:
        """The most severe threshold the lag is beyond (strictly), or None."""
        warn, error = self.thresholds()
        for name, limit in (("error_after", error), ("warn_after", warn)):
            if limit is not None and lag > limit.total_seconds():
                return name, limit
        return None

    def judge_lag(
        self,
        ctx: CheckContext,
        latest: datetime | None,
        newest: datetime | None,
        rows: int | None,
        day: date | None = None,
    ) -> Outcome:
        if latest is None:
            return self.unmeasurable(ctx, newest, rows)
        lag = (ctx.window.end - latest).total_seconds()
        crossed = self.crossed(lag)
        verdict = f"> {crossed[0]} {human(crossed[1].total_seconds())}" if crossed else "fresh"
        what = f"newest {self.timestamp}" if self.timestamp else "newest file"
        when = f"{day} (complete at {_ts(latest)})" if day else _ts(latest)
        return Outcome(
            Status.FAIL if crossed else Status.PASS,
            f"{self.dependency}: {what} {when} is {human(lag)} before "
            f"{self.reference(ctx)}: {verdict}",
            observed_value=lag,
            threshold=self.threshold_text(),
            details={
                "dependency": self.dependency,
                "last_update": _ts(latest),
                "last_day": day.isoformat() if day else None,
                "reference": _ts(ctx.window.end),
                "newest_overall": _ts(newest),
                "rows_total": rows,
                "lag": human(lag),
                "column_timezone": self.column_timezone if self.timestamp else None,
                CROSSED: crossed[0] if crossed else None,
            },
        )

    def unmeasurable(self, ctx: CheckContext, newest: datetime | None, rows: int | None) -> Outcome:
        if not rows:
            why = "has no rows at all" if rows == 0 else "has no files"
        else:
            why = f"has {rows} rows, none before the reference (newest {_ts(newest)})"
        return Outcome(
            Status.ERROR,
            f"{self.dependency}: {why}: cannot tell when it was last updated "
            f"(reference {self.reference(ctx)})",
            threshold=self.threshold_text(),
            details={
                "dependency": self.dependency,
                "rows_total": rows,
                "reference": _ts(ctx.window.end),
            },
        )

    def present(self, ctx: CheckContext, found: int, unit: str) -> Outcome:
        if found == 0:
            return self.absent(ctx, f"no {unit} in the partition")
        return Outcome(
            Status.PASS,
            f"{self.dependency}: partition {ctx.window.label} present ({found} {unit})",
            observed_value=float(found),
            threshold="partition present",
            details={"dependency": self.dependency, "partition": ctx.window.label},
        )

    def absent(self, ctx: CheckContext, why: str) -> Outcome:
        return Outcome(
            Status.FAIL,
            f"{self.dependency}: partition {ctx.window.label} missing: {why}",
            observed_value=0.0,
            threshold="partition present",
            details={"dependency": self.dependency, "partition": ctx.window.label},
        )
