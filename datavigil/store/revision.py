"""The results store's schema revision, read without importing Alembic (0.26 s of every run).

``head()`` reads the migration scripts' ``revision`` / ``down_revision`` lines; ``current(engine)``
reads ``alembic_version`` with one SELECT. Alembic itself is imported only to migrate.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

VERSIONS = Path(__file__).parent / "migrations" / "versions"
_ASSIGN = re.compile(r'^(revision|down_revision)\s*=\s*(?:"([^"]*)"|None)', re.MULTILINE)


@cache
def head() -> str:
    """The one revision no other migration revises."""
    revisions, revised = set(), set()
    for path in VERSIONS.glob("*.py"):
        found = dict((k, v) for k, v in _ASSIGN.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
        if found.get("down_revision"):
            revised.add(found["down_revision"])
    heads = sorted(revisions - revised)
    if len(heads) != 1:
        raise RuntimeError(f"migrations have {len(heads)} heads: {heads}")
    return heads[0]


def current(engine: Any) -> str | None:
    """The store's revision, or None for a store never migrated (no alembic_version table)."""
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        version = sa.table("alembic_version", sa.column("version_num"))
        rows = conn.execute(sa.select(version.c.version_num)).all()
    return str(rows[0][0]) if rows else None
