"""The false-alarm / power simulation of issue 3 (seeded, CI-sized; the full run with more
nights is benchmarks/distribution_sim.py): 50 column tests a night, 1,000 current rows against
10,000 reference rows, alpha 0.01 family-wise (Holm), min_effect 0.2 standard deviations."""

from __future__ import annotations

import pytest

from benchmarks.distribution_sim import rates

NIGHTS = 300


def test_clean_nights_rarely_alarm_while_naive_testing_nearly_always_does():
    alarm, caught, naive, holm = rates(NIGHTS, 0.0, seed=11)
    assert alarm <= 0.02  # error-severity failures: at most about alpha
    assert holm <= 0.03  # the correction alone keeps the family-wise rate near alpha
    assert naive >= 0.85  # 1 - 0.95**50 = 0.92 of nights with per-column p < 0.05
    assert caught == alarm  # with no shift, c0 is as clean as any other column


@pytest.mark.parametrize(
    ("factor", "low", "high"),
    [(0.5, 0.0, 0.05), (1.0, 0.35, 0.65), (1.5, 0.95, 1.0), (2.0, 0.99, 1.0)],
    ids=["half", "at_min_effect", "one_and_a_half", "double"],
)
def test_power_curve(factor, low, high):
    _, caught, _, _ = rates(200, factor, seed=int(factor * 100))
    assert low <= caught <= high


def test_drawing_rows_agrees_with_drawing_statistics():
    _, caught, _, _ = rates(20, 1.5, seed=5, raw=True)
    assert caught >= 0.9
