"""Every attempt that reached the results store leaves a row in run_attempts (ADR 0126).

A save writes its attempt in its own transaction; when that transaction fails for
infrastructure (the connection terminated on every retry, a role that may not write the results
tables), nothing of it remains, so the attempt is recorded apart: a separate short transaction
on a new connection, best effort, a bounded number of tries. What cannot be recorded: an attempt
that never reached the store (it could not connect, or the store is not migrated), one that met
an embedded store locked past its waits, and one whose store refuses even that row (the
run_attempts table itself is not writable, the store went down for longer than the tries): the
task's log says so (INFO: the one error line stays the save's), and the exit stays 3.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from datavigil.core.errors import StoreUnavailable
from datavigil.store import RunRecord, Store

log = logging.getLogger("datavigil")

TRIES = 3  # of the separate record, each retrying a dropped connection on its own
PAUSE = 0.2  # seconds before the second try, doubled before the third
# why no record is tried (the store's messages): no transaction could begin; the store is not
# migrated; SQLite's write lock was held past the save's own waits (4 tries of 60 s)
NOT_TRIED = {
    ": connect failed:": "was never reached",
    "`datavigil db upgrade`": "is not migrated",
    "database is locked": "stayed locked",
}


def save_or_record(
    store: Store,
    run: RunRecord,
    results: list[Any],
    phases: tuple[str, ...] | None,
    metrics: list[Any],
) -> RunRecord:
    """``store.save``; when it fails for infrastructure, the attempt is recorded apart
    (``record_failed``) and the save's StoreUnavailable is raised (exit 3, retried)."""
    try:
        return store.save(run, results, phases, metrics=metrics)
    except StoreUnavailable as exc:
        record_failed(store, run, exc, phases)
        raise


def record_failed(
    store: Store, run: RunRecord, error: StoreUnavailable, phases: tuple[str, ...] | None
) -> int | None:
    """Record the attempt whose save failed: its number, or None when it could not be recorded
    (logged, with the reason)."""
    why = next((w for text, w in NOT_TRIED.items() if text in str(error)), None)
    if why is not None:
        log.info("%s: attempt not recorded: the store %s", run.run_id, why)
        return None
    pause, last = PAUSE, error
    for tried in range(1, TRIES + 1):
        try:
            return store.record_attempt(run, f"the save failed: {error}", phases)
        except StoreUnavailable as again:
            last = again
        if tried < TRIES:
            time.sleep(pause)
            pause *= 2
    log.info("%s: attempt not recorded after %d tries: %s", run.run_id, TRIES, last)
    return None
