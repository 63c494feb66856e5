"""Reference snapshots: capture a window of days from a suite's own source, store per-column
sufficient statistics (and a bounded raw sample) in the results store, list, activate, resolve.

One snapshot per dataset is active (a partial unique index enforces it). A suite compares against
``reference="active"`` or a pinned id. The raw sample (at most ``SAMPLE_ROWS`` rows of the
numeric columns, drawn at random in the source: ORDER BY random() LIMIT n) is stored as Parquet
bytes in ``reference_samples``, so a PostgreSQL results store holds everything a worker needs.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from datavigil.errors import DatavigilError
from datavigil.models import ReferenceSample, ReferenceSnapshot
from datavigil.profile import TOP, quantiles
from datavigil.window import Window

if TYPE_CHECKING:
    import pandas as pd

    from datavigil.store import Store
    from datavigil.suite import Suite

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


def source_schema(suite: Suite, window: Window) -> dict[str, str]:
    """Column name -> source type, read without rows (a FileSource looks at ``window``'s file)."""
    from datavigil.sources import FileSource, FrameSource

    if isinstance(suite.source, FileSource | FrameSource):
        return suite.source.column_types(suite.name, window)
    return suite.source.column_types(suite.name)


def _days(first: date, last: date) -> list[date]:
    if last < first:
        raise SnapshotError(f"--to {last} is before --from {first}")
    n = (last - first).days + 1
    if n > MAX_DAYS:
        raise SnapshotError(f"window of {n} days is longer than {MAX_DAYS}")
    return [first + timedelta(days=i) for i in range(n)]


NUMERIC = ("int", "float")


def _scan(
    suite: Suite, first: date, last: date, sample_rows: int
) -> tuple[dict[str, Any], int, Any]:
    """Per-column statistics of days ``first``..``last`` computed where the data is (one plan),
    and a bounded random sample of the numeric columns (the only rows that leave the source)."""
    import pandas as pd

    from datavigil.engine import metrics as m
    from datavigil.engine.backends import open_scan

    window = Window.span(first, last, suite.timezone)
    with open_scan(suite.name, suite.source, window, suite.partition) as scan:
        cols = scan.columns
        numeric = [n for n, c in cols.items() if c.family in NUMERIC]
        other = [n for n, c in cols.items() if c.family not in NUMERIC]
        wanted: list[Any] = [m.RowCount()]
        wanted += [m.Moments(n) for n in numeric]
        wanted += [x for n in other for x in (m.Frequencies(n, TOP), m.NullCount(n))]
        sample = (
            m.Sample(tuple(numeric), sample_rows, random=True) if numeric and sample_rows else None
        )
        values = scan.compute(wanted + ([sample] if sample else []))
        rows = int(values.get(m.RowCount()))
        profiles: dict[str, Any] = {}
        for n in numeric:
            g = values.get(m.Moments(n))[None]
            profiles[n] = {
                "kind": "numeric",
                "rows": g.rows,
                "null": g.null,
                "nan": g.nan,
                "pos_inf": g.pos_inf,
                "neg_inf": g.neg_inf,
                "moments": g.moments.to_dict(),
            }
        for n in other:
            kind = "datetime" if cols[n].family.startswith("date") else "categorical"
            entry: dict[str, Any] = {
                "kind": kind,
                "rows": rows,
                "null": values.get(m.NullCount(n)),
                "nan": 0,
            }
            freq = values.data.get(m.Frequencies(n, TOP))
            if kind == "categorical" and not isinstance(freq, m.MetricError) and freq is not None:
                entry.update(frequencies=freq.counts, other=freq.other)
            profiles[n] = entry
        frame = None
        if sample is not None:
            got = values.get(sample)
            frame = pd.DataFrame.from_records(got, columns=numeric) if got else None
    return profiles, rows, frame


def _clean(value: Any) -> Any:
    """JSON for both SQLite and PostgreSQL: non-finite floats become None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _parquet(frame: pd.DataFrame) -> bytes:
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def capture(
    suite: Suite,
    first: date,
    last: date,
    store: Store,
    sample_rows: int = SAMPLE_ROWS,
    activate: bool = True,
    now: datetime | None = None,
) -> Reference:
    """Read days ``first``..``last`` (the suite's time zone) and store their statistics."""
    days = _days(first, last)
    schema = source_schema(suite, Window.for_day(first, suite.timezone))
    profiles, rows, sample = _scan(suite, days[0], days[-1], sample_rows)
    if rows == 0:
        raise SnapshotError(
            f"suite '{suite.name}': no rows between {first} and {last}: nothing to snapshot"
        )
    columns = {n: p | {"quantiles": quantiles(sample, n)} for n, p in profiles.items()}
    row = ReferenceSnapshot(
        suite=suite.name,
        dataset=suite.dataset,
        window_start=first,
        window_end=last,
        timezone=suite.timezone,
        row_count=rows,
        schema_fingerprint=fingerprint(schema),
        schema=schema,
        columns=_clean(columns),
        sample_rows=0 if sample is None else len(sample),
        source=getattr(suite.source, "label", type(suite.source).__name__)[:250],
        captured_at=now or datetime.now(UTC),
        active=False,
    )
    snapshot_id = _insert(store, row, sample)
    return activate_snapshot(store, snapshot_id) if activate else get(store, snapshot_id)


def _insert(store: Store, row: ReferenceSnapshot, sample: pd.DataFrame | None) -> int:
    """The snapshot and its sample, in one transaction; returns the new id."""
    store.ensure_ready()
    with store.transaction() as conn, sa.orm.Session(bind=conn) as session:
        session.add(row)
        session.flush()
        if sample is not None:
            session.add(
                ReferenceSample(snapshot_id=row.id, format="parquet", data=_parquet(sample))
            )
        session.flush()
        return int(row.id)


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
    """The snapshot a suite compares against; SnapshotError says why there is none."""
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
        how = f"`datavigil snapshot capture {suite.name} --from YYYY-MM-DD --to YYYY-MM-DD`"
        if not rows:
            raise NoSnapshot(f"no reference snapshot captured yet for {suite.dataset}: {how}")
        raise SnapshotError(
            f"no active reference snapshot for dataset {suite.dataset} ({len(rows)} inactive): "
            f"`datavigil snapshot activate ID` or {how}"
        )
    return _reference(active[0])


def load_sample(store: Store, snapshot_id: int) -> pd.DataFrame | None:
    import pandas as pd

    t = ReferenceSample
    with _reading(store) as conn:
        data = conn.scalar(sa.select(t.data).where(t.snapshot_id == snapshot_id))
    return None if data is None else pd.read_parquet(io.BytesIO(data))
