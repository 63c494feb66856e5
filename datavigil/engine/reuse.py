"""One engine per source database, and one in-process DuckDB connection, for a run or a series
of runs in one process (a backfill).

Outside ``shared_engines()`` nothing changes: each scan creates its engine and disposes of it
(no pooled connection is left behind). Inside it, ``SqlSource.engine`` returns the engine
already made for the same URL, and ``duck_engine()`` the one in-memory DuckDB of the context,
and the scans leave them open: every scan of a run (the partition, the schema probe, earlier
days, failing-row files) and every partition of a backfill share them. The context disposes of
every engine it made when it ends (docs/adr/0131, docs/adr/0141). A context opened inside
another one is the outer one (a backfill's runs share the backfill's engines).

The DuckDB connection is exclusive: a scan holds it (its ``src`` view) until it disposes of it,
so a scan opened while another holds it gets an engine of its own, never the busy one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any


@dataclass
class _Shared:
    engines: dict[str, Any] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)  # exclusive engines held by a scan
    made: int = 0  # engines created in the context (tests count them)


_SHARED: ContextVar[_Shared | None] = ContextVar("datavigil_shared_engines", default=None)


@contextmanager
def shared_engines() -> Iterator[None]:
    """Within: one engine per source URL and one DuckDB, kept open until the context ends."""
    if _SHARED.get() is not None:  # already sharing: the outer context owns the engines
        yield
        return
    shared = _Shared()
    token = _SHARED.set(shared)
    try:
        yield
    finally:
        _SHARED.reset(token)
        for engine in shared.engines.values():
            engine.dispose()


def engine_for(key: str, make: Callable[[], Any], exclusive: bool = False) -> Any:
    """The shared engine of ``key`` (a URL with its password) when sharing, else a new one.
    ``exclusive``: one holder at a time (released by ``dispose``); while it is held, a new
    engine of the caller's own."""
    shared = _SHARED.get()
    if shared is None or (exclusive and key in shared.busy):
        return make()
    if key not in shared.engines:
        shared.engines[key] = make()
        shared.made += 1
    if exclusive:
        shared.busy.add(key)
    return shared.engines[key]


def dispose(engine: Any) -> None:
    """Dispose of ``engine`` unless it is shared (the context disposes of it at its end); a
    shared exclusive engine is released for the next scan."""
    shared = _SHARED.get()
    key = (
        None
        if shared is None
        else next((k for k, e in shared.engines.items() if e is engine), None)
    )
    if shared is None or key is None:
        engine.dispose()
        return
    shared.busy.discard(key)
