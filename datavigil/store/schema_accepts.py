"""The baseline of SchemaChange: the schema last ACCEPTED for a source (docs/adr/0096).

`datavigil schema accept SUITE` writes one row per source into ``schema_accepts``; the newest row of
a (suite, check_name) is its baseline. Before any accept, the fingerprint first recorded in
``check_results`` (the suite's first run) is the baseline. Comparing with an accepted schema, not
with the previous partition, makes a reverted change pass again and an intended one fail until a
person accepts it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from datavigil.store import Store, recall, recalled
from datavigil.store.history import _read
from datavigil.store.models import CheckResultRow, SchemaAccept, ValidationRun


def fingerprint(columns: dict[str, str]) -> str:
    """A short hash of a source's columns and types, the same for the same schema."""
    text = json.dumps(columns, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class Baseline:
    """What a source's schema is compared with; ``label`` says where it comes from."""

    fingerprint: str
    columns: dict[str, str]
    label: str  # "accepted #3 at 2026-12-01 09:10 UTC" | "first recorded, partition 2024-03-01"
    accept_id: int | None = None


@dataclass(frozen=True, slots=True)
class Accepted:
    id: int
    suite: str
    check_name: str
    source_name: str
    fingerprint: str
    columns: dict[str, str]
    previous_fingerprint: str | None
    accepted_at: datetime
    accepted_by: str | None
    note: str | None


FIELDS = [c.name for c in SchemaAccept.__table__.columns]


def _accepted(row: Any) -> Accepted:
    values = dict(zip(FIELDS, row, strict=True))
    at = values["accepted_at"]
    values["accepted_at"] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return Accepted(**values)


def accepted(store: Store, suite: str, check_name: str) -> Accepted | None:
    """The newest accept of ``check_name`` in ``suite``, or None (read once in a backfill:
    docs/adr/0151)."""
    mem = recall.active(store, suite)
    if mem is not None and check_name in mem.accepts:
        return mem.accepts[check_name]
    t = SchemaAccept.__table__
    stmt = (
        sa.select(t)
        .where(t.c.suite == suite, t.c.check_name == check_name)
        .order_by(t.c.id.desc())
        .limit(1)
    )
    rows = _read(store, stmt)
    got = _accepted(rows[0]) if rows else None
    if mem is not None:
        mem.accepts[check_name] = got
    return got


def first_recorded(store: Store, suite: str, check_name: str) -> Baseline | None:
    """The fingerprint of the first run (by finish time) that recorded one for the check."""
    mem = recall.active(store, suite)  # a backfill's memory of the history (docs/adr/0151)
    if mem is None:
        rows = _first_rows(store, suite, check_name)
    else:
        rows = recalled.first_details(mem, check_name)
    for day, details in rows:
        if details and "columns" in details:
            columns = details["columns"]  # a JSON text, or (migration 0006) already an object
            columns = json.loads(columns) if isinstance(columns, str) else dict(columns)
            label = f"first recorded, partition {day.isoformat()}"
            return Baseline(str(details.get("fingerprint")), columns, label)
    return None


def _first_rows(store: Store, suite: str, check_name: str) -> list[Any]:
    r, c = ValidationRun, CheckResultRow
    stmt = (
        sa.select(r.partition_date, c.details)
        .join(c, c.run_id == r.run_id)
        .where(r.suite == suite, c.check_name == check_name)
        .order_by(r.finished_at, r.partition_date)
        .limit(50)
    )
    return _read(store, stmt)


def baseline(store: Store, suite: str, check_name: str) -> Baseline | None:
    """The last accepted schema, else the first recorded one, else None (nothing seen yet)."""
    got = accepted(store, suite, check_name)
    if got is None:
        return first_recorded(store, suite, check_name)
    label = f"accepted #{got.id} at {got.accepted_at:%Y-%m-%d %H:%M} UTC"
    return Baseline(got.fingerprint, dict(got.columns), label, got.id)


def accept(
    store: Store,
    suite: str,
    entries: list[tuple[str, str, dict[str, str]]],
    note: str | None = None,
    by: str | None = None,
    at: datetime | None = None,
) -> list[Accepted]:
    """Record (check_name, source_name, columns) as accepted, all in one transaction."""
    at = at or datetime.now(UTC)  # metadata of a person's action, never seen by a check
    rows = []
    for check_name, source_name, columns in entries:
        before = baseline(store, suite, check_name)
        rows.append(
            {"suite": suite, "check_name": check_name, "source_name": source_name,
             "fingerprint": fingerprint(columns), "columns": columns,
             "previous_fingerprint": before.fingerprint if before else None,
             "accepted_at": at, "accepted_by": by, "note": note}
        )  # fmt: skip
    insert = sa.insert(SchemaAccept).returning(SchemaAccept.id)
    with store.transaction() as conn:
        ids = [conn.execute(insert.values(row)).scalar_one() for row in rows]
    return [
        _accepted(tuple({**row, "id": i}[f] for f in FIELDS))
        for row, i in zip(rows, ids, strict=True)
    ]


def listing(store: Store, suite: str | None = None, limit: int = 1000) -> list[Accepted]:
    """Accepts, newest first."""
    t = SchemaAccept.__table__
    stmt = sa.select(t).order_by(t.c.id.desc()).limit(limit)
    if suite:
        stmt = stmt.where(t.c.suite == suite)
    return [_accepted(row) for row in _read(store, stmt)]
