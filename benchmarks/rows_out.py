"""Rows that left the PostgreSQL server for datavigil, from pg_stat_statements.

pg_bench resets the statistics after datavigil's set-up (db upgrade, snapshot capture) and
datavigil connects as its own role, so every entry of that role in database ``bench`` is a
statement of ``datavigil validate``. ``rows`` of an entry is the number of rows its executions
returned. A server-side cursor (SQLAlchemy's stream_results: psycopg's DECLARE ... CURSOR FOR
SELECT, then FETCH FORWARD n) records 0 rows on its DECLARE and the rows on each FETCH; the
FETCH rows are classified by the SELECT of the DECLARE with the same cursor name (a FETCH of an
unknown cursor counts as data). Each statement is one of:

- catalogue: does not name a data table (bench, bench_reference): reflection, version, settings;
- sample: names a data table and has a LIMIT (bounded failure samples);
- aggregate: names a data table, computes an aggregate (count/sum/avg/min/max/var/stddev/
  percentile/...) and returned at most AGG_ROWS_PER_CALL rows per call (one row, or a GROUP BY
  with few groups: days, categories);
- data: everything else that reads a data table. The target is 0 data rows.
"""

from __future__ import annotations

import re

import psycopg

DATA_TABLE = re.compile(r"\bbench(_reference)?\b", re.IGNORECASE)
LIMIT = re.compile(r"\blimit\b", re.IGNORECASE)
AGGREGATE = re.compile(
    r"\b(count|sum|avg|min|max|var_samp|var_pop|variance|stddev|stddev_samp|stddev_pop|"
    r"percentile_cont|percentile_disc|mode|bool_and|bool_or|regr_\w+|corr|covar_\w+)\s*\(",
    re.IGNORECASE,
)
DECLARE = re.compile(r'^\s*declare\s+"?([^"\s]+)"?.*?\bcursor\b.*?\bfor\b(.*)$', re.I | re.S)
FETCH = re.compile(r'^\s*fetch\b.*?\bfrom\s+"?([^"\s]+)"?', re.I | re.S)
AGG_ROWS_PER_CALL = 1000

STATEMENTS = """
SELECT s.query, s.calls, s.rows FROM pg_stat_statements AS s
JOIN pg_roles AS r ON r.oid = s.userid
JOIN pg_database AS d ON d.oid = s.dbid
WHERE r.rolname = %s AND d.datname = current_database()
"""


def kind(query: str, calls: int, rows: int) -> str:
    if not DATA_TABLE.search(query):
        return "catalogue"
    if LIMIT.search(query):
        return "sample"
    if AGGREGATE.search(query) and rows <= calls * AGG_ROWS_PER_CALL:
        return "agg"
    return "data"


def fetched_rows(entries: list[tuple[str, int, int]]) -> dict[str, int]:
    """Rows fetched per cursor name."""
    out: dict[str, int] = {}
    for query, _, rows in entries:
        if m := FETCH.match(query):
            out[m[1]] = out.get(m[1], 0) + rows
    return out


def count(admin: str, role: str) -> dict:
    """Rows by kind, and the statements that returned data rows (shortened)."""
    with psycopg.connect(admin) as con:
        entries = con.execute(STATEMENTS, [role]).fetchall()
    out = {"data_rows": 0, "agg_rows": 0, "sample_rows": 0, "catalogue_rows": 0}
    fetched = fetched_rows(entries)
    heavy = []
    for query, calls, rows in entries:
        if FETCH.match(query):
            continue
        if m := DECLARE.match(query):
            query, rows = m[2], fetched.pop(m[1], 0)
        k = kind(query, calls, rows)
        out[f"{k}_rows"] += rows
        if k == "data":
            heavy.append({"rows": rows, "calls": calls, "query": " ".join(query.split())[:200]})
    out["data_rows"] += sum(fetched.values())  # FETCH from a cursor never declared here
    out["statements"] = len(entries)
    out["data_statements"] = sorted(heavy, key=lambda h: -h["rows"])[:10]
    return out
