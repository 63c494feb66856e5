"""The engine's per-check guard: a check that raises is recorded as `error` with the reason, the
other checks still run, and an error-severity `error` blocks the run (exit 1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd

from datavigil import FileSource, Suite
from datavigil.checks import NullRate
from datavigil.checks.base import Check
from datavigil.core.outcome import Status
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.store import Store


@dataclass(frozen=True)
class Explodes(Check):
    """Raises while declaring its metrics ("metrics") or while judging ("judge")."""

    where: str = "metrics"
    check_type = "explodes"

    def default_name(self) -> str:
        return f"explodes.{self.where}"

    def metrics(self, columns):
        if self.where == "metrics":
            raise ZeroDivisionError("in metrics")
        return []

    def judge(self, values, ctx):
        raise KeyError("in judge")


def test_a_raising_check_is_an_error_and_the_others_still_run(tmp_path: Path) -> None:
    pd.DataFrame({"x": [1.0, None, 3.0]}).to_parquet(tmp_path / "2024-05-01.parquet")
    suite = Suite(
        name="guard",
        source=FileSource(str(tmp_path / "{ds}.parquet")),
        checks=[
            Explodes(where="metrics"),
            Explodes(where="judge"),
            NullRate("x", max_fraction=0.5),
        ],
    )
    report = run_suite(
        suite,
        Window.for_day(date(2024, 5, 1), "UTC"),
        store=Store(f"sqlite:///{tmp_path / 'r.db'}"),
    )
    by_name = {r.check_name: r for r in report.results}
    assert by_name["explodes.metrics"].status is Status.ERROR
    assert by_name["explodes.metrics"].outcome.message == (
        "the check raised ZeroDivisionError: in metrics"
    )
    assert by_name["explodes.judge"].outcome.message == "the check raised KeyError: 'in judge'"
    assert by_name["nulls.x"].status is Status.PASS
    assert report.exit_code == 1 and report.run.status == "error"


def test_an_infrastructure_failure_keeps_the_last_complete_result(tmp_path: Path) -> None:
    """Issue 8 item 6: a re-run of a day whose source has gone away is exit 3 and recorded as
    an attempt; the day's complete result and its rows stay as they were."""
    from datavigil.store import history

    path = tmp_path / "2024-05-01.parquet"
    pd.DataFrame({"x": [1.0, 2.0, 3.0]}).to_parquet(path)
    suite = Suite(
        name="keep",
        source=FileSource(str(tmp_path / "{ds}.parquet")),
        checks=[NullRate("x", max_fraction=0.5)],
    )
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    day = Window.for_day(date(2024, 5, 1), "UTC")
    first = run_suite(suite, day, store=store)
    assert first.exit_code == 0 and first.run.status == "pass"
    path.unlink()  # the source is unreachable now
    second = run_suite(suite, day, store=store)
    assert second.exit_code == 3
    assert store.stored_status(first.run.run_id) == "pass"
    rows = store.results(suite="keep")
    assert {r["check_name"] for r in rows} >= {"nulls.x"}
    assert all(r["status"] == "pass" for r in rows)
    attempts = history.attempts(store, first.run.run_id)
    assert len(attempts) == 2 and "not found" in str(attempts[-1])


def test_a_mistyped_sqlite_source_is_not_found_and_creates_no_file(tmp_path: Path) -> None:
    """Issue 8 item 12: sources are opened read-only; a missing SQLite file is "not found"."""
    from datavigil import SqlSource

    missing = tmp_path / "typo" / "warehuose.db"
    suite = Suite(name="ro", source=SqlSource(table="t", url=f"sqlite:///{missing}"))
    report = run_suite(
        suite,
        Window.for_day(date(2024, 5, 1), "UTC"),
        store=Store(f"sqlite:///{tmp_path / 'r.db'}"),
    )
    assert report.exit_code == 3
    assert "not found" in str(report.error) and "suite 'ro'" in str(report.error)
    assert not missing.exists() and not missing.parent.exists()


@dataclass(frozen=True)
class Measures(Check):
    """Passes, and reports a value it measured outside the scan (Outcome.metrics)."""

    check_type = "measures"

    def judge(self, values, ctx):
        from datavigil.core.outcome import Outcome

        return Outcome(Status.PASS, "ok", metrics=(("labels.accuracy", None, "2024-04-28", 0.75),))


def test_metrics_a_check_measured_land_in_run_metrics(tmp_path: Path) -> None:
    from tests.helpers import query

    pd.DataFrame({"x": [1.0, 2.0]}).to_parquet(tmp_path / "2024-05-01.parquet")
    suite = Suite(
        name="measured", source=FileSource(str(tmp_path / "{ds}.parquet")), checks=[Measures()]
    )
    url = f"sqlite:///{tmp_path / 'r.db'}"
    report = run_suite(suite, Window.for_day(date(2024, 5, 1), "UTC"), store=Store(url))
    rows = query(url, "SELECT run_id, group_key, value FROM run_metrics WHERE metric = :m",
                 m="labels.accuracy")  # fmt: skip
    assert [tuple(r) for r in rows] == [(report.run.run_id, "2024-04-28", 0.75)]
