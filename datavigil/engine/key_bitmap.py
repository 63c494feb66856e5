"""The duplicate keys of one integer column on DuckDB without a GROUP BY (docs/adr/0157).

A GROUP BY of 5M distinct keys is a hash aggregate of 5M groups: the costliest statement of the
benchmark's suite (1.1-2.0 s of CPU, as much as the one pass over every other check). When the
key's smallest and largest values are known (they ride in the run's scalar statement: no scan of
their own) and the range between them is small enough, a bitmap of the range counts the distinct
values in one streaming aggregate (``bitstring_agg``: one bit a possible value, 0.13-0.16 s of
CPU on the same 5M keys). Every present value distinct: the key passes, its ``Duplicates`` set
from that statement alone. Otherwise (a value repeats, or more present values than the range
holds, or a range too wide) the GROUP BY counts the repeated keys and rows, as before.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine.values import Duplicates, Runner, Values

MAX_RANGE = 1 << 27  # possible values: a bitmap of 16 MiB at most (a DuckDB thread each)
INTEGERS = frozenset(
    {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"}
)  # what fits a BIGINT (HUGEINT and UBIGINT take the GROUP BY)


def key_column(scope: c.Scope, x: m.DuplicateKeys) -> str | None:
    """The integer key column a bitmap can count, if ``x`` has one (DuckDB only)."""
    if scope.caps.name != "duckdb" or len(x.columns) != 1:
        return None
    col = scope.columns.get(x.columns[0])
    if col is None or col.type_name.upper() not in INTEGERS:
        return None
    return col.name


def helpers(scope: c.Scope, ready: list[Any], scalars: list[Any]) -> list[Any]:
    """The scalar metrics a bitmap needs for the ``ready`` metrics (the keys' min, max and
    NULLs, the rows) that ``scalars`` lacks; none without a scalar statement to ride in."""
    out: list[Any] = []
    for x in ready if scalars else []:
        key = key_column(scope, x) if isinstance(x, m.DuplicateKeys) else None
        if key is not None:
            out += [m.RowCount(), m.NullCount(key), m.Min(key), m.Max(key)]
    return [h for h in dict.fromkeys(out) if h not in scalars]


def forget(values: Values, extra: list[Any]) -> None:
    """Drop the helpers nobody asked for from the run's values (nothing more stored)."""
    for h in extra:
        values.data.pop(h, None)


def no_repeats(scope: c.Scope, x: m.DuplicateKeys, run: Runner, values: Values) -> bool:
    """Count the distinct values of ``x``'s integer key in a bitmap of its range: every present
    value distinct sets its Duplicates and returns True; anything else returns False (the
    GROUP BY then counts the repeats). Rows, NULLs and present values are counted in the same
    statement, and a value outside the range is left out of the bitmap: a file that changed
    since the min and max were read makes the counts differ, and the GROUP BY decides."""
    key = key_column(scope, x)
    if key is None:
        return False
    lo, hi = values.data.get(m.Min(key)), values.data.get(m.Max(key))
    if not isinstance(lo, int) or not isinstance(hi, int) or hi - lo + 1 > MAX_RANGE:
        return False
    rows, nulls = values.data.get(m.RowCount()), values.data.get(m.NullCount(key))
    if isinstance(rows, int) and isinstance(nulls, int) and rows - nulls > hi - lo + 1:
        return False  # more present values than the range holds: one repeats at least
    col = sa.cast(scope.col(key), sa.BigInteger)
    inside = sa.and_(col >= lo, col <= hi)
    bitmap = sa.func.bitstring_agg(col, lo, hi).filter(inside)
    stmt = scope.select(sa.func.bit_count(bitmap), sa.func.count(col), sa.func.count())
    ((distinct, present, n_rows),) = run(stmt)
    values.queries += 1
    if distinct is None or int(distinct) != int(present):
        return False
    nulls = int(n_rows) - int(present)  # NULL is a key of its own, as in GROUP BY
    values.data[x] = Duplicates(int(distinct) + (nulls > 0), int(nulls > 1), nulls * (nulls > 1))
    return True
