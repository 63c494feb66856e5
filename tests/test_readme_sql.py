"""Every ```sql example of README.md and docs/**/*.md (the ADRs excluded) runs on the embedded
SQLite store and on PostgreSQL (it used to say `now() - interval '7 days'`, which SQLite rejects),
against a store filled by real `datavigil validate` runs of the demo data (the blizzard, the day of
heavy delays against January's snapshot, New Year's Eve) plus two nights of the model's label
metrics; and the docs that code comments point to exist."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store
from tests.docs_blocks import doc_files
from tests.helpers import query

ROOT = Path(__file__).resolve().parents[1]
DOCS = doc_files()
DATAVIGIL = str(Path(sys.executable).parent / "datavigil")
BLOCK = re.compile(r"```sql\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for i, block in enumerate(BLOCK.findall(path.read_text(encoding="utf-8"))):
            for j, statement in enumerate(s for s in block.split(";") if s.strip()):
                where = path.relative_to(ROOT)
                found.append((f"{where}#{i + 1}.{j + 1}", statement.strip()))
    return found


EXAMPLES = examples()


def result(name: str, status: str, check_type: str = "nulls", **outcome) -> CheckResult:
    severity = Severity(outcome.pop("severity", "error"))
    return CheckResult(name, check_type, None, severity, Outcome(Status(status), name, **outcome))


def real_runs(url: str) -> None:
    """The demo's flights suite, run by the CLI on the demo warehouse into the store at ``url``:
    a reference snapshot of January, then the blizzard (nulls fail), the day of heavy delays
    (distribution tests fail) and New Year's Eve (weather not fresh)."""
    env = dict(os.environ, DATAVIGIL_RESULTS_URL=url)
    env.pop("DATAVIGIL_SCHEMAS_DIR", None)  # the project's schemas/
    commands = [
        ["snapshot", "capture", "flights", "--from", "2013-01-01", "--to", "2013-01-31"],
        ["validate", "flights", "--date", "2013-02-08"],
        ["validate", "flights", "--date", "2013-03-08"],
        ["validate", "flights", "--date", "2013-12-31"],
    ]
    for command in commands:
        done = subprocess.run(
            [DATAVIGIL, "-q", *command], env=env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode in (0, 1), f"{command}: {done.returncode}\n{done.stderr}"


def model_nights(store: Store) -> None:
    """Two nights of the flight model's suite: the labels of the judged day in run_metrics
    (README "Monitoring a model's outputs"); the older run of 06-15 is superseded."""
    nights = [
        ("2013-06-15", "2013-06-11", 0.9122, 1, "pass"),
        ("2013-06-15", "2013-06-11", 0.5, 0, "fail"),  # an older run of the same night
        ("2013-12-18", "2013-12-14", 0.6331, 1, "fail"),
    ]
    for i, (night, judged, accuracy, newer, status) in enumerate(nights):
        day = date.fromisoformat(night)
        at = datetime(day.year, day.month, day.day + 1, 8 + newer, tzinfo=UTC)
        run = RunRecord(
            run_id=f"airflow:validate_flight_delay_model:{i}",
            suite="flight_delay_model",
            dataset="demo.flight_predictions",
            partition_date=day,
            data_interval_start=at,
            data_interval_end=at,
            started_at=at,
            finished_at=at,
            status=status,
            rows_checked=900,
            origin="airflow",
            datavigil_version="test",
        )
        metrics = [
            ("labels.accuracy", None, judged, accuracy),
            ("labels.accuracy.ci_low", None, judged, accuracy - 0.02),
            ("labels.accuracy.ci_high", None, judged, accuracy + 0.02),
            ("labels.accuracy.reference", None, judged, 0.88),
        ]
        acc = result("labels.accuracy", status, "prediction.labels", observed_value=accuracy)
        store.save(run, [acc], metrics=metrics)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def demo_store(request, tmp_path_factory, demo_warehouse) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('readme') / 'results.db'}"
    else:
        url = _pg_database(request)
    store = Store(url)
    store.upgrade()
    real_runs(url)
    model_nights(store)
    store.engine.dispose()
    return url


def _pg_database(request) -> str:
    """A module-scoped PostgreSQL database (the conftest's pg_url is per test)."""
    import uuid

    import sqlalchemy as sa

    admin_url = request.getfixturevalue("pg_admin_url")
    name = f"datavigil_readme_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    request.addfinalizer(drop)
    return sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def test_the_docs_have_sql_examples():
    assert len(EXAMPLES) >= 12
    assert any(w.startswith("README.md#") for w, _ in EXAMPLES)


@pytest.mark.parametrize("where, sql", EXAMPLES, ids=[w for w, _ in EXAMPLES])
def test_sql_example_runs(demo_store, where, sql):
    query(demo_store, sql)  # raises on a syntax or dialect error


def test_the_failures_example_finds_the_blizzard(demo_store):
    (sql,) = [
        s for w, s in EXAMPLES if "every error-severity check that failed" in s and w[0] == "R"
    ]  # the README's (docs/how-to/query-results.md repeats it)
    rows = query(demo_store, sql)
    assert ("flights", "nulls.dep_time") in {(r.suite, r.check_name) for r in rows}


def test_the_freshness_example_finds_new_years_eve(demo_store):
    (sql,) = [s for _, s in EXAMPLES if "c.check_name = 'freshness.weather'" in s]
    rows = query(demo_store, sql)
    assert [(str(r.partition_date), r.severity, r.lag_hours) for r in rows] == [
        ("2013-12-31", "error", 30)
    ]


def test_the_distribution_example_finds_the_day_of_heavy_delays(demo_store):
    wanted = "c.check_type LIKE 'distribution.%' AND c.status = 'fail'"
    (sql,) = [s for _, s in EXAMPLES if wanted in s]
    rows = query(demo_store, sql)
    assert {(str(r.partition_date), r.column_name) for r in rows} == {
        ("2013-03-08", "dep_delay"),
        ("2013-03-08", "arr_delay"),
    }


def test_docs_named_in_code_comments_exist():
    named = set()
    for folder in ("schemas", "datavigil", "checks", "docs"):
        for path in (ROOT / folder).rglob("*.py" if folder != "docs" else "*.md"):
            named |= set(re.findall(r"docs/[\w./-]+\.md", path.read_text(encoding="utf-8")))
    missing = sorted(n for n in named if not (ROOT / n).exists())
    assert missing == []


def test_the_accuracy_example_charts_the_newest_run_of_each_night(demo_store):
    (sql,) = [s for _, s in EXAMPLES if "the model's accuracy per judged day" in s]
    rows = [tuple(r) for r in query(demo_store, sql)]
    assert [r[0] for r in rows] == ["2013-06-11", "2013-12-14"]
    assert [round(r[1], 4) for r in rows] == [0.9122, 0.6331]
    assert round(rows[1][2], 4) == 0.6131 and rows[1][4] == 0.88


def test_the_failed_accuracy_example_finds_the_snow_day(demo_store):
    (sql,) = [s for _, s in EXAMPLES if "delayed-label accuracy failed" in s]
    nights = {str(r.night) for r in query(demo_store, sql)}
    assert "2013-12-18" in nights
