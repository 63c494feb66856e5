"""A backfill's freshness probes in one statement (docs/adr/0146).

A nightly run asks ``probes.sql_latest`` for the newest timestamp strictly before its window's
end (and the newest overall, and the rows): one aggregate over the whole table a night. For the
days of a backfill, one statement gives every day's answer: each row gets the number of the
days' ends at or before it (a balanced CASE on the very comparison ``col < end`` the nightly
probe makes), the maximum per number, and the running maximum over the numbers in order (the
backend's own ordering: a window function). A timestamp is strictly before day i's end exactly
when its number is at most i. Only timestamp columns are answered; a DATE or day-key column is
probed per run, as at night.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.engine import probes
from datavigil.engine.dialects import sql_family


def _ends(conn: Any, col: Any, windows: list[Any], column_timezone: str) -> list[Any]:
    """Each day's end as the nightly probe binds it (``probes.end_bound``)."""
    return [probes.end_bound(conn, col, w, column_timezone, key=None) for w in windows]


def _number(col: Any, ends: list[Any]) -> Any:
    """How many of the (increasing) ``ends`` are at or before ``col``."""

    def tree(lo: int, hi: int) -> Any:
        if lo == hi:
            return sa.literal_column(str(lo), sa.Integer)
        mid = (lo + hi) // 2
        return sa.case((col < ends[mid], tree(lo, mid)), else_=tree(mid + 1, hi))

    return tree(0, len(ends))


def latest_days(
    source: Any, where: probes.Where, column: str, windows: list[Any], column_timezone: str
) -> dict[str, probes.Latest]:
    """Day label -> what ``probes.sql_latest`` answers for that day ({} for a column that is
    not a timestamp)."""
    with probes._connected(source, where) as conn:
        col, from_ = probes._column(conn, source, column, where)
        family = sql_family(col.type)
        if family not in ("datetime", "datetime_tz") or not windows:
            return {}
        per = sa.select(
            _number(col, _ends(conn, col, windows, column_timezone)).label("b"),
            sa.func.max(col).label("mx"),
            sa.func.count().label("n"),
        ).select_from(from_)
        g = per.group_by(sa.literal_column("b")).subquery("dv_l")
        upto = sa.func.max(g.c.mx).over(order_by=g.c.b, rows=(None, 0))
        stmt = sa.select(g.c.b, upto, sa.func.max(g.c.mx).over(), sa.func.sum(g.c.n).over())
        rows = sorted(conn.execute(stmt).all(), key=lambda r: int(r[0]))
    aware = family == "datetime_tz"
    out: dict[str, probes.Latest] = {}
    value, at = None, 0
    for i, w in enumerate(windows):
        while at < len(rows) and int(rows[at][0]) <= i:
            value, at = rows[at][1], at + 1
        newest, total = (rows[0][2], rows[0][3]) if rows else (None, 0)
        out[w.label] = probes.Latest(
            value=probes._as_utc(value, aware, column_timezone, where),
            newest=probes._as_utc(newest, aware, column_timezone, where),
            rows=int(total or 0),
        )
    return out
