"""Fault injection points inside a save, from the outside: SQLAlchemy events on the store's
engine count the statements of each transaction (and its COMMIT) and run an action at the k-th.
No hook in the product's code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from datavigil.errors import StoreUnavailable
from datavigil.store import Store
from tests import store_checks
from tests.store_worker import save

ROOT = Path(__file__).resolve().parents[2]
RUN = "cli:faults:2024-05-01"


class AtStatement:
    """Run ``action(connection)`` just before the k-th statement (COMMIT included) of a
    transaction: on the first transaction only, or on every one (``persistent``)."""

    def __init__(
        self, engine: sa.Engine, k: int, action: Callable[[sa.Connection], None], persistent: bool
    ) -> None:
        self.engine, self.k, self.action, self.persistent = engine, k, action, persistent
        self.n = self.fired = 0
        self.seen: list[str] = []
        self._events = [("begin", self._begin), ("before_cursor_execute", self._statement)]
        self._events.append(("commit", self._commit))
        for name, fn in self._events:
            sa.event.listen(engine, name, fn)

    def _begin(self, conn: sa.Connection) -> None:
        self.n, self.seen = 0, []  # seen: the statements of the latest transaction

    def _tick(self, conn: sa.Connection, what: str) -> None:
        if self.n == self.k and (self.persistent or not self.fired):
            self.fired += 1
            self.action(conn)
        self.seen.append(what)
        self.n += 1

    def _statement(self, conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        self._tick(conn, statement.split("(")[0].strip()[:60])

    def _commit(self, conn: sa.Connection) -> None:
        self._tick(conn, "COMMIT")

    def remove(self) -> None:
        for name, fn in self._events:
            sa.event.remove(self.engine, name, fn)


def statements_of_a_save(store: Store, tag: str) -> list[str]:
    """What one save sends (a dry run with a listener that never fires)."""
    probe = AtStatement(store.engine, -1, lambda conn: None, persistent=False)
    try:
        save(store, RUN, tag)
    finally:
        probe.remove()
    return probe.seen


def attempt_save(store: Store, tag: str) -> BaseException | None:
    try:
        save(store, RUN, tag)
    except Exception as exc:  # every exception is judged by the caller
        return exc
    return None


def judge(url: str, outcome: BaseException | None, before: str | None, new: str) -> str | None:
    """A save that returned stored its rows whole; one that raised is StoreUnavailable (exit 3)
    and left the run as it was. Returns the tag now stored."""
    tag = store_checks.stored(url, RUN)
    if outcome is None:
        assert tag == new, f"save returned but the store holds {tag!r}, not {new!r}"
    else:
        assert isinstance(outcome, StoreUnavailable), f"wrong class: {outcome!r}"
        assert outcome.exit_code == 3 and "\n" not in str(outcome)
        assert tag == before, f"a failed save changed the run: {tag!r} (was {before!r})"
    return tag


def worker(url: str, *args: str, go: Path | None = None, env: dict | None = None):
    full_env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    if go is not None:
        full_env["DATAVIGIL_TEST_GO"] = str(go)
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store_worker", url, *args],
        cwd=ROOT,
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def kill9(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    proc.stdout.close()
    proc.stderr.close()
