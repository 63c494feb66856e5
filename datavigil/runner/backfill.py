"""A backfill: every partition of a range of days validated in one process, in date order.

Each partition is its own run through ``run_suite``, the nightly path, with the nightly run key
(run_id ``cli:<suite>:<partition>``): the stored rows are the ones ``validate SUITE --date D``
would store, and re-running a range replaces them (idempotent). Date order lets history-based
checks (Volume, DayAnova, SchemaChange) read the runs of the earlier days. One results store,
one source engine (``datavigil.engine.reuse``) and the imports are shared by the partitions; a
failing partition never stops the next one (docs/adr/0131). The scans' metrics of daily
partitions are computed ahead, grouped by day, and each run reads its own from them
(``datavigil.runner.prefetch``, docs/adr/0146). The suite's history is read from the results
store once, then kept in memory with each run saved (``datavigil.store.recall``, docs/adr/0151).
Each run is still committed on its own; a SQLite store commits them without waiting for the disk
(WAL, ``synchronous=NORMAL``, ``datavigil.store.connection.quick_commits``, docs/adr/0154).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, timedelta

from datavigil.core.errors import DatavigilError, StoreUnavailable, UsageError
from datavigil.declare.suite import Suite
from datavigil.declare.window import Window, zone
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.reuse import shared_engines
from datavigil.runner import prefetch
from datavigil.runner.run import RunKey, RunReport, run_suite
from datavigil.store import Store, recall
from datavigil.store.connection import quick_commits

MAX_DAYS = 3653  # ten years: a longer range is more likely a typo than a plan (--yes)
GRAVITY = (0, 1, 3, 2)  # exit codes, least grave first (as `validate SUITE SUITE`, adr 0111)


@dataclass
class Outcome:
    """What a backfill did: the exit code of each partition, in date order."""

    codes: dict[str, int] = field(default_factory=dict)  # partition label -> exit code
    stopped: str | None = None  # the results store could not be written: how far it got

    @property
    def exit_code(self) -> int:
        return max(self.codes.values(), key=GRAVITY.index, default=0)

    @property
    def failed(self) -> int:
        return sum(1 for code in self.codes.values() if code != 0)


def check_range(first: date, last: date, assume_yes: bool = False) -> None:
    """A range a person meant: ``first`` not after ``last``; over ten years only with --yes."""
    if first > last:
        raise UsageError(f"--from {first} is after --to {last}")
    days = (last - first).days + 1
    if days > MAX_DAYS and not assume_yes:
        raise UsageError(
            f"--from {first} --to {last} is {days:,} days, over ten years ({MAX_DAYS:,} days): "
            "add --yes if you mean it"
        )


def partitions(suite: Suite, first: date, last: date) -> list[Window]:
    """The suite's partitions that touch the local days ``first``..``last``, in order: one
    per day, per ISO week (the weeks holding those days) or per real local hour (a fall-back
    night's repeated hour twice, a spring-forward night's missing hour not at all)."""
    unit, tz = suite.partition_unit, suite.timezone
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    if unit == "week":
        weeks = {Window.for_week(d, tz).day: Window.for_week(d, tz) for d in days}
        return list(weeks.values())
    if unit == "day":
        return [Window.for_day(d, tz) for d in days]
    span = Window.span(first, last, tz)
    hours = int((span.end - span.start).total_seconds() // 3600)
    instants = [span.start + timedelta(hours=h + 1) for h in range(hours)]
    return [Window.before(t, tz, "hour") for t in instants]


def span_of(windows: list[Window]) -> Window:
    """One window over every partition of the range (the local days they cover)."""
    tz = windows[0].timezone
    first = windows[0].start.astimezone(zone(tz)).date()
    last = (windows[-1].end - timedelta(microseconds=1)).astimezone(zone(tz)).date()
    return Window.span(first, last, tz)


def require_data(suite: Suite, windows: list[Window]) -> None:
    """UsageError (exit 2) for a range in which the source holds no row: one count over the
    whole range, before any run is recorded. A suite without partitions cannot be backfilled:
    every "partition" would be the whole source."""
    if suite.partition is None and not getattr(suite.source, "templated", False):
        raise UsageError(
            f"suite '{suite.name}' has no partition (a partition= column or a {{date}} file "
            "template): --from/--to would validate the whole source once per day"
        )
    span = span_of(windows)
    with open_scan(suite.name, suite.source, span, suite.partition) as scan:
        rows = scan.compute([m.RowCount()]).get(m.RowCount())
    if not rows:
        raise UsageError(
            f"suite '{suite.name}': no rows in {span.first}..{span.day} "
            f"({len(windows)} partitions): nothing to backfill"
        )


@dataclass(frozen=True, slots=True)
class Step:
    """One partition done: its run's report (None when it raised), exit code and error."""

    window: Window
    report: RunReport | None
    code: int
    error: str | None = None


def remember(stack: ExitStack, store: Store, suite: Suite) -> None:
    """The suite's history in memory for the backfill (docs/adr/0151); a store that cannot be
    read is left to the first run, which reports it as at night."""
    try:
        stack.enter_context(recall.recalling(store, suite.name))
    except StoreUnavailable:
        pass


def commit_quickly(stack: ExitStack, store: Store) -> None:
    """A SQLite store's commits without an fsync for the backfill (docs/adr/0154); a store
    whose URL cannot be used is left to the first run, which reports it as at night."""
    try:
        stack.enter_context(quick_commits(store.engine))
    except StoreUnavailable:
        pass


def backfill(
    suite: Suite, windows: list[Window], store: Store, done: Callable[[Step], None]
) -> Outcome:
    """Run every partition of ``windows`` in order, each saved as its nightly run would be;
    ``done`` hears of each. An unreachable results store stops the backfill (every later
    partition would fail the same way; the command can be run again: it is idempotent).
    A range without data is a UsageError before any run is recorded."""
    outcome = Outcome()
    with shared_engines(), ExitStack() as quick, ExitStack() as ahead, ExitStack() as history:
        require_data(suite, windows)
        commit_quickly(quick, store)  # left last: after the worker's and the history's
        remember(history, store, suite)
        for i, window in enumerate(windows):
            if i % prefetch.CHUNK == 0:  # the next days' metrics in a few statements
                ahead.close()
                ahead.enter_context(prefetch.days(suite, windows[i : i + prefetch.CHUNK], store))
            try:
                report = run_suite(suite, window, RunKey(), store)
                step = Step(window, report, report.exit_code)
            except StoreUnavailable as exc:
                step = Step(window, None, exc.exit_code, str(exc.in_suite(suite.name)))
                outcome.stopped = f"stopped after {i + 1} of {len(windows)} partitions"
            except DatavigilError as exc:  # this partition's, and only its
                step = Step(window, None, exc.exit_code, str(exc.in_suite(suite.name)))
            outcome.codes[window.label] = step.code
            done(step)
            if outcome.stopped:
                break
    return outcome
