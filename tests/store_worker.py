"""A separate process that uses a results store, for tests of concurrency and of kills:

    python -m tests.store_worker URL ACTION [ARGS...]

Actions: ``upgrade`` migrates the store (``db upgrade``). ``save RUN_ID WORKER ROUNDS`` saves
run RUN_ID ROUNDS times, each a complete payload tagged ``WORKER.<round>``. ``first-use`` saves
to a store never used before (an embedded one migrates itself). ``episodes N ACTION ...``: see
``episodes``. ``pause-at SQL_PREFIX ACTION ...`` runs ACTION but prints ``PAUSED`` and sleeps
when a statement starting with SQL_PREFIX is about to run (the parent then kills it). A file
path in ``DATAVIGIL_TEST_GO`` makes the worker wait until that file exists (a start barrier).
Exit codes: 0 done, 3 StoreUnavailable (one line on stderr)."""

from __future__ import annotations

import os
import sys
import time
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from datavigil.core.errors import StoreUnavailable
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
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


def statement_key(statement: str) -> str:
    """How the fault tests name a statement: its text up to the first parenthesis."""
    return statement.split("(")[0].strip()[:60]


def pause_at(store: Store, key: str) -> None:
    """Sleep (to be killed) before the first statement named ``key``, or before COMMIT."""

    def pause(*_: object) -> None:
        print("PAUSED", flush=True)
        time.sleep(120)

    def statement(conn, cursor, text, *_):  # type: ignore[no-untyped-def]
        if statement_key(text) == key or text.lstrip().startswith(key):
            pause()

    if key == "COMMIT":
        sa.event.listen(store.engine, "commit", pause)
    else:
        sa.event.listen(store.engine, "before_cursor_execute", statement)


def act(store: Store, action: str, args: list[str]) -> None:
    if action == "pause-at":
        pause_at(store, args[0])
        act(store, args[1], args[2:])
    elif action == "upgrade":
        store.upgrade()
    elif action == "first-use":  # embedded: migrates itself; a server: `db upgrade` first
        if not store.is_embedded:
            store.upgrade()
        save(store, "cli:faults:first-use", f"first.{os.getpid()}")
    elif action == "save":
        run_id, worker, rounds = args[0], args[1], int(args[2])
        for n in range(rounds):
            save(store, run_id, f"{worker}.{n}")
    else:
        raise SystemExit(f"unknown action {action}")


def wait_for(path: str | None) -> None:
    while path and not os.path.exists(path):
        time.sleep(0.005)


def attempt(url: str, action: str, args: list[str]) -> int:
    try:
        act(Store(url), action, args)
    except StoreUnavailable as exc:
        print(str(exc), file=sys.stderr, flush=True)
        return 3
    return 0


def episodes(url: str, count: int, action: str, args: list[str]) -> int:
    """``count`` episodes, each on the store ``url.format(i=...)``, each started by its own
    go file ``$DATAVIGIL_TEST_GO.<i>``: one process serves several episodes (cheaper than a
    process per episode on a two-core machine)."""
    go = os.environ["DATAVIGIL_TEST_GO"]
    for i in range(count):
        wait_for(f"{go}.{i}")
        rc = attempt(url.format(i=i), action, [a.format(i=i) for a in args])
        print(f"EPISODE {i} {rc}", flush=True)
    return 0


def main(argv: list[str]) -> int:
    url, action, args = argv[0], argv[1], argv[2:]
    if action == "episodes":
        return episodes(url, int(args[0]), args[1], args[2:])
    wait_for(os.environ.get("DATAVIGIL_TEST_GO"))
    rc = attempt(url, action, args)
    if rc == 0:
        print("DONE", flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
