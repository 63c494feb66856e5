"""Per-column profiles: what a reference snapshot keeps and what a distribution check judges.

Numeric columns: moments of the finite values (computed by the engine), and separate counts of
SQL NULL, NaN, +inf and -inf (an infinity is not a value a mean can use; it is counted, never
averaged). Other columns: value frequencies, bounded to the ``kept(top)`` most frequent plus
``other``.
Quantiles of a snapshot are read off its bounded random sample.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from datavigil.stats.sufficient import Moments

if TYPE_CHECKING:
    import pandas as pd

    from datavigil.declare.suite import Suite
    from datavigil.declare.window import Window

TOP = 10_000  # values a frequency count keeps at least (snapshot and CategoryShift, ADR 0124)


def kept(top: int = 0) -> int:
    """How many of the most frequent values a count keeps for a check comparing ``top``
    categories: at least ``TOP``, so that both sides of the comparison are usually complete
    and the categories beyond ``top`` are pooled the same way on both."""
    return max(TOP, top)


QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


@dataclass
class ColumnProfile:
    name: str
    kind: str | None = None
    rows: int = 0
    null: int = 0
    nan: int = 0
    pos_inf: int = 0
    neg_inf: int = 0
    moments: Moments = field(default_factory=Moments)

    @property
    def missing(self) -> int:
        return self.null + self.nan


def quantiles(sample: pd.DataFrame | None, column: str) -> dict[str, float]:
    if sample is None or column not in sample.columns:
        return {}
    import numpy as np

    values = sample[column].to_numpy(dtype=np.float64, na_value=np.nan)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return {}
    return {
        str(q): float(v) for q, v in zip(QUANTILES, np.quantile(values, QUANTILES), strict=True)
    }


def source_schema(suite: Suite, window: Window) -> dict[str, str]:
    """Column name -> source type, read without rows (a FileSource looks at ``window``'s file)."""
    from datavigil.engine.sources import FileSource, FrameSource

    if isinstance(suite.source, FileSource | FrameSource):
        return suite.source.column_types(suite.name, window)
    return suite.source.column_types(suite.name)
