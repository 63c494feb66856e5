"""A fixed reference period of local days (issue 20 item 1, ADR 0132): what a prediction-log
check compares against when its reference is pinned to the period the model was validated on
(``reference=Period("2013-01-01", "2013-01-31")``) instead of the days before the run.

Import-light: no pandas, SQLAlchemy or scipy (suites are discovered cheaply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

MAX_PERIOD = 1_100  # three years of days, like a Rolling reference


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


@dataclass(frozen=True)
class Period:
    """The local days ``first``..``last`` (both included; "YYYY-MM-DD" or ``date``), fixed:
    every run compares against the same days, however late it runs."""

    first: str | date
    last: str | date

    def problems(self) -> list[str]:
        a, b = _day(self.first), _day(self.last)
        given = (("first", self.first, a), ("last", self.last, b))
        bad = [f"Period.{k} must be a day YYYY-MM-DD, got {v!r}" for k, v, d in given if d is None]
        if bad or a is None or b is None:
            return bad
        if b < a:
            return [f"Period.last {b} is before Period.first {a}"]
        if (b - a).days + 1 > MAX_PERIOD:
            return [f"Period {a}..{b} is longer than {MAX_PERIOD} days"]
        return []

    @property
    def first_day(self) -> date:
        day = _day(self.first)
        assert day is not None, "checked at load"
        return day

    @property
    def last_day(self) -> date:
        day = _day(self.last)
        assert day is not None, "checked at load"
        return day

    @property
    def label(self) -> str:
        return f"period {self.first_day}..{self.last_day}"
