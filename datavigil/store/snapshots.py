"""Reference snapshots in the results store: per-column sufficient statistics (and a bounded raw
sample) of a window of days, listed, activated, resolved. Capturing one from a suite's own source:
``datavigil.runner.snapshot``.

One snapshot per dataset is active (a partial unique index enforces it). A suite compares against
``reference="active"`` or a pinned id. The raw sample (at most ``SAMPLE_ROWS`` rows of the
numeric columns, drawn at random in the source: ORDER BY random() LIMIT n) is stored as Parquet
bytes in ``reference_samples``, so a PostgreSQL results store holds everything a worker needs.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from datavigil.core.errors import DatavigilError
from datavigil.store import recall
from datavigil.store.models import ReferenceSample, ReferenceSnapshot

if TYPE_CHECKING:
    import pandas as pd

    from datavigil.declare.suite import Suite
    from datavigil.store import Store

SAMPLE_ROWS = 100_000
MAX_DAYS = 366


class SnapshotError(DatavigilError):
    """A snapshot request that cannot be honoured (bad window, unknown id). Exit 2."""


class NoSnapshot(SnapshotError):
    """The dataset has no snapshot at all yet (a warm-up state, not a broken reference)."""


@dataclass(frozen=True, slots=True)
class Reference:
    """A stored snapshot as the checks see it."""

    id: int
    suite: str
    dataset: str
    window_start: date
    window_end: date
    row_count: int
    schema_fingerprint: str
    schema: dict[str, str]
    columns: dict[str, Any]
    sample_rows: int
    active: bool

    @property
    def label(self) -> str:
        return f"snapshot {self.id} ({self.window_start}..{self.window_end})"


def fingerprint(schema: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(sorted(schema.items())).encode()).hexdigest()


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def insert(store: Store, row: dict[str, Any], sample: pd.DataFrame | None) -> int:
    """The snapshot (a row of ReferenceSnapshot) and its sample, in one transaction; returns the
    new id."""
    store.ensure_ready()
    with store.transaction() as conn:
        made = conn.execute(sa.insert(ReferenceSnapshot).values(row))
        snapshot_id = int(made.inserted_primary_key[0])  # type: ignore[index]
        if sample is not None:
            data = _parquet(sample)
            values = {"snapshot_id": snapshot_id, "format": "parquet", "data": data}
            conn.execute(sa.insert(ReferenceSample).values(values))
        return snapshot_id


def _reference(row: Any) -> Reference:
    return Reference(
        id=row.id,
        suite=row.suite,
        dataset=row.dataset,
        window_start=row.window_start,
        window_end=row.window_end,
        row_count=row.row_count,
        schema_fingerprint=row.schema_fingerprint,
        schema=dict(row.schema),
        columns=dict(row.columns),
        sample_rows=row.sample_rows,
        active=bool(row.active),
    )


@contextmanager
def _reading(store: Store) -> Iterator[sa.Connection]:
    try:
        with store.engine.connect() as conn:
            yield conn
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None


def get(store: Store, snapshot_id: int) -> Reference:
    store.ensure_ready()
    with _reading(store) as conn:
        row = conn.execute(
            sa.select(ReferenceSnapshot).where(ReferenceSnapshot.id == snapshot_id)
        ).first()
    if row is None:
        raise SnapshotError(f"no reference snapshot with id {snapshot_id}")
    return _reference(row)


def activate_snapshot(store: Store, snapshot_id: int) -> Reference:
    """Make ``snapshot_id`` the active one of its dataset (deactivating the others) atomically."""
    ref = get(store, snapshot_id)
    t = ReferenceSnapshot
    with store.transaction() as conn:
        conn.execute(sa.update(t).where(t.dataset == ref.dataset).values(active=False))
        conn.execute(sa.update(t).where(t.id == snapshot_id).values(active=True))
    return get(store, snapshot_id)


def listing(store: Store, suite: str | None = None) -> list[dict[str, Any]]:
    store.ensure_ready()
    t = ReferenceSnapshot
    stmt = sa.select(
        t.id,
        t.suite,
        t.dataset,
        t.window_start,
        t.window_end,
        t.row_count,
        t.sample_rows,
        t.active,
        t.captured_at,
        t.schema_fingerprint,
    ).order_by(t.id.desc())
    if suite:
        stmt = stmt.where(t.suite == suite)
    with _reading(store) as conn:
        rows = [dict(r._mapping) for r in conn.execute(stmt)]
    for r in rows:
        r["schema_fingerprint"] = r["schema_fingerprint"][:12]
    return rows


def resolve(store: Store, suite: Suite, pin: str | int = "active") -> Reference:
    """The snapshot a suite compares against; SnapshotError says why there is none. Read once
    in a backfill (docs/adr/0151)."""
    mem = recall.active(store)
    key = ("reference", suite.dataset, pin)
    if mem is not None and key in mem.kept:
        return mem.kept[key]  # type: ignore[no-any-return]
    ref = _resolve(store, suite, pin)
    if mem is not None:
        mem.kept[key] = ref
    return ref


def _resolve(store: Store, suite: Suite, pin: str | int) -> Reference:
    if pin != "active":
        ref = get(store, int(pin))
        if ref.dataset != suite.dataset:
            raise SnapshotError(
                f"{ref.label} belongs to dataset {ref.dataset}, not {suite.dataset}"
            )
        if not ref.active:
            raise SnapshotError(
                f"pinned {ref.label} is inactive: `datavigil snapshot "
                f"activate {ref.id}` or pin the active one"
            )
        return ref
    store.ensure_ready()
    t = ReferenceSnapshot
    with _reading(store) as conn:
        rows = conn.execute(sa.select(t).where(t.dataset == suite.dataset)).all()
    active = [r for r in rows if r.active]
    if not active:
        how = _capture_hint(suite)
        if not rows:
            raise NoSnapshot(f"no reference snapshot captured yet for {suite.dataset}: {how}")
        raise SnapshotError(
            f"no active reference snapshot for dataset {suite.dataset} ({len(rows)} inactive): "
            f"`datavigil snapshot activate ID` or {how}"
        )
    return _reference(active[0])


def _capture_hint(suite: Any) -> str:
    """The capture command to suggest: the suite's own ``reference_window`` needs no days."""
    if getattr(suite, "reference_window", None):
        first, last = suite.reference_window
        return f"`datavigil snapshot capture {suite.name}` (its reference_window {first}..{last})"
    return f"`datavigil snapshot capture {suite.name} --from YYYY-MM-DD --to YYYY-MM-DD`"


def load_sample(store: Store, snapshot_id: int) -> pd.DataFrame | None:
    """The snapshot's stored sample (read once in a backfill, each run given its own copy:
    docs/adr/0151)."""
    import pandas as pd

    mem = recall.active(store)
    key = ("sample", snapshot_id)
    if mem is not None and key in mem.kept:
        frame = mem.kept[key]
        return None if frame is None else frame.copy()
    t = ReferenceSample
    with _reading(store) as conn:
        data = conn.scalar(sa.select(t.data).where(t.snapshot_id == snapshot_id))
    frame = None if data is None else pd.read_parquet(io.BytesIO(data))
    if mem is not None:
        mem.kept[key] = frame
        return None if frame is None else frame.copy()
    return frame
