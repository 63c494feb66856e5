"""The reference a distribution check compares against: the settings (alpha, min_effect), the
resolved snapshot (read once per run) or the window's days and the rolling reference
(checks.windowed), the snapshot's moments of a column and why they cannot be used. A problem is
recorded in ``Prepared``, never raised, except the infrastructure's (exit 3).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datavigil.core.errors import DatavigilError, SourceUnavailable, StoreUnavailable
from datavigil.core.outcome import Outcome, Status
from datavigil.engine.profile import source_schema
from datavigil.stats import sufficient as stats

if TYPE_CHECKING:
    import numpy as np

    from datavigil.store.snapshots import Reference
else:  # imported at the first use (ADR 0138)
    from datavigil.core.lazy import numpy as np


@dataclass
class Prepared:
    """What prepare() obtained: the settings, the reference, or the reason there is none."""

    alpha: float = 0.05
    min_effect: float = 0.2
    reference: Reference | None = None
    # the snapshot's raw sample, read from the store at its first use (``sample``): only a
    # check that needs raw values (a small partition's permutation test, a rank test) reads it
    loader: Callable[[], dict[str, np.ndarray] | None] | None = None
    loaded: dict[str, np.ndarray] | None = None
    problem: str | None = None
    problem_status: Status = Status.ERROR  # SKIPPED while no snapshot was ever captured
    # a window / rolling reference (checks.windowed): the window's earlier days merged, the
    # rolling reference merged, its label, and what was read from where (for details)
    earlier: Any = None
    ref_value: Any = None
    ref_label: str | None = None
    windows: dict[str, Any] = field(default_factory=dict)

    @property
    def sample(self) -> dict[str, np.ndarray] | None:
        """The snapshot's raw sample of the columns asked for (read now if not yet)."""
        if self.loader is not None:
            self.loaded, self.loader = self.loader(), None
        return self.loaded

    @property
    def label(self) -> str:
        if self.reference is not None:
            return self.reference.label
        return self.ref_label or "the reference"

    @property
    def ref_details(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.windows)
        if self.reference is not None:
            out["reference_snapshot_id"] = self.reference.id
        return out

    def failed(self, column: str) -> Outcome:
        return Outcome(self.problem_status, f"{column}: {self.problem}")


def schema_problem(ref: Reference, current: dict[str, str]) -> str | None:
    if ref.schema == current:
        return None
    gone = sorted(set(ref.schema) - set(current))
    new = sorted(set(current) - set(ref.schema))
    changed = sorted(c for c in set(ref.schema) & set(current) if ref.schema[c] != current[c])
    parts = [
        f"{label}: {', '.join(cols)}"
        for label, cols in (("missing", gone), ("added", new), ("type changed", changed))
        if cols
    ]
    return (
        f"the source's schema differs from reference {ref.label} ({'; '.join(parts)}): "
        "capture a new snapshot"
    )


def prepare_reference(env: Any, check: Any, columns: list[str], kind: str = "moments") -> Prepared:
    """Settings from the suite (a check may override them), the resolved snapshot and the raw
    sample of ``columns`` (or the window and the rolling reference: checks.windowed); a problem
    is recorded, never raised."""
    from datavigil.checks import windowed

    if env is None:
        return Prepared(problem="no results store: the reference snapshot cannot be read")
    suite = env.suite
    prep = Prepared(
        alpha=check.alpha if check.alpha is not None else suite.alpha,
        min_effect=check.min_effect if check.min_effect is not None else suite.min_effect,
    )
    if windowed.uses_windows(check, suite):
        windowed.prepare_windows(env, check, prep, kind)
        if windowed.rolling_of(check, suite) is not None or prep.problem:
            return prep
    return prepare_snapshot(env, check, columns, prep)


def prepare_snapshot(env: Any, check: Any, columns: list[str], prep: Prepared) -> Prepared:
    """The resolved snapshot of ``check`` (or the suite) and the raw sample of ``columns``."""
    from datavigil.store import snapshots

    suite = env.suite
    pin = check.reference if check.reference is not None else suite.reference
    if is_rolling(pin):
        name = type(check).__name__
        prep.problem = f"{name} compares against a snapshot: set its reference='active'"
        return prep
    memo = getattr(env, "memo", {})  # one read per run, however many checks ask
    try:
        if ("reference", pin) not in memo:
            memo[("reference", pin)] = snapshots.resolve(env.store, suite, pin)
        ref = memo[("reference", pin)]
    except snapshots.NoSnapshot as exc:
        prep.problem, prep.problem_status = f"skipped (warm-up): {exc}", Status.SKIPPED
        return prep
    except (StoreUnavailable, SourceUnavailable):
        raise  # infrastructure: the run's error (exit 3, retried), never a check result
    except DatavigilError as exc:
        prep.problem = f"reference unusable: {exc}"
        return prep
    prep.reference = ref
    if "schema" not in memo:
        memo["schema"] = source_schema(suite, env.window)
    prep.problem = schema_problem(ref, memo["schema"])
    if prep.problem is None and ref.sample_rows and columns:  # raw values (small groups)
        prep.loader = lambda: _sample_of(env, ref.id, columns)  # read only when used (ADR 0141)
    return prep


def _sample_of(env: Any, snapshot_id: int, columns: list[str]) -> dict[str, np.ndarray] | None:
    """The finite values of ``columns`` in the snapshot's stored sample (one read per run)."""
    from datavigil.store import snapshots

    memo = getattr(env, "memo", {})
    if ("sample", snapshot_id) not in memo:
        memo[("sample", snapshot_id)] = snapshots.load_sample(env.store, snapshot_id)
    frame = memo[("sample", snapshot_id)]
    if frame is None:
        return None
    return {c: _finite(frame[c]) for c in columns if c in frame.columns}


def reference_moments(ref: Reference, column: str) -> tuple[stats.Moments | None, str | None]:
    col = ref.columns.get(column)
    if col is None:
        return None, f"{ref.label} has no column '{column}'"
    if col.get("kind") != "numeric":
        return None, f"{ref.label}: column '{column}' is {col.get('kind')}, not numeric"
    return usable_reference(stats.Moments.from_dict(col["moments"]), ref.label, column)


def usable_reference(
    m: stats.Moments, label: str, column: str
) -> tuple[stats.Moments | None, str | None]:
    """The reference's moments, or why a standardized shift against them is undefined."""
    bad = overflowed(m, f"{label}: column '{column}'") if m.n >= 2 else None
    if bad is not None:
        return None, bad.message
    if m.n < 2:
        return None, f"{label}: column '{column}' has {m.n} finite value(s)"
    if m.m2 <= 0:
        return None, (
            f"{label}: column '{column}' has zero variance (constant "
            f"{m.mean:g}): a standardized shift is undefined"
        )
    return m, None


def is_rolling(ref: Any) -> bool:
    from datavigil.declare.rolling import Rolling

    return isinstance(ref, Rolling)


def the_reference(prep: Prepared, column: str) -> tuple[stats.Moments | None, str | None]:
    """The snapshot's moments of ``column``, or the rolling reference's (checks.windowed)."""
    if prep.reference is not None:
        return reference_moments(prep.reference, column)
    if prep.ref_value is None:
        return None, "no reference was prepared"
    return usable_reference(prep.ref_value, prep.label, column)


def overflowed(mo: stats.Moments, label: str) -> Outcome | None:
    """``error`` when the moments are not finite (values so large that the variance overflows
    double precision): a statistic computed from them would be meaningless, never a pass."""
    if all(math.isfinite(v) for v in (mo.mean, mo.m2)):
        return None
    return Outcome(
        Status.ERROR,
        f"{label}: the moments are not finite (mean {mo.mean:.3g}, M2 {mo.m2:.3g}; values up to "
        f"{max(abs(mo.min), abs(mo.max)):.3g} overflow double precision): cannot test",
        details={"n": mo.n, "mean": mo.mean if math.isfinite(mo.mean) else None},
    )


def incomparable(cur: stats.Moments, ref: stats.Moments, label: str) -> Outcome | None:
    """``error`` when the current values and the reference cannot be put in one unit (one
    variance underflows to 0 or overflows in the other's units, ratio beyond double precision):
    every statistic would divide by 0 or take the log of 0 (issue 17 item 12). A sample whose
    own moments are unusable (one sentinel value) is left to the procedure, which names it."""
    from datavigil.stats.procedures import numeric_problem

    if numeric_problem("current", cur) or numeric_problem("reference", ref):
        return None
    scaled = stats.common_scale([cur, ref])
    if all(
        math.isfinite(g.mean) and math.isfinite(g.m2) and (g.m2 > 0 or o.m2 <= 0)
        for g, o in zip(scaled, (cur, ref), strict=True)
    ):
        return None
    top = lambda m: max(abs(m.min), abs(m.max))  # noqa: E731
    return Outcome(
        Status.ERROR,
        f"{label}: values up to {top(cur):.3g} (sd {cur.sd:.3g}) against a reference of values "
        f"up to {top(ref):.3g} (sd {ref.sd:.3g}): their variances differ by more than double "
        "precision holds (one is 0 in the other's units): cannot test",
        details={"n": cur.n, "max_abs": top(cur), "reference_max_abs": top(ref)},
    )


def _finite(series: Any) -> np.ndarray:
    x = series.to_numpy(dtype=np.float64, na_value=np.nan)
    return x[np.isfinite(x)]
