"""A smoke run of benchmarks/challenger_sim.py (the full grid: benchmarks/results/
challenger_grid.md): Challenger's decision code alarms at about alpha when the two models are
equally good and catches a drop of 1.5 x min_effect with enough pairs (issue 20 item 4)."""

from __future__ import annotations

from benchmarks.challenger_sim import run_cell

NIGHTS = 200  # Monte Carlo SE of a 5% rate: 0.015


def test_accuracy_null_alarms_at_about_alpha_and_power_at_scale() -> None:
    null = run_cell({"metric": "accuracy", "base": 0.8, "rho": 0.3, "n": 1000}, NIGHTS, 7)
    assert 0.01 <= null["fail0"] <= 0.11 and null["gated"] <= 0.11, null
    big = run_cell({"metric": "accuracy", "base": 0.8, "rho": 0.7, "n": 10_000}, 40, 8)
    assert big["power"] >= 0.95, big


def test_auc_null_alarms_at_about_alpha() -> None:
    null = run_cell({"metric": "auc", "base": 0.8, "rho": 0.3, "n": 300}, NIGHTS, 9)
    assert 0.01 <= null["fail0"] <= 0.11, null
