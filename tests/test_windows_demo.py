"""The README's windows example on the demo data: `daily_delays`, one row a day (the mean
departure delay of the day's NYC flights). The day alone is never testable; a 14-day window
against the 56 days before it passes an ordinary June day and fails the thunderstorm season of
early July 2013 and the December 2013 snowstorms, through `datavigil validate`."""

from __future__ import annotations

import json

import pytest

from tests.helpers import query

SUITE = """
from datavigil.checks import MeanShift, RowCount
from datavigil import Partition, Rolling, SqlSource, Suite

DAILY = (
    "SELECT min(time_hour) AS time_hour, avg(dep_delay) AS dep_delay "
    "FROM flights GROUP BY year, month, day"
)
suite = Suite(
    name="daily_delays",
    source=SqlSource(query=DAILY, url="sqlite:///{home}/.datavigil/demo/warehouse.db"),
    partition=Partition("time_hour"),
    timezone="America/New_York",
    checks=[
        RowCount(min_rows=1, max_rows=1),
        MeanShift("dep_delay", name="day_alone", reference=Rolling(days=56), min_effect=1.0),
        MeanShift("dep_delay", window="14d", reference=Rolling(days=56), min_effect=1.0),
    ],
)
"""


@pytest.mark.parametrize(
    ("day", "code", "status", "window_mean"),
    [("2013-06-15", 0, "pass", 17.26), ("2013-07-01", 1, "fail", 29.17),
     ("2013-12-17", 1, "fail", 20.12)],
)  # fmt: skip
def test_the_readme_windows_example(demo_warehouse, tmp_path, monkeypatch, day, code, status,
                                    window_mean):  # fmt: skip
    from datavigil.cli.main import main

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "daily_delays.py").write_text(SUITE, encoding="utf-8")
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    monkeypatch.setenv("DATAVIGIL_HOME", str(demo_warehouse.parents[2]))
    results = f"sqlite:///{tmp_path / 'results.db'}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", results)
    assert main(["validate", "daily_delays", "--date", day]) == code
    rows = query(results, "SELECT check_name, status, details FROM check_results")
    got = {name: (st, json.loads(d) if isinstance(d, str) else d) for name, st, d in rows}
    assert got["day_alone"][0] == "inconclusive"  # one value: never testable on its own
    st, details = got["distribution.dep_delay"]
    assert st == status
    assert details["mean"] == pytest.approx(window_mean, abs=0.005)
    assert details["window"]["days"] == 14 and details["groups"]["current"]["n"] == 14
