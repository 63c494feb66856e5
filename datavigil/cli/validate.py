"""`datavigil validate SUITE [SUITE ...] [--date D] [--hour H]`: run every check of each suite
for one partition through ``datavigil.api``, print its summary, exit with its verdict."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from datavigil import api
from datavigil.cli import backfill
from datavigil.cli.args import parse_date
from datavigil.cli.console import first_line
from datavigil.core.errors import DatavigilError, UsageError

FLAGS = ("--date", "--hour")  # how the partition's arguments are named in errors
GRAVITY = (0, 1, 3, 2)  # exit codes of several suites, least grave first


def cmd_validate(args: argparse.Namespace) -> int:
    """``validate SUITE [SUITE ...]``: each suite in turn, in one process (its imports paid
    once). One suite: its exit code. Several: every suite runs whatever the others gave, each
    error is its own line, and the exit code is the gravest (2 > 3 > 1 > 0: a broken setting
    needs a person, an unreachable store a retry, a data violation a look; docs/adr/0111)."""
    from datavigil.core import config

    ranged = args.from_ is not None or args.to is not None
    if ranged:
        first, last = backfill.range_of(args)  # checked before anything is read or written
    if args.date is not None:
        parse_date(args.date)  # strictly YYYY-MM-DD ("" is not "yesterday"), before anything
    names = args.suite if isinstance(args.suite, list) else [args.suite]
    if len(set(names)) != len(names):
        raise UsageError(f"validate: a suite is named twice: {' '.join(names)}")
    try:
        config.results_url()  # a malformed store URL is configuration: found before any read
    except DatavigilError as exc:
        raise exc.in_suite(names[0]) from None
    if ranged:
        return backfill.run_ranges(names, args, first, last)
    if len(names) == 1:
        return _validate_one(names[0], args)
    codes = []
    for name in names:
        try:
            codes.append(_validate_one(name, args))
        except DatavigilError as exc:
            print(f"datavigil: {first_line(exc.in_suite(name))}", file=sys.stderr)
            codes.append(exc.exit_code)
    return max(codes, key=GRAVITY.index)


def _validate_one(name: str, args: argparse.Namespace) -> int:
    """One suite: the API's run for the partition of --date/--hour, its summary on stdout, the
    error of a run that could not complete on stderr; its exit code."""
    from datavigil.runner.partition import window_for

    suite = api.load_suite(name)
    try:
        window = window_for(suite, args.date, args.hour, FLAGS)
        report = api.validate_window(suite, window)
    except DatavigilError as exc:  # the store or a setting: the line names the suite too
        raise exc.in_suite(suite.name) from None
    print(report.text(verbose=args.verbose))
    if report.error is not None:
        print(f"datavigil: {report.error.in_suite(suite.name)}", file=sys.stderr)
    return report.exit_code


def add_parser(sub: Any) -> None:
    v = sub.add_parser(
        "validate", help="run every check of SUITE (or of several suites) for one day, record it"
    )
    v.add_argument("suite", nargs="+", help="one suite, or several run in turn in one process")
    v.add_argument(
        "--date", help="partition day YYYY-MM-DD in the suite's time zone (default: yesterday)"
    )
    v.add_argument(
        "--hour", help="hourly suites: the local hour 0..23 of --date (1+ = a repeated hour)"
    )
    v.add_argument("--from", dest="from_", help="backfill: first day YYYY-MM-DD of a range")
    v.add_argument("--to", help="backfill: last day YYYY-MM-DD (each day its own run, in order)")
    v.add_argument("--yes", action="store_true", help="backfill: allow a range over ten years")
    v.add_argument("-v", "--verbose", action="store_true", help="list passing checks too")
    v.set_defaults(func=cmd_validate)
