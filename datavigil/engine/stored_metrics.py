"""A run's computed metrics as (metric, column, group, value) rows for the results store: every
value that is a number, never a sample or a key list.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from datavigil.engine import metrics as m
from datavigil.engine.values import GroupStats, Values

Row = tuple[str, str | None, str | None, float | None]


def _num(value: Any) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float | Decimal):
        return float(value) if math.isfinite(float(value)) else None
    return None


def _moment_rows(x: m.Moments, groups: dict[str | None, GroupStats]) -> list[Row]:
    out: list[Row] = []
    for key, g in groups.items():
        label = None if x.by is None else f"{x.by}={key}"
        mo = g.moments
        for name, v in (
            ("n", mo.n), ("mean", mo.mean), ("m2", mo.m2), ("m3", mo.m3), ("m4", mo.m4),
            ("min", mo.min), ("max", mo.max), ("rows", g.rows), ("scale", mo.scale),
        ):  # fmt: skip
            out.append(
                (f"moments.{name}", x.column, label, _num(v) if mo.n or name == "rows" else None)
            )
    return out


def profile(values: Values) -> list[Row]:
    """The run's metrics as (metric, column, group, value) rows for the results store."""
    out: list[Row] = []
    for x, v in values.data.items():
        rowwise = m.Sample | m.RepeatedKeys | m.PairedKeys | m.PairedSample
        if isinstance(v, m.MetricError) or isinstance(x, rowwise):
            continue
        if isinstance(x, m.InfCount):
            out.append(("pos_inf_count" if x.sign > 0 else "neg_inf_count", x.column, None, v))
        elif isinstance(x, m.CountWhere):
            cols = ",".join(sorted(m.columns_of(x.predicate)))
            out.append(("count_where", cols, x.label or None, float(v)))
        elif isinstance(x, m.DuplicateKeys):
            cols = ",".join(x.columns)
            out += [("distinct_keys", cols, None, float(v.distinct_keys)),
                    ("repeated_keys", cols, None, float(v.repeated_keys)),
                    ("rows_with_repeated_key", cols, None, float(v.rows_repeated))]  # fmt: skip
        elif isinstance(x, m.Moments):
            out += _moment_rows(x, v)
        elif isinstance(x, m.Frequencies):
            out += [("frequency", x.column, k, float(n)) for k, n in v.counts.items()]
            out.append(("frequency_total", x.column, None, float(v.total)))
        else:
            out.append((x.name, getattr(x, "column", None), None, _num(v)))
    return out
