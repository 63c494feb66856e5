"""`datavigil results [--suite S] [--status fail] [--since 7d] [--format table|csv|json]`: the
rows of ``datavigil.api.results``, printed as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
from datetime import UTC, date, datetime
from typing import Any

from datavigil import api
from datavigil.api.query import status_filter
from datavigil.cli.args import parse_since, positive_int
from datavigil.core.errors import UsageError

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


def _statuses(values: list[str] | None) -> list[str] | None:
    """--status fail --status error, --status fail,error, or --status not-pass."""
    return status_filter(values, "--status")


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

    since = parse_since(args.since, datetime.now(UTC)) if args.since is not None else None
    first, last = _days(args)
    rows = api.results(
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


def add_parser(sub: Any) -> None:
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
