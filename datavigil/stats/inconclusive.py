"""What a run does with `inconclusive` distribution tests (issue 9 item 8, ADR 0087/0088).

``on_inconclusive="pass"`` (the default) leaves them as they are: they do not block the run.
``"fail"`` turns each into a failure of its own severity, so an error-severity test blocks the
run (exit 1) everywhere the run's status is decided (RunReport.blocking, store.status_of).
Either way the run summary names them (``summary_line``).

``unreachable`` is the load-time warning: a declared test whose current sample can never grow
large enough to be powered (a RowCount with ``max_rows``, times the check's window in days).
"""

from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any

from datavigil.core.outcome import CheckResult, Status

log = logging.getLogger("datavigil.suite")

CHOICES = ("pass", "fail")
REASONS = {"underpowered": "too few rows", "infinite values": "infinite values"}


def is_inconclusive(r: CheckResult) -> bool:
    """Inconclusive, or failed only because the suite says inconclusive fails."""
    return r.status is Status.INCONCLUSIVE or bool(r.outcome.details.get("inconclusive"))


def apply(results: list[CheckResult], on_inconclusive: str = "pass") -> list[CheckResult]:
    if on_inconclusive != "fail":
        return results
    return [_failing(r) if _applies(r) else r for r in results]


def _applies(r: CheckResult) -> bool:
    return r.phase == "distribution" and r.status is Status.INCONCLUSIVE


def _failing(r: CheckResult) -> CheckResult:
    o = r.outcome
    details = {**o.details, "inconclusive": True, "on_inconclusive": "fail"}
    message = f"inconclusive, failing (suite on_inconclusive='fail'): {o.message}"
    return replace(r, outcome=replace(o, status=Status.FAIL, message=message, details=details))


def reason(r: CheckResult) -> str:
    """The check's reason as a whole short phrase: a known verdict (its message says more, e.g.
    the window that would power it), a problem in details, else the clause after
    "inconclusive: " of the message, shortened at a clause or word boundary (never inside a
    number)."""
    d = r.outcome.details
    if d.get("verdict") in REASONS:
        return REASONS[d["verdict"]]
    if d.get("problem"):
        return short(str(d["problem"]))
    text = r.outcome.message
    if "inconclusive: " in text:
        return short(text.rsplit("inconclusive: ", 1)[-1])
    return short(text.split(": ", 1)[-1])


def short(text: str, limit: int = 80) -> str:
    """``text`` if it fits, else its first clause (up to ": " or "; ") if that fits, else cut at
    the last space before ``limit`` with "…": a number is never cut."""
    if len(text) <= limit:
        return text
    for sep in ("; ", ": "):
        head = text.split(sep, 1)[0]
        if 10 <= len(head) <= limit:
            return head
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:([")
    return cut + "…"


def summary_line(results: list[CheckResult]) -> str | None:
    """ "3 tests inconclusive: too few rows (a, b); all values are NULL (c)", or None."""
    found = [r for r in results if is_inconclusive(r)]
    if not found:
        return None
    by: dict[str, list[str]] = {}
    for r in found:
        by.setdefault(reason(r), []).append(r.check_name)
    parts = "; ".join(f"{why} ({', '.join(names)})" for why, names in by.items())
    noun = "test" if len(found) == 1 else "tests"
    return f"{len(found)} {noun} inconclusive: {parts}"


def unreachable(suite: Any) -> list[str]:
    """Declared tests that can never be powered: the partition holds at most ``max_rows`` rows
    (a RowCount) and even that many cannot catch 1.5 x min_effect, whatever the reference."""
    caps = [c.max_rows for c in suite.checks if getattr(c, "check_type", "") == "row_count"]
    caps = [c for c in caps if c is not None]
    if not caps:
        return []
    cap = min(caps)
    out = []
    for check in suite.checks:
        why = _never_powered(check, cap, suite)
        if why:
            out.append(f"suite {suite.name}: {check.check_name} {why}")
    return out


def _never_powered(check: Any, cap: int, suite: Any) -> str | None:
    from datavigil.stats import effects
    from datavigil.stats.multitest import MDE_FACTOR
    from datavigil.stats.procedures import POWER_TARGET

    kind = getattr(check, "check_type", "")
    if kind not in ("distribution.ttest", "distribution.chi2"):
        return None
    window = _window_days(check)
    cap = cap * window  # a window of W days holds at most W x max_rows values
    alpha = check.alpha if check.alpha is not None else suite.alpha
    big = 10**9  # the most favourable reference: as large as can be
    if kind == "distribution.ttest":
        gate = check.min_effect if check.min_effect is not None else suite.min_effect
        mde = effects.t_mde(cap, big, alpha, gate, POWER_TARGET) if cap >= 2 else float("inf")
    else:
        gate = check.min_effect if check.min_effect is not None else suite.category_min_effect
        mde = effects.v_mde(1.0, cap, big, alpha, gate, POWER_TARGET) if cap >= 1 else 1.0
    if mde <= MDE_FACTOR * gate:
        return None
    held = "the partition" if window == 1 else f"its {check.window} window"
    advice = "no window is declared" if window == 1 else "declare a longer window"
    return (
        f"can never reach its minimum sample: RowCount(max_rows={cap // window}) caps {held} at "
        f"{cap} row(s), which detect at best an effect of {mde:.3g} > {MDE_FACTOR:g} x "
        f"min_effect {gate:g}: it will be inconclusive every run ({advice})"
    )


def _window_days(check: Any) -> int:
    from datavigil.core.durations import MAX_WINDOW, parse_days

    w = getattr(check, "window", None)
    try:
        return 1 if w is None else parse_days(w, "window", MAX_WINDOW)
    except ValueError:
        return 1  # reported by the check's problems()


def warn_unreachable(suite: Any) -> None:
    for message in unreachable(suite):
        log.warning("%s", message)
