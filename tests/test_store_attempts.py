"""An attempt that fails for infrastructure keeps the last complete result (issue 8 item 6):
``Store.record_attempt`` appends to run_attempts and leaves the run's rows alone; every
attempt stays visible; history-based checks still see the day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from datavigil.core.errors import SourceUnavailable, StoreUnavailable
from datavigil.store import Store, history
from tests import store_checks
from tests.store_worker import T0, metrics_for, payload, record, save

RUN = "cli:faults:2024-05-01"


def test_a_failed_attempt_keeps_the_last_complete_result(store: Store, store_url: str) -> None:
    save(store, RUN, "good.0")
    failed = replace(record(RUN, status="error"), try_number=2, started_at=T0 + timedelta(1))
    number = store.record_attempt(failed, SourceUnavailable("suite 'faults': source down"))
    assert number == 2
    assert store_checks.stored(store_url, RUN) == "good.0"  # rows and status untouched
    seen = [(a.attempt, a.status, a.saved, a.error) for a in history.attempts(store, RUN)]
    assert seen[0][:3] == (1, store.results()[0]["run_status"], True)
    assert seen[1] == (2, "infra_error", False, "suite 'faults': source down")
    past = history.earlier(store, "faults", "check.0", before=date(2024, 5, 2))
    assert [p.day for p in past] == [date(2024, 5, 1)]  # the day is still in history


def test_a_failed_first_attempt_leaves_no_run_but_is_visible(store: Store, store_url: str) -> None:
    store.record_attempt(record(RUN), "source down\nsecond line", phases=("validate",))
    assert store_checks.stored(store_url, RUN) is None
    (only,) = history.attempts(store, RUN)
    assert (only.attempt, only.phases, only.status, only.error) == (
        1,
        "validate",
        "infra_error",
        "source down",
    )
    save(store, RUN, "next.0")  # the next attempt that completes becomes the run
    assert store_checks.stored(store_url, RUN) == "next.0"
    assert [a.attempt for a in history.attempts(store, RUN)] == [1, 2]


def test_every_save_is_an_attempt(store: Store) -> None:
    for n in range(3):
        store.save(record(RUN), payload(f"t.{n}", 3), metrics=metrics_for(f"t.{n}"))
    assert [(a.attempt, a.saved) for a in history.attempts(store, RUN)] == [
        (1, True),
        (2, True),
        (3, True),
    ]


def test_record_attempt_on_an_unreachable_store_is_store_unavailable() -> None:
    store = Store("postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3")
    with pytest.raises(StoreUnavailable):
        store.record_attempt(record(RUN), "source down")
