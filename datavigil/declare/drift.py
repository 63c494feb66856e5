"""Declaring drift on every column (issue 20 item 5, ADR 0136): ``Suite(..., drift="all")`` or
``drift=DriftAll(exclude=[...], min_effect=...)`` asks for a distribution test on every column no
distribution check of the suite names. How it runs: ``datavigil.checks.drift_all``.

Numeric columns get Welch's mean-shift test (as ``MeanShift``), categorical ones (text, booleans)
the chi-square test with pooling (as ``CategoryShift``), both against the suite's reference
snapshot and in the run's one multiplicity family. Columns left untested are named in the run
with the reason (a date or time column, an ID-like column, a column constant in the reference,
an excluded column, a column with its own distribution check).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from datavigil.core.outcome import Severity


def _number(name: str, value: Any, hi: float | None = None) -> list[str]:
    if value is None:
        return []
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or value <= 0 or (hi is not None and value > hi):
        span = f"(0, {hi}]" if hi is not None else "> 0"
        return [f"{name} must be a finite number {span}, got {value!r}"]
    return []


@dataclass(frozen=True)
class DriftAll:
    """A distribution test on every column the suite's distribution checks do not name.
    ``exclude``: columns never tested (an ID or a key that the heuristics do not recognise).
    ``alpha``, ``min_effect`` (Hedges' g of the numeric tests), ``category_min_effect``
    (Cramér's V of the categorical ones), ``reference`` (a snapshot: "active" or an id):
    override the suite's settings (None = the suite's). ``severity``: of every generated test.
    """

    exclude: tuple[str, ...] | list[str] = ()
    alpha: float | None = None
    min_effect: float | None = None
    category_min_effect: float | None = None
    reference: Any = None
    severity: Severity | str = Severity.ERROR

    def __post_init__(self) -> None:
        if isinstance(self.exclude, list | tuple):
            object.__setattr__(self, "exclude", tuple(self.exclude))

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        """What is wrong with the declaration; ``columns``: the model's (None without one)."""
        out: list[str] = []
        ex = self.exclude
        if not isinstance(ex, tuple) or not all(isinstance(c, str) and c for c in ex):
            out.append(f"exclude must be a list of column names, got {ex!r}")
        elif columns is not None:
            out += [f"exclude names unknown column '{c}'" for c in ex if c not in columns]
        out += _number("alpha", self.alpha, 0.999999)
        out += _number("min_effect", self.min_effect)
        out += _number("category_min_effect", self.category_min_effect, 1)
        ref = self.reference
        if ref is not None and ref != "active" and not (isinstance(ref, int) and ref > 0):
            out.append(f"reference must be 'active' or a snapshot id, got {ref!r}")
        if self.severity not in ("error", "warn", Severity.ERROR, Severity.WARN):
            out.append(f"severity must be 'error' or 'warn', got {self.severity!r}")
        return out


def drift_of(value: Any) -> DriftAll | None:
    """The declaration a Suite's ``drift`` stands for; ValueError when it is none of them."""
    if value is None or isinstance(value, DriftAll):
        return value
    if value == "all":
        return DriftAll()
    raise ValueError(f"must be None, 'all' or DriftAll(...), got {value!r}")


def validate_drift(suite: Any) -> None:
    """``suite.drift`` normalised to a DriftAll (or None), or SuiteError naming the field."""
    from datavigil.declare.rolling import Rolling

    try:
        spec = drift_of(suite.drift)
    except ValueError as exc:
        raise suite.fail("drift", str(exc)) from None
    object.__setattr__(suite, "drift", spec)
    if spec is None:
        return
    for problem in spec.problems(suite.model_columns()):
        raise suite.fail("drift", problem)
    if spec.reference is None and isinstance(suite.reference, Rolling):
        problem = "tests against a snapshot, and the suite's reference is a Rolling window: "
        raise suite.fail("drift", problem + "set DriftAll(reference='active')")
