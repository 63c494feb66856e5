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
