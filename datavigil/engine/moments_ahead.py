"""The next day's moments read while this day is judged and saved (docs/adr/0146).

A backfill's day still sends its own moments statement (``engine.day_moments``: the nightly
statement, so its moments are the nightly run's to the last bit). That statement does not depend
on the days before it, so a worker thread sends day i+1's while the runner judges and saves day
i: the database works while Python does (SQLite, psycopg and DuckDB release the GIL while a
statement runs). The answer is the statement's, whichever thread sent it; a worker that fails
leaves the day to compute its moments itself, as it would have.
"""

from __future__ import annotations

import contextvars
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from datavigil.engine import backends
from datavigil.engine.day_moments import DayMoments
from datavigil.engine.values import Values


class MomentsAhead:
    """Day i+1's moments, sent in a worker thread when day i takes its own."""

    def __init__(self, suite: str, source: Any, partition: Any, windows: list[Any]) -> None:
        self.args = (suite, source, partition)
        self.windows = windows
        self.at = {w.label: i for i, w in enumerate(windows)}
        self.pool: ThreadPoolExecutor | None = None
        self.futures: dict[str, Future[Values | None]] = {}
        self.moments = DayMoments()  # the worker's own statement (the same SQL)

    def take(self, label: str, metrics: list[Any]) -> Values | None:
        """The day's moments if the worker read them (None: the day reads its own); the next
        day's are sent now."""
        future = self.futures.pop(label, None)
        got = None
        if future is not None:
            try:
                got = future.result()
            except Exception:  # the day reads its own, and meets (and reports) what failed
                got = None
        if got is not None and set(got.data) != set(metrics):
            got = None
        self._send(self.at.get(label, len(self.windows)) + 1, metrics)
        return got

    def _send(self, i: int, metrics: list[Any]) -> None:
        if i >= len(self.windows) or self.windows[i].label in self.futures:
            return  # past the last day, or already sent
        if self.pool is None:
            self.pool = ThreadPoolExecutor(1, thread_name_prefix="datavigil-moments")
        run = contextvars.copy_context().run  # the backfill's shared engines and catalogue
        window = self.windows[i]
        self.futures[window.label] = self.pool.submit(run, self._read, window, list(metrics))

    def _read(self, window: Any, metrics: list[Any]) -> Values | None:
        suite, source, partition = self.args
        with backends.open_scan(suite, source, window, partition) as scan:
            return self.moments.compute(scan, metrics)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
        self.futures.clear()
