"""Plot building blocks: threshold parsing, what is drawn and what is not, escaping in SVG."""

from __future__ import annotations

import math
import re
from datetime import date

import pytest

from datavigil.ui import plots, svg


@pytest.mark.parametrize(
    ("threshold", "lines"),
    [
        ("<= 0.1", [0.1]),
        (">= 500", [500.0]),
        ("lag <= warn_after 3h, error_after 12h", [10800.0, 43200.0]),
        ("p_adj < 0.05 and hedges_g >= 0.5", [0.5]),
        ("p_adj < 0.05 and omega_sq >= 0.0588235", [0.0588235]),
        ("[-60, 1440]", []),
        ("(0, 720]", []),
        ("informational", []),
        (None, []),
    ],
    ids=["le", "ge", "freshness", "effect", "omega", "interval", "half-open", "text", "none"],
)
def test_threshold_lines(threshold: str | None, lines: list[float]) -> None:
    assert [m.value for m in plots.threshold_lines(threshold)] == pytest.approx(lines)


def test_trend_without_a_finite_value_is_not_drawn() -> None:
    points = [svg.Point("2013-02-08", math.nan), svg.Point("2013-02-09", math.nan)]
    assert svg.trend("x", points) is None


def test_trend_marks_failed_and_current_runs_and_escapes_text() -> None:
    points = [
        svg.Point("<b>d1</b>", 0.01),
        svg.Point("d2", 0.5, failed=True, current=True, title="<script>t</script>"),
    ]
    drawn = str(svg.trend("<script>title</script>", points, [svg.Mark("<= 0.1", 0.1)]))
    assert drawn.count('class="dot fail current"') == 1 and 'class="threshold"' in drawn
    assert "<script" not in drawn and "<b>" not in drawn and "&lt;script&gt;t" in drawn


def test_p_values_use_a_log_axis() -> None:
    drawn = str(svg.trend("p", [svg.Point("a", 1e-89), svg.Point("b", 0.5)], log=True))
    assert "1e-89" in drawn


def test_ecdf_needs_points() -> None:
    assert svg.ecdf("x", [svg.Curve("ref", [])]) is None


def test_distribution_plot_needs_reference_quantiles_and_a_mean() -> None:
    check = {"column_name": "d", "details": {"mean": 3.0, "headline": "d: mean 3 (sd 2, n=9)"}}
    snap = {"columns": {"d": {"quantiles": {"0.01": 0.0, "0.5": 2.0, "0.99": 9.0}}}}
    assert plots.distribution_plot(check, snap, {}) is not None
    assert plots.distribution_plot(check, {"columns": {"d": {"quantiles": {}}}}, {}) is None
    assert plots.distribution_plot(check, None, {}) is None
    assert plots.distribution_plot({"column_name": "d", "details": {}}, snap, {}) is None


@pytest.mark.parametrize(
    ("details", "metrics", "sd"),
    [
        ({}, {("moments.m2", "d"): 36.0, ("moments.n", "d"): 10.0}, 2.0),
        ({"sd": 1.5}, {}, 1.5),
        ({"headline": "d: mean 83.54 (sd 90.4, n=799) vs reference 10.04"}, {}, 90.4),
        ({"headline": "no sd here"}, {}, None),
    ],
    ids=["run-metrics", "details", "headline", "unknown"],
)
def test_current_sd(details: dict, metrics: dict, sd: float | None) -> None:
    assert plots.current_sd({"column_name": "d", "details": details}, metrics) == sd


def test_frequency_plot_side_by_side_and_not_without_frequencies() -> None:
    ref = {"frequencies": {"UA": 60, "<i>B6</i>": 40}, "other": 0}
    drawn = plots.frequency_plot("carrier", ref, {"UA": 10, "<i>B6</i>": 30})
    assert drawn is not None and "<i>" not in str(drawn.svg) and "current" in str(drawn.svg)
    assert plots.frequency_plot("carrier", {"frequencies": {}}, None) is None


DAYS = [date(2013, 1, 1), date(2013, 1, 2), date(2013, 1, 3), date(2013, 5, 3)]  # then 4 months off


def cxs(drawn: str) -> list[float]:
    return [float(x) for x in re.findall(r'<circle[^>]* cx="([\d.]+)"', drawn)]


def test_trend_dots_are_placed_by_day_and_a_gap_shows_as_a_gap() -> None:
    points = [svg.Point(str(d), 0.01 * i, at=d.toordinal()) for i, d in enumerate(DAYS)]
    drawn = str(svg.trend("nulls.x: observed", points))
    x = cxs(drawn)
    assert x == sorted(x) and len(x) == 4
    assert (x[3] - x[2]) / (x[1] - x[0]) == pytest.approx(120, rel=0.02)  # 120 days vs 1 day
    assert drawn.count('class="trendline"') == 2  # the line breaks across the gap
    assert ">2013-03-03<" in drawn  # the day halfway is labelled on a time axis


def test_trend_without_days_keeps_one_slot_per_run() -> None:
    x = cxs(str(svg.trend("x", [svg.Point(str(d), 1.0 + i) for i, d in enumerate(DAYS)])))
    assert x[1] - x[0] == pytest.approx(x[3] - x[2])


def test_trends_of_stored_runs_use_the_partition_day() -> None:
    runs = [{"run_id": f"r{i}", "partition_date": d, "status": "pass"} for i, d in enumerate(DAYS)]
    history = [
        {"run_id": f"r{i}", "check_name": "nulls.x", "check_type": "nulls", "status": "pass",
         "observed_value": 0.01 * i, "threshold": "<= 0.1"}
        for i in range(4)
    ]  # fmt: skip
    (plot,) = plots.trends(runs, history).notable
    x = cxs(str(plot.svg))
    assert (x[3] - x[2]) > 50 * (x[1] - x[0])
    metric_rows = [
        {"run_id": f"r{i}", "metric": "row_count", "column_name": None, "group_key": None,
         "value": 900.0 + i}
        for i in range(4)
    ]  # fmt: skip
    x = cxs(str(plots.metric_trends(runs, metric_rows)["row count"].svg))
    assert (x[3] - x[2]) > 50 * (x[1] - x[0])
