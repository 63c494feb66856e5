"""What a distribution procedure returns: the ``Choice`` (the test that ran and why, its effect,
the groups, what was left out or dropped, any ``Problem``), its JSON-ready details and its
provisional outcome, judged at family size 1 until the run adjusts its family (multitest).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from datavigil.core.outcome import Outcome, Status
from datavigil.stats import effects
from datavigil.stats.significance import TestResult


@dataclass(frozen=True, slots=True)
class Problem:
    status: Status  # ERROR: cannot be computed; INCONCLUSIVE: too few values
    reason: str


@dataclass(frozen=True, slots=True)
class Dropped:
    group: str
    reason: str


@dataclass(frozen=True, slots=True)
class Choice:
    """The test that ran, why, its effect, what was left out or dropped, and any problem."""

    test: TestResult | None
    why: str
    effect: effects.Effect | None
    alpha: float
    min_effect: float
    power: dict[str, Any] = field(default_factory=dict)  # power_kind and the sizes judge needs
    groups: dict[str, dict[str, Any]] = field(default_factory=dict)  # n, mean, sd used
    left_out: dict[str, dict[str, int]] = field(default_factory=dict)  # by group, by kind
    dropped: tuple[Dropped, ...] = ()
    diagnostics: dict[str, Any] = field(default_factory=dict)  # information only
    problem: Problem | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. categorical: new, vanished

    @property
    def p_value(self) -> float | None:
        return None if self.test is None else self.test.p_value

    def details(self) -> dict[str, Any]:
        """JSON-ready details (non-finite numbers become None); ``power_kind`` only when the
        test ran, so a problem never joins the multiplicity family."""
        d: dict[str, Any] = {
            "why": self.why,
            "alpha": self.alpha,
            "min_effect": self.min_effect,
            "groups": self.groups,
            "left_out": self.left_out,
            "left_out_total": _totals(self.left_out),
            "dropped": [{"group": x.group, "reason": x.reason} for x in self.dropped],
            "diagnostics": self.diagnostics,
            "infinite": sum(c["posinf"] + c["neginf"] for c in self.left_out.values()),
            **self.extra,
        }
        if self.test is not None:
            d.update(test=self.test.test, statistic=self.test.statistic, df=list(self.test.df))
            d["p_value"] = self.test.p_value
        if self.effect is not None:
            d.update(effect_name=self.effect.name, effect_ci=list(self.effect.ci))
            d["effect_level"] = self.effect.level
        if self.problem is None:
            d.update(self.power)
        else:
            d["problem"] = self.problem.reason
        return _json(d)

    def outcome(self, headline: str, rows_checked: int | None = None) -> Outcome:
        """The provisional outcome (judged at family size 1; the run re-judges its family)."""
        from datavigil.stats.multitest import judge

        d = self.details()
        headline += self._notes()
        if self.problem is not None:
            msg = f"{headline}; {self.problem.reason}"
            return Outcome(self.problem.status, msg, rows_checked=rows_checked, details=d)
        assert self.test is not None and self.effect is not None
        d["headline"] = headline
        o = Outcome(
            Status.INCONCLUSIVE,
            headline,
            statistic=self.test.statistic,
            p_value=self.test.p_value,
            effect_size=self.effect.value,
            rows_checked=rows_checked,
            details=d,
        )
        return judge(o, self.test.p_value)

    def _notes(self) -> str:
        """ " [left out 37 NULL; dropped g3 (zero variance ...)]" for the message, or ""."""
        labels = {"null": "NULL", "nan": "NaN", "posinf": "+inf", "neginf": "-inf"}
        left = ", ".join(f"{v} {labels[k]}" for k, v in _totals(self.left_out).items() if v)
        parts = [f"left out {left}"] if left else []
        if self.dropped and self.problem is None:
            parts.append("dropped " + ", ".join(f"{x.group} ({x.reason})" for x in self.dropped))
        return f" [{'; '.join(parts)}]" if parts else ""


def _totals(left: Mapping[str, Mapping[str, int]]) -> dict[str, int]:
    kinds = ("null", "nan", "posinf", "neginf")
    return {k: sum(int(c.get(k, 0)) for c in left.values()) for k in kinds}


def _json(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _json(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_json(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v
