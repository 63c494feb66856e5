"""Upstream schema changes (checks/schema_change.py): each run stores a fingerprint of every
source's columns and types; a change since the previous run is reported column by column."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from checks.freshness import Freshness
from checks.schema_change import SchemaChange, diff, fingerprint
from datavigil.outcome import Severity, Status
from datavigil.runner import run_suite
from datavigil.sources import SqlSource
from datavigil.store import Store
from datavigil.suite import Partition, Suite
from datavigil.window import Window

D0 = date(2024, 3, 1)


def create(url: str, name: str, columns: dict[str, sa.types.TypeEngine]) -> None:
    engine = sa.create_engine(url)
    table = sa.Table(name, sa.MetaData(), *(sa.Column(c, t) for c, t in columns.items()))
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP TABLE IF EXISTS "{name}"'))
        table.create(conn)
        conn.execute(table.insert(), [{"ts": datetime(2024, 3, d, 12)} for d in range(1, 9)])
    engine.dispose()


def suite(url: str, severity: str = "warn", upstream: str = "upstream") -> Suite:
    up = SqlSource(table=upstream, url=url)
    return Suite(
        name="s",
        source=SqlSource(table="events", url=url),
        partition=Partition("ts"),
        dependencies=[Freshness("up", source=up, timestamp="ts", error_after="30d")],
        checks=[SchemaChange(severity=severity)],
    )


def changes(s: Suite, store: Store, day: date):
    report = run_suite(s, Window.for_day(day, "UTC"), store=store)
    rows = {r.check_name: r for r in report.results if r.check_type == "schema_change"}
    return report, rows


BASE = {"ts": sa.DateTime(), "a": sa.Integer(), "b": sa.Float()}


def test_added_removed_and_retyped_columns(tmp_path: Path, store_url: str):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(store_url)
    store.upgrade()
    _, first = changes(suite(src), store, D0)
    assert {n: r.status for n, r in first.items()} == {
        "schema_change.s": Status.SKIPPED,
        "schema_change.up": Status.SKIPPED,
    }
    assert "fingerprint" in first["schema_change.s"].outcome.message
    _, same = changes(suite(src), store, D0 + timedelta(days=1))
    assert same["schema_change.s"].status is Status.PASS
    create(src, "events", {"ts": sa.DateTime(), "a": sa.String(), "c": sa.Integer()})
    report, changed = changes(suite(src), store, D0 + timedelta(days=2))
    r = changed["schema_change.s"]
    assert (r.status, r.severity, r.outcome.observed_value) == (Status.FAIL, Severity.WARN, 3.0)
    assert r.outcome.details["added"] == "c INTEGER"
    assert r.outcome.details["removed"] == "b FLOAT"
    assert r.outcome.details["retyped"] == "a: INTEGER -> VARCHAR"
    assert r.outcome.details["previous_partition"] == "2024-03-02"
    assert "added c INTEGER; removed b FLOAT; retyped a: INTEGER -> VARCHAR" in r.outcome.message
    assert changed["schema_change.up"].status is Status.PASS
    assert report.exit_code == 0 and report.run.status == "warn"  # warn by default


def test_error_severity_fails_the_run(tmp_path: Path, sqlite_url: str):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(sqlite_url)
    changes(suite(src, "error"), store, D0)
    create(src, "upstream", {"ts": sa.DateTime(), "extra": sa.Integer()})
    report, rows = changes(suite(src, "error"), store, D0 + timedelta(days=1))
    assert rows["schema_change.up"].status is Status.FAIL
    assert report.exit_code == 1 and report.run.status == "fail"


def test_compares_with_the_previous_partition_not_the_latest_run(tmp_path, sqlite_url):
    """A backfill of an earlier day compares with the day before it, not with a later run."""
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(sqlite_url)
    changes(suite(src), store, D0 + timedelta(days=5))
    _, rows = changes(suite(src), store, D0)
    assert rows["schema_change.s"].status is Status.SKIPPED


def test_an_unreadable_source_is_an_error_row(tmp_path: Path, sqlite_url: str):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    report, rows = changes(suite(src, upstream="missing"), Store(sqlite_url), D0)
    r = rows["schema_change.up"]
    assert r.status is Status.ERROR
    assert r.outcome.message == "suite 's': dependency 'up': source table 'missing' not found"
    assert rows["schema_change.s"].status is Status.SKIPPED
    assert report.exit_code == 3  # the freshness of 'up' could not be measured either


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ({"a": "INT"}, {"a": "INT"}, {"added": [], "removed": [], "retyped": []}),
        (
            {"a": "INT"},
            {"a": "INT", "b": "TEXT"},
            {"added": ["b TEXT"], "removed": [], "retyped": []},
        ),
        (
            {"a": "INT", "b": "TEXT"},
            {"a": "INT"},
            {"added": [], "removed": ["b TEXT"], "retyped": []},
        ),
        (
            {"a": "INT"},
            {"a": "BIGINT"},
            {"added": [], "removed": [], "retyped": ["a: INT -> BIGINT"]},
        ),
        ({"a": "INT"}, {"A": "INT"}, {"added": ["A INT"], "removed": ["a INT"], "retyped": []}),
    ],
    ids=["same", "added", "removed", "retyped", "renamed"],
)
def test_diff(old, new, expected):
    assert diff(old, new) == expected


def test_fingerprint_ignores_column_order_but_not_types():
    assert fingerprint({"a": "INT", "b": "TEXT"}) == fingerprint({"b": "TEXT", "a": "INT"})
    assert fingerprint({"a": "INT"}) != fingerprint({"a": "BIGINT"})
