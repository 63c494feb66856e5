"""Failing rows kept in full where the data is (docs/adr/0135).

A SQL source's database writes them itself: ``INSERT INTO <failures table> SELECT <columns>,
:run_id, :check, :stored_at FROM <source> WHERE <partition> AND <failing predicate> LIMIT <cap>``
(the table created by ``CREATE TABLE ... AS SELECT ... WHERE 1 = 0`` the first time); no row
passes through Python. One transaction deletes the check's rows of the run (a re-run replaces
them), inserts, counts and applies the retention (the last N runs of the suite). Files and object
storage: datavigil.engine.failure_files. The settings are read here (``Settings.read``).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.core.errors import SettingError
from datavigil.engine import compile as c

RUN, CHECK, AT = "dv_run_id", "dv_check", "dv_stored_at"  # the columns added to the source's


@dataclass(frozen=True)
class Settings:
    """DATAVIGIL_FAILURES_CAP (rows per check, default 1,000,000),
    DATAVIGIL_FAILURES_KEEP_RUNS (runs kept per suite, default 30), DATAVIGIL_FAILURES_TABLE
    (``{suite}`` replaced, default ``datavigil_failures_{suite}``) and DATAVIGIL_FAILURES_DIR
    (default ``<DATAVIGIL_HOME>/failures``)."""

    cap: int = 1_000_000
    keep_runs: int = 30
    table: str = "datavigil_failures_{suite}"
    directory: str | None = None

    @classmethod
    def read(cls) -> Settings:
        env = os.environ
        table = env.get("DATAVIGIL_FAILURES_TABLE", "").strip() or cls.table
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", table.replace("{suite}", "s")):
            raise SettingError(
                f"DATAVIGIL_FAILURES_TABLE must be a table name (letters, digits, _ and "
                f"{{suite}}), got '{table}'"
            )
        return cls(
            cap=_positive("DATAVIGIL_FAILURES_CAP", cls.cap),
            keep_runs=_positive("DATAVIGIL_FAILURES_KEEP_RUNS", cls.keep_runs),
            table=table,
            directory=env.get("DATAVIGIL_FAILURES_DIR", "").strip() or None,
        )


def _positive(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip().replace("_", "")
    if not text:
        return default
    if not text.isdigit() or int(text) < 1:
        raise SettingError(f"{name} must be a whole number of at least 1, got '{text}'")
    return int(text)


def safe(name: str) -> str:
    """A suite, run or check name as a table or file name part."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


@dataclass(frozen=True)
class Target:
    """Whose failing rows: the run, the check, the suite, and the settings."""

    suite: str
    run_id: str
    check: str
    settings: Settings

    @property
    def table(self) -> str:
        return self.settings.table.replace("{suite}", re.sub(r"\W", "_", self.suite))


def keep_sql(url: str, schema: str | None, scope: c.Scope, target: Target, where: Any) -> dict:
    """Write the failing rows of ``target`` (``where``: the failing predicate, None to only
    delete this check's rows of the run) into the failures table of the source's database."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    name = f"{schema}.{target.table}" if schema else target.table
    try:
        with engine.begin() as conn:
            table = _table(conn, scope, target.table, schema, create=where is not None)
            if table is None:  # nothing failed and nothing was ever stored: no table made
                return {"rows": 0, "table": name}
            mine = sa.and_(table.c[RUN] == target.run_id, table.c[CHECK] == target.check)
            conn.execute(sa.delete(table).where(mine))
            if where is not None:
                conn.execute(_insert(scope, table, target, where))
            n = conn.execute(sa.select(sa.func.count()).select_from(table).where(mine)).scalar()
            _retain(conn, table, target.settings.keep_runs)
    finally:
        engine.dispose()
    return {"rows": int(n or 0), "table": name}


def _table(
    conn: sa.Connection, scope: c.Scope, name: str, schema: str | None, create: bool
) -> sa.TableClause | None:
    columns = [*scope.columns, RUN, CHECK, AT]
    table = sa.table(name, *[sa.column(n) for n in columns], schema=schema)
    if sa.inspect(conn).has_table(name, schema=schema):
        return table
    if not create:
        return None
    text = sa.String(255)
    shape = (
        sa.select(
            *[scope.col(n) for n in scope.columns],
            *[sa.cast(sa.null(), text).label(n) for n in (RUN, CHECK, AT)],
        )
        .select_from(scope.frm)
        .where(sa.false())
    )
    quoted = conn.dialect.identifier_preparer.format_table(table)
    compiled = shape.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
    conn.exec_driver_sql(f"CREATE TABLE {quoted} AS {compiled}")
    return table


def _insert(scope: c.Scope, table: sa.TableClause, target: Target, where: Any) -> Any:
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    rows = scope.select(
        *[scope.col(n) for n in scope.columns],
        *[sa.literal(v, sa.String(255)) for v in (target.run_id, target.check, stamp)],
    ).where(c.predicate(scope, where))
    names = [*scope.columns, RUN, CHECK, AT]
    return sa.insert(table).from_select(names, rows.limit(target.settings.cap))


def _retain(conn: sa.Connection, table: sa.TableClause, keep: int) -> None:
    """Delete the rows of every run but the ``keep`` last stored."""
    last = sa.func.max(table.c[AT])
    runs = (
        conn.execute(
            sa.select(table.c[RUN])
            .group_by(table.c[RUN])
            .order_by(last.desc(), table.c[RUN].desc())
        )
        .scalars()
        .all()
    )
    old = list(runs[keep:])
    if old:
        conn.execute(sa.delete(table).where(table.c[RUN].in_(old)))
