"""`datavigil db upgrade`: apply the results store's Alembic migrations."""

from __future__ import annotations

import argparse
from typing import Any


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from datavigil import api
    from datavigil.store import Store

    label = Store().label  # a malformed DATAVIGIL_RESULTS_URL is a SettingError (exit 2) here
    print(f"{label}: at revision {api.upgrade()}")
    return 0


def add_parser(sub: Any) -> None:
    db = sub.add_parser("db", help="results-store administration")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help="apply the results-store migrations").set_defaults(
        func=cmd_db_upgrade
    )
