"""A separate process that uses a results store, for tests of concurrency and of kills:

    python -m tests.store_worker URL ACTION [ARGS...]

ACTION ``upgrade``: migrate the store (``db upgrade``). ``save RUN_ID WORKER ROUNDS``: save
run RUN_ID ROUNDS times, each a complete payload tagged ``WORKER.round``. ``pause-at SQL_PREFIX
ACTION ...``: run ACTION, but print ``PAUSED`` and sleep when a statement starting with
SQL_PREFIX is about to run (the parent then kills the process). A file path in
``DATAVIGIL_TEST_GO`` makes the worker wait until that file exists (a start barrier).
Exit codes: 0 done, 3 StoreUnavailable (one line on stderr)."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from datavigil.errors import StoreUnavailable
from datavigil.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import RunRecord, Store

T0 = datetime(2024, 5, 2, 3, 0, tzinfo=UTC)


def record(run_id: str, status: str = "pass") -> RunRecord:
    day = date(2024, 5, 1)
    start = datetime.combine(day, datetime.min.time(), UTC)
    return RunRecord(
        run_id=run_id,
        suite="faults",
        dataset="faults.table",
        partition_date=day,
        data_interval_start=start,
        data_interval_end=start + timedelta(days=1),
        started_at=T0,
        finished_at=T0 + timedelta(seconds=1),
        status=status,
        rows_checked=10,
        origin="cli",
        datavigil_version="test",
    )


def payload(tag: str, checks: int) -> list[CheckResult]:
    """``checks`` results that all carry ``tag``: a stored run is complete when every row has
    one tag and there are exactly ``checks`` of them (checks = 3 + the tag's hash mod 5)."""
    status = Status.FAIL if sum(tag.encode()) % 2 else Status.PASS
    return [
        CheckResult(
            f"check.{i}",
            "faults",
            "x",
            Severity.ERROR if i == 0 else Severity.WARN,
            Outcome(status, f"tag={tag}", observed_value=float(i), details={"tag": tag}),
        )
        for i in range(checks)
    ]


def checks_for(tag: str) -> int:
    return 3 + sum(tag.encode()) % 5


def metrics_for(tag: str) -> list[tuple[str, str | None, str | None, float | None]]:
    return [("row_count", None, None, float(checks_for(tag))), ("tagged", tag, None, 1.0)]


def save(store: Store, run_id: str, tag: str) -> None:
    store.save(record(run_id), payload(tag, checks_for(tag)), metrics=metrics_for(tag))


def pause_at(store: Store, prefix: str) -> None:
    def pause(conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith(prefix.upper()):
            print("PAUSED", flush=True)
            time.sleep(120)

    sa.event.listen(store.engine, "before_cursor_execute", pause)


def act(store: Store, action: str, args: list[str]) -> None:
    if action == "pause-at":
        pause_at(store, args[0])
        act(store, args[1], args[2:])
    elif action == "upgrade":
        store.upgrade()
    elif action == "first-use":  # what a new embedded store sees: ensure_ready, then a save
        save(store, "cli:faults:first-use", f"first.{os.getpid()}")
    elif action == "save":
        run_id, worker, rounds = args[0], args[1], int(args[2])
        for n in range(rounds):
            save(store, run_id, f"{worker}.{n}")
    else:
        raise SystemExit(f"unknown action {action}")


def main(argv: list[str]) -> int:
    url, action, args = argv[0], argv[1], argv[2:]
    go = os.environ.get("DATAVIGIL_TEST_GO")
    while go and not os.path.exists(go):
        time.sleep(0.01)
    try:
        act(Store(url), action, args)
    except StoreUnavailable as exc:
        print(str(exc), file=sys.stderr)
        return 3
    print("DONE", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
