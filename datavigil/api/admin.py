"""Reference snapshots and the results store's schema, from Python: what `datavigil snapshot
capture|list|activate` and `datavigil db upgrade` do (and the `capture_reference_<suite>` DAG).

```python
from datavigil.api import capture_snapshot, snapshots

ref = capture_snapshot("flights", "2013-01-01", "2013-01-31")  # activated for the dataset
print(ref.id, ref.row_count, [s["id"] for s in snapshots(suite="flights")])
```
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from datavigil.api.query import store_for
from datavigil.declare.suite import Suite

if TYPE_CHECKING:
    from datavigil.store.snapshots import Reference


def capture_snapshot(
    suite: str | Suite,
    first: date | str | None = None,
    last: date | str | None = None,
    *,
    sample_rows: int | None = None,
    activate: bool = True,
    results_url: str | None = None,
) -> Reference:
    """Capture a reference snapshot of `suite`'s source over the days `first`..`last`.

    The per-column statistics are computed where the data is (one plan) and a bounded random
    sample of the numeric columns is kept; both are stored in the results store.

    Args:
        suite: A suite's name or a `Suite`.
        first: The first day (a `date` or `YYYY-MM-DD`, the suite's time zone). With `last`
            None too: the suite's `reference_window`.
        last: The last day, inclusive.
        sample_rows: At most this many raw rows are kept (0: none; default 100,000).
        activate: Make it the dataset's active snapshot (the one `reference="active"` reads).
        results_url: A SQLAlchemy URL of the results store (default: the configured one).

    Returns:
        The stored snapshot (`id`, window, `row_count`, per-column statistics, `active`).

    Raises:
        UsageError: No window given and the suite declares no `reference_window`, or a day
            is not `YYYY-MM-DD`.
        SnapshotError: The window is empty of rows, reversed, or longer than a year (exit 2).
        SourceUnavailable: The source could not be read (exit 3).
        StoreUnavailable: The results store could not be reached (exit 3).
    """
    from datavigil.api import load_suite
    from datavigil.runner import snapshot
    from datavigil.store.snapshots import SAMPLE_ROWS

    store = store_for(results_url)
    loaded = suite if isinstance(suite, Suite) else load_suite(suite)
    day_one, day_last = snapshot.window_of(loaded, first, last, ("first", "last"))
    rows = SAMPLE_ROWS if sample_rows is None else sample_rows
    return snapshot.capture(loaded, day_one, day_last, store, sample_rows=rows, activate=activate)


def snapshots(suite: str | None = None, *, results_url: str | None = None) -> list[dict[str, Any]]:
    """The stored snapshots, newest first, one dict each (what `datavigil snapshot list`
    prints), of one suite or of all."""
    from datavigil.store import snapshots as stored

    return stored.listing(store_for(results_url), suite)


def activate_snapshot(snapshot_id: int, *, results_url: str | None = None) -> Reference:
    """Make snapshot `snapshot_id` the active one of its dataset (the previous active one is
    kept, inactive). Raises `SnapshotError` (exit 2) for an unknown id."""
    from datavigil.store import snapshots as stored

    return stored.activate_snapshot(store_for(results_url), snapshot_id)


def upgrade(results_url: str | None = None) -> str:
    """Apply the results store's migrations (Alembic) and return the revision it is at. A
    store is also migrated on its first use; this is `datavigil db upgrade`."""
    return store_for(results_url).upgrade()
