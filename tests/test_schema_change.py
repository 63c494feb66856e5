"""Upstream schema changes (datavigil/checks/schema_change.py): each run stores a fingerprint of
every source's columns and types and compares it with the last ACCEPTED one (the first recorded
until `datavigil schema accept SUITE` records another): a change is reported column by column
until it is reverted or accepted (issue 11: a fixed rename used to fail the next clean day)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.checks.freshness import Freshness
from datavigil.checks.schema_change import SchemaChange, diff
from datavigil.core.outcome import Severity, Status
from datavigil.declare.suite import Partition, Suite
from datavigil.declare.window import Window
from datavigil.engine.sources import SqlSource
from datavigil.runner.run import run_suite
from datavigil.store import Store
from datavigil.store.schema_accepts import fingerprint

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
    assert (
        r.outcome.details["accepted_fingerprint"]
        == first["schema_change.s"].outcome.details["fingerprint"]
    )
    assert r.outcome.details["baseline"] == "first recorded, partition 2024-03-01"
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


def test_a_backfill_compares_with_the_accepted_fingerprint_too(tmp_path, sqlite_url):
    """The baseline is the accepted fingerprint, not a partition's: a backfill of an earlier
    day is judged against it like any other day."""
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(sqlite_url)
    changes(suite(src), store, D0 + timedelta(days=5))
    _, rows = changes(suite(src), store, D0)
    assert rows["schema_change.s"].status is Status.PASS
    assert rows["schema_change.s"].outcome.details["baseline"] == (
        "first recorded, partition 2024-03-06"
    )


RENAMED = {"ts": sa.DateTime(), "a": sa.Integer(), "b_renamed": sa.Float()}


def test_a_fixed_rename_passes_the_next_clean_day(tmp_path: Path, store_url: str):
    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(store_url)
    store.upgrade()
    changes(suite(src), store, D0)
    create(src, "events", RENAMED)
    _, broken = changes(suite(src), store, D0 + timedelta(days=1))
    assert broken["schema_change.s"].status is Status.FAIL
    create(src, "events", BASE)  # the rename is fixed
    _, fixed = changes(suite(src), store, D0 + timedelta(days=2))
    assert fixed["schema_change.s"].status is Status.PASS, fixed["schema_change.s"].outcome.message


def test_a_change_fails_until_accepted(tmp_path: Path, store_url: str):
    from datavigil.store.schema_accepts import accept, accepted

    src = f"sqlite:///{tmp_path / 'src.db'}"
    create(src, "events", BASE)
    create(src, "upstream", {"ts": sa.DateTime()})
    store = Store(store_url)
    store.upgrade()
    changes(suite(src), store, D0)
    create(src, "events", RENAMED)
    for day in (1, 2):  # the second day is as changed as the first: still a change
        _, rows = changes(suite(src), store, D0 + timedelta(days=day))
        r = rows["schema_change.s"]
        assert r.status is Status.FAIL
        assert "added b_renamed FLOAT; removed b FLOAT" in r.outcome.message
        assert r.outcome.message.endswith("if intended: datavigil schema accept s")
    new = r.outcome.details["fingerprint"]
    seen = json.loads(r.outcome.details["columns"])
    (row,) = accept(store, "s", [("schema_change.s", "s", seen)], note="b renamed")
    assert row.fingerprint == new and row.previous_fingerprint != new
    assert accepted(store, "s", "schema_change.s").id == row.id
    _, rows = changes(suite(src), store, D0 + timedelta(days=3))
    r = rows["schema_change.s"]
    assert r.status is Status.PASS
    assert r.outcome.details["accepted_fingerprint"] == new
    assert r.outcome.details["baseline"].startswith(f"accepted #{row.id} at ")
    assert rows["schema_change.up"].status is Status.PASS  # untouched by the accept of 's'


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


# --- `datavigil schema accept SUITE` / `schema list` ---

SUITE_MODULE = """
from datavigil.checks import SchemaChange
from datavigil import Partition, SqlSource, Suite

suite = Suite(
    name="s",
    source=SqlSource(table="events", url="sqlite:///{home}/src.db"),
    partition=Partition("ts"),
    checks=[SchemaChange()],
)
"""
PLAIN_MODULE = """
from datavigil import SqlSource, Suite

suite = Suite(name="plain", source=SqlSource(table="events", url="sqlite:///{home}/src.db"))
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_url: str) -> str:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "s.py").write_text(SUITE_MODULE)
    (tmp_path / "schemas" / "plain.py").write_text(PLAIN_MODULE)
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", store_url)
    Store(store_url).upgrade()
    create(f"sqlite:///{tmp_path / 'src.db'}", "events", BASE)
    return f"sqlite:///{tmp_path / 'src.db'}"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from datavigil.cli.main import main

    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_schema_accept_from_the_command_line(project, capsys, store_url):
    from datavigil.runner import registry

    assert cli(capsys, "validate", "s", "--date", "2024-03-01")[0] == 0
    create(project, "events", RENAMED)
    code, out, _ = cli(capsys, "validate", "s", "--date", "2024-03-02")
    assert code == 0 and "schema changed since" in out  # warn by default
    code, out, err = cli(capsys, "schema", "accept", "s", "--note", "b renamed")
    assert (code, err) == (0, "")
    assert out.startswith("accepted schema_change.s (suite s): fingerprint ")
    assert "added b_renamed FLOAT; removed b FLOAT" in out
    code, out, _ = cli(capsys, "validate", "s", "--date", "2024-03-03", "--verbose")
    assert code == 0 and "columns and types match the accepted fingerprint" in out
    code, out, _ = cli(capsys, "schema", "list", "--format", "json")
    (listed,) = json.loads(out)
    assert (listed["suite"], listed["check_name"], listed["note"]) == (
        "s",
        "schema_change.s",
        "b renamed",
    )
    stored = registry.load("s")
    rows = Store(store_url).results(
        suite=stored.name, check="schema_change.*", first=D0 + timedelta(days=2)
    )
    assert [r["status"] for r in rows] == ["pass"]
    assert rows[0]["message"].startswith("s: columns and types match the accepted fingerprint")


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["schema", "accept", "nope"], 2, "unknown suite 'nope'"),
        (["schema", "accept", "plain"], 2, "suite 'plain' declares no SchemaChange check"),
        (
            ["schema", "accept", "s", "--source", "x"],
            2,
            "suite 's': --source: 'x' is not one of: s",
        ),
    ],
    ids=["unknown-suite", "no-schema-change", "unknown-source"],
)
def test_schema_accept_usage_errors(project, capsys, argv, code, message):
    got, out, err = cli(capsys, *argv)
    assert got == code and message in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_schema_accept_of_an_unreachable_source_exits_3(project, capsys, tmp_path):
    (tmp_path / "src.db").unlink()
    (tmp_path / "src.db").mkdir()  # not a database any more
    code, _, err = cli(capsys, "schema", "accept", "s")
    assert code == 3 and err.startswith("datavigil: suite 's': ")
    assert cli(capsys, "schema", "list", "--format", "json")[1].strip() == "[]"


@pytest.mark.parametrize("stored", ["text", "object"], ids=["json-text", "json-object"])
def test_the_first_recorded_baseline_reads_columns_stored_either_way(sqlite_url, stored):
    """A row migrated by 0006 holds details.columns as a JSON object, a newer one as JSON text:
    both are the baseline (the demo store raised TypeError on the object form)."""
    import json
    from datetime import date

    from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
    from datavigil.store import Store, schema_accepts
    from tests.ui.builders import record

    columns = {"a": "INTEGER", "b": "TEXT"}
    value = json.dumps(columns) if stored == "text" else columns
    outcome = Outcome(Status.PASS, "seen", details={"fingerprint": "f1", "columns": value})
    row = CheckResult("schema_change.t", "schema_change", None, Severity.WARN, outcome)
    store = Store(sqlite_url)
    store.save(record(date(2024, 5, 1), suite="s"), [row])
    got = schema_accepts.first_recorded(store, "s", "schema_change.t")
    assert got is not None and got.columns == columns and got.fingerprint == "f1"
