"""`datavigil snapshot capture|list|activate`: reference snapshots from the command line.

Exit codes as every command: 2 bad usage (unknown suite or id, bad window), 3 the source or the
results store could not be reached.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

LIST_COLUMNS = [
    "id",
    "suite",
    "dataset",
    "window_start",
    "window_end",
    "row_count",
    "sample_rows",
    "active",
    "schema_fingerprint",
    "captured_at",
]


def cmd_capture(args: argparse.Namespace) -> int:
    from datavigil import api
    from datavigil.runner.snapshot import describe, window_of

    suite = api.load_suite(args.suite)
    first, last = window_of(suite, args.first, args.last)  # errors name --from / --to
    ref = api.capture_snapshot(
        suite, first, last, sample_rows=args.sample_rows, activate=not args.no_activate
    )
    print(describe(ref))
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from datavigil import api
    from datavigil.runner.report import table

    rows = api.snapshots(args.suite)
    if args.format == "json":
        print(json.dumps(rows, default=str, indent=1))
    else:
        print(table(rows, LIST_COLUMNS))
    return 0


def cmd_activate(args: argparse.Namespace) -> int:
    from datavigil import api
    from datavigil.runner.snapshot import describe

    print(describe(api.activate_snapshot(args.id)))
    return 0


def add_parser(sub: Any) -> None:
    """Register `snapshot` and its subcommands on the main parser's subparsers."""
    snap = sub.add_parser("snapshot", help="reference snapshots for distribution checks")
    ssub = snap.add_subparsers(dest="snapshot_command", required=True)
    c = ssub.add_parser("capture", help="capture SUITE's source over a window of days")
    c.add_argument("suite")
    c.add_argument("--from", dest="first", help="first day YYYY-MM-DD (suite's time zone)")
    c.add_argument("--to", dest="last", help="last day YYYY-MM-DD, inclusive")
    c.add_argument("--sample-rows", type=int, default=100_000, help="raw sample bound")
    c.add_argument("--no-activate", action="store_true", help="store it without activating")
    c.set_defaults(func=cmd_capture)
    ls = ssub.add_parser("list", help="list the stored snapshots, newest first")
    ls.add_argument("--suite")
    ls.add_argument("--format", choices=["table", "json"], default="table")
    ls.set_defaults(func=cmd_list)
    a = ssub.add_parser("activate", help="make snapshot ID the active one of its dataset")
    a.add_argument("id", type=int)
    a.set_defaults(func=cmd_activate)
