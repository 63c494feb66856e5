"""`datavigil validate SUITE --from D1 --to D2 [--yes]`: every partition of the range in one
process, in date order, each stored as its nightly run (datavigil.runner.backfill).

stdout: one line per partition, then a closing line with the counts; ``--verbose``: each
partition's full summary instead. stderr: a progress line on a terminal (datavigil.cli.progress),
the error of a partition that could not run. Exit code: the gravest of the partitions'
(2 > 3 > 1 > 0, as several suites in one command)."""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from datavigil.cli import progress
from datavigil.core.durations import parse_day
from datavigil.core.errors import UsageError


def range_of(args: argparse.Namespace) -> tuple[date, date]:
    """``--from``/``--to`` as days, checked: both given, in order, at most ten years unless
    ``--yes``; ``--date``/``--hour`` are for one partition."""
    from datavigil.runner.backfill import check_range

    if args.date is not None or args.hour is not None:
        raise UsageError("validate: --from/--to is a range: give it without --date or --hour")
    if args.from_ is None or args.to is None:
        need = "--from needs --to (the last" if args.to is None else "--to needs --from (the first"
        raise UsageError(f"validate: {need} day of the range)")
    first, last = parse_day(args.from_, "--from"), parse_day(args.to, "--to")
    check_range(first, last, args.yes)
    return first, last


def run_ranges(names: list[str], args: argparse.Namespace, first: date, last: date) -> int:
    """Backfill each suite in turn; one suite's error is its own line (exit code: the gravest,
    as ``validate SUITE SUITE``)."""
    from datavigil.core.errors import DatavigilError
    from datavigil.runner.backfill import GRAVITY

    codes = []
    for name in names:
        try:
            codes.append(run_range(name, args, first, last))
        except DatavigilError as exc:
            if len(names) == 1:
                raise exc.in_suite(name) from None
            print(f"datavigil: {str(exc.in_suite(name)).splitlines()[0]}", file=sys.stderr)
            codes.append(exc.exit_code)
    return max(codes, key=GRAVITY.index)


def run_range(name: str, args: argparse.Namespace, first: date, last: date) -> int:
    """Backfill suite ``name`` over ``first``..``last``; its exit code."""
    from datavigil import api
    from datavigil.runner.backfill import backfill, partitions

    suite = api.load_suite(name)
    windows = partitions(suite, first, last)
    store = api.store_for(None)
    shown = progress.wanted() and not getattr(args, "quiet", False)  # -q: no progress output
    bar = progress.Progress(len(windows), suite.name, sys.stderr if shown else None)
    statuses: Counter[str] = Counter()

    def done(step: object) -> None:
        bar.clear()
        statuses[_print_step(step, args.verbose)] += 1
        bar.step(failed=getattr(step, "code", 0) != 0)

    bar.draw()  # 0/N while the range is checked for rows and the first partition runs
    try:
        with _quiet_runs(args.verbose):
            outcome = backfill(suite, windows, store, done)
    finally:
        bar.clear()
    tally = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
    print(
        f"backfill of {suite.name} {first}..{last}: {len(outcome.codes)} of {len(windows)} "
        f"partitions run ({tally}); run ids cli:{suite.name}:<partition>; "
        f"exit {outcome.exit_code}"
    )
    if outcome.stopped:
        print(f"datavigil: suite '{suite.name}': backfill {outcome.stopped}", file=sys.stderr)
    return outcome.exit_code


def _print_step(step: object, verbose: bool) -> str:
    """The partition's line (its full summary with --verbose); its status."""
    from datavigil.runner.backfill import Step
    from datavigil.runner.report import summary

    assert isinstance(step, Step)
    label = step.window.label
    if step.report is None:
        print(f"{label}  ERROR  {step.error}", flush=True)
        return "error"
    run, report = step.report.run, step.report
    if verbose:
        print(summary(report, verbose=True), flush=True)
        return run.status
    rows = "-" if run.rows_checked is None else f"{run.rows_checked} rows"
    parts = [f"{label}  {run.status.upper():<5} {rows}"]
    if report.blocking:
        parts.append("failed: " + ", ".join(r.check_name for r in report.blocking))
    if report.warnings:
        parts.append("warnings: " + ", ".join(r.check_name for r in report.warnings))
    if report.error is not None:
        parts.append(f"error: {str(report.error).splitlines()[0]}")
    print(" · ".join(parts), flush=True)
    return run.status


@contextmanager
def _quiet_runs(verbose: bool) -> Iterator[None]:
    """Each run's INFO lines ("validating ...", "N rows, M metrics") only with --verbose:
    the partition lines say the same, once."""
    logger = logging.getLogger("datavigil")
    level = logger.level
    if not verbose:
        logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
