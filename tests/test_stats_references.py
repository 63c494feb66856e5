"""Published R outputs reproduced through the procedures (issue 9, proof: published references).

Each case checks the number R printed, at the precision R printed it, and the full value to 1e-9
against a 40-digit recomputation of the same formula in mpmath from the decimal data (an
independent code path: no float sums, no scipy). The sleep case also checks R's full-precision
output as quoted in HypothesisTests.jl's test suite (t, df, p to 15 digits)."""

from __future__ import annotations

import pytest

from datavigil.stats import categorical, procedures
from datavigil.stats.sufficient import Moments

mp = pytest.importorskip("mpmath")
mp.mp.dps = 40

SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]
PLANTS = {
    "ctrl": [4.17, 5.58, 5.18, 6.11, 4.50, 4.61, 5.17, 4.53, 5.33, 5.14],
    "trt1": [4.81, 4.17, 4.41, 3.59, 5.87, 3.83, 6.03, 4.89, 4.32, 4.69],
    "trt2": [6.31, 5.12, 5.54, 5.50, 5.37, 5.29, 4.92, 6.15, 5.80, 5.26],
}
INSECTS = {
    "A": [10, 7, 20, 14, 14, 12, 10, 23, 17, 20, 14, 13],
    "B": [11, 17, 21, 11, 16, 14, 17, 17, 19, 21, 7, 13],
    "C": [0, 1, 7, 2, 3, 1, 2, 1, 3, 0, 1, 4],
    "D": [3, 5, 12, 6, 4, 3, 5, 5, 5, 5, 2, 4],
    "E": [3, 5, 3, 5, 3, 6, 1, 1, 3, 2, 6, 4],
    "F": [11, 9, 15, 22, 15, 16, 13, 10, 26, 26, 24, 13],
}


def printed(value: float, r: str) -> None:
    """``value`` rounds to what R printed (``r``, its significant digits)."""
    digits = len(r.split("e")[0].replace("-", "").replace(".", "").lstrip("0"))
    assert float(f"{value:.{digits}g}") == float(r), (value, r)


def mp_moments(x: list[float]) -> tuple:
    v = [mp.mpf(str(a)) for a in x]
    mean = mp.fsum(v) / len(v)
    return len(v), mean, mp.fsum((a - mean) ** 2 for a in v)


def mp_welch(groups: list[list[float]]) -> tuple:
    ms = [mp_moments(g) for g in groups]
    k = len(ms)
    w = [n / (m2 / (n - 1)) for n, _, m2 in ms]
    mw = mp.fsum(wi * m for wi, (_, m, _) in zip(w, ms, strict=True)) / mp.fsum(w)
    a = mp.fsum(wi * (m - mw) ** 2 for wi, (_, m, _) in zip(w, ms, strict=True)) / (k - 1)
    tmp = mp.fsum((1 - wi / mp.fsum(w)) ** 2 / (n - 1) for wi, (n, _, _) in zip(w, ms, strict=True))
    f = a / (1 + 2 * (k - 2) * tmp / (k * k - 1))
    return f, k - 1, (k * k - 1) / (3 * tmp)


def mp_classic(groups: list[list[float]]) -> tuple:
    ms = [mp_moments(g) for g in groups]
    n = sum(m[0] for m in ms)
    grand = mp.fsum(m[0] * m[1] for m in ms) / n
    ssb = mp.fsum(m[0] * (m[1] - grand) ** 2 for m in ms)
    ssw = mp.fsum(m[2] for m in ms)
    k = len(ms)
    return (ssb / (k - 1)) / (ssw / (n - k)), k - 1, n - k


def f_sf(f, df1, df2):
    return mp.betainc(mp.mpf(df2) / 2, mp.mpf(df1) / 2, 0, df2 / (df2 + df1 * f), regularized=True)


def close(ours: float, exact, rel: float = 1e-9) -> None:
    assert abs(ours - float(exact)) <= rel * abs(float(exact)), (ours, exact)


def test_welch_t_sleep_matches_r_full_precision():
    """R: t.test(extra ~ group, data = sleep): t = -1.8608, df = 17.776, p-value = 0.07939;
    full precision (HypothesisTests.jl test/t.jl): -1.86081346748685, 17.7764735161785,
    0.0793941401873582."""
    c = procedures.two_sample(Moments.of(SLEEP_1), Moments.of(SLEEP_2))
    t, (df,), p = c.test.statistic, c.test.df, c.test.p_value
    assert c.test.test == "welch_t"
    for ours, r in ((t, -1.86081346748685), (df, 17.7764735161785), (p, 0.0793941401873582)):
        assert ours == pytest.approx(r, rel=1e-12)
    f, _, df_mp = mp_welch([SLEEP_1, SLEEP_2])  # Welch's ANOVA with k = 2 is Welch's t squared
    close(t * t, f, 1e-12)
    close(df, df_mp, 1e-12)
    close(p, f_sf(f, 1, df_mp))


def test_student_t_sleep_matches_r():
    """R: t.test(extra ~ group, data = sleep, var.equal = TRUE): p-value = 0.07918671."""
    c = procedures.two_sample(Moments.of(SLEEP_1), Moments.of(SLEEP_2), test="student")
    printed(c.test.p_value, "0.07918671")
    f, df1, df2 = mp_classic([SLEEP_1, SLEEP_2])
    close(c.test.statistic**2, f, 1e-12)
    close(c.test.p_value, f_sf(f, df1, df2))


def test_classic_anova_plantgrowth_matches_r_aov():
    """R: summary(aov(weight ~ group, PlantGrowth)): F 4.846088, Pr(>F) 0.01590996."""
    c = procedures.k_sample({k: Moments.of(v) for k, v in PLANTS.items()}, test="classic")
    printed(c.test.statistic, "4.846088")
    printed(c.test.p_value, "0.01590996")
    f, df1, df2 = mp_classic(list(PLANTS.values()))
    close(c.test.statistic, f, 1e-12)
    close(c.test.p_value, f_sf(f, df1, df2))


@pytest.mark.parametrize(
    ("data", "f_r", "df_r", "p_r"),
    [
        (PLANTS, "5.181", "17.128", "0.01739"),  # oneway.test(weight ~ group, PlantGrowth)
        (INSECTS, "36.065", "30.043", "7.999e-12"),  # oneway.test(count ~ spray, InsectSprays)
    ],
    ids=["plantgrowth", "insectsprays"],
)
def test_welch_anova_matches_r_oneway_test(data, f_r, df_r, p_r):
    c = procedures.k_sample({k: Moments.of(v) for k, v in data.items()})
    assert c.test.test == "welch_anova" and c.test.df[0] == len(data) - 1
    printed(c.test.statistic, f_r)
    printed(c.test.df[1], df_r)
    printed(c.test.p_value, p_r)
    f, df1, df2 = mp_welch(list(data.values()))
    close(c.test.statistic, f, 1e-12)
    close(c.test.df[1], df2, 1e-12)
    close(c.test.p_value, f_sf(f, df1, df2))


def test_chisq_test_doc_example_matches_r():
    """R ?chisq.test (Agresti 2007 p. 39): X-squared = 30.07015, df = 2, p = 2.953589e-07."""
    cur = {"Democrat": 762, "Independent": 327, "Republican": 468}
    ref = {"Democrat": 484, "Independent": 239, "Republican": 477}
    c = categorical.homogeneity(cur, ref)
    assert c.test.df == (2.0,) and c.extra["pooled"] == []
    printed(c.test.statistic, "30.07015")
    printed(c.test.p_value, "2.953589e-07")
    rows, cols = [cur, ref], list(cur)
    n = sum(sum(r.values()) for r in rows)
    x2 = mp.fsum(
        (r[c] - mp.mpf(sum(r.values())) * sum(q[c] for q in rows) / n) ** 2
        / (mp.mpf(sum(r.values())) * sum(q[c] for q in rows) / n)
        for r in rows
        for c in cols
    )
    close(c.test.statistic, x2, 1e-12)
    close(c.test.p_value, mp.gammainc(1, x2 / 2, mp.inf, regularized=True))


def test_kruskal_insectsprays_matches_r():
    """R: kruskal.test(count ~ spray, InsectSprays): chi-squared = 54.691, p = 1.511e-10."""
    groups = {k: Moments.of(v) for k, v in INSECTS.items()}
    c = procedures.k_sample(groups, test="kruskal", raw=INSECTS)
    printed(c.test.statistic, "54.691")
    printed(c.test.p_value, "1.511e-10")
    assert c.effect.name == "epsilon_sq" and c.effect.value == pytest.approx(54.691 / 71, 1e-4)
