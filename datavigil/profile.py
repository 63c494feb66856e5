"""Per-column profiles built chunk by chunk: what a reference snapshot keeps and what a
distribution check measures on the current partition.

Numeric columns: moments of the finite values, min/max, and separate counts of SQL NULL, NaN,
+inf and -inf (an infinity is not a value a mean can use; it is counted, never averaged).
Other columns: value frequencies, bounded to the ``TOP`` most frequent plus an ``other`` count.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datavigil.stats import Moments

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

TOP = 1000
QUANTILES = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)


def kind_of(series: pd.Series) -> str | None:
    """numeric | categorical | datetime, or None when a chunk holds only NULLs (no type)."""
    if series.isna().all():
        return None
    k = series.dtype.kind
    if k in "iuf":
        return "numeric"
    if k in "Mm":
        return "datetime"
    return "categorical"


def finite(series: pd.Series) -> tuple[np.ndarray, dict[str, int]]:
    """The finite float values of a numeric series and the counts of what was left out."""
    import numpy as np

    x = series.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(x)
    pos, neg = np.isposinf(x), np.isneginf(x)
    keep = ~(nan | pos | neg)
    counts = {"missing": int(nan.sum()), "pos_inf": int(pos.sum()), "neg_inf": int(neg.sum())}
    return x[keep], counts


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
    freq: Counter[Any] = field(default_factory=Counter)

    def update(self, series: pd.Series, nulls: int | None = None) -> None:
        self.rows += len(series)
        missing = int(series.isna().sum())
        null = missing if nulls is None else min(nulls, missing)
        kind = kind_of(series)
        self.kind = self.kind or kind
        if kind is None:
            self.null += null
            self.nan += missing - null
            return
        if self.kind == "numeric" and kind == "numeric":
            values, counts = finite(series)
            self.null += null
            self.nan += counts["missing"] - null
            self.pos_inf += counts["pos_inf"]
            self.neg_inf += counts["neg_inf"]
            self.moments = self.moments.merge(Moments.of(values))
        else:
            self.null += missing
            if self.kind == "categorical":
                self.freq.update(series.dropna().astype(str).tolist())

    @property
    def missing(self) -> int:
        return self.null + self.nan

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kind": self.kind or "null",
            "rows": self.rows,
            "null": self.null,
            "nan": self.nan,
        }
        if self.kind == "numeric":
            out.update(pos_inf=self.pos_inf, neg_inf=self.neg_inf, moments=self.moments.to_dict())
        elif self.kind == "categorical":
            top = self.freq.most_common(TOP)
            out["frequencies"] = dict(top)
            out["other"] = sum(self.freq.values()) - sum(n for _, n in top)
        return out


class Sampler:
    """A uniform sample without replacement of at most ``size`` rows: every row draws a key,
    the rows with the smallest keys are kept (memory stays bounded)."""

    def __init__(self, size: int, seed: int) -> None:
        import numpy as np

        self.size, self.rng = size, np.random.default_rng(seed)
        self.frame: pd.DataFrame | None = None

    def update(self, frame: pd.DataFrame) -> None:
        import pandas as pd

        part = frame.assign(_key=self.rng.random(len(frame)))
        both = part if self.frame is None else pd.concat([self.frame, part], ignore_index=True)
        if len(both) > self.size:
            both = both.nsmallest(self.size, "_key")
        self.frame = both

    def result(self) -> pd.DataFrame | None:
        if self.frame is None or self.size == 0:
            return None
        return self.frame.drop(columns="_key").reset_index(drop=True)


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
