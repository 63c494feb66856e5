"""PostgreSQL computes the one pass's shifted value once per row (docs/adr/0140, ``Caps.fence``).

Without the fence the planner copied the subqueries' expressions into every aggregate that read
them: the shift probe became 123 InitPlans for one column and the 5M-row benchmark's datavigil
run took 267 s against 9 s for the hand-written query. Asserted on the plan, not on a timing."""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)
from sqlalchemy import event

from datavigil import SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan


def test_the_shift_probe_runs_once_per_column(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t AS SELECT i % 4 AS g, (i * i)::float8 AS x, "
                             "(i + 0.5)::float8 AS y FROM generate_series(1, 200) i"))  # fmt: skip
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "dv_b" in statement:
            seen.append((statement, parameters))

    event.listen(sa.Engine, "before_cursor_execute", keep)
    try:
        with open_scan("s", SqlSource(table="t", url=pg_url), None, None) as scan:
            values = scan.compute([m.Moments("x", by="g"), m.Moments("y", by="g")])
    finally:
        event.remove(sa.Engine, "before_cursor_execute", keep)
    assert values.get(m.Moments("x", by="g"))  # computed, not an error
    (statement, parameters), *_ = seen
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN " + statement, parameters)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    engine.dispose()
    assert plan.count("InitPlan") == 2, plan  # one probe per column (123 for one column before)


def test_sqlite_keeps_the_shifted_values_in_one_subquery(tmp_path) -> None:  # noqa: ANN001
    """SQLite flattened the subqueries the same way: 300,000 rows took 7.3 s (the two-pass 2.3 s,
    the fenced one pass 1.1 s). The fence keeps ``dv_b`` a co-routine of its own, and the
    source is read in place, never copied into a temporary table (``MATERIALIZE dv_a``)."""
    url = f"sqlite:///{tmp_path / 't.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (g integer, x float)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:g, :x)"),
                     [{"g": i % 4, "x": float(i * i)} for i in range(1, 200)])  # fmt: skip
    seen: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        if "dv_b" in statement:
            seen.append((statement, parameters))

    event.listen(sa.Engine, "before_cursor_execute", keep)
    try:
        with open_scan("s", SqlSource(table="t", url=url), None, None) as scan:
            assert scan.compute([m.Moments("x", by="g")]).get(m.Moments("x", by="g"))
    finally:
        event.remove(sa.Engine, "before_cursor_execute", keep)
    (statement, parameters), *_ = seen
    with engine.connect() as conn:
        cursor = conn.connection.driver_connection.cursor()
        plan = [row[3] for row in cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)]
    engine.dispose()
    assert "CO-ROUTINE dv_b" in plan and "MATERIALIZE dv_a" not in plan, plan
