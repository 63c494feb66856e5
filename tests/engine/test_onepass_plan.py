"""PostgreSQL and SQLite compute the one pass's shifted value once per row (docs/adr/0140,
``Caps.fence``), PostgreSQL in parallel workers (docs/adr/0148).

Without the fence the planners copied the subqueries' expressions into every aggregate that read
them: on PostgreSQL the shift probe became 123 InitPlans for one column and the 5M-row
benchmark's datavigil run took 267 s against 9 s for the hand-written query; on SQLite 300,000
rows took 7.3 s (the two-pass 2.3 s, the fenced one pass 1.1 s). Asserted on plans, not timings."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)
from sqlalchemy import event

from datavigil import SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan


def one_pass(url: str, metrics: list[m.Moments]) -> tuple[str, object]:
    """The one pass's statement (and its parameters) for ``metrics`` over table ``t``."""
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "dv_b" in statement:
            seen.append((statement, parameters))

    event.listen(sa.Engine, "before_cursor_execute", keep)
    try:
        with open_scan("s", SqlSource(table="t", url=url), None, None) as scan:
            values = scan.compute(metrics)
    finally:
        event.remove(sa.Engine, "before_cursor_execute", keep)
    assert all(values.get(x) for x in metrics)  # computed, not an error
    return seen[0]


def test_postgresql_runs_the_one_pass_in_parallel_workers(pg_url: str) -> None:
    """The shifts are read by a statement of their own, and a volatile function fences the
    shifted values (docs/adr/0148): no InitPlan, no OFFSET, so PostgreSQL aggregates in
    parallel workers (before: the probes' InitPlans and ``OFFSET 0`` kept the plan serial,
    1.7x the hand-written query on 5M rows)."""
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t AS SELECT i % 4 AS g, (i * i)::float8 AS x, "
                             "(i + 0.5)::float8 AS y FROM generate_series(1, 200) i"))  # fmt: skip
    statement, parameters = one_pass(pg_url, [m.Moments("x", by="g"), m.Moments("y", by="g")])
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        for cheap in ("parallel_setup_cost", "parallel_tuple_cost", "min_parallel_table_scan_size"):
            cursor.execute(f"SET {cheap} = 0")  # a parallel plan even for 200 rows, if possible
        cursor.execute("EXPLAIN VERBOSE " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    engine.dispose()
    assert "InitPlan" not in plan and "Partial HashAggregate" in plan, plan
    scan = plan[plan.index("Parallel Seq Scan") :]
    assert "clock_timestamp()" in scan, plan  # the fence: the shifted values computed once


def test_sqlite_keeps_the_shifted_values_in_one_subquery(tmp_path: Path) -> None:
    """The fence keeps ``dv_b`` a co-routine of its own, and the source is read in place, never
    copied into a temporary table (``MATERIALIZE dv_a``)."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (g integer, x float)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:g, :x)"),
                     [{"g": i % 4, "x": float(i * i)} for i in range(1, 200)])  # fmt: skip
    statement, parameters = one_pass(url, [m.Moments("x", by="g")])
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        plan = [row[3] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    engine.dispose()
    assert "CO-ROUTINE dv_b" in plan and "MATERIALIZE dv_a" not in plan, plan
