"""`datavigil schema accept|list`: accept a source's current schema as the SchemaChange baseline.

`schema accept SUITE` reads the columns and types of every source the suite's SchemaChange check
watches (the suite's own and each dependency's; ``--source`` picks some), records them in the
results store's ``schema_accepts`` table and prints what changed since the previous baseline. The
next run compares with it (docs/adr/0096). Exit codes as every command: 2 unknown suite, a suite
without SchemaChange or an unknown ``--source``; 3 a source or the results store unreachable.
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, date, datetime
from typing import Any

from datavigil.core.errors import DatavigilError

LIST_COLUMNS = [
    "id",
    "suite",
    "check_name",
    "fingerprint",
    "previous_fingerprint",
    "columns",
    "accepted_at",
    "accepted_by",
    "note",
]


class UsageError(DatavigilError):
    exit_code = 2


def _watched(suite: Any, wanted: list[str] | None) -> list[tuple[str, str, Any]]:
    """(check_name, source_name, source) of each source the suite's SchemaChange watches."""
    from datavigil.checks.schema_change import SchemaChange, sources_of

    checks = [c for c in suite.checks if isinstance(c, SchemaChange)]
    if not checks:
        raise UsageError(f"suite '{suite.name}' declares no SchemaChange check: nothing to accept")
    sources = sources_of(suite)
    names = [n for n, _ in sources]
    for name in wanted or []:
        if name not in names:
            raise UsageError(
                f"suite '{suite.name}': --source: '{name}' is not one of: {', '.join(names)}"
            )
    return [
        (f"{c.check_name}.{n}", n, src)
        for c in checks
        for n, src in sources
        if not wanted or n in wanted
    ]


def _window(suite: Any, text: str | None) -> Any:
    from datavigil.declare.window import Window

    if text is None:
        return Window.before(datetime.now(UTC), suite.timezone)
    try:
        return Window.for_day(date.fromisoformat(text), suite.timezone)
    except ValueError:
        raise UsageError(f"--date: '{text}' is not YYYY-MM-DD") from None


def _change(before: Any, columns: dict[str, str]) -> str:
    from datavigil.checks.schema_change import diff

    if before is None:
        return "the first baseline"
    parts = [f"{k} {', '.join(v)}" for k, v in diff(before.columns, columns).items() if v]
    what = "; ".join(parts) if parts else "no change"
    return f"was {before.fingerprint} ({before.label}): {what}"


def cmd_accept(args: argparse.Namespace) -> int:
    from datavigil import api
    from datavigil.engine import probes
    from datavigil.store import Store, schema_accepts

    suite = api.load_suite(args.suite)
    watched = _watched(suite, args.source)
    window = _window(suite, args.date)
    store = Store()
    seen = [
        (check, name, probes.column_types(src, probes.Where(suite.name, name), window))
        for check, name, src in watched
    ]  # every source read before anything is written
    before = {check: schema_accepts.baseline(store, suite.name, check) for check, _, _ in seen}
    by = args.by or os.environ.get("USER") or os.environ.get("LOGNAME")
    rows = schema_accepts.accept(store, suite.name, seen, note=args.note, by=by)
    for row in rows:
        change = _change(before[row.check_name], row.columns)
        print(
            f"accepted {row.check_name} (suite {row.suite}): fingerprint {row.fingerprint} "
            f"of {len(row.columns)} columns, #{row.id}; {change}"
        )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from datavigil.runner.report import table
    from datavigil.store import Store, schema_accepts

    rows = [
        {f: getattr(a, f) for f in LIST_COLUMNS}
        for a in schema_accepts.listing(Store(), args.suite)
    ]
    if args.format == "json":
        print(json.dumps(rows, default=str, indent=1))
    else:
        shown = [
            {
                **r,
                "columns": len(r["columns"]),
                "accepted_at": f"{r['accepted_at']:%Y-%m-%d %H:%M:%S} UTC",
            }
            for r in rows
        ]
        print(table(shown, LIST_COLUMNS))
    return 0


def add_parser(sub: Any) -> None:
    """Register `schema` and its subcommands on the main parser's subparsers."""
    schema = sub.add_parser("schema", help="accept a source schema as SchemaChange's baseline")
    ssub = schema.add_subparsers(dest="schema_command", required=True)
    a = ssub.add_parser(
        "accept",
        help="record SUITE's current source schemas as accepted",
        description="Read the columns and types of every source SUITE's SchemaChange watches "
        "and record them as the baseline later runs compare with.",
    )
    a.add_argument("suite")
    a.add_argument("--source", action="append", metavar="NAME", help="only this source (repeat)")
    a.add_argument("--note", help="why (stored with the accept)")
    a.add_argument("--by", help="who accepts (default: $USER)")
    a.add_argument("--date", help="the day whose files to read, for file sources (YYYY-MM-DD)")
    a.set_defaults(func=cmd_accept)
    ls = ssub.add_parser("list", help="list accepted schemas, newest first")
    ls.add_argument("--suite")
    ls.add_argument("--format", choices=["table", "json"], default="table")
    ls.set_defaults(func=cmd_list)
