"""Capturing a reference snapshot from a suite's own source: the per-column statistics of a
window of days computed where the data is (one plan), and a bounded random sample of the numeric
columns (``ORDER BY random() LIMIT n``), stored by ``datavigil.store.snapshots``. Also the
window a capture covers and the one-line description the CLI and the DAG print.
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from datavigil.core.errors import UsageError
from datavigil.declare.window import Window
from datavigil.engine.profile import kept, quantiles, source_schema
from datavigil.store import snapshots

if TYPE_CHECKING:
    from datavigil.declare.suite import Suite
    from datavigil.store import Store


def _day(value: date | str, flag: str) -> date:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise UsageError(f"{flag}: '{value}' is not YYYY-MM-DD") from None


def window_of(
    suite: Any,
    first: date | str | None,
    last: date | str | None,
    names: tuple[str, str] = ("--from", "--to"),
) -> tuple[date, date]:
    """The days a capture covers: ``first``..``last``, else the suite's ``reference_window``;
    ``names`` are how the caller calls the two (flags on the command line, arguments in the
    API), for the one-line error."""
    if first is None and last is None and suite.reference_window:
        first, last = suite.reference_window
    if first is None or last is None:
        raise UsageError(
            f"suite '{suite.name}' declares no reference_window: give {names[0]} and {names[1]}"
        )
    return _day(first, names[0]), _day(last, names[1])


def describe(ref: Any) -> str:
    state = "active" if ref.active else "inactive"
    return (
        f"snapshot {ref.id} of {ref.dataset} (suite {ref.suite}): {ref.window_start}.."
        f"{ref.window_end}, {ref.row_count} rows, {len(ref.columns)} columns, raw sample "
        f"{ref.sample_rows} rows, schema {ref.schema_fingerprint[:12]}, {state}"
    )


def _days(first: date, last: date) -> list[date]:
    if last < first:
        raise snapshots.SnapshotError(f"--to {last} is before --from {first}")
    n = (last - first).days + 1
    if n > snapshots.MAX_DAYS:
        raise snapshots.SnapshotError(f"window of {n} days is longer than {snapshots.MAX_DAYS}")
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
        other = {n: c.family for n, c in cols.items() if c.family not in NUMERIC}
        wanted: list[Any] = [m.RowCount()]
        wanted += [m.Moments(n) for n in numeric]
        keep = kept_categories(suite)
        wanted += [x for n in other for x in (m.Frequencies(n, keep), m.NullCount(n))]
        sample = (
            m.Sample(tuple(numeric), sample_rows, random=True) if numeric and sample_rows else None
        )
        values = scan.compute(wanted + ([sample] if sample else []))
        rows = int(values.get(m.RowCount()))
        profiles = {n: _numeric_profile(values.get(m.Moments(n))[None]) for n in numeric}
        profiles.update(
            {n: _other_profile(values, n, family, rows, keep) for n, family in other.items()}
        )
        frame = None
        if sample is not None:
            got = values.get(sample)
            frame = pd.DataFrame.from_records(got, columns=numeric) if got else None
    return profiles, rows, frame


def _numeric_profile(g: Any) -> dict[str, Any]:
    """A numeric column's entry from the engine's GroupStats."""
    return {
        "kind": "numeric",
        "rows": g.rows,
        "null": g.null,
        "nan": g.nan,
        "pos_inf": g.pos_inf,
        "neg_inf": g.neg_inf,
        "moments": g.moments.to_dict(),
    }


def kept_categories(suite: Suite) -> int:
    """How many of a column's most frequent values the snapshot keeps: as many as any check of
    the suite counts in a partition (``engine.profile.kept`` of its ``top``), so that both sides
    of a CategoryShift count the same values (ADR 0124)."""
    tops = [getattr(c, "top", None) for c in suite.checks]
    return kept(max((t for t in tops if isinstance(t, int)), default=0))


def _other_profile(values: Any, name: str, family: str, rows: int, keep: int) -> dict[str, Any]:
    """A datetime or categorical column's entry; a categorical one with its frequencies."""
    from datavigil.engine import metrics as m

    kind = "datetime" if family.startswith("date") else "categorical"
    entry: dict[str, Any] = {
        "kind": kind,
        "rows": rows,
        "null": values.get(m.NullCount(name)),
        "nan": 0,
    }
    freq = values.data.get(m.Frequencies(name, keep))
    if kind == "categorical" and not isinstance(freq, m.MetricError) and freq is not None:
        entry.update(frequencies=freq.counts, other=freq.other)
    return entry


def _clean(value: Any) -> Any:
    """JSON for both SQLite and PostgreSQL: non-finite floats become None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def capture(
    suite: Suite,
    first: date,
    last: date,
    store: Store,
    sample_rows: int = snapshots.SAMPLE_ROWS,
    activate: bool = True,
    now: datetime | None = None,
) -> snapshots.Reference:
    """Read days ``first``..``last`` (the suite's time zone) and store their statistics."""
    days = _days(first, last)
    schema = source_schema(suite, Window.for_day(first, suite.timezone))
    profiles, rows, sample = _scan(suite, days[0], days[-1], sample_rows)
    if rows == 0:
        raise snapshots.SnapshotError(
            f"suite '{suite.name}': no rows between {first} and {last}: nothing to snapshot"
        )
    columns = {n: p | {"quantiles": quantiles(sample, n)} for n, p in profiles.items()}
    row = dict(  # a row of ReferenceSnapshot
        suite=suite.name,
        dataset=suite.dataset,
        window_start=first,
        window_end=last,
        timezone=suite.timezone,
        row_count=rows,
        schema_fingerprint=snapshots.fingerprint(schema),
        schema=schema,
        columns=_clean(columns),
        sample_rows=0 if sample is None else len(sample),
        source=getattr(suite.source, "label", type(suite.source).__name__)[:250],
        captured_at=now or datetime.now(UTC),
        active=False,
    )
    snapshot_id = snapshots.insert(store, row, sample)
    return (
        snapshots.activate_snapshot(store, snapshot_id)
        if activate
        else snapshots.get(store, snapshot_id)
    )
