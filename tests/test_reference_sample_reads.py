"""The snapshot's raw sample (up to 100,000 rows in the results store) is read only by a check
that needs raw values (issue 21 item 2, docs/adr/0141): a Welch mean-shift test of a large
partition uses moments only and never reads it; a small partition's permutation test still does,
and its verdict is the one it always had. A rolling reference reads no raw sample at all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil import Rolling, Suite
from datavigil.checks import MeanShift
from datavigil.declare.window import Window
from datavigil.runner.run import run_suite
from datavigil.runner.snapshot import capture
from datavigil.store import Store
from tests.test_history_reuse import FIRST, source_of


class StoreReads:
    """Statements that read the reference sample, and the rows they returned."""

    def __init__(self) -> None:
        self.samples = 0

    def __enter__(self) -> StoreReads:
        sa.event.listen(sa.engine.Engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc: object) -> None:
        sa.event.remove(sa.engine.Engine, "before_cursor_execute", self._seen)

    def _seen(self, conn: Any, cursor: Any, statement: str, *_: Any) -> None:
        if "FROM reference_samples" in statement:
            self.samples += 1


def judged(tmp_path, request, rows: int, reference: Any = "active") -> tuple[Any, int]:
    source, _ = source_of("duckdb", tmp_path, request, n=rows)
    suite = Suite(name="s", source=source, checks=[MeanShift("x")], reference=reference)
    store = Store(f"sqlite:///{tmp_path / 'results.db'}")
    capture(suite, FIRST, FIRST + timedelta(days=6), store)
    window = Window.for_day(FIRST + timedelta(days=8), "UTC")
    with StoreReads() as reads:
        report = run_suite(suite, window, store=store)
    return next(r for r in report.results if r.check_name == "distribution.x"), reads.samples


def test_a_mean_shift_of_a_large_partition_never_reads_the_raw_sample(tmp_path, request):
    result, reads = judged(tmp_path, request, rows=300)
    assert result.outcome.details["test"] == "welch_t", result.outcome.details
    assert result.outcome.statistic is not None
    assert reads == 0


def test_a_small_partition_still_reads_it_for_its_permutation_test(tmp_path, request):
    result, reads = judged(tmp_path, request, rows=120)
    assert result.outcome.details["test"] == "welch_t_permutation", result.outcome.details
    assert reads == 1


@pytest.mark.parametrize("rows", [120, 300], ids=["small", "large"])
def test_a_rolling_reference_reads_no_raw_sample(tmp_path, request, rows):
    result, reads = judged(tmp_path, request, rows=rows, reference=Rolling("7d"))
    assert result.outcome.statistic is not None, result.outcome.message
    assert reads == 0
