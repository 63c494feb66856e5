"""Fault injection points inside a save, from the outside: SQLAlchemy events on the store's
engine count the statements of each transaction (and its COMMIT) and run an action at the k-th.
No hook in the product's code."""

from __future__ import annotations

import multiprocessing
import os
import random
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from datavigil.core.errors import StoreUnavailable
from datavigil.store import Store
from tests import store_checks, store_worker
from tests.store_worker import save, statement_key

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
        self.seen: list[str] = []  # the statements of the latest transaction
        self.every: list[str] = []  # of all transactions
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
        self.every.append(what)
        self.n += 1

    def _statement(self, conn, cursor, statement, *_):  # type: ignore[no-untyped-def]
        self._tick(conn, statement_key(statement))

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


def faults_at_random_statements(
    store: Store, url: str, rng: random.Random, count: int, fault: tuple[str, str], act: Any
) -> None:
    """``count`` saves, each with ``act(conn)`` just before a random statement of the save, once
    (the store retries and saves) or on every try (StoreUnavailable, the run unchanged), as
    ``rng`` decides; every save judged and its fault written to the ledger. ``fault``: the
    ledger's name of the fault and the prefix of the saves' tags."""
    from tests.faults import ledger

    name, prefix = fault
    points = statements_of_a_save(store, "base.0")
    before = store_checks.stored(url, RUN)
    for i in range(count):
        k, persistent = rng.randrange(len(points)), rng.random() < 0.3
        new = f"{prefix}.{i}"
        with ledger.fault(name, f"before {points[k]}, persistent={persistent}"):
            injected = AtStatement(store.engine, k, act, persistent)
            try:
                outcome = attempt_save(store, new)
            finally:
                injected.remove()
            before = judge(url, outcome, before, new)
            assert (outcome is None) == (not persistent), f"outcome {outcome!r}"


# Workers are forked from a clean, single-threaded fork server (started once, with the store's
# modules preloaded), not from the test process, which may hold other tests' threads and locks.
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["tests.store_worker", "datavigil.store"])
SILENCE = 120  # seconds a worker may stay silent before the test gives up on it


class Forked:
    """A worker process (milliseconds to start, not the second and more a fresh interpreter
    costs on a loaded two-core machine): a real separate process with its own connections,
    killed with a real SIGKILL. What it prints comes through a pipe, line by line."""

    def __init__(self, argv: list[str], go: Path | None) -> None:
        self.lines, send = _CONTEXT.Pipe(duplex=False)
        self.proc = _CONTEXT.Process(
            target=_child, args=(send, argv, None if go is None else str(go)), daemon=True
        )
        self.proc.start()
        send.close()
        self.returncode: int | None = None
        self.rest = ""

    def readline(self) -> str:
        if not self.lines.poll(SILENCE):
            raise AssertionError(f"worker silent for {SILENCE} s")
        try:
            return self.lines.recv()
        except EOFError:
            return ""

    def wait(self) -> int:
        if self.returncode is None:
            self.proc.join(SILENCE)
            self.returncode = self.proc.exitcode
            rest = []
            while self.lines.poll(0):
                try:
                    rest.append(self.lines.recv())
                except EOFError:
                    break
            self.rest = "".join(rest)
        return -1 if self.returncode is None else self.returncode

    def kill9(self) -> None:
        self.proc.kill()  # SIGKILL
        self.wait()


class _Lines:
    """stdout/stderr of a worker: each complete line goes through the pipe."""

    def __init__(self, send) -> None:  # type: ignore[no-untyped-def]
        self.send, self.buffer = send, ""

    def write(self, text: str) -> int:
        self.buffer += text
        while "\n" in self.buffer:
            line, self.buffer = self.buffer.split("\n", 1)
            self.send.send(line + "\n")
        return len(text)

    def flush(self) -> None:
        pass


def _child(send, argv: list[str], go: str | None) -> None:  # type: ignore[no-untyped-def]
    sys.stdout = sys.stderr = _Lines(send)
    if go is not None:
        os.environ["DATAVIGIL_TEST_GO"] = go
    sys.exit(store_worker.main(argv))


def worker(url: str, *args: str, go: Path | None = None) -> Forked:
    return Forked([url, *args], go)


def kill9(proc: Forked) -> None:
    proc.kill9()
