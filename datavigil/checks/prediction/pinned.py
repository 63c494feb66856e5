"""The reference of a prediction-log check (issue 20 item 1, ADR 0132): the days its outputs or
labels are compared with.

* None (default) or ``Rolling(days)``: the ``days`` local days before the compared period
  (``reference_days`` when None): it follows the model, and absorbs a lasting shift within
  ``days``;
* ``Period(first, last)``: fixed days, e.g. the period the model was validated on;
* ``"active"`` or a snapshot id: the days of a captured reference snapshot of the suite's
  dataset (``datavigil snapshot capture``), re-read from the log; the snapshot's row count must
  still match them (a rewritten log is an error, not a silent new reference).

Every kind is read from the log with one aggregate scan of its days; each result row records it
in ``details.reference`` (kind, label, days, snapshot id), and a snapshot's id in
``details.reference_snapshot_id`` as the feature checks do.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from datavigil.core.errors import DatavigilError, SourceUnavailable, StoreUnavailable
from datavigil.core.outcome import Outcome, Status
from datavigil.declare.period import Period
from datavigil.declare.rolling import Rolling

KINDS = (
    "None (the reference_days before), a Rolling(days), a Period(first, last), 'active' or a "
    "snapshot id"
)


def reference_problems(ref: Any, reference_days: int) -> list[str]:
    """Load-time problems of a check's ``reference`` (one line each)."""
    if ref is None:
        return []
    if isinstance(ref, Rolling):
        out = [p.replace("Rolling.", "reference=Rolling.") for p in ref.problems()]
        if ref.seasonality is not None:
            out.append("reference=Rolling(seasonality=...) is for feature checks: a prediction "
                       "check's rolling reference is every day of its span")  # fmt: skip
        if reference_days != 28:
            out.append("give reference=Rolling(days) or reference_days, not both")
        return out
    if isinstance(ref, Period):
        return [f"reference: {p}" for p in ref.problems()]
    if ref == "active" or (isinstance(ref, int) and not isinstance(ref, bool) and ref > 0):
        return []
    return [f"reference must be {KINDS}, got {ref!r}"]


@dataclass(frozen=True)
class RefPeriod:
    """The resolved reference: its days, what it is, and why it cannot be used (``problem``)."""

    first: date
    last: date
    kind: str  # rolling | period | snapshot
    label: str  # as messages name it
    snapshot_id: int | None = None
    snapshot_rows: int | None = None
    problem: Outcome | None = None

    def details(self) -> dict[str, Any]:
        days = (self.last - self.first).days + 1
        span = [self.first.isoformat(), self.last.isoformat()]
        ref = {"kind": self.kind, "label": self.label, "first": span[0], "last": span[1],
               "days": days}  # fmt: skip
        out: dict[str, Any] = {"reference": ref, "reference_period": span}
        if self.snapshot_id is not None:
            ref["snapshot_id"] = self.snapshot_id
            out["reference_snapshot_id"] = self.snapshot_id
        return out

    def stale(self, rows: int) -> Outcome | None:
        """``error`` when a snapshot's days now hold another number of rows than captured."""
        if self.snapshot_rows is None or rows == self.snapshot_rows:
            return None
        why = (
            f"reference {self.label}: its days hold {rows} predictions in the log now, "
            f"{self.snapshot_rows} when it was captured: the log was rewritten; capture a new "
            "snapshot or pin reference=Period(first, last)"
        )
        return Outcome(Status.ERROR, why, details=self.details())


def resolve(check: Any, env: Any, compared_first: date) -> RefPeriod:
    """The reference of ``check`` for a compared period starting on ``compared_first``."""
    ref = check.reference
    if ref is None or isinstance(ref, Rolling):
        days = check.reference_days if ref is None else ref.n_days
        first, last = compared_first - timedelta(days=days), compared_first - timedelta(days=1)
        return RefPeriod(first, last, "rolling", f"{first}..{last}")
    if isinstance(ref, Period):
        out = RefPeriod(ref.first_day, ref.last_day, "period", ref.label)
    else:
        out = _snapshot(env, ref)
        if out.problem is not None:
            return out
    if out.last >= compared_first:
        why = (
            f"skipped: the pinned reference {out.label} does not end before {compared_first}, "
            "the first day compared (a day is never compared with itself or its future)"
        )
        return RefPeriod(**{**vars(out), "problem": Outcome(Status.SKIPPED, why)})
    return out


def _snapshot(env: Any, pin: Any) -> RefPeriod:
    from datavigil.store import snapshots

    memo = getattr(env, "memo", {})  # one read per run, however many checks ask
    far = date(1, 1, 1)
    try:
        if ("reference", pin) not in memo:
            memo[("reference", pin)] = snapshots.resolve(env.store, env.suite, pin)
        snap = memo[("reference", pin)]
    except snapshots.NoSnapshot as exc:
        o = Outcome(Status.SKIPPED, f"skipped (warm-up): {exc}")
        return RefPeriod(far, far, "snapshot", f"snapshot {pin}", problem=o)
    except (StoreUnavailable, SourceUnavailable):
        raise  # infrastructure: the run's error (exit 3, retried), never a check result
    except DatavigilError as exc:
        o = Outcome(Status.ERROR, f"reference unusable: {exc}")
        return RefPeriod(far, far, "snapshot", f"snapshot {pin}", problem=o)
    return RefPeriod(snap.window_start, snap.window_end, "snapshot", snap.label, snap.id,
                     snap.row_count)  # fmt: skip


@dataclass
class Reference:
    """What the output checks compare with: the reference's engine values (None when
    ``period.problem``), its days, and the settings."""

    values: Any
    period: RefPeriod
    alpha: float
    min_effect: float
    shape_min_effect: float
    scores: Any = None  # the period's raw scores when few (ScoreShift, ADR 0125)

    @property
    def first(self) -> date:
        return self.period.first

    @property
    def last(self) -> date:
        return self.period.last

    @property
    def label(self) -> str:
        return self.period.label

    def details(self) -> dict[str, Any]:
        return self.period.details()

    def gate(self, metrics: list[Any]) -> Outcome | None:
        """Why the reference cannot be compared with (unresolved, a metric the source could not
        compute, a rewritten snapshot period), or None."""
        from datavigil.checks.base import metric_error
        from datavigil.engine import metrics as m

        if self.period.problem is not None:
            return self.period.problem
        bad = metric_error(self.values, metrics)
        if bad is not None:
            return bad
        return self.period.stale(int(self.values.get(m.RowCount())))


def reference_of(check: Any, env: Any, min_effect: float | None = None) -> Reference:
    """The resolved reference of an output check for the run's window, read with one scan."""
    from datavigil.checks.prediction.base import period_values

    suite = env.suite
    period = resolve(check, env, env.window.days[0])
    values = None
    if period.problem is None:
        values, _ = period_values(env, period.first, period.last, check.metrics({}))
    alpha = check.alpha if check.alpha is not None else suite.alpha
    shape = getattr(check, "shape_min_effect", None)
    return Reference(
        values, period, alpha, min_effect if min_effect is not None else suite.min_effect,
        shape if shape is not None else suite.category_min_effect,
    )  # fmt: skip


def warm_up(ref: Reference, rows_: int) -> Outcome | None:
    if rows_ > 0:
        return None
    return Outcome(
        Status.SKIPPED,
        f"skipped (warm-up): no predictions in the reference {ref.label}",
        details=ref.details(),
    )
