"""The store's invariant, checked after every fault and every concurrent episode: per run id
exactly one complete run or none, no orphan and no duplicated check or metric rows, the run's
status the one its rows give. Reads with a fresh engine of its own (never the store's)."""

from __future__ import annotations

import sqlalchemy as sa

from datavigil.store import status_of
from tests.store_worker import checks_for, metrics_for

ORPHANS = """SELECT count(*) FROM {table} t
             WHERE NOT EXISTS (SELECT 1 FROM validation_runs r WHERE r.run_id = t.run_id)"""
DUPLICATES = """SELECT count(*) FROM (SELECT run_id, check_name FROM check_results
                GROUP BY run_id, check_name HAVING count(*) > 1) d"""


def stored(url: str, run_id: str) -> str | None:
    """The tag of the run stored under ``run_id`` (None: no run), after asserting the
    invariant."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return _check(conn, run_id)
    finally:
        engine.dispose()


def _check(conn: sa.Connection, run_id: str) -> str | None:
    for table in ("check_results", "run_metrics"):
        assert conn.scalar(sa.text(ORPHANS.format(table=table))) == 0, f"orphan {table} rows"
    assert conn.scalar(sa.text(DUPLICATES)) == 0, "duplicated check rows"
    q = {"r": run_id}
    runs = conn.execute(sa.text("SELECT status FROM validation_runs WHERE run_id = :r"), q).all()
    rows = conn.execute(
        sa.text(
            "SELECT check_name, message, severity, status FROM check_results WHERE run_id = :r"
        ),
        q,
    ).all()
    metrics = conn.execute(
        sa.text("SELECT metric, column_name, group_key, value FROM run_metrics WHERE run_id = :r"),
        q,
    ).all()
    if not runs:
        assert rows == [] and metrics == [], "rows without their run"
        return None
    assert len(runs) == 1
    tags = {m.removeprefix("tag=") for _, m, _, _ in rows}
    assert len(tags) == 1, f"rows of {len(tags)} different saves in one run: {sorted(tags)}"
    (tag,) = tags
    assert sorted(n for n, *_ in rows) == [f"check.{i}" for i in range(checks_for(tag))], tag
    assert sorted(tuple(m) for m in metrics) == sorted(metrics_for(tag)), "metrics of another save"
    assert runs[0][0] == status_of([(sev, st) for _, _, sev, st in rows]), "stale run status"
    return tag


def attempts(url: str, run_id: str) -> list[tuple[int, str, bool]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    sa.text(
                        "SELECT attempt, status, saved FROM run_attempts WHERE run_id = :r"
                        " ORDER BY attempt"
                    ),
                    {"r": run_id},
                )
            ]
    finally:
        engine.dispose()
