"""Metrics computed ahead for a series of runs (a backfill: ADR 0146), and the scan that
answers from them.

``prefetching(suite, source, answers, columns)`` makes, for its duration, ``open_scan`` of that
suite's source over a day in ``answers`` give a ``LazyScan``: ``compute`` answers the metrics
prefetched for the day (``datavigil.engine.grouped``) and opens the real scan of the day only
for the rest (a failing check's sample, a metric the grouped statements do not compute), at
most once per run. Any other scan is the ordinary ``backends.open_scan``.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import ExitStack, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from datavigil.engine import backends
from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from datavigil.engine.day_moments import DayMoments
from datavigil.engine.moments_ahead import MomentsAhead
from datavigil.engine.values import Values


@dataclass
class Prefetch:
    suite: str
    source: Any
    answers: dict[str, dict[Any, Any]]  # day label -> metric -> value
    columns: dict[str, Any]  # the source's columns, as a scan reads them
    moments: DayMoments = field(default_factory=DayMoments)  # each day's own, built once
    ahead: MomentsAhead | None = None  # the next day's, read while this day is judged
    # the later days' answers, grouped by a worker in passes (their days' labels, the pass)
    pending: list[tuple[frozenset[Any], Future[Any]]] = field(default_factory=list)

    def day(self, label: Any) -> dict[Any, Any] | None:
        """The day's answers (waiting for the worker's pass of its day if it is a later one,
        docs/adr/0151); None: the day reads its own."""
        if label in self.answers:
            return self.answers[label]
        for i, (labels, _) in enumerate(self.pending):
            if label in labels:
                done, self.pending = self.pending[: i + 1], self.pending[i + 1 :]
                for _, pending in done:
                    try:
                        later = pending.result()  # (answers, columns), None: the pass failed
                    except Exception:  # its days read their own, as at night
                        later = None
                    if later is not None:
                        self.answers.update(later[0])
                break
        return self.answers.get(label)


_ACTIVE: ContextVar[Prefetch | None] = ContextVar("datavigil_prefetch", default=None)


@contextmanager
def prefetching(prefetch: Prefetch) -> Iterator[None]:
    token = _ACTIVE.set(prefetch)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


@contextmanager
def open_scan(suite: str, source: Any, window: Any, partition: Any) -> Iterator[Any]:
    """The day's prefetched scan when there is one, else ``backends.open_scan``."""
    pre = _ACTIVE.get()
    mine = pre is not None and pre.suite == suite and pre.source is source
    answers = pre.day(getattr(window, "label", None)) if pre is not None and mine else None
    if pre is None or answers is None:
        with backends.open_scan(suite, source, window, partition) as scan:
            yield scan
        return
    with ExitStack() as stack:
        args = (suite, source, window, partition)
        yield LazyScan(answers, pre.columns, stack, args, pre)


class LazyScan:
    """A day's scan answering from the prefetched metrics; the real scan only when needed."""

    def __init__(
        self,
        answers: dict[Any, Any],
        columns: dict[str, Any],
        stack: ExitStack,
        args: tuple,
        pre: Prefetch,
    ) -> None:
        self.answers, self._columns, self._stack, self._args = answers, columns, stack, args
        self._real: backends.Scan | None = None
        self._pre = pre

    @property
    def columns(self) -> dict[str, Any]:
        return self._columns

    def real(self) -> backends.Scan:
        if self._real is None:
            self._real = self._stack.enter_context(backends.open_scan(*self._args))
        return self._real

    def __getattr__(self, name: str) -> Any:  # scope, conn, label, kind: the real scan's
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.real(), name)

    def compute(self, metrics: Any) -> Values:
        wanted = list(dict.fromkeys(metrics))
        rest = [x for x in wanted if x not in self.answers]
        got = self._own_moments(rest)
        rest = [x for x in rest if x not in got.data]
        if rest:
            more = self.real().compute(rest)
            got = Values(got.data | more.data, got.queries + more.queries)
        data = {x: got.data[x] for x in got.data if _first(x, got.data[x])}
        data |= {
            x: self.answers[x] for x in wanted if isinstance(x, m.Moments) and x in self.answers
        }
        data |= {x: _pick(x, self.answers, got) for x in wanted if isinstance(x, c.SCALAR)}
        data |= {x: _pick(x, self.answers, got) for x in wanted if x not in data}
        return Values(data, got.queries)

    def _own_moments(self, metrics: list[Any]) -> Values:
        """The day's ungrouped moments by the statement built once (engine.day_moments)."""
        moms = [x for x in metrics if isinstance(x, m.Moments) and x.by is None]
        if not moms:
            return Values()
        ahead = self._pre.ahead
        got = ahead.take(self._args[2].label, moms) if ahead is not None else None
        return got or self._pre.moments.compute(self.real(), moms) or Values()

    def ahead(self) -> backends.Ahead:
        return backends.Ahead(self)  # type: ignore[arg-type]

    def samples(self, metrics: list[Any]) -> Values:
        return self.real().samples(metrics)


def _first(metric: Any, value: Any) -> bool:
    """What ``plan.compute`` records before the scalars: errors found before any statement,
    the grouped moments."""
    return isinstance(value, m.MetricError) or (isinstance(metric, m.Moments) and bool(metric.by))


def _pick(metric: Any, answers: dict[Any, Any], got: Values) -> Any:
    return answers[metric] if metric in answers else got.data[metric]
