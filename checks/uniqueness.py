"""Uniqueness of a key (one or more columns) across the whole partition.

Keys are hashed to 64 bits per chunk and merged into one sorted array (8 bytes per distinct key,
not the rows); a collision between distinct keys has probability ~n^2/2^65 (1e-7 at 2M keys).
NULL is a value here: two rows whose keys are both NULL (in the same columns) are duplicates,
unlike SQL's UNIQUE; pair the key with NullRate(max_fraction=0) when NULL keys must not occur.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from checks.base import Accumulator, Check, CheckContext, unknown_columns
from datavigil.batch import Chunk
from datavigil.outcome import SAMPLE_LIMIT, Outcome, Status, clean_scalar

EXACT_INT = 2**53  # integers up to this magnitude are exact as float64


def _canonical(keys: pd.DataFrame) -> pd.DataFrame:
    """Integer key columns as float64 (when exact), so that a key hashes the same in a chunk
    where a NULL turned the column into float64 (Arrow int64 with nulls arrives as float64)."""
    out = {}
    for name in keys.columns:
        s = keys[name]
        exact = s.dtype.kind in "iu" and (s.empty or int(s.abs().max()) <= EXACT_INT)
        out[name] = s.astype("float64") if exact else s
    return pd.DataFrame(out, index=keys.index)


class _Keys(Accumulator):
    def __init__(self, check: Unique) -> None:
        self.check = check
        self.seen = np.empty(0, dtype=np.uint64)
        self.rows = self.duplicates = 0
        self.sample: list[object] = []
        self.absent: list[str] = []

    def update(self, chunk: Chunk) -> None:
        cols = list(self.check.columns)
        self.absent = [c for c in cols if c not in chunk.frame.columns]
        if self.absent:
            return
        keys = chunk.frame[cols]
        hashes = pd.util.hash_pandas_object(_canonical(keys), index=False).to_numpy()
        self.rows += len(hashes)
        pos = np.searchsorted(self.seen, hashes)
        pos[pos == len(self.seen)] = 0
        seen_before = self.seen[pos] == hashes if len(self.seen) else np.zeros(len(hashes), bool)
        dup = seen_before | pd.Series(hashes).duplicated().to_numpy()
        self.duplicates += int(dup.sum())
        if dup.any() and len(self.sample) < SAMPLE_LIMIT:
            rows = keys[dup].head(SAMPLE_LIMIT - len(self.sample)).itertuples(index=False)
            self.sample += [tuple(clean_scalar(v) for v in row) for row in rows]
        merged = np.concatenate([self.seen, np.unique(hashes)])
        self.seen = np.unique(merged)

    def finish(self, ctx: CheckContext) -> Outcome:
        c = self.check
        if self.absent:
            return Outcome(Status.ERROR, f"key column(s) {', '.join(self.absent)} not in the data")
        status = Status.FAIL if self.duplicates > c.max_duplicates else Status.PASS
        key = "(" + ", ".join(c.columns) + ")"
        return Outcome(
            status,
            f"{key}: {self.duplicates} duplicate rows of {self.rows}",
            observed_value=float(self.duplicates),
            threshold=f"<= {c.max_duplicates}",
            rows_checked=self.rows,
            failing_rows=self.duplicates,
            failure_sample=tuple(self.sample),
            details={"distinct_keys": int(len(self.seen))},
        )


@dataclass(frozen=True)
class Unique(Check):
    """``columns``: the key. ``max_duplicates``: rows allowed to repeat an earlier key (0)."""

    columns: tuple[str, ...]  # type: ignore[misc]
    max_duplicates: int = 0

    check_type = "uniqueness"

    def __post_init__(self) -> None:
        if isinstance(self.columns, str):
            object.__setattr__(self, "columns", (self.columns,))
        object.__setattr__(self, "columns", tuple(self.columns))

    def default_name(self) -> str:
        return "unique." + "+".join(self.columns)

    @property
    def column(self) -> str | None:
        return ",".join(self.columns)

    def problems(self, columns: frozenset[str] | None) -> list[str]:
        out = [] if self.columns else ["columns must name at least one column"]
        if not isinstance(self.max_duplicates, int) or self.max_duplicates < 0:
            out.append(f"max_duplicates must be an integer >= 0, got {self.max_duplicates!r}")
        return out + unknown_columns(list(self.columns), columns)

    def accumulator(self) -> Accumulator:
        return _Keys(self)
