"""Server-side SVG plots: ECDFs, side-by-side frequencies and trends. No JavaScript, no network.
Every text that reaches the SVG (labels, categories, titles) goes through ``escape``, which
masks credentials too."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from markupsafe import Markup
from markupsafe import escape as html_escape

from datavigil.core.redact import redact_text

W, H = 560, 220
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 26, 34


@dataclass(frozen=True, slots=True)
class Curve:
    label: str
    points: Sequence[tuple[float, float]]
    css: str = "ref"


@dataclass(frozen=True, slots=True)
class Mark:
    label: str
    value: float
    css: str = "ref"


@dataclass(frozen=True, slots=True)
class Point:
    label: str  # x-axis label (the partition day)
    value: float
    failed: bool = False
    current: bool = False
    title: str = ""
    at: float | None = None  # the day as date.toordinal(): places the dot in time


def escape(text: object) -> Markup:
    """A text for the SVG: any credential in it masked, then escaped (the templates' redaction
    does not look inside the Markup a plot is)."""
    return html_escape(redact_text(str(text)))


def num(value: float | None) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


class Scale:
    def __init__(self, lo: float, hi: float, out_lo: float, out_hi: float) -> None:
        if not hi > lo:
            pad = abs(lo) * 0.05 or 1.0
            lo, hi = lo - pad, hi + pad
        self.lo, self.hi, self.out_lo, self.out_hi = lo, hi, out_lo, out_hi

    def __call__(self, v: float) -> float:
        t = (v - self.lo) / (self.hi - self.lo)
        return round(self.out_lo + t * (self.out_hi - self.out_lo), 1)

    def ticks(self, n: int = 4) -> list[float]:
        step = (self.hi - self.lo) / n
        return [self.lo + i * step for i in range(n + 1)]


def _frame(title: str, body: list[str], height: int = H) -> Markup:
    head = (
        f'<svg class="plot" viewBox="0 0 {W} {height}" role="img" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        f'<text class="ptitle" x="{LEFT}" y="16">{escape(title)}</text>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _log_label(t: float) -> str:
    return f"1e{t:.0f}" if abs(t) >= 3 else num(10**t)


def _axes(xs: Scale | None, ys: Scale, height: int, log: bool = False) -> list[str]:
    bottom = height - BOTTOM
    label = _log_label if log else num
    out = [f'<line class="axis" x1="{LEFT}" y1="{bottom}" x2="{W - RIGHT}" y2="{bottom}"/>']
    for t in ys.ticks():
        y = ys(t)
        out.append(f'<line class="grid" x1="{LEFT}" y1="{y}" x2="{W - RIGHT}" y2="{y}"/>')
        out.append(
            f'<text class="tick" x="{LEFT - 4}" y="{y + 3}" text-anchor="end">{label(t)}</text>'
        )
    if xs is not None:
        for t in xs.ticks():
            x = xs(t)
            out.append(
                f'<text class="tick" x="{x}" y="{bottom + 14}" text-anchor="middle">{num(t)}</text>'
            )
    return out


def _legend(items: list[tuple[str, str]], height: int) -> list[str]:
    out, x = [], LEFT
    for label, css in items:
        out.append(f'<rect class="{css}" x="{x}" y="{height - 12}" width="10" height="8"/>')
        text = escape(label if len(label) <= 40 else label[:39] + "…")
        out.append(f'<text class="legend" x="{x + 14}" y="{height - 4}">{text}</text>')
        x += 24 + 6 * min(len(label), 40)
    return out


def ecdf(title: str, curves: Sequence[Curve], marks: Sequence[Mark] = ()) -> Markup | None:
    """Cumulative distributions (reference quantiles vs current) with vertical marks (means)."""
    pts = [p for c in curves for p in c.points if math.isfinite(p[0])]
    if not pts:
        return None
    xs_all = [x for x, _ in pts] + [m.value for m in marks if math.isfinite(m.value)]
    xs = Scale(min(xs_all), max(xs_all), LEFT, W - RIGHT)
    ys = Scale(0.0, 1.0, H - BOTTOM, TOP)
    body = _axes(xs, ys, H)
    for c in curves:
        path = " ".join(f"{xs(x)},{ys(y)}" for x, y in c.points if math.isfinite(x))
        body.append(f'<polyline class="line {c.css}" points="{path}"><title>{escape(c.label)}')
        body.append("</title></polyline>")
    for m in marks:
        if math.isfinite(m.value):
            x = xs(m.value)
            body.append(
                f'<line class="mark {m.css}" x1="{x}" y1="{TOP}" x2="{x}" y2="{H - BOTTOM}">'
                f"<title>{escape(m.label)}: {num(m.value)}</title></line>"
            )
    body += _legend([(c.label, c.css) for c in curves], H + 14)
    return _frame(title, body, H + 14)


def bars(title: str, categories: Sequence[str], groups: Sequence[Curve]) -> Markup | None:
    """Horizontal grouped bars: the share of each category, one bar per group (Curve.points
    holds (index, share))."""
    if not categories:
        return None
    row = 8 * len(groups) + 6
    height = TOP + row * len(categories) + BOTTOM
    top = max((s for g in groups for _, s in g.points), default=0.0) or 1.0
    xs = Scale(0.0, top, LEFT + 60, W - RIGHT - 40)
    body = []
    for i, cat in enumerate(categories):
        y0 = TOP + i * row
        label = cat if len(cat) <= 12 else cat[:11] + "…"
        body.append(
            f'<text class="tick" x="{LEFT + 56}" y="{y0 + row / 2 + 2}" text-anchor="end">'
            f"<title>{escape(cat)}</title>{escape(label)}</text>"
        )
        for j, g in enumerate(groups):
            share = dict(g.points).get(i)
            if share is None:
                continue
            x1 = xs(share)
            body.append(
                f'<rect class="{g.css}" x="{LEFT + 60}" y="{y0 + j * 8}" height="7" '
                f'width="{max(x1 - LEFT - 60, 0.5)}"><title>{escape(cat)} · {escape(g.label)}: '
                f"{share:.2%}</title></rect>"
            )
    body += _legend([(g.label, g.css) for g in groups], height)
    return _frame(title, body, height)


def _log10(v: float) -> float:
    return math.log10(v) if v > 0 else (-300.0 if v == 0 else math.nan)


def trend(
    title: str, points: Sequence[Point], lines: Sequence[Mark] = (), log: bool = False
) -> Markup | None:
    """A metric over runs: one dot per run at its day when every point has one (``at``: a
    four-month pause is a four-month gap, and the line breaks across a gap), else one slot
    per run; failed runs red, the current run ringed, the thresholds as dashed horizontal
    lines; ``log``: a log10 axis (p-values)."""
    if log:
        points = [replace(p, value=_log10(p.value)) for p in points]
        lines = [replace(m, value=_log10(m.value)) for m in lines]
    finite = [p for p in points if math.isfinite(p.value)]
    if not finite:
        return None
    height = 150
    vals = [p.value for p in finite] + [m.value for m in lines if math.isfinite(m.value)]
    ys = Scale(min(vals), max(vals), height - BOTTOM, TOP)
    xs = _x_positions(points)
    body = _axes(None, ys, height, log) + _threshold_lines(lines, ys)
    dots, segments = _dots(points, ys, xs)
    body += [f'<polyline class="trendline" points="{" ".join(s)}"/>' for s in segments]
    body += dots
    body += _day_labels(points, xs, height - BOTTOM + 14)
    return _frame(title, body, height)


def _days(points: Sequence[Point]) -> list[float] | None:
    """Each point's day (``at``), or None unless every point has one."""
    days = [p.at for p in points]
    return [float(d) for d in days if d is not None] if None not in days else None


def _x_positions(points: Sequence[Point]) -> list[float]:
    """Each point's x: by its day when every point has one, else one equal slot per point."""
    days = _days(points)
    if points and days:
        xs = Scale(min(days), max(days), LEFT + 8, W - RIGHT - 8)
        return [xs(d) for d in days]
    step = (W - LEFT - RIGHT) / max(len(points), 1)
    return [round(LEFT + step * (i + 0.5), 1) for i in range(len(points))]


def _day_labels(points: Sequence[Point], xs: list[float], y: float) -> list[str]:
    """The first and last day under the axis; on a time axis also the day halfway."""
    if not points:
        return []
    ticks = [(xs[0], points[0].label, "start"), (xs[-1], points[-1].label, "end")]
    days = _days(points)
    if days and days[-1] - days[0] >= 8:
        mid = date.fromordinal(round((days[0] + days[-1]) / 2)).isoformat()
        ticks.append((round((xs[0] + xs[-1]) / 2, 1), mid, "middle"))
    return [
        f'<text class="tick" x="{x}" y="{y}" text-anchor="{anchor}">{escape(label)}</text>'
        for x, label, anchor in ticks
    ]


def _gaps(points: Sequence[Point]) -> set[int]:
    """Positions (among the finite points) that follow a gap in time, more than twice the
    usual spacing of the runs and more than a day: the trend line breaks there."""
    days = _days([p for p in points if math.isfinite(p.value)])
    if not days or len(days) < 3:
        return set()
    steps = [b - a for a, b in zip(days, days[1:], strict=False)]
    usual = max(statistics.median(steps), 1.0)
    return {i + 1 for i, step in enumerate(steps) if step > 2 * usual}


def _threshold_lines(lines: Sequence[Mark], ys: Scale) -> list[str]:
    """The thresholds as dashed horizontal lines, with their labels as tooltips."""
    out = []
    for m in lines:
        if math.isfinite(m.value):
            y = ys(m.value)
            out.append(
                f'<line class="threshold" x1="{LEFT}" y1="{y}" x2="{W - RIGHT}" y2="{y}">'
                f"<title>{escape(m.label)}</title></line>"
            )
    return out


def _dots(points: Sequence[Point], ys: Scale, xs: list[float]) -> tuple[list[str], list[list[str]]]:
    """One dot per run with a finite value (failed runs red, the current run ringed), and the
    dots' coordinates for the trend line, one segment per stretch without a gap."""
    body: list[str] = []
    segments: list[list[str]] = [[]]
    gaps = _gaps(points)
    for n, (i, p) in enumerate((i, p) for i, p in enumerate(points) if math.isfinite(p.value)):
        if n in gaps:
            segments.append([])
        x, y = xs[i], ys(p.value)
        segments[-1].append(f"{x},{y}")
        css = "dot fail" if p.failed else "dot"
        if p.current:
            css += " current"
        tip = escape(p.title or f"{p.label}: {num(p.value)}")  # title: the raw value
        body.append(f'<circle class="{css}" cx="{x}" cy="{y}" r="3.5"><title>{tip}</title>')
        body.append("</circle>")
    return body, [s for s in segments if s]
