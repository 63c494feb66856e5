"""Load the benchmark Parquet files into PostgreSQL (database ``bench``): COPY in CSV, one
1 Mi-row batch at a time. A table whose comment names the same file (name, size, mtime) is
kept, so a kept server (--keep) is loaded once."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import psycopg
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from psycopg import sql

PG_TYPES = {
    "int64": "bigint",
    "double": "double precision",
    "string": "text",
    "timestamp[us]": "timestamp",
}


def marker(path: Path) -> str:
    st = path.stat()
    return f"{path.name} {st.st_size} {int(st.st_mtime)}"


def ddl(table: str, path: Path) -> sql.Composed:
    cols = [
        sql.SQL("{} {}").format(sql.Identifier(f.name), sql.SQL(PG_TYPES[str(f.type)]))
        for f in pq.read_schema(path)
    ]
    return sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(table), sql.SQL(", ").join(cols))


def copy_file(con: psycopg.Connection, table: str, path: Path) -> None:
    opts = pacsv.WriteOptions(include_header=False)
    stmt = sql.SQL("COPY {} FROM STDIN (FORMAT csv)").format(sql.Identifier(table))
    with con.cursor() as cur, cur.copy(stmt) as copy:
        for batch in pq.ParquetFile(path).iter_batches(batch_size=1 << 20):
            buf = io.BytesIO()
            pacsv.write_csv(batch, buf, write_options=opts)
            copy.write(buf.getvalue())


def load(con: psycopg.Connection, table: str, path: Path, log: Callable[[str], None]) -> bool:
    """Whether the table was (re)loaded."""
    row = con.execute(
        "SELECT obj_description(to_regclass(%s), 'pg_class')", [f"public.{table}"]
    ).fetchone()
    if row and row[0] == marker(path):
        con.rollback()
        return False
    log(f"  loading {path.name} into table {table} (COPY) ...")
    con.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(table)))
    con.execute(ddl(table, path))
    copy_file(con, table, path)
    comment = sql.SQL("COMMENT ON TABLE {} IS {}").format(
        sql.Identifier(table), sql.Literal(marker(path))
    )
    con.execute(comment)
    con.commit()
    return True


def prepare(admin: str, cur: Path, ref: Path, role: str, log: Callable[[str], None]) -> None:
    """Database ``bench`` with the two tables, pg_stat_statements, and a read-only login role."""
    with psycopg.connect(admin, autocommit=True) as con:
        if not con.execute("SELECT 1 FROM pg_database WHERE datname = 'bench'").fetchone():
            con.execute("CREATE DATABASE bench")
        if not con.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role]).fetchone():
            con.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
    bench = admin.replace("dbname=postgres", "dbname=bench")
    with psycopg.connect(bench, autocommit=True) as con:
        con.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        for table, path in (("bench", cur), ("bench_reference", ref)):
            con.autocommit = False
            loaded = load(con, table, path, log)
            con.autocommit = True
            if loaded:
                con.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(table)))
        con.execute(
            sql.SQL("GRANT SELECT ON bench, bench_reference TO {}").format(sql.Identifier(role))
        )
