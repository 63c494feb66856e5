"""One engine per source database for a series of runs in one process (a backfill).

Outside ``shared_engines()`` nothing changes: each scan creates its engine and disposes of it
(no pooled connection is left behind by a run). Inside it, ``SqlSource.engine`` returns the
engine already made for the same URL and the scans leave it open, so the partitions of a
backfill share one engine and its pooled connection; the context disposes of every engine it
made when it ends (docs/adr/0131).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_SHARED: ContextVar[dict[str, Any] | None] = ContextVar("datavigil_shared_engines", default=None)


@contextmanager
def shared_engines() -> Iterator[None]:
    """Within: one engine per source URL, kept open until the context ends."""
    engines: dict[str, Any] = {}
    token = _SHARED.set(engines)
    try:
        yield
    finally:
        _SHARED.reset(token)
        for engine in engines.values():
            engine.dispose()


def engine_for(key: str, make: Callable[[], Any]) -> Any:
    """The shared engine of ``key`` (a URL with its password) when sharing, else a new one."""
    engines = _SHARED.get()
    if engines is None:
        return make()
    if key not in engines:
        engines[key] = make()
    return engines[key]


def dispose(engine: Any) -> None:
    """Dispose of ``engine`` unless it is shared (the context disposes of it at its end)."""
    engines = _SHARED.get()
    if engines is None or not any(engine is e for e in engines.values()):
        engine.dispose()
