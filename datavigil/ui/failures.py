"""The first rows of a check's stored failing rows (docs/adr/0135), read back from where they
are for the run page: the Parquet file beside the results store, or the failures table in the
source's database (reached through the suite's own source, loaded by name). A source that cannot
be read is a one-line note on the page, never an error of the page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from datavigil.core.errors import first_line
from datavigil.core.redact import redact_text

FIRST = 20
HIDDEN = ("dv_run_id", "dv_check", "dv_stored_at")  # the same on every row of one check


def attach(checks: list[dict[str, Any]], run: dict[str, Any]) -> None:
    """Add ``failures_first`` ({columns, rows} or {error}) to each check that stored rows."""
    for check in checks:
        info = check["details"].get("failures")
        if isinstance(info, dict) and info.get("rows"):
            try:
                check["failures_first"] = _read(info, run, check["check_name"])
            except Exception as exc:  # the page shows why, and the rest of the run
                note = f"the first failing rows could not be read: {first_line(exc)}"
                check["failures_first"] = {"error": redact_text(note)}


def _read(info: dict[str, Any], run: dict[str, Any], check: str) -> dict[str, Any]:
    if info.get("path"):
        import duckdb

        with duckdb.connect() as conn:
            rel = conn.execute("SELECT * FROM read_parquet(?) LIMIT ?", [info["path"], FIRST])
            names = [d[0] for d in rel.description or []]
            return _shown(names, rel.fetchall())
    return _from_table(str(info["table"]), run, check)


def _from_table(name: str, run: dict[str, Any], check: str) -> dict[str, Any]:
    from datavigil.runner import registry

    source = registry.load(run["suite"]).source
    schema, _, table = name.rpartition(".")
    engine = source.engine(run["suite"])  # the source's own (read-only for an SQLite file)
    try:
        t = sa.table(table, sa.column("dv_run_id"), sa.column("dv_check"), schema=schema or None)
        stmt = (
            sa.select(sa.text("*"))
            .select_from(t)
            .where(t.c.dv_run_id == run["run_id"], t.c.dv_check == check)
            .limit(FIRST)
        )
        with engine.connect() as conn:
            result = conn.execute(stmt)
            return _shown(list(result.keys()), [tuple(r) for r in result])
    finally:
        engine.dispose()


def _shown(names: list[str], rows: list[tuple[Any, ...]]) -> dict[str, Any]:
    keep = [i for i, n in enumerate(names) if n not in HIDDEN]
    return {"columns": [names[i] for i in keep], "rows": [[r[i] for i in keep] for r in rows]}
