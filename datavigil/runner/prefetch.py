"""A backfill's days computed ahead (docs/adr/0146): the metrics every run of the days will
ask its scan for, grouped by day in a few statements (``datavigil.engine.grouped``), then each
day's run reads its own from them (``datavigil.engine.prefetched``). Only what the runs would
compute the same way is prefetched: daily partitions of a source with a partition column;
anything else (hours, weeks, a day per file without a partition column, a metric of another
kind) the runs compute themselves, as nightly runs do.
"""

from __future__ import annotations

import contextvars
import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from datavigil.checks.drift_all import expand_drift
from datavigil.checks.freshness import Freshness
from datavigil.declare.suite import Suite
from datavigil.declare.window import Window
from datavigil.engine import grouped, memo, prefetched
from datavigil.engine.latest_days import latest_days
from datavigil.engine.moments_ahead import MomentsAhead
from datavigil.engine.probes import Where
from datavigil.engine.sources import SqlSource
from datavigil.runner import run
from datavigil.store import Store

log = logging.getLogger("datavigil")

CHUNK = 366  # days per grouped statement: a year at once (a bound parameter or so per day)
HEAD = 64  # of a chunk, the days grouped before the first runs (the rest: while they run)


def wanted(suite: Suite, window: Window, store: Store) -> Any:
    """The metrics a run of ``suite`` asks its scan for, given the source's columns (as
    ``run.evaluate`` plans them)."""
    run_id = run.RunKey().run_id(suite.name, window)
    env = run.RunEnv(suite=suite, window=window, store=store, run_id=run_id)
    checks = expand_drift(run.checks_of(suite), env)

    def metrics(columns: dict[str, Any]) -> list[Any]:
        return run._declared(checks, columns, {})

    return metrics


def eligible(suite: Suite, windows: list[Window]) -> bool:
    return len(windows) > 1 and suite.partition is not None and suite.partition_unit == "day"


@contextmanager
def days(suite: Suite, windows: list[Window], store: Store) -> Iterator[None]:
    """Within: the runs of ``windows`` read their scans' metrics from grouped statements: the
    first ``HEAD`` days' before they run, the later days' by a worker thread meanwhile. A pass
    that fails is logged and the runs read the source themselves (their verdicts unchanged)."""
    if not eligible(suite, windows):
        yield
        return
    metrics = wanted(suite, windows[0], store)
    first = grouped_days(suite, windows[:HEAD], metrics)
    if first is None:
        yield
        return
    pool = ThreadPoolExecutor(1, thread_name_prefix="datavigil-grouped")
    pending = [
        (frozenset(w.label for w in part), pool.submit(
            contextvars.copy_context().run, grouped_days, suite, part, metrics))
        for part in passes(windows[HEAD:])
    ]  # fmt: skip
    ahead = None
    if isinstance(suite.source, SqlSource):  # a worker's own connection (not DuckDB's one)
        ahead = MomentsAhead(suite.name, suite.source, suite.partition, windows)
    answers, columns = first
    pre = prefetched.Prefetch(
        suite.name, suite.source, answers, columns, ahead=ahead, pending=pending
    )
    try:
        with prefetched.prefetching(pre), memo.probing(freshness(suite, windows)):
            yield
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        if ahead is not None:
            ahead.close()


def passes(later: list[Window]) -> list[list[Window]]:
    """The later days in passes of doubling size (twice HEAD, four times, ...): each pass is
    done by the worker while the runs use the one before (a day costs the runs more than its
    share of the grouped statements), so the runs seldom wait; a year is three passes."""
    out, size = [], 2 * HEAD
    while later:
        out.append(later[:size])
        later, size = later[size:], size * 2
    return out


def grouped_days(suite: Suite, windows: list[Window], metrics: Any) -> Any:
    """(answers, columns) of ``windows`` grouped by day; None when there are none or the pass
    failed (logged: the runs read the source themselves)."""
    if not windows:
        return None
    t0 = time.monotonic()
    try:
        answers, columns, statements = grouped.compute_days(
            suite.name, suite.source, windows, suite.partition, metrics
        )
    except Exception as exc:  # the runs will meet (and report) it themselves
        why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        log.warning(
            "%s: grouped metrics not computed (%s): each day reads its own", suite.name, why
        )
        return None
    log.info(
        "%s: metrics of %d days grouped in %d statements (%.2fs)",
        suite.name, len(answers), statements, time.monotonic() - t0,
    )  # fmt: skip
    return answers, columns


def freshness(suite: Suite, windows: list[Window]) -> dict[Any, Any]:
    """The answers of the days' freshness probes of timestamps in SQL sources, one statement
    per dependency (engine.latest_days); a probe that fails is left to the runs."""
    out: dict[Any, Any] = {}
    for check in run.checks_of(suite):
        source = getattr(check, "source", None) or suite.source
        if not isinstance(check, Freshness) or not check.timestamp:
            continue
        if not isinstance(source, SqlSource):
            continue
        zone_name = check.column_timezone or "UTC"
        where = Where(suite.name, check.dependency)
        try:
            days = latest_days(source, where, check.timestamp, windows, zone_name)
        except Exception as exc:  # the runs probe it themselves, and report what fails
            why = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            log.warning("%s: %s not probed ahead: %s", suite.name, check.dependency, why)
            continue
        for label, latest in days.items():
            out[("latest", source, check.timestamp, zone_name, label)] = latest
    return out
