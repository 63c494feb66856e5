"""Store.save(..., metrics=...) writes the run's profile (run_metrics) in the save's own
transaction, replacing that run's metrics of the saved phases, like its check rows."""

from __future__ import annotations

from datavigil.store import Store
from tests.helpers import query
from tests.store_worker import payload, record

RUN = "airflow:validate_faults:manual__1"


def metrics(url: str) -> list[tuple]:
    sql = "SELECT phase, metric, column_name, group_key, value FROM run_metrics ORDER BY 1, 2, 3"
    return [tuple(r) for r in query(url, sql)]


def test_metrics_are_written_and_replaced_per_phase(store: Store, store_url: str) -> None:
    v = [("row_count", None, None, 10.0), ("mean", "x", "g1", 2.5), ("m2", "x", None, 1e300)]
    store.save(record(RUN), payload("a", 1), ("validate",), metrics=v)
    store.save(record(RUN), [], ("freshness",), metrics=[("max_ts", "ts", None, 1.7e9)])
    assert metrics(store_url) == [
        ("freshness", "max_ts", "ts", None, 1.7e9),
        ("validate", "m2", "x", None, 1e300),
        ("validate", "mean", "x", "g1", 2.5),
        ("validate", "row_count", None, None, 10.0),
    ]
    store.save(record(RUN), payload("b", 1), ("validate",), metrics=[("row_count", None, None, 0)])
    assert metrics(store_url) == [
        ("freshness", "max_ts", "ts", None, 1.7e9),
        ("validate", "row_count", None, None, 0.0),
    ]
    store.save(record(RUN), payload("c", 1), ("validate",))  # no metrics given: kept as they are
    assert len(metrics(store_url)) == 2


def test_non_finite_metrics_are_null_and_a_whole_run_save_replaces_all(
    store: Store, store_url: str
) -> None:
    store.save(record(RUN), [], ("validate",), metrics=[("mean", "x", None, float("nan"))])
    store.save(record(RUN), [], metrics=[("mean", "x\x00", None, float("inf"))])
    assert metrics(store_url) == [("all", "mean", "x\ufffd", None, None)]
