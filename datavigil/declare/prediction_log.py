"""What a suite declares when its dataset is a model's prediction log (issue 12, ADR 0100).

A prediction log has one row per prediction the model served: when (``predicted_at``, usually
the partition column), what (``score``: the probability of the positive class, ``predicted``:
the class), under which model (``version``, ``threshold``), how fast (``latency``, ms), and,
once known, the true outcome (``label``, NULL until it arrives) with its arrival time
(``label_at``). The checks in datavigil/checks/prediction/ read their column names from here.

Import-light: no pandas, SQLAlchemy or scipy (suites are discovered cheaply).
"""

from __future__ import annotations

import math
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
    in ``predicted`` and ``label``.

    The output contract (ADR 0123): ``score_range``, the closed interval a score must lie in
    (default (0, 1), a probability; None: any finite score); ``classes``, the values
    ``predicted`` and ``label`` may hold (default None: (0, 1) when ``positive`` is 1 or 0,
    (False, True) when it is a bool, else no class is checked). NaN and infinite scores always
    break it. The prediction checks count and name every row that breaks it and fail."""

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
    score_range: tuple[float, float] | None = (0.0, 1.0)
    classes: tuple[Any, ...] | None = None

    @property
    def delay_days(self) -> int:
        """``label_delay`` in days (valid after ``problems`` found none)."""
        return parse_duration(self.label_delay).days

    def class_values(self) -> tuple[Any, ...] | None:
        """The classes ``predicted`` and ``label`` may hold (None: not checked)."""
        if self.classes is not None:
            return tuple(self.classes)
        if isinstance(self.positive, bool):
            return (False, True)
        if isinstance(self.positive, int | float) and self.positive in (0, 1):
            return (0, 1)
        return None

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
        else:
            out += contract_problems(self.score_range, self.classes, self.positive)
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


def contract_problems(span: Any, classes: Any, positive: Any) -> list[tuple[str, str]]:
    """(field, problem) pairs of the output contract: ``score_range`` two finite numbers
    lo < hi, ``classes`` two or more distinct class values holding ``positive``."""
    out = []
    nums = isinstance(span, tuple | list) and len(span) == 2
    nums = nums and all(isinstance(v, int | float) and not isinstance(v, bool) for v in span)
    if span is not None and not (nums and math.isfinite(span[0]) and math.isfinite(span[1])):
        out.append(("score_range", f"must be (low, high), two finite numbers, got {span!r}"))
    elif span is not None and not span[0] < span[1]:
        out.append(("score_range", f"low must be below high, got {span!r}"))
    if classes is None:
        return out
    ok = isinstance(classes, tuple | list)
    ok = ok and all(isinstance(c, int | float | str | bool) for c in classes)
    if not ok or not len(set(classes)) == len(classes) >= 2:
        out.append(("classes", f"must be two or more distinct class values, got {classes!r}"))
    elif not any(c == positive or str(c) == str(positive) for c in classes):
        out.append(("classes", f"must hold positive={positive!r}, got {classes!r}"))
    return out
