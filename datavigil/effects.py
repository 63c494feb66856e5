"""Effect sizes with confidence intervals, and the power of the gated decision (docs/adr/0010).

A distribution check fails only when the adjusted p-value is below alpha AND the estimated effect
is at least ``min_effect``. The power functions here are the power of that whole rule, not of the
test alone: at a true effect equal to ``min_effect`` the estimate falls below it about half the
time, so the power there is about 50% by construction.

Two samples: Hedges' g (bias-corrected standardized mean difference, current minus reference),
CI from its large-sample standard error (Hedges & Olkin 1985). ANOVA: eta squared and omega
squared, CI by inverting the noncentral F distribution (Steiger 2004).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

from datavigil.stats import AnovaParts, Moments

Z = NormalDist()
POWER = 0.8  # the power a sample must have at 1.5 x min_effect, else `inconclusive`


@dataclass(frozen=True, slots=True)
class Effect:
    name: str
    value: float
    ci: tuple[float, float]
    level: float = 0.95


def hedges_g(current: Moments, reference: Moments, level: float = 0.95) -> Effect:
    na, nb = current.n, reference.n
    pooled = math.sqrt((current.m2 + reference.m2) / (na + nb - 2))
    j = 1 - 3 / (4 * (na + nb) - 9)
    g = j * (current.mean - reference.mean) / pooled
    se = math.sqrt((na + nb) / (na * nb) + g * g / (2 * (na + nb)))
    z = Z.inv_cdf(0.5 + level / 2)
    return Effect("hedges_g", g, (g - z * se, g + z * se), level)


def eta_omega(parts: AnovaParts) -> tuple[float, float]:
    """(eta^2, omega^2) of a one-way layout; omega^2 is floored at 0."""
    total = parts.ss_between + parts.ss_within
    df1, df2 = parts.df
    ms_within = parts.ss_within / df2
    eta2 = parts.ss_between / total
    omega2 = (parts.ss_between - df1 * ms_within) / (total + ms_within)
    return eta2, max(0.0, omega2)


def _ncp_for(f_obs: float, df1: float, df2: float, prob: float) -> float:
    """The noncentrality lambda at which P(F' <= f_obs) = prob (0 when even 0 is too big)."""
    from scipy import optimize, stats

    def gap(lam: float) -> float:
        return float(stats.ncf.cdf(f_obs, df1, df2, lam)) - prob

    if gap(0.0) <= 0:
        return 0.0
    hi = max(10.0, f_obs * df1 * 2)
    while gap(hi) > 0:
        hi *= 2
    return float(optimize.brentq(gap, 0.0, hi, xtol=1e-8))


def anova_effect(parts: AnovaParts, level: float = 0.95) -> tuple[Effect, float]:
    """(omega^2 with a CI for the population effect lambda/(lambda+N), eta^2)."""
    eta2, omega2 = eta_omega(parts)
    df1, df2 = parts.df
    tail = (1 - level) / 2
    lo = _ncp_for(parts.f, df1, df2, 1 - tail)
    hi = _ncp_for(parts.f, df1, df2, tail)
    n = parts.n
    return Effect("omega_sq", omega2, (lo / (lo + n), hi / (hi + n)), level), eta2


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


def f_gate(k: int, n: int, alpha: float, min_effect: float) -> float:
    """F the rule needs: significant, and omega^2 estimate >= min_effect."""
    from scipy import stats

    df1, df2 = k - 1, n - k
    f_crit = float(stats.f.isf(alpha, df1, df2))
    # omega^2 = df1 (F - 1) / (df1 (F - 1) + N)  =>  F at omega^2 = min_effect
    f_eff = 1 + min_effect * n / (df1 * (1 - min_effect)) if min_effect < 1 else math.inf
    return max(f_crit, f_eff)


def f_power(omega2: float, k: int, n: int, alpha: float, min_effect: float) -> float:
    """Power of the gated classic F at a population omega^2 (lambda = N omega^2/(1-omega^2))."""
    from scipy import stats

    lam = n * omega2 / (1 - omega2)
    return float(stats.ncf.sf(f_gate(k, n, alpha, min_effect), k - 1, n - k, lam))


def f_mde(k: int, n: int, alpha: float, min_effect: float, power: float = POWER) -> float:
    """Smallest population omega^2 the gated F catches with ``power``."""
    from scipy import optimize

    def gap(w: float) -> float:
        return f_power(w, k, n, alpha, min_effect) - power

    if gap(0.999) < 0:
        return 1.0
    return float(optimize.brentq(gap, 0.0, 0.999, xtol=1e-6))
