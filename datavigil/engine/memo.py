"""Answers known ahead for a series of runs in one process (a backfill: docs/adr/0146): the
source's catalogue read once, the days' freshness probes answered by one statement.

Outside ``probing()`` nothing is remembered: every probe asks the source, as a nightly run does.
Imports nothing of datavigil (the sources and the probes use it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

_PROBES: ContextVar[dict[Any, Any] | None] = ContextVar("datavigil_probes", default=None)


@contextmanager
def probing(answers: dict[Any, Any]) -> Iterator[dict[Any, Any]]:
    """Within: ``probed`` answers from ``answers`` (keys: what a probe was asked), and
    ``remember`` adds to it."""
    token = _PROBES.set(answers)
    try:
        yield answers
    finally:
        _PROBES.reset(token)


def probed(key: Any) -> Any:
    """The answer known for a probe, None when there is none (or nothing is remembered)."""
    answers = _PROBES.get()
    return None if answers is None else answers.get(key)


def remember(key: Any, value: Any) -> Any:
    """``value``, kept for ``key`` while ``probing``."""
    answers = _PROBES.get()
    if answers is not None:
        answers[key] = value
    return value
