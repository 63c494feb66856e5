"""Effect sizes with confidence intervals, and the power of the gated decision (docs/adr/0010,
0081, 0082).

A distribution check fails only when the adjusted p-value is below alpha AND the estimated effect
is at least ``min_effect``. The power functions here are the power of that whole rule, not of the
test alone: at a true effect equal to ``min_effect`` the estimate falls below it about half the
time, so the power there is about 50% by construction.

Each test reports the effect of the test that ran:
  t-tests            Hedges' g (current minus reference, pooled SD), exact CI by inverting the
                     noncentral t (Steiger & Fouladi 1997; what R's effectsize/MBESS report)
  classic F          omega^2, CI by inverting the noncentral F (Steiger 2004)
  Welch's ANOVA      omega^2 from Welch's F (effectsize::F_to_omega2), CI by inverting the
                     noncentral F with Welch's df
  Kruskal-Wallis     epsilon^2 = H / (n - 1) (Tomczak & Tomczak 2014), CI by inverting the
                     noncentral chi-square (an approximation: H is only asymptotically chi^2)
  Mann-Whitney       rank-biserial r = 2U/(n1 n2) - 1, CI on atanh(r) (effectsize's SE)
  chi-square         Cramér's V at equal sample sizes from X^2 - df, see
                     datavigil.stats.categorical
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

from datavigil.stats.significance import AnovaParts
from datavigil.stats.sufficient import Moments, common_scale

Z = NormalDist()
POWER = 0.8  # default power at 1.5 x min_effect, else `inconclusive` (procedures ask 0.95)


@dataclass(frozen=True, slots=True)
class Effect:
    name: str
    value: float
    ci: tuple[float, float]
    level: float = 0.95


def _invert(
    cdf: Callable[[float], float], prob: float, guess: float, floor: float = -math.inf
) -> float:
    """The noncentrality lam >= floor at which cdf(lam) = prob, cdf decreasing in lam
    (bisection on a bracket grown from ``guess``, to 1e-12; used where scipy's cdflib inverse
    misses). Pure Python: importing scipy.optimize would cost every run about a second."""
    lo, hi = max(floor, guess - 1.0), max(floor, guess) + 1.0
    while lo > floor and cdf(lo) < prob:
        lo = max(floor, lo - 2 * (hi - lo))
    while cdf(hi) > prob:
        hi += 2 * (hi - lo)
    if cdf(lo) <= prob:  # lo == floor already at or below the target
        return lo
    for _ in range(200):
        mid = (lo + hi) / 2
        if hi - lo <= 1e-12 * max(1.0, abs(mid)):
            break
        lo, hi = (mid, hi) if cdf(mid) > prob else (lo, mid)
    return (lo + hi) / 2


def nct_ncp(t: float, df: float, prob: float) -> float:
    """The noncentrality at which P(T' <= t) = prob for a noncentral t with df."""
    from scipy import special

    nc = float(special.nctdtrinc(df, prob, t))
    if math.isfinite(nc) and abs(float(special.nctdtr(df, nc, t)) - prob) < 1e-9:
        return nc
    return _invert(lambda x: float(special.nctdtr(df, x, t)), prob, t)


def hedges_g(current: Moments, reference: Moments, level: float = 0.95) -> Effect:
    """Hedges' g = J (mean_c - mean_r) / pooled SD, exact noncentral-t CI."""
    cur, ref = common_scale([current, reference])
    na, nb = cur.n, ref.n
    df = na + nb - 2
    pooled = math.sqrt((cur.m2 + ref.m2) / df)
    j = 1 - 3 / (4 * df - 1)
    d = (cur.mean - ref.mean) / pooled
    root = math.sqrt(1 / na + 1 / nb)
    t, tail = d / root, (1 - level) / 2
    lo, hi = nct_ncp(t, df, 1 - tail), nct_ncp(t, df, tail)
    return Effect("hedges_g", j * d, (j * lo * root, j * hi * root), level)


def eta_omega(parts: AnovaParts) -> tuple[float, float]:
    """(eta^2, omega^2) of a one-way layout; omega^2 is floored at 0."""
    total = parts.ss_between + parts.ss_within
    df1, df2 = parts.df
    ms_within = parts.ss_within / df2
    eta2 = parts.ss_between / total
    omega2 = (parts.ss_between - df1 * ms_within) / (total + ms_within)
    return eta2, max(0.0, omega2)


def ncf_ncp(f_obs: float, df1: float, df2: float, prob: float) -> float:
    """The noncentrality lambda at which P(F' <= f_obs) = prob (0 when even 0 is too big)."""
    from scipy import special

    if float(special.fdtr(df1, df2, f_obs)) <= prob:
        return 0.0
    lam = float(special.ncfdtrinc(df1, df2, prob, f_obs))
    if math.isfinite(lam) and abs(float(special.ncfdtr(df1, df2, lam, f_obs)) - prob) < 1e-9:
        return lam
    return _invert(lambda x: float(special.ncfdtr(df1, df2, x, f_obs)), prob, lam, 0.0)


def chi2_ncp(x: float, df: float, prob: float) -> float:
    """The noncentrality lambda at which P(X'^2 <= x) = prob (0 when even 0 is too big)."""
    from scipy import special

    if float(special.chdtr(df, x)) <= prob:
        return 0.0
    lam = float(special.chndtrinc(x, df, prob))
    if math.isfinite(lam) and abs(float(special.chndtr(x, df, lam)) - prob) < 1e-9:
        return lam
    return _invert(lambda v: float(special.chndtr(x, df, v)), prob, max(lam, x), 0.0)


def anova_effect(parts: AnovaParts, level: float = 0.95) -> tuple[Effect, float]:
    """(omega^2 with a CI for the population effect lambda/(lambda+N), eta^2)."""
    eta2, omega2 = eta_omega(parts)
    df1, df2 = parts.df
    return _omega(omega2, parts.f, df1, df2, parts.n, level), eta2


def _omega(value: float, f: float, df1: float, df2: float, n: int, level: float) -> Effect:
    tail = (1 - level) / 2
    lo, hi = ncf_ncp(f, df1, df2, 1 - tail), ncf_ncp(f, df1, df2, tail)
    return Effect("omega_sq", value, (lo / (lo + n), hi / (hi + n)), level)


def welch_omega(f: float, df1: float, df2: float, n: int, level: float = 0.95) -> Effect:
    """omega^2 from Welch's F: df1 (F - 1) / (df1 (F - 1) + N), floored at 0; CI lambda/(lambda+N)
    with lambda from the noncentral F(df1, Welch's df2)."""
    value = max(0.0, df1 * (f - 1) / (df1 * (f - 1) + n))
    e = _omega(value, f, df1, df2, n, level)
    return Effect("omega_sq_welch", e.value, e.ci, level)


def epsilon_sq(h: float, k: int, n: int, level: float = 0.95) -> Effect:
    """Kruskal-Wallis epsilon^2 = H / (n - 1), CI from the noncentral chi^2(k - 1) (approximate)."""
    tail = (1 - level) / 2
    lo, hi = chi2_ncp(h, k - 1, 1 - tail), chi2_ncp(h, k - 1, tail)
    cap = lambda v: min(1.0, v / (n - 1))  # noqa: E731
    return Effect("epsilon_sq", cap(h), (cap(lo), cap(hi)), level)


def rank_biserial(u: float, n_a: int, n_b: int, level: float = 0.95) -> Effect:
    """r = 2U/(n_a n_b) - 1 (U of the current sample), CI on atanh(r) with
    SE sqrt((n_a + n_b + 1) / (3 n_a n_b)) (Kerby 2014; effectsize::rank_biserial)."""
    r = 2 * u / (n_a * n_b) - 1
    se = math.sqrt((n_a + n_b + 1) / (3 * n_a * n_b))
    z = Z.inv_cdf(0.5 + level / 2)
    zr = math.atanh(max(-1 + 1e-15, min(1 - 1e-15, r)))
    return Effect("rank_biserial", r, (math.tanh(zr - z * se), math.tanh(zr + z * se)), level)


def t_gate(n_a: int, n_b: int, alpha: float, min_effect: float) -> tuple[float, float]:
    """(threshold on |g| that the rule needs, standard error of g under no shift)."""
    se0 = math.sqrt(1 / n_a + 1 / n_b)
    return max(Z.inv_cdf(1 - alpha / 2) * se0, min_effect), se0


def t_power(effect: float, n_a: int, n_b: int, alpha: float, min_effect: float) -> float:
    """P(p < alpha and |g| >= min_effect) at a true standardized shift ``effect``."""
    thr, se0 = t_gate(n_a, n_b, alpha, min_effect)
    return Z.cdf((effect - thr) / se0) + Z.cdf((-effect - thr) / se0)


def t_mde(n_a: int, n_b: int, alpha: float, min_effect: float, power: float = POWER) -> float:
    """Smallest standardized shift the rule catches with ``power`` (one-sided approximation)."""
    thr, se0 = t_gate(n_a, n_b, alpha, min_effect)
    return thr + Z.inv_cdf(power) * se0


def rank_mde(n_a: int, n_b: int, alpha: float, min_effect: float, power: float = POWER) -> float:
    """The t rule's detectable shift on the rank-biserial scale (r = 2 Phi(d / sqrt 2) - 1 for
    normal data), an approximation for the opt-in Mann-Whitney test."""
    to_d = lambda r: math.sqrt(2) * Z.inv_cdf((min(r, 0.999999) + 1) / 2)  # noqa: E731
    d = t_mde(n_a, n_b, alpha, to_d(min_effect), power)
    return 2 * Z.cdf(d / math.sqrt(2)) - 1


def f_gate(k: int, n: int, alpha: float, min_effect: float) -> float:
    """F the rule needs: significant, and omega^2 estimate >= min_effect."""
    from scipy import special

    df1, df2 = k - 1, n - k
    f_crit = float(special.fdtri(df1, df2, 1 - alpha))
    # omega^2 = df1 (F - 1) / (df1 (F - 1) + N)  =>  F at omega^2 = min_effect
    f_eff = 1 + min_effect * n / (df1 * (1 - min_effect)) if min_effect < 1 else math.inf
    return max(f_crit, f_eff)


def f_power(omega2: float, k: int, n: int, alpha: float, min_effect: float) -> float:
    """Power of the gated classic F at a population omega^2 (lambda = N omega^2/(1-omega^2))."""
    from scipy import special

    lam = n * omega2 / (1 - omega2)
    return 1.0 - float(special.ncfdtr(k - 1, n - k, lam, f_gate(k, n, alpha, min_effect)))


def f_mde(k: int, n: int, alpha: float, min_effect: float, power: float = POWER) -> float:
    """Smallest population omega^2 the gated F catches with ``power``."""
    lam = ncf_ncp(f_gate(k, n, alpha, min_effect), k - 1, n - k, 1 - power)
    return lam / (lam + n)


def v_of(x: float, n_c: int, n_r: int) -> float:
    """Cramér's V of a 2 x K table from its X^2 (or non-centrality) and the two column totals."""
    return min(1.0, math.sqrt(max(0.0, x) * (n_c + n_r) / (4.0 * n_c * n_r)))


def v_mde(df: float, n_c: int, n_r: int, alpha: float, min_effect: float, power: float = 0.8):
    """Smallest population V the gated rule (p < alpha and V >= min_effect) catches with power;
    V is estimated from X^2 - df (datavigil.stats.categorical), so the gate on X^2 is df plus
    the noncentrality that V = min_effect means."""
    from scipy import special

    lam = min_effect**2 * 4.0 * n_c * n_r / (n_c + n_r)
    gate = max(float(special.chdtri(df, alpha)), df + lam)
    return v_of(chi2_ncp(gate, df, 1 - power), n_c, n_r)


def values_needed(d: dict[str, Any], alpha: float, min_effect: float, factor: float) -> int | None:
    """The fewest current values with which a t (``power_kind`` "t") or chi-square ("chi2")
    test would be powered (its detectable effect at most ``factor`` x min_effect at the power
    target of ``d``), the reference as it is; None when no number would do."""
    power = float(d.get("power_target", POWER))
    if d["power_kind"] == "t":
        mde = lambda n: t_mde(n, d["n_b"], alpha, min_effect, power)  # noqa: E731
    else:
        mde = lambda n: v_mde(d["df"][0], n, d["n_b"], alpha, min_effect, power)  # noqa: E731
    powered = lambda n: mde(n) <= factor * min_effect  # noqa: E731
    lo, hi = int(d["n_a"]), 10**9
    if powered(lo):
        return lo
    if not powered(hi):
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if powered(mid) else (mid, hi)
    return hi


def window_advice(d: dict[str, Any], alpha: float, min_effect: float, factor: float) -> str | None:
    """For an underpowered t or chi-square test: how many values a day it has, how many it
    needs, and the window of days that would hold them (issue 17 item 17); None otherwise."""
    from datavigil.core.durations import MAX_WINDOW

    if d.get("power_kind") not in ("t", "chi2") or not d.get("n_a"):
        return None
    days = int((d.get("window") or {}).get("days") or 1)
    per_day = int(d["n_a"]) / days
    need = values_needed(d, alpha, min_effect, factor)
    have = f"{per_day:,.0f} values/day" + (f" over a {days}-day window" if days > 1 else "")
    if need is None:
        return (
            f"{have}; no current window would power it against a reference of "
            f"{int(d['n_b']):,} values: capture a longer reference"
        )
    window = math.ceil(need / per_day)
    head = f"{have}, about {_about(need)} needed to detect min_effect {min_effect:g}"
    if window > MAX_WINDOW:
        return f"{head}: more than the longest window ({MAX_WINDOW} days) holds"
    return f'{head} — a window of {window} days (window="{window}d") would power it'


def _about(n: int) -> str:
    """``n`` rounded up to two significant digits, with thousands separators."""
    step = 10 ** max(0, len(str(n)) - 2)
    return f"{math.ceil(n / step) * step:,}"
