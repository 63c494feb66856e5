"""Multiple-testing control across a run's distribution tests, and the gated verdict.

Every distribution result that carries a p-value belongs to one family per run (the
``compare_distributions`` task). After the checks finish, the runner adjusts their p-values
(Holm by default, or Benjamini-Hochberg) and re-judges each one with ``judge``:

* fail          adjusted p < alpha AND |effect| >= min_effect
* inconclusive  otherwise, when the sample cannot catch 1.5 x min_effect with 80% power
* pass          otherwise (no shift, or a significant shift smaller than min_effect)

Pure Python at import time; scipy is used (inside functions) only for ANOVA power.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from datavigil.core.outcome import CheckResult, Outcome, Status

METHODS = ("holm", "bh")
MDE_FACTOR = 1.5


def holm(p: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values (family-wise error rate)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i])
    out, running = [0.0] * m, 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p[i]))
        out[i] = max(p[i], running)
    return out


def bh(p: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg step-up adjusted p-values (false discovery rate)."""
    m = len(p)
    order = sorted(range(m), key=lambda i: p[i], reverse=True)
    out, running = [0.0] * m, 1.0
    for pos, i in enumerate(order):
        running = min(running, m * p[i] / (m - pos))
        out[i] = max(p[i], running)  # m p / rank can round one step below p: never report that
    return out


def adjust(p: Sequence[float], method: str = "holm") -> list[float]:
    if method not in METHODS:
        raise ValueError(f"correction must be one of {', '.join(METHODS)}, got {method!r}")
    return holm(p) if method == "holm" else bh(p)


def in_family(r: CheckResult) -> bool:
    o = r.outcome
    return "power_kind" in o.details and o.p_value is not None and o.status is not Status.ERROR


def adjust_run(results: list[CheckResult], method: str = "holm") -> list[CheckResult]:
    """Adjust the p-values of the family and re-judge its members; others are returned as is."""
    members = [i for i, r in enumerate(results) if in_family(r)]
    if not members:
        return results
    p_adj = adjust([float(results[i].outcome.p_value or 0.0) for i in members], method)
    out = list(results)
    for i, q in zip(members, p_adj, strict=True):
        out[i] = replace(results[i], outcome=judge(results[i].outcome, q, method, len(members)))
    return out


def mde(details: dict[str, Any], alpha: float, min_effect: float) -> float:
    """The smallest effect the gated rule catches with ``details["power_target"]`` (default
    effects.POWER; the procedures ask 0.95, ADR 0085)."""
    from datavigil.stats import effects

    kind, power = details["power_kind"], float(details.get("power_target", effects.POWER))
    if kind == "t":
        return effects.t_mde(details["n_a"], details["n_b"], alpha, min_effect, power)
    if kind == "rank":
        return effects.rank_mde(details["n_a"], details["n_b"], alpha, min_effect, power)
    if kind == "chi2":
        sizes = details["df"][0], details["n_a"], details["n_b"]
        return effects.v_mde(*sizes, alpha, min_effect, power)
    return effects.f_mde(details["k"], details["n"], alpha, min_effect, power)


def judge(o: Outcome, p_adj: float, method: str = "holm", family: int = 1) -> Outcome:
    """The verdict of one test given its adjusted p-value and the family size."""
    d = dict(o.details)
    alpha, min_effect = float(d["alpha"]), float(d["min_effect"])
    effect = abs(float(o.effect_size or 0.0))
    # power at the strictest per-test level the correction may use (alpha / m)
    detectable = mde(d, alpha / family, min_effect)
    significant, large = p_adj < alpha, effect >= min_effect
    powered = detectable <= MDE_FACTOR * min_effect
    if significant and large:
        status, verdict = Status.FAIL, "shift"
    elif not powered:
        status, verdict = Status.INCONCLUSIVE, "underpowered"
    elif significant:
        status, verdict = Status.PASS, "trivial shift"
    else:
        status, verdict = Status.PASS, "no shift"
    if status is Status.PASS and d.get("infinite"):
        status, verdict = Status.INCONCLUSIVE, "infinite values"
    d.update(
        correction=method, family_size=family, mde=detectable, powered=powered, verdict=verdict
    )
    d.pop("advice", None)  # of an earlier judgement (the provisional one, at family size 1)
    if verdict == "underpowered":
        from datavigil.stats.effects import window_advice

        d["advice"] = window_advice(d, alpha / family, min_effect, MDE_FACTOR)
    return replace(
        o,
        status=status,
        p_adjusted=p_adj,
        message=_message(d, o, p_adj),
        threshold=f"p_adj < {alpha:g} and {d['effect_name']} >= {min_effect:g}",
        observed_value=o.effect_size,
        details=d,
    )


def _message(d: dict[str, Any], o: Outcome, p_adj: float) -> str:
    lo, hi = d["effect_ci"]
    ci = f"[{lo:.3g}, {hi:.3g}]"
    why = {
        "shift": f"{d['effect_name']} {o.effect_size:.3g} {ci} >= min_effect "
        f"{d['min_effect']:g} and p_adj {p_adj:.3g} < {d['alpha']:g}",
        "underpowered": f"too little data: detectable effect {d['mde']:.3g} > "
        f"{MDE_FACTOR:g} x min_effect {d['min_effect']:g} (at "
        f"{100 * float(d.get('power_target', 0.8)):g}% power)"
        + (f"; {d['advice']}" if d.get("advice") else ""),
        "trivial shift": f"significant (p_adj {p_adj:.3g}) but {d['effect_name']} "
        f"{o.effect_size:.3g} {ci} < min_effect {d['min_effect']:g}",
        "infinite values": f"the finite values show no shift, but {d.get('infinite')} "
        "inf value(s) leave the mean undefined",
        "no shift": f"p_adj {p_adj:.3g} >= {d['alpha']:g}; {d['effect_name']} "
        f"{o.effect_size:.3g} {ci}",
    }[d["verdict"]]
    return f"{d['headline']}; {d['test']}: {d['verdict']}: {why}"


def table_lines(results: list[CheckResult]) -> list[str]:
    """The distribution tests of a run as a table (the compare_distributions task log): the
    family whose p-values were adjusted, never a paired comparison outside it (a Challenger)."""
    rows = [r for r in results if "test" in r.outcome.details and in_family(r)]
    if not rows:
        return []
    head = ("column", "test", "statistic", "df", "p", "p_adjusted", "effect [95% CI]", "verdict")
    cells = [head] + [_cells(r) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(head))]
    fmt = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    method = rows[0].outcome.details.get("correction", "holm")
    return [f"  distribution tests ({len(rows)}, {method}-adjusted):"] + [
        f"    {f}".rstrip() for f in fmt
    ]


def _cells(r: CheckResult) -> tuple[str, ...]:
    o, d = r.outcome, r.outcome.details
    lo, hi = d.get("effect_ci", (float("nan"), float("nan")))
    df = "/".join(f"{x:.4g}" for x in d.get("df", [])) or "-"
    effect = f"{d.get('effect_name', 'effect')} {_g(o.effect_size)} [{_g(lo)}, {_g(hi)}]"
    verdict = f"{r.status.value}: {d.get('verdict', '')}"
    name = r.column_name if r.check_type.endswith("ttest") and r.column_name else r.check_name
    return (
        name,
        str(d["test"]),
        _g(o.statistic),
        df,
        _g(o.p_value),
        _g(o.p_adjusted),
        effect,
        verdict,
    )


def _g(x: float | None) -> str:
    return "-" if x is None else f"{x:.4g}"
