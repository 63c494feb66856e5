"""Failing rows of a file or object-storage source, as Parquet beside the results store
(docs/adr/0135): ``COPY (SELECT <columns>, run, check FROM src WHERE <partition> AND <failing
predicate> LIMIT <cap>) TO '<dir>/<suite>/<run>/<check>.parquet'``, written by DuckDB (the rows
never pass through Python) to a temporary file renamed into place, so a failed write leaves
nothing half-written. The retention keeps the last N runs' folders of the suite.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from datavigil.engine import compile as c
from datavigil.engine.failures import CHECK, RUN, Target, safe


def path_of(directory: Path, target: Target) -> Path:
    return directory / safe(target.suite) / safe(target.run_id) / f"{safe(target.check)}.parquet"


def keep_parquet(conn: Any, scope: c.Scope, directory: Path, target: Target, where: Any) -> dict:
    """Write the failing rows of ``target`` (``where`` None: only remove the run's file)."""
    path = path_of(directory, target)
    if where is None:
        path.unlink(missing_ok=True)
        return {"rows": 0, "path": str(path)}
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = scope.select(
        *[scope.col(n) for n in scope.columns],
        sa.literal(target.run_id).label(RUN),
        sa.literal(target.check).label(CHECK),
    ).where(c.predicate(scope, where))
    compiled = rows.limit(target.settings.cap).compile(
        dialect=conn.dialect, compile_kwargs={"render_postcompile": True}
    )  # $n parameters, IN lists expanded: positiontup is their order
    params = [compiled.params[k] for k in (compiled.positiontup or [])]
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    quoted = str(tmp).replace("'", "''")
    raw = conn.connection.dbapi_connection
    try:
        raw.execute(f"COPY ({compiled}) TO '{quoted}' (FORMAT PARQUET)", params)
        (n,) = raw.execute("SELECT count(*) FROM read_parquet(?)", [str(tmp)]).fetchone()
        os.replace(tmp, path)
    finally:
        if tmp.is_file():  # a write that failed midway leaves nothing behind
            tmp.unlink()
    _retain(path.parent.parent, target.settings.keep_runs)
    return {"rows": int(n), "path": str(path)}


def _retain(suite_dir: Path, keep: int) -> None:
    """Remove every run's folder but the ``keep`` last written."""
    runs = [p for p in suite_dir.iterdir() if p.is_dir()]
    runs.sort(key=lambda p: (max((f.stat().st_mtime_ns for f in p.iterdir()), default=0), p.name))
    for old in runs[: max(len(runs) - keep, 0)]:
        shutil.rmtree(old, ignore_errors=True)
