"""Shared by the engine tests: a day, a run through the real runner and results store, and the
engine's scan opened the way a run opens it."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from datavigil.declare.window import Window
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan

DAY = date(2013, 2, 8)
DAYS = [date(2013, 2, 7), DAY, date(2013, 2, 9)]


def window(day: date = DAY, tz: str = "UTC") -> Window:
    return Window.for_day(day, tz)


def compute(source: Any, partition: Any, metrics: list[Any], day: date = DAY) -> Any:
    """The engine's values of ``metrics`` over the day's partition of ``source``."""
    with open_scan("s", source, window(day), partition) as scan:
        return scan.compute([m.RowCount(), *metrics])


def validate(suite: Any, tmp_path: Path, day: date = DAY) -> Any:
    """Run the suite for ``day`` through run_suite into a private SQLite results store."""
    from datavigil.runner.run import run_suite
    from datavigil.store import Store

    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    return run_suite(suite, window(day), store=store)


def outcomes(report: Any) -> dict[str, Any]:
    """check_name -> Outcome of a run's results."""
    return {r.check_name: r.outcome for r in report.results}


def assert_source_error(report: Any, *words: str) -> str:
    """The run is a source error: exit 3, one `error` row, one line naming the suite and
    ``words`` (the source), no pass."""
    assert report.exit_code == 3, outcomes(report)
    assert report.run.status == "error"
    (row,) = report.results
    assert row.check_name == "source.read" and row.status.value == "error"
    message = row.outcome.message
    assert "\n" not in message and message.startswith("suite 's': "), message
    for word in words:
        assert word in message, message
    return message
