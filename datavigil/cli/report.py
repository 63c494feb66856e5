"""`datavigil report RUN_ID [--out report.html]` (or `--suite S --date D`): one run's
data-quality report as a single self-contained HTML file (inline CSS and SVG, no script, no
network) for people without Airflow access or to attach to an alert.

Exit codes as every command: 2 bad usage or unknown run, 3 the results store unreachable."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from datavigil.core.errors import DatavigilError


class UsageError(DatavigilError):
    exit_code = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"--date: '{text}' is not YYYY-MM-DD") from None


def _find(conn: Any, args: argparse.Namespace) -> dict[str, Any]:
    from datavigil.ui import queries

    if args.run_id:
        run = queries.run(conn, args.run_id)
        if run is None:
            raise UsageError(f"report: no run '{args.run_id}' in the results store")
        return run
    day = _day(args.date)
    found = queries.runs(conn, queries.RunFilter(suite=args.suite, since=day, until=day, limit=1))
    if not found:
        raise UsageError(f"report: suite {args.suite} has no run for partition {day}")
    return found[0]


def build(args: argparse.Namespace, url: str | None = None) -> str:
    """The report's HTML for the run the arguments name."""
    from datavigil.core import config
    from datavigil.ui import views
    from datavigil.ui.render import Links, Reader, render

    reader = Reader(lambda: url or config.results_url())
    with reader.connect() as conn:
        run = _find(conn, args)
        context = views.run_context(conn, run)
    return render("run.html", context, Links(None), reader.label)


def cmd_report(args: argparse.Namespace) -> int:
    if not args.run_id and not (args.suite and args.date):
        raise UsageError("report: give RUN_ID, or --suite S and --date D")
    if args.run_id and (args.suite or args.date):
        raise UsageError("report: give RUN_ID or --suite/--date, not both")
    html = build(args)
    if args.out:
        try:
            Path(args.out).write_text(html, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"report: cannot write {args.out}: {exc.strerror}") from None
        print(f"report written to {args.out}", file=sys.stderr)
    else:
        sys.stdout.write(html)
    return 0


def add_parser(sub: Any) -> None:
    """Register `report` on the main parser's subparsers."""
    r = sub.add_parser("report", help="one run's report as a self-contained HTML file")
    r.add_argument("run_id", nargs="?", help="the run_id (see `datavigil results --format json`)")
    r.add_argument("--suite", help="with --date: the newest run of SUITE for that day")
    r.add_argument("--date", help="partition day YYYY-MM-DD")
    r.add_argument("--out", help="write the HTML here (default: standard output)")
    r.set_defaults(func=cmd_report)
