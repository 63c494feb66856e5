"""The `datavigil` command. Exit codes: 0 no error-severity failure · 1 error-severity data
violation · 2 bad usage or bad suite/config · 3 a source or the results store unreachable."""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from datavigil import init_suite, schema_cli, snapshot_cli
from datavigil.errors import DatavigilError

RESULT_COLUMNS = [
    "suite",
    "partition_date",
    "origin",
    "check_name",
    "severity",
    "status",
    "observed_value",
    "threshold",
    "failing_rows",
    "message",
]


class UsageError(DatavigilError):
    exit_code = 2


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: '{text}' is not YYYY-MM-DD") from None


def parse_since(text: str, now: datetime) -> datetime:
    match = re.fullmatch(r"(\d+)([dhm])", text.strip())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}[unit]
        return now - delta
    try:
        return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
    except ValueError:
        raise UsageError(f"--since: '{text}' is not like 7d, 12h or YYYY-MM-DD") from None


def window_of(suite: Any, day: str | None, hour: str | None) -> Any:
    """The partition asked for: --date D (a week suite: the ISO week holding D; an hour suite:
    with --hour H, local; H+ for the second of a repeated fall-back hour), else the last
    complete partition before now."""
    from datavigil.window import Window

    unit = suite.partition_unit
    if hour is not None and (unit != "hour" or not day):
        raise UsageError(f"--hour: suite '{suite.name}' is not hourly or --date is missing")
    if not day:
        return Window.before(datetime.now(UTC), suite.timezone, unit)
    if unit == "week":
        return Window.for_week(parse_date(day), suite.timezone)
    if unit == "day":
        return Window.for_day(parse_date(day), suite.timezone)
    if hour is None or not re.fullmatch(r"(\d|1\d|2[0-3])\+?", hour):
        raise UsageError(
            f"--hour: suite '{suite.name}' is hourly: give --hour 0..23 "
            "(1+: the repeated 01:00 of a fall-back night)"
        )
    try:
        return Window.for_hour(
            parse_date(day), int(hour.rstrip("+")), suite.timezone, fold=int(hour.endswith("+"))
        )
    except ValueError as exc:
        raise UsageError(f"suite '{suite.name}': --hour: {exc}") from None


def cmd_validate(args: argparse.Namespace) -> int:
    from datavigil import registry
    from datavigil.report import summary
    from datavigil.runner import run_suite

    suite = registry.load(args.suite)
    window = window_of(suite, args.date, args.hour)
    report = run_suite(suite, window)
    print(summary(report, verbose=args.verbose))
    if report.error is not None:
        print(f"datavigil: {report.error}", file=sys.stderr)
    return report.exit_code


DESCRIPTION = """Scheduled data validation: run a suite's checks for one partition, record
every result in the results store, read them back."""
EPILOG = """exit codes:
  0  no error-severity failure (warnings allowed)
  1  an error-severity check failed or could not be evaluated (a data violation)
  2  bad usage, or a bad suite or setting
  3  a source or the results store could not be reached or read (retryable)

`datavigil COMMAND --help` describes each command."""

STATUSES = ("pass", "fail", "error", "skipped", "inconclusive")


def _statuses(values: list[str] | None) -> list[str] | None:
    """--status fail --status error, --status fail,error, or --status not-pass."""
    if not values:
        return None
    chosen: list[str] = []
    for value in (v.strip() for text in values for v in text.split(",")):
        if value == "not-pass":
            chosen += [s for s in STATUSES if s != "pass"]
        elif value in STATUSES:
            chosen.append(value)
        else:
            allowed = ", ".join((*STATUSES, "not-pass"))
            raise UsageError(f"--status: '{value}' is not one of {allowed}")
    return sorted(set(chosen), key=STATUSES.index)


def _day(flag: str, text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: '{text}' is not YYYY-MM-DD") from None


def _days(args: argparse.Namespace) -> tuple[date | None, date | None]:
    """The partition days asked for: --date D, or --from D and/or --to D (inclusive)."""
    if args.date and (args.first or args.last):
        raise UsageError("--date: give either --date or --from/--to, not both")
    if args.date:
        day = _day("--date", args.date)
        return day, day
    first, last = _day("--from", args.first), _day("--to", args.last)
    if first and last and last < first:
        raise UsageError(f"--to: {last} is before --from {first}")
    return first, last


def cmd_results(args: argparse.Namespace) -> int:
    from datavigil.report import table
    from datavigil.store import Store

    since = parse_since(args.since, datetime.now(UTC)) if args.since else None
    first, last = _days(args)
    rows = Store().results(
        suite=args.suite,
        status=_statuses(args.status),
        since=since,
        limit=args.limit,
        latest=args.latest,
        first=first,
        last=last,
        check=args.check,
    )
    if args.format == "json":
        print(json.dumps(rows, default=str, indent=1))
    elif args.format == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else RESULT_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
        print(buf.getvalue(), end="")
    else:
        print(table(rows, RESULT_COLUMNS))
    return 0


def _results_parser(sub: Any) -> None:
    r = sub.add_parser(
        "results",
        help="read the results store (filters combine with AND)",
        description="Check results joined with their run, newest partition day first.",
        epilog="Examples: datavigil results --status not-pass --from 2013-02-01 --to 2013-02-28; "
        "datavigil results --suite flights --check 'nulls.*' --status fail,error --format csv",
    )
    r.add_argument("--suite", help="only this suite")
    r.add_argument(
        "--status",
        action="append",
        metavar="STATUS",
        help="pass, fail, error, skipped, inconclusive or not-pass (all but pass); "
        "repeat it or separate with commas: --status fail,error",
    )
    r.add_argument("--date", help="only partition day YYYY-MM-DD")
    r.add_argument("--from", dest="first", metavar="DATE", help="partition days from (inclusive)")
    r.add_argument("--to", dest="last", metavar="DATE", help="partition days to (inclusive)")
    r.add_argument("--check", help="a check name, * matching anything: 'nulls.*'")
    r.add_argument("--since", help="7d, 12h, 30m or YYYY-MM-DD (by run finish time)")
    r.add_argument("--format", choices=["table", "csv", "json"], default="table")
    r.add_argument("--limit", type=int, default=1000, help="at most this many rows (1000)")
    r.add_argument(
        "--latest", action="store_true", help="only the newest run of each suite and partition day"
    )
    r.set_defaults(func=cmd_results)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from datavigil.store import Store

    store = Store()
    print(f"{store.label}: at revision {store.upgrade()}")
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    from datavigil import registry
    from datavigil.report import table

    rows = []
    for info in registry.discover():
        suite = registry.load(info.name) if args.check else None
        rows.append(
            {
                "suite": info.name,
                "dataset": info.dataset,
                "schedule": info.schedule,
                "timezone": info.timezone,
                "dag_id": f"validate_{info.name}",
                "checks": len(suite.checks) if suite else "",
                "file": info.path.name,
            }
        )
    print(table(rows, ["suite", "dataset", "schedule", "timezone", "dag_id", "checks", "file"]))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="datavigil",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = p.add_subparsers(dest="command", required=True)
    v = sub.add_parser("validate", help="run every check of SUITE for one day and record it")
    v.add_argument("suite")
    v.add_argument(
        "--date", help="partition day YYYY-MM-DD in the suite's time zone (default: yesterday)"
    )
    v.add_argument(
        "--hour", help="hourly suites: the local hour 0..23 of --date (1+ = a repeated hour)"
    )
    v.add_argument("-v", "--verbose", action="store_true", help="list passing checks too")
    v.set_defaults(func=cmd_validate)
    _results_parser(sub)
    db = sub.add_parser("db", help="results-store administration")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help="apply the results-store migrations").set_defaults(
        func=cmd_db_upgrade
    )
    s = sub.add_parser("suites", help="list the suites found in schemas/")
    s.add_argument("--check", action="store_true", help="also import and validate each suite")
    s.set_defaults(func=cmd_suites)
    snapshot_cli.add_parser(sub)  # snapshot capture | list | activate
    init_suite.add_parser(sub)  # init SUITE --from-table URL TABLE | --from-file PATH
    schema_cli.add_parser(sub)  # schema accept SUITE | schema list
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
    logging.getLogger("datavigil").setLevel(logging.WARNING if args.quiet else logging.INFO)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except DatavigilError as exc:
        print(f"datavigil: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
