"""What to draw for a run: reference vs current per compared column, and each check's trend.
Builds the plot data from stored rows; ``svg`` draws it. A plot without data is not drawn."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from statistics import NormalDist
from typing import Any

from markupsafe import Markup

from datavigil.ui import svg

CMP = re.compile(r"(<=|>=|<|>)\s*(?:[a-z_]+\s+)?(-?[\d.]+(?:e[-+]?\d+)?)([smhd]?)\b", re.I)
INTERVAL = re.compile(r"^[\[(]\s*(-?[\d.e+-]+)\s*,\s*(-?[\d.e+-]+)\s*[\])]$")
SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
SD_IN_HEADLINE = re.compile(r"\(sd ([\d.e+-]+)")
TOP_CATEGORIES = 12


@dataclass(frozen=True, slots=True)
class Plot:
    title: str
    svg: Markup
    note: str = ""


def threshold_lines(threshold: str | None) -> list[svg.Mark]:
    """Horizontal lines for a stored threshold text: '<= 0.1', 'lag <= warn_after 3h,
    error_after 12h', 'p_adj < 0.05 and hedges_g >= 0.5' (the last comparison is on the
    observed value, the effect). '[-60, 1440]' bounds values, not the observed count of values
    outside it: no line. Unparsable text gives no line."""
    if not threshold:
        return []
    text = threshold.strip()
    if INTERVAL.match(text):  # a range of allowed values: the observed value is a count
        return []
    if "warn_after" in text:
        found = re.findall(r"(warn_after|error_after) ([\d.]+)([smhd])", text)
        return [svg.Mark(f"{k} {v}{u}", float(v) * SECONDS[u], "threshold") for k, v, u in found]
    found = CMP.findall(text)
    if not found:
        return []
    op, value, unit = found[-1]
    return [svg.Mark(f"{op} {value}{unit}", float(value) * SECONDS[unit.lower()], "threshold")]


def _ref_curve(column: dict[str, Any]) -> svg.Curve | None:
    qs = column.get("quantiles") or {}
    points = sorted((float(v), float(q)) for q, v in qs.items() if v is not None)
    if len(points) < 2:
        return None
    return svg.Curve("reference (stored quantiles)", points, "ref")


def reference_plot(column: str, stats: dict[str, Any]) -> Plot | None:
    """A snapshot's numeric column alone: its ECDF from the stored quantiles."""
    curve = _ref_curve(stats)
    drawn = svg.ecdf(f"{column}: reference (cumulative)", [curve]) if curve else None
    return Plot(column, drawn) if drawn is not None else None


def current_sd(check: dict[str, Any], metrics: dict[tuple[str, str | None], float]) -> float | None:
    """The current run's standard deviation: run_metrics (m2 and count), details['sd'], else
    the one the check's headline states."""
    col = check.get("column_name")
    m2, n = metrics.get(("moments.m2", col)), metrics.get(("moments.n", col))
    if m2 is not None and n and n > 1:
        return math.sqrt(m2 / (n - 1))
    details = check.get("details") or {}
    if isinstance(details.get("sd"), int | float):
        return float(details["sd"])
    found = SD_IN_HEADLINE.search(str(details.get("headline", "")))
    return float(found.group(1)) if found else None


def _normal_curve(mean: float, sd: float, lo: float, hi: float) -> svg.Curve:
    dist = NormalDist(mean, sd)
    lo, hi = min(lo, mean - 3 * sd), max(hi, mean + 3 * sd)
    xs = [lo + (hi - lo) * i / 60 for i in range(61)]
    return svg.Curve("current (normal from mean, sd)", [(x, dist.cdf(x)) for x in xs], "cur")


def distribution_plot(
    check: dict[str, Any], snapshot: dict[str, Any] | None, metrics: dict[Any, float]
) -> Plot | None:
    """Reference ECDF (snapshot quantiles) vs the current run (normal approximation from its
    mean and sd), means marked. None when the reference has no quantiles for the column."""
    column = check.get("column_name")
    ref_col = ((snapshot or {}).get("columns") or {}).get(column) or {}
    ref = _ref_curve(ref_col)
    details = check.get("details") or {}
    mean = details.get("mean")
    if ref is None or not isinstance(mean, int | float):
        return None
    curves = [ref]
    sd = current_sd(check, metrics)
    if sd and sd > 0:
        xs = [x for x, _ in ref.points]
        curves.append(_normal_curve(float(mean), sd, xs[0], xs[-1]))
    marks = [svg.Mark("current mean", float(mean), "cur")]
    ref_mean = details.get("reference_mean", (ref_col.get("moments") or {}).get("mean"))
    if isinstance(ref_mean, int | float):
        marks.append(svg.Mark("reference mean", float(ref_mean), "ref"))
    drawn = svg.ecdf(f"{column}: reference vs current (cumulative)", curves, marks)
    if drawn is None:
        return None
    note = "" if len(curves) > 1 else "current sd unknown: only its mean is drawn"
    return Plot(str(column), drawn, note)


def frequency_plot(
    column: str, reference: dict[str, Any], current: dict[str, float] | None
) -> Plot | None:
    """Category shares side by side (reference snapshot, and the run when it recorded them)."""
    ref = {str(k): float(v) for k, v in (reference.get("frequencies") or {}).items()}
    total = sum(ref.values()) + float(reference.get("other") or 0)
    if not ref or total <= 0:
        return None
    cats = sorted(ref, key=lambda k: -ref[k])[:TOP_CATEGORIES]
    groups = [svg.Curve("reference", [(i, ref[c] / total) for i, c in enumerate(cats)], "ref")]
    if current:
        cur_total = sum(current.values()) or 1.0
        pts = [(i, current.get(c, 0.0) / cur_total) for i, c in enumerate(cats)]
        groups.append(svg.Curve("current", pts, "cur"))
    drawn = svg.bars(f"{column}: category shares", cats, groups)
    return Plot(column, drawn) if drawn is not None else None


@dataclass(frozen=True, slots=True)
class Trends:
    """Trend plots in reading order: ``notable`` (failed somewhere or moving), then ``steady``
    (the same value in every run, never failed: folded away on the page)."""

    notable: list[Plot]
    steady: list[Plot]

    def __bool__(self) -> bool:
        return bool(self.notable or self.steady)


def trends(
    runs: list[dict[str, Any]], history: list[dict[str, Any]], current_run: str | None = None
) -> Trends:
    """One plot per check: its observed value over ``runs`` (oldest first), thresholds drawn,
    failed runs marked; distribution checks also get their adjusted p-value (log axis)."""
    by_check: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for h in history:
        by_check[h["check_name"]][h["run_id"]] = h
    failed: list[Plot] = []
    moving: list[Plot] = []
    steady: list[Plot] = []
    for name, per_run in sorted(by_check.items()):
        latest = per_run.get(current_run or "") or list(per_run.values())[-1]
        points = [_point(r, per_run.get(r["run_id"]), current_run) for r in runs]
        drawn = svg.trend(f"{name}: observed", points, threshold_lines(latest.get("threshold")))
        values = {p.value for p in points if math.isfinite(p.value)}
        if drawn is not None:
            bucket = failed if any(p.failed for p in points) else moving
            (bucket if len(values) > 1 or bucket is failed else steady).append(Plot(name, drawn))
        if str(latest.get("check_type", "")).startswith("distribution"):
            pts = [_point(r, per_run.get(r["run_id"]), current_run, "p_adjusted") for r in runs]
            alpha = svg.Mark("alpha 0.05", 0.05, "threshold")
            p_plot = svg.trend(f"{name}: p adjusted (log)", pts, [alpha], log=True)
            if p_plot is not None:
                moving.append(Plot(f"{name} · p_adjusted", p_plot))
    return Trends(failed + moving, steady)


def _point(
    run: dict[str, Any], h: dict[str, Any] | None, current: str | None, key: str = "observed_value"
) -> svg.Point:
    value = h.get(key) if h else None
    day = str(run["partition_date"])
    status = h["status"] if h else "absent"
    return svg.Point(
        label=day,
        value=float(value) if value is not None else math.nan,
        failed=status in ("fail", "error"),
        current=run["run_id"] == current,
        title=f"{day}: {svg.num(value)} ({status})",
        at=day_number(run["partition_date"]),
    )


def day_number(day: object) -> float | None:
    """A partition day (a date or 'YYYY-MM-DD') as a number of days, for a time axis."""
    if isinstance(day, date):
        return float(day.toordinal())
    try:
        return float(date.fromisoformat(str(day)[:10]).toordinal())
    except ValueError:
        return None


def metric_trends(runs: list[dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Plot]:
    """Trends from run_metrics (the run's profile): row count, null rate and mean per column."""
    by_run: dict[str, dict[tuple[str, str | None], float]] = defaultdict(dict)
    series: dict[str, list[svg.Point]] = defaultdict(list)
    status = {r["run_id"]: r["status"] for r in runs}
    for m in sorted(rows, key=lambda m: str(m.get("group_key") or "")):
        if m["value"] is None:
            continue
        if m.get("group_key") is not None:  # label quality of a judged day (queries.metrics)
            day, v = str(m["group_key"]), float(m["value"])
            tip = f"judged day {day}: {v:.4g}"
            failed = status.get(m["run_id"]) in ("fail", "error")
            point = svg.Point(day, v, failed, title=tip, at=day_number(day))
            series[f"{m['metric']} by judged day"].append(point)
            continue
        by_run[m["run_id"]][(m["metric"], m["column_name"])] = float(m["value"])
    for r in runs:
        values = by_run.get(r["run_id"], {})
        total = values.get(("row_count", None))
        for (metric, col), v in values.items():
            named = _metric_name(metric, col, v, total)
            if named is not None:
                day = str(r["partition_date"])
                failed = r["status"] in ("fail", "error")
                tip = f"{day}: {named[1]:.4g}"
                at = day_number(r["partition_date"])
                series[named[0]].append(svg.Point(day, named[1], failed, title=tip, at=at))
    out: dict[str, Plot] = {}
    for name, points in sorted(series.items()):
        drawn = svg.trend(name, points)
        if drawn is not None and len(points) > 1:
            out[name] = Plot(name, drawn)
    return out


def _metric_name(
    metric: str, col: str | None, value: float, total: float | None
) -> tuple[str, float] | None:
    if metric == "row_count" and col is None:
        return "row count", value
    if metric == "null_count" and col and total:
        return f"{col}: null rate", value / total
    if metric == "moments.mean" and col:
        return f"{col}: mean", value
    return None
