"""The `datavigil` command. Exit codes: 0 no error-severity failure · 1 error-severity data
violation · 2 bad usage or bad suite/config · 3 a source or the results store unreachable ·
4 internal error (a bug: please report it)."""

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
from typing import Any, NoReturn

from datavigil.cli import console, init_suite
from datavigil.cli import schema as schema_cli
from datavigil.cli import snapshot as snapshot_cli
from datavigil.core.errors import DatavigilError, UsageError

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


INTERNAL_ERROR = 4  # an exception datavigil did not classify: a bug (docs/adr/0061)
DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit 2, like every other error (not argparse's
    usage block)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("datavigil").strip()
        where = f"{command}: " if command else ""
        hint = f"see `{self.prog} --help`"
        raise UsageError(f"{where}{message} ({hint})")


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got '{text}'")
    return value


def parse_day(text: str, flag: str) -> date:
    """Exactly YYYY-MM-DD (not 20240101, 2024-W01-1 or an empty string)."""
    if not DAY_RE.fullmatch(text):
        raise UsageError(f"{flag}: '{text}' is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: '{text}' is not a calendar day (YYYY-MM-DD)") from None


def parse_date(text: str) -> date:
    return parse_day(text, "--date")


def parse_since(text: str, now: datetime) -> datetime:
    match = re.fullmatch(r"([0-9]{1,9})([dhm])", text.strip())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        try:
            delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}
            return now - delta[unit]
        except OverflowError:
            raise UsageError(f"--since: '{text}' reaches back before the year 1") from None
    if not DAY_RE.fullmatch(text):
        raise UsageError(f"--since: '{text}' is not like 7d, 12h, 30m or YYYY-MM-DD")
    return datetime.combine(parse_day(text, "--since"), datetime.min.time(), UTC)


def window_of(suite: Any, day: str | None, hour: str | None) -> Any:
    """The partition asked for: --date D (a week suite: the ISO week holding D; an hour suite:
    with --hour H, local; H+ for the second of a repeated fall-back hour), else the last
    complete partition before now."""
    from datavigil.declare.window import Window

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
    """``validate SUITE [SUITE ...]``: each suite in turn, in one process (its imports paid
    once). One suite: its exit code. Several: every suite runs whatever the others gave, each
    error is its own line, and the exit code is the gravest (2 > 3 > 1 > 0: a broken setting
    needs a person, an unreachable store a retry, a data violation a look)."""
    from datavigil.core import config

    if args.date is not None:
        parse_date(args.date)  # strictly YYYY-MM-DD ("" is not "yesterday"), before anything
    names = args.suite if isinstance(args.suite, list) else [args.suite]
    if len(set(names)) != len(names):
        raise UsageError(f"validate: a suite is named twice: {' '.join(names)}")
    try:
        config.results_url()  # a malformed store URL is configuration: found before any read
    except DatavigilError as exc:
        raise exc.in_suite(names[0]) from None
    if len(names) == 1:
        return _validate_one(names[0], args)
    codes = []
    for name in names:
        try:
            codes.append(_validate_one(name, args))
        except DatavigilError as exc:
            print(f"datavigil: {_first_line(exc.in_suite(name))}", file=sys.stderr)
            codes.append(exc.exit_code)
    return max(codes, key=GRAVITY.index)


GRAVITY = (0, 1, 3, 2)  # exit codes of several suites, least grave first


def _validate_one(name: str, args: argparse.Namespace) -> int:
    from datavigil.runner import registry

    suite = registry.load(name)
    from datavigil.runner.report import summary  # heavy: only once the arguments and suite are good
    from datavigil.runner.run import run_suite

    try:
        window = window_of(suite, args.date, args.hour)
        report = run_suite(suite, window)
    except DatavigilError as exc:  # the store or a setting: the line names the suite too
        raise exc.in_suite(suite.name) from None
    print(summary(report, verbose=args.verbose))
    if report.error is not None:
        print(f"datavigil: {report.error.in_suite(suite.name)}", file=sys.stderr)
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
    from datavigil.runner.report import table
    from datavigil.store import Store

    since = parse_since(args.since, datetime.now(UTC)) if args.since is not None else None
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
    r.add_argument("--limit", type=positive_int, default=1000, help="at most this many rows (1000)")
    r.add_argument(
        "--latest", action="store_true", help="only the newest run of each suite and partition day"
    )
    r.set_defaults(func=cmd_results)


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from datavigil.store import Store

    store = Store()  # a malformed DATAVIGIL_RESULTS_URL is a SettingError (exit 2) here
    print(f"{store.label}: at revision {store.upgrade()}")
    return 0


def cmd_suites(args: argparse.Namespace) -> int:
    """List the suites; with --check also import each. A broken suite is listed as broken and
    named on stderr (one line each, with its file); the exit code is then 2."""
    from datavigil.runner import registry
    from datavigil.runner.report import table

    found = registry.scan()
    rows, problems = [], [str(b.error) for b in found.broken]
    for info in found.suites:
        checks: int | str = ""
        if args.check:
            try:
                checks = len(registry.load(info.name).checks)
            except DatavigilError as exc:
                checks, text = "broken", str(exc)
                problems.append(text if info.path.name in text else f"{text} ({info.path.name})")
        rows.append(_suite_row(info.name, info.path.name, checks, info))
    rows += [_suite_row(bad.name, bad.path.name, "broken") for bad in found.broken]
    print(table(sorted(rows, key=lambda r: r["suite"]), SUITE_COLUMNS))
    for problem in problems:
        print(f"datavigil: {problem}", file=sys.stderr)
    return 2 if problems else 0


SUITE_COLUMNS = ["suite", "dataset", "schedule", "timezone", "dag_id", "checks", "file"]


def _suite_row(name: str, file: str, checks: Any, info: Any = None) -> dict[str, Any]:
    return {
        "suite": name,
        "dataset": getattr(info, "dataset", ""),
        "schedule": getattr(info, "schedule", ""),
        "timezone": getattr(info, "timezone", ""),
        "dag_id": f"validate_{name}",
        "checks": checks,
        "file": file,
    }


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="datavigil",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = p.add_subparsers(dest="command", required=True)
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
    from datavigil.cli import report as report_cli  # report RUN_ID | --suite S --date D

    report_cli.add_parser(sub)
    schema_cli.add_parser(sub)  # schema accept SUITE | schema list
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command. Never a traceback: a DatavigilError is one line and its class's exit
    code; anything else is a bug, one line "internal error" and exit 4; a closed stdout ends
    the output quietly and the command keeps its own exit code (docs/adr/0061)."""
    with console.guarded():
        args: argparse.Namespace | None = None
        try:
            args = build_parser().parse_args(argv)
            logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
            logging.getLogger("datavigil").setLevel(logging.WARNING if args.quiet else logging.INFO)
            console.install_log_redaction()
            func: Callable[[argparse.Namespace], int] = args.func
            return func(args)
        except DatavigilError as exc:
            print(f"datavigil: {_first_line(exc)}", file=sys.stderr)
            return exc.exit_code
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # the top-level guard: a bug is named, never a traceback
            suite = getattr(args, "suite", None)
            suite = " ".join(suite) if isinstance(suite, list) else suite
            where = f"suite '{suite}': " if suite else ""
            print(
                f"datavigil: {where}internal error: {type(exc).__name__}: {_first_line(exc)} "
                "(please report)",
                file=sys.stderr,
            )
            return INTERNAL_ERROR


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
