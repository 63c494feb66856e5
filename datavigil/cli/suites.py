"""`datavigil suites [--check]`: the suites found in the schemas folder, and the broken ones."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from datavigil import api
from datavigil.core.errors import DatavigilError

SUITE_COLUMNS = ["suite", "dataset", "schedule", "timezone", "dag_id", "checks", "file"]


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
                checks = len(api.load_suite(info.name).checks)
            except DatavigilError as exc:
                checks, text = "broken", str(exc)
                problems.append(text if info.path.name in text else f"{text} ({info.path.name})")
        rows.append(_suite_row(info.name, info.path.name, checks, info))
    rows += [_suite_row(bad.name, bad.path.name, "broken") for bad in found.broken]
    print(table(sorted(rows, key=lambda r: r["suite"]), SUITE_COLUMNS))
    for problem in problems:
        print(f"datavigil: {problem}", file=sys.stderr)
    return 2 if problems else 0


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


def add_parser(sub: Any) -> None:
    s = sub.add_parser("suites", help="list the suites found in schemas/")
    s.add_argument("--check", action="store_true", help="also import and validate each suite")
    s.set_defaults(func=cmd_suites)
