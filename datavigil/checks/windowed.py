"""What MeanShift and CategoryShift read when they declare a current window or a rolling
reference (declared in datavigil.declare.rolling, read by datavigil.checks.days, ADR 0110): the
earlier days of the window, merged, and the
reference's days, merged. Problems are recorded in ``Prepared``, never raised, except an
unreachable store or source (the run's infrastructure error)."""

from __future__ import annotations

from typing import Any

from datavigil.checks.days import counts_over, moments_over
from datavigil.core.errors import SourceUnavailable, StoreUnavailable
from datavigil.core.outcome import Status
from datavigil.declare import rolling


def rolling_of(check: Any, suite: Any) -> rolling.Rolling | None:
    pin = check.reference if check.reference is not None else suite.reference
    return pin if isinstance(pin, rolling.Rolling) else None


def uses_windows(check: Any, suite: Any) -> bool:
    """The check declares a window, or compares against a Rolling reference (its or the
    suite's); DayAnova and other checks without ``window`` never do."""
    if not hasattr(check, "window"):
        return False
    return check.window is not None or rolling_of(check, suite) is not None


def window_problems(check: Any) -> list[str]:
    """Load-time problems of ``window`` and a Rolling ``reference`` (the check's own)."""
    out: list[str] = []
    if check.window is not None:
        try:
            rolling.parse_days(check.window, "window", rolling.MAX_WINDOW)
        except ValueError as exc:
            out.append(str(exc))
    if isinstance(check.reference, rolling.Rolling):
        out += check.reference.problems()
    return out


def window_days(check: Any) -> int:
    if check.window is None:
        return 1
    return rolling.parse_days(check.window, "window", rolling.MAX_WINDOW)


def prepare_windows(env: Any, check: Any, prep: Any, kind: str) -> Any:
    """Fill ``prep`` (a checks.distribution.Prepared) with the window's earlier days and the
    rolling reference of ``check.column``; ``kind``: "moments" or "counts"."""
    suite = env.suite
    if suite.partition is None and not getattr(suite.source, "templated", False):
        prep.problem = (
            "a window or rolling reference needs a partitioned suite "
            "(partition= or a {date} file template)"
        )
        return prep
    if getattr(suite, "partition_unit", "day") != "day":
        prep.problem = f"windows count days: the suite's partition_unit is {suite.partition_unit!r}"
        return prep
    days = rolling.current_days(env.window, window_days(check))
    earlier = days[:-1]
    try:
        if earlier:
            prep.earlier, read = _read(env, check, earlier, kind, drop_failed=False)
            prep.windows["window"] = {"days": len(days), **read.describe(days)}
        ref = rolling_of(check, suite)
        if ref is not None:
            _rolling_reference(env, check, ref, days, kind, prep)
    except (StoreUnavailable, SourceUnavailable):
        raise
    except ValueError as exc:
        prep.problem = str(exc)
    return prep


def _read(env: Any, check: Any, days: list, kind: str, drop_failed: bool) -> tuple[Any, Any]:
    if kind == "moments":
        total, read = moments_over(env, check.column, days, drop_failed)
        return total, read
    counts, rest, read = counts_over(env, check.column, days, check.top, drop_failed)
    return (counts, rest), read


def _rolling_reference(env: Any, check: Any, ref: Any, days: list, kind: str, prep: Any) -> None:
    """The rolling reference; a failed day (left out) is stood in for by an older good day of
    the ``days`` days before the span, so the reference keeps its size while it can."""
    span = ref.span(days)
    drop = not ref.include_failed
    value, read = _read(env, check, span, kind, drop_failed=drop)
    older = ref.older(days, len(read.failed)) if read.failed else []
    if older:
        more, more_read = _read(env, check, older, kind, drop_failed=drop)
        value = _merged(value, more, kind)
        read.absorb(more_read)
    period = older + span
    info = {"kind": "rolling", "label": ref.label, **read.describe(period)}
    info["older_days_for_failed"] = len(older)
    prep.windows["reference"] = info
    prep.ref_label = f"{ref.label} ({info['first']}..{info['last']})" if period else ref.label
    empty = value.n == 0 if kind == "moments" else not (value[0] or value[1])
    if not empty:
        prep.ref_value = value
        return
    if read.failed and len(read.failed) == len(period):
        prep.problem = (
            f"every day of the {ref.label} reference ({info['first']}..{info['last']}) failed "
            "validation: accept the new level with Rolling(include_failed=True) or use a snapshot"
        )
        return
    prep.problem = f"skipped (warm-up): the {prep.ref_label} reference has no values yet"
    prep.problem_status = Status.SKIPPED


def _merged(a: Any, b: Any, kind: str) -> Any:
    if kind == "moments":
        return a.merge(b)
    counts = dict(a[0])
    for k, v in b[0].items():
        counts[k] = counts.get(k, 0) + v
    return counts, a[1] + b[1]
