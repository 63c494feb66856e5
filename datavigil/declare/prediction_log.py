"""What a suite declares when its dataset is a model's prediction log (issue 12, ADR 0100).

A prediction log has one row per prediction the model served: when (``predicted_at``, usually
the partition column), what (``score``: the probability of the positive class, ``predicted``:
the class), under which model (``version``, ``threshold``), how fast (``latency``, ms), and,
once known, the true outcome (``label``, NULL until it arrives) with its arrival time
(``label_at``). The checks in datavigil/checks/prediction/ read their column names from here.

Import-light: no pandas, SQLAlchemy or scipy (suites are discovered cheaply).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from datavigil.core.durations import parse_duration

COLUMNS = ("predicted_at", "score", "predicted", "version", "threshold", "latency", "label",
           "label_at")  # fmt: skip


@dataclass(frozen=True)
class PredictionLog:
    """The columns of a prediction log; None: the log has no such column.

    ``label_delay``: how long labels take to arrive, in whole days ("3d"): the run that
    validates day D judges the labels of day D - delay. ``positive``: the positive class value
    in ``predicted`` and ``label``."""

    predicted_at: str
    score: str | None = None
    predicted: str | None = None
    version: str | None = None
    threshold: str | None = None
    latency: str | None = None
    label: str | None = None
    label_at: str | None = None
    label_delay: str = "3d"
    positive: Any = 1

    @property
    def delay_days(self) -> int:
        """``label_delay`` in days (valid after ``problems`` found none)."""
        return parse_duration(self.label_delay).days

    def column_names(self) -> dict[str, str]:
        """Field -> column, for the columns the log declares."""
        return {f: getattr(self, f) for f in COLUMNS if getattr(self, f) is not None}

    def problems(self, columns: frozenset[str] | None) -> list[tuple[str, str]]:
        """(field, problem) pairs; ``columns``: the suite model's columns (None: no model)."""
        out = self._name_problems()
        if out:
            return out
        if self.score is None and self.predicted is None:
            out.append(("score", "a prediction log needs score= or predicted= (or both)"))
        if self.label_at is not None and self.label is None:
            out.append(("label_at", "names when the label arrived: set label= too"))
        out += self._delay_problems()
        if self.positive is None or not isinstance(self.positive, int | float | str | bool):
            out.append(("positive", f"must be a class value (int or str), got {self.positive!r}"))
        if columns is not None:
            known = ", ".join(sorted(columns))
            for fld, col in self.column_names().items():
                if col not in columns:
                    out.append((fld, f"unknown column '{col}' (model has: {known})"))
        return out

    def _name_problems(self) -> list[tuple[str, str]]:
        out = []
        for f in fields(self):
            if f.name not in COLUMNS:
                continue
            value = getattr(self, f.name)
            if value is None and f.name != "predicted_at":
                continue
            if not isinstance(value, str) or not value.strip():
                out.append((f.name, f"must be a column name (a non-empty string), got {value!r}"))
        return out

    def _delay_problems(self) -> list[tuple[str, str]]:
        try:
            delay = parse_duration(self.label_delay)
        except ValueError as exc:
            return [("label_delay", str(exc))]
        if delay % timedelta(days=1):
            return [("label_delay", f"must be whole days ('3d'), got {self.label_delay!r}")]
        return []
