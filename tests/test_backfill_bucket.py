"""The day of a row in a SQLite backfill over text timestamps (docs/adr/0160): a tree of one
comparison a level on the value's own kind (a date alone on its text, a timestamp on its
``datetime()``), the day's upper bound at the leaf; the same day as the nightly rule
(``partition.sqlite_rule``) for every spelling, and no day for a value between two days."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from datavigil import Partition
from datavigil.declare.window import Window
from datavigil.engine import grouped
from datavigil.engine.partition import sqlite_rule

FIRST = date(2024, 10, 1)
DAYS = 35  # to 2024-11-04
VALUES = [
    "2024-10-01", "2024-10-01 00:00:00", "2024-10-01T23:59:59.999", "2024-10-02T00:00:00Z",
    "2024-10-15 03:59:59-05:00", "2024-10-15T04:00:00+02:00", "2024-10-30", "2024-10-30 23:59:59",
    "2024-10-31", "2024-10-32", "2024-11-04T23:59:59", "2024-11-05", "2024-09-30 23:59:59",
    "2024-10", "", "2024-10-12T12:00:00.5",
]  # fmt: skip


def windows(zone: str) -> list[Window]:
    return [Window.for_day(FIRST + timedelta(days=d), zone) for d in range(DAYS)]


def inner() -> sa.Subquery:
    t = sa.table("t", sa.column("ts", sa.String))
    raw = t.c.ts
    cols = [raw.label("dv_pc"), sa.func.length(raw).label("dv_len"),
            sa.func.datetime(raw).label("dv_dt")]  # fmt: skip
    return sa.select(*cols).subquery("dv_t")


def days_found(zone: str) -> tuple[dict[str, object], dict[str, object]]:
    """Per value in the span's nightly filter (as the grouped statements read them): the
    bucket's day, and the day whose nightly rule accepts it (None: none)."""
    engine = sa.create_engine("sqlite://")
    part, ws, sub = Partition("ts", "UTC"), windows(zone), inner()
    key = grouped._text_bucket(sub, ws, part)
    rules = [sa.case((sqlite_rule(*sub.c, w, part), i), else_=None) for i, w in enumerate(ws)]
    span = sqlite_rule(*sub.c, grouped.span_window(ws), part)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (ts TEXT)"))
        conn.execute(sa.text("INSERT INTO t VALUES (:v)"), [{"v": v} for v in VALUES])
        found = dict(conn.execute(sa.select(sub.c.dv_pc, key).where(span)).all())
        nightly = {r[0]: next((x for x in r[1:] if x is not None), None)
                   for r in conn.execute(sa.select(sub.c.dv_pc, *rules).where(span))}  # fmt: skip
    return found, nightly


def test_the_bucket_is_the_nightly_rules_day_for_every_spelling():
    for zone in ("UTC", "America/New_York"):
        found, nightly = days_found(zone)
        assert found == nightly, zone
        assert "2024-10-32" in found and found["2024-10-32"] is None  # between two days
        assert found["2024-11-04T23:59:59"] == DAYS - 1


def test_a_row_meets_one_comparison_a_level_not_the_whole_rule():
    """The bucket of 30 days reads the value's length twice (which kind of value) and binds
    four texts a day (the trees' lower and upper bounds); the rule's OR at every level bound
    ten a day and read the length at every level."""
    key = grouped._text_bucket(inner(), windows("UTC"), Partition("ts", "UTC"))
    compiled = sa.select(key).compile(dialect=sa.create_engine("sqlite://").dialect)
    assert str(compiled).count("dv_t.dv_len") == 2
    assert len(compiled.params) <= 4 * DAYS + 2
