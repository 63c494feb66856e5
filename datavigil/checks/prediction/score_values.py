"""The raw scores ScoreShift's mean test pools when the groups are small (ADR 0125): Welch's t
then takes a permutation p-value, which holds its level for skewed scores where the t
approximation does not (10 scores against 1,000).

Compute where the data is: the reference period's scores are read (one bounded query, at most
``POOL_CAP`` + 1 rows) only when the whole period holds at most ``POOL_CAP`` scores, and the
partition's only when it holds at most ``SMALL_GROUP``; otherwise the moments decide alone.
"""

from __future__ import annotations

from typing import Any

from datavigil.checks.small_values import finite_of
from datavigil.engine import metrics as m
from datavigil.stats.permutation import POOL_CAP, SMALL_GROUP


def sample_of(column: str, cap: int) -> m.Sample:
    return m.Sample((column,), cap + 1, where=m.Not(m.IsNull(column)))


def reference_scores(env: Any, check: Any, ref: Any) -> Any:
    """The reference period's finite scores when its aggregates (``ref.values``, engine Values)
    count at most POOL_CAP of them, else None."""
    from datavigil.checks.prediction.base import period_values

    got = ref.values.data.get(m.Moments(check.col("score")))
    if not isinstance(got, dict) or None not in got or got[None].moments.n > POOL_CAP:
        return None
    wanted = [sample_of(check.col("score"), POOL_CAP)]
    values, _ = period_values(env, ref.first, ref.last, wanted)
    return finite_of(values.data.get(wanted[0]))


def pair(ctx: Any, column: str, n: int, reference: Any) -> tuple[Any, Any] | None:
    """(the partition's scores, the reference's) when both are at hand and the partition holds
    at most SMALL_GROUP scores (one bounded query), else None."""
    if reference is None or n > SMALL_GROUP or ctx.fetch is None:
        return None
    wanted = sample_of(column, SMALL_GROUP)
    current = finite_of(ctx.fetch([wanted]).data.get(wanted))
    return None if current is None else (current, reference)
