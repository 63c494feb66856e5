"""Sufficient statistics and the tests computed from them (docs/adr/0010, 0080).

``Moments`` holds n, mean and the central sums M2, M3, M4 of one column (or one group), merged
chunk by chunk with the parallel formulas of Chan et al. (1979) and Pébay (2008), so a partition
is read once and a reference is kept as a few numbers. The two-sample t-test, the one-way ANOVA
(classic F and Welch's), Bartlett's test and the skewness/kurtosis screen need nothing else: they
are in ``significance``, with the tests that take raw values (Brown-Forsythe, Mann-Whitney,
Kruskal-Wallis).

What a backend must return per column (or group), docs/adr/0080:
  n            finite values used;  null, nan, posinf, neginf: the values left out, by kind
  mean         of the finite values, in the data's units (always representable)
  m2, m3, m4   centered sums  sum(((x - mean) / scale) ** k), never raw power sums
  min, max     of the finite values, in the data's units
  scale        a power of two (exact to divide by), 1.0 unless |x| or |x - mean| would make the
               sums overflow or underflow; ``Moments.of`` picks it, and a SQL backend may compute
               the sums of ``x / scale`` with scale from max(abs(x)) of the same partition.
A non-finite field is reported by the procedures as a ``problem`` (status error), never a pass.

scipy is imported inside the functions: importing this module costs nothing at DAG-parse time.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

BIG, SMALL = 2.0**100, 2.0**-100  # |x - mean| outside this range: rescale the sums
HUGE = 2.0**500  # |x| above this: the plain sum of values may overflow


def _pow2(x: float) -> float:
    """A power of two p with x / p in [1, 2) (exact to divide by)."""
    return math.ldexp(1.0, math.frexp(x)[1] - 1)


def _merge_scale(a: Moments, b: Moments) -> float:
    """The unit of the merged sums: the larger scale of the sides with a spread, raised when
    the gap between the means is far larger (a side without spread has no say)."""
    spread = [m.scale for m in (a, b) if m.m2 > 0]
    half_gap = abs(b.mean / 2 - a.mean / 2)  # finite even for means of opposite sign near DBL_MAX
    if not spread:
        return _pow2(half_gap) if half_gap > BIG or 0 < half_gap < SMALL else 1.0
    s = max(spread)
    return _pow2(half_gap) if half_gap / s > BIG else s


@dataclass(frozen=True, slots=True)
class Moments:
    """n, mean and central sums of powers of deviations in units of ``scale``:
    m2 = sum(((x - mean) / scale) ** 2), ... ; the left-out values are counted by kind."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    scale: float = 1.0
    null: int = 0
    nan: int = 0
    posinf: int = 0
    neginf: int = 0

    @classmethod
    def of(cls, values: Any) -> Moments:
        """One stable pass: non-finite values are counted, not used; None counts as NULL."""
        import numpy as np

        if isinstance(values, list | tuple):
            null = sum(v is None for v in values)
            values = [v for v in values if v is not None]
        else:
            null = 0
        x = np.asarray(values, dtype=np.float64).ravel()
        fin = np.isfinite(x)
        left = {
            "null": null,
            "nan": int(np.isnan(x).sum()),
            "posinf": int((x == np.inf).sum()),
            "neginf": int((x == -np.inf).sum()),
        }
        x = x[fin]
        if x.size == 0:
            return cls(**left)
        return cls._finite(x, left)

    @classmethod
    def _finite(cls, x: Any, left: dict[str, int]) -> Moments:
        import numpy as np

        top = float(np.abs(x).max())
        s1 = _pow2(top) if top > HUGE else 1.0
        y = x / s1 if s1 != 1.0 else x
        mean = float(y.mean())
        mean += float((y - mean).mean())  # one refinement step: the mean to the last bit
        d = y - mean
        dmax = float(np.abs(d).max())
        s2 = _pow2(dmax) if dmax > BIG or 0 < dmax < SMALL else 1.0
        if s2 != 1.0:
            d = d / s2
        d2 = d * d
        return cls(
            n=int(x.size),
            mean=mean * s1,
            m2=float(d2.sum()),
            m3=float((d2 * d).sum()),
            m4=float((d2 * d2).sum()),
            min=float(x.min()),
            max=float(x.max()),
            scale=s1 * s2,
            **left,
        )

    def at_scale(self, scale: float) -> Moments:
        """The same moments with the central sums in units of ``scale`` (may underflow to 0)."""
        if scale == self.scale or self.m2 == 0:  # no spread: nothing to convert (and no 0 * inf)
            return replace(self, scale=scale)
        r = self.scale / scale
        r2 = r * r
        return replace(
            self, m2=self.m2 * r2, m3=self.m3 * r2 * r, m4=self.m4 * r2 * r2, scale=scale
        )

    def merge(self, other: Moments) -> Moments:
        """The moments of the union of both samples (Pébay 2008, eqs. 2.1-2.4), overflow-safe."""
        counts = {
            k: getattr(self, k) + getattr(other, k) for k in ("null", "nan", "posinf", "neginf")
        }
        if other.n == 0:
            return replace(self, **counts)
        if self.n == 0:
            return replace(other, **counts)
        s = _merge_scale(self, other)
        a, b = self.at_scale(s), other.at_scale(s)
        na, nb = a.n, b.n
        n = na + nb
        d = b.mean / s - a.mean / s  # in units of s: never overflows
        dd = d * d
        m2 = a.m2 + b.m2 + dd * na * nb / n
        m3 = a.m3 + b.m3 + dd * d * na * nb * (na - nb) / n**2
        m3 += 3 * d * (na * b.m2 - nb * a.m2) / n
        m4 = a.m4 + b.m4 + dd * dd * na * nb * (na * na - na * nb + nb * nb) / n**3
        m4 += 6 * dd * (na * na * b.m2 + nb * nb * a.m2) / n**2
        m4 += 4 * d * (na * b.m3 - nb * a.m3) / n
        mean = a.mean + (b.mean / s - a.mean / s) * nb / n * s
        return Moments(n, mean, m2, m3, m4, min(a.min, b.min), max(a.max, b.max), s, **counts)

    @property
    def left_out(self) -> dict[str, int]:
        """The values not used, by kind (NULL, NaN, +inf, -inf)."""
        return {"null": self.null, "nan": self.nan, "posinf": self.posinf, "neginf": self.neginf}

    @property
    def var(self) -> float:
        """Sample variance (ddof=1) in the data's units (inf when it overflows); NaN below two."""
        if self.n < 2:
            return math.nan
        v = self.m2 / (self.n - 1)
        return v * self.scale * self.scale if self.scale != 1.0 else v

    @property
    def sd(self) -> float:
        if self.n < 2:
            return math.nan
        return math.sqrt(self.m2 / (self.n - 1)) * self.scale

    @property
    def skew(self) -> float:
        """Biased sample skewness g1 (scipy.stats.skew default)."""
        if self.n < 2 or self.m2 <= 0:
            return math.nan
        return math.sqrt(self.n) * self.m3 / self.m2**1.5

    @property
    def kurtosis(self) -> float:
        """Biased excess kurtosis g2 (scipy.stats.kurtosis default)."""
        if self.n < 2 or self.m2 <= 0:
            return math.nan
        return self.n * self.m4 / (self.m2 * self.m2) - 3.0

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and not math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Moments:
        keys = ("n", "mean", "m2", "m3", "m4", "scale", "null", "nan", "posinf", "neginf")
        out = {k: data[k] for k in keys if data.get(k) is not None}
        out["min"] = math.inf if data.get("min") is None else data["min"]
        out["max"] = -math.inf if data.get("max") is None else data["max"]
        return cls(**out)


def merge_all(parts: Sequence[Moments]) -> Moments:
    total = Moments()
    for part in parts:
        total = total.merge(part)
    return total


def common_scale(groups: Sequence[Moments]) -> list[Moments]:
    """The groups in one unit S (a power of two): means, min, max divided by S, sums in S units,
    scale 1. Every test statistic here is invariant to this change of units."""
    s = max((g.scale for g in groups), default=1.0)
    top = max((abs(g.mean) for g in groups if math.isfinite(g.mean)), default=0.0)
    if top > HUGE:
        s = max(s, _pow2(top))
    if s == 1.0 and all(g.scale == 1.0 for g in groups):
        return list(groups)
    return [
        replace(g.at_scale(s), mean=g.mean / s, min=g.min / s, max=g.max / s, scale=1.0)
        for g in groups
    ]
