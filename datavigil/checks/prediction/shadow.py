"""Challenger's judging (issue 20 item 4, ADR 0134): from what the engine counted per key (the
paired 2x2 table, agreement) and the bounded paired scores to one outcome per metric. Pure.

The change is challenger - champion on the same inputs; its CI is two-sided at 1 - 2 alpha
(each end a one-sided test at alpha, as LabelQuality's, ADR 0123) and the verdict is
LabelQuality's: fail when the challenger is worse by >= min_effect with the CI above 0, pass
when the CI excludes a worsening of min_effect, else inconclusive.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datavigil.checks.prediction.base import rows
from datavigil.checks.prediction.quality import MIN_CLASS, verdict
from datavigil.core.outcome import Outcome, Status
from datavigil.stats import classification as cl
from datavigil.stats import paired

# flags of the per-key counts, in order (engine PairedKeys): each for the champion, then the
# challenger row of a key
FLAGS = ("predicted", "positive", "labelled", "correct")


@dataclass
class Keys:
    """The keys of the judged period by how many rows of each version they have."""

    paired: int = 0  # one row of each version
    champion_only: int = 0
    challenger_only: int = 0
    repeated: int = 0  # a version with two or more rows: left out
    agree: int = 0  # paired, both predicted, the same class
    predicted: int = 0  # paired, both predicted
    table: list[int] = field(default_factory=lambda: [0, 0, 0, 0])  # a, b, c, d (champion first)

    @property
    def labelled(self) -> int:
        return sum(self.table)


def keys_of(counts: dict[tuple[int, ...], int]) -> Keys:
    """Sum the engine's {(n_champion, n_challenger, flags of each...): keys}."""
    out = Keys()
    for combo, k in counts.items():
        n_a, n_b, flags = combo[0], combo[1], combo[2:]
        if n_a > 1 or n_b > 1:
            out.repeated += k
        elif n_a == 0 or n_b == 0:
            if n_a:
                out.champion_only += k
            else:
                out.challenger_only += k
        else:
            out.paired += k
            _pair(out, dict(zip(FLAGS, zip(flags[::2], flags[1::2], strict=True), strict=False)), k)
    return out


def _pair(out: Keys, f: dict[str, tuple[int, int]], k: int) -> None:
    if f["predicted"] != (1, 1):
        return
    out.predicted += k
    out.agree += k if f["positive"][0] == f["positive"][1] else 0
    if f["labelled"] == (1, 1):
        right_a, right_b = f["correct"]
        out.table[(1 - right_a) * 2 + (1 - right_b)] += k  # a: both right ... d: both wrong


@dataclass
class Scores:
    """The paired scores read (at most max_rows + 1 keys)."""

    champion: Any  # np.ndarray, finite
    challenger: Any
    labelled: Any  # bool: both rows labelled with the same label
    positive: Any  # bool
    conflicting: int = 0  # keys whose two rows carry different labels


def scores_of(got: list[tuple[Any, ...]]) -> Scores:
    import numpy as np

    arr = np.asarray([r[:2] for r in got], dtype=np.float64).reshape(-1, 2)
    flags = np.asarray([r[2:] for r in got], dtype=bool).reshape(-1, 4)
    keep = np.isfinite(arr).all(axis=1)
    arr, flags = arr[keep], flags[keep]
    both = flags[:, 0] & flags[:, 1]
    same = flags[:, 2] == flags[:, 3]
    return Scores(arr[:, 0], arr[:, 1], both & same, flags[:, 2], int((both & ~same).sum()))


@dataclass
class Paired:
    """What prepare read for one run: the period, the keys, the scores (or why not)."""

    champion: str
    challenger: str
    first: str  # the judged period, ISO days
    last: str
    level: float  # 1 - alpha
    prefix: str
    keys: Keys | None = None
    scores: Scores | None = None
    problem: str | None = None  # the scores could not be read (over the cap)
    error: str | None = None

    @property
    def change_level(self) -> float:
        return max(0.0, 2 * self.level - 1)

    @property
    def period(self) -> str:
        return self.last if self.first == self.last else f"{self.first}..{self.last}"

    def common(self) -> dict[str, Any]:
        k = self.keys
        assert k is not None
        out: dict[str, Any] = {
            "champion": self.champion, "challenger": self.challenger,
            "period": [self.first, self.last], "paired_keys": k.paired,
            "champion_only": k.champion_only, "challenger_only": k.challenger_only,
            "repeated_keys": k.repeated, "labelled_pairs": k.labelled,
            "agreement": k.agree / k.predicted if k.predicted else None,
            "level": self.level, "change_level": self.change_level,
        }  # fmt: skip
        s = self.scores
        if s is not None:
            pearson, spearman = paired.correlations(s.champion, s.challenger)
            out.update(score_pairs=len(s.champion), pearson=pearson, spearman=spearman,
                       conflicting_labels=s.conflicting)  # fmt: skip
        return out

    def shared_rows(self) -> tuple:
        c = self.common()
        names = ("paired_keys", "labelled_pairs", "agreement", "pearson", "spearman")
        return rows(self.prefix, None, self.last, {f".{k}": c.get(k) for k in names})


def gate(p: Paired) -> Outcome | None:
    """The outcome of every metric when nothing can be compared, or None."""
    if p.error is not None:
        return Outcome(Status.ERROR, f"challenger {p.challenger} vs champion {p.champion}: "
                       f"{p.error}")  # fmt: skip
    k = p.keys
    assert k is not None
    if k.paired + k.champion_only + k.challenger_only + k.repeated == 0:
        why = (f"no predictions of {p.champion} or {p.challenger} in {p.period}: nothing to "
               "compare")  # fmt: skip
        return Outcome(Status.SKIPPED, why, rows_checked=0, details=p.common())
    if k.paired == 0:
        why = (
            f"no input of {p.period} has one prediction of each version ({k.champion_only} "
            f"keys of {p.champion} only, {k.challenger_only} of {p.challenger} only, "
            f"{k.repeated} repeated): is the challenger logged with the same key?"
        )
        return Outcome(Status.INCONCLUSIVE, why, rows_checked=0, details=p.common(),
                       metrics=p.shared_rows())  # fmt: skip
    return None


def accuracy(p: Paired, min_effect: float) -> Outcome:
    k = p.keys
    assert k is not None
    a, b, c, d = k.table
    n = a + b + c + d
    if n == 0:
        return _undecided(p, "accuracy", f"none of the {k.paired} paired inputs has its label yet")
    test = paired.mcnemar(b, c)
    champ, chall = cl.wilson(a + b, n, p.level), cl.wilson(a + c, n, p.level)
    ci = paired.newcombe_paired(a, c, b, d, p.change_level)  # challenger first
    v = verdict("accuracy", chall, champ, ci, min_effect)
    stat = "" if test.exact or test.statistic is None else f"chi-square {test.statistic:.4g}, "
    test_text = (f"{b} inputs only the champion got right, {c} only the challenger: "
                 f"{test.method}: {stat}p={test.p_value:.3g}")  # fmt: skip
    extra = {"table": {"both_right": a, "champion_only_right": b, "challenger_only_right": c,
                       "both_wrong": d}, "mcnemar_b": b, "mcnemar_c": c,
             "mcnemar_statistic": test.statistic, "p_chi2": test.p_chi2,
             "p_exact": test.p_exact, "p_mid": test.p_mid, "test": test.method,
             "min_effect": min_effect}  # fmt: skip
    return _outcome(p, "accuracy", (champ, chall, n), ci, v, test_text, test, extra)


def auc(p: Paired, min_effect: float) -> Outcome:
    if p.problem is not None:
        return Outcome(Status.ERROR, f"auc of {p.period}: {p.problem}", details=p.common())
    s = p.scores
    assert s is not None
    y, m = s.positive[s.labelled], int(s.labelled.sum())
    n_pos = int(y.sum())
    if min(n_pos, m - n_pos) < MIN_CLASS:
        why = (f"{n_pos} positive and {m - n_pos} negative labelled pairs: the paired AUC "
               f"test needs {MIN_CLASS} of each")  # fmt: skip
        return _undecided(p, "auc", why)
    got = paired.delong_paired(s.champion[s.labelled], s.challenger[s.labelled], y)
    champ = cl.Estimate(got.first, (got.first, got.first), m)
    chall = cl.Estimate(got.second, (got.second, got.second), m)
    ci = got.ci(p.change_level)
    v = verdict("auc", chall, champ, ci, min_effect)
    z = "undefined: the two scores rank the cases alike" if got.z is None else f"{got.z:.4g}"
    pv = "" if got.p_value is None else f", p={got.p_value:.3g}"
    text = f"DeLong paired z={z}{pv}"
    extra = {"delong_z": got.z, "delong_se": got.se, "n_positive": got.n_pos,
             "n_negative": got.n_neg, "test": "DeLong et al. 1988 paired (pROC roc.test)",
             "min_effect": min_effect}  # fmt: skip
    return _outcome(p, "auc", (champ, chall, m), ci, v, text, got, extra)


def _undecided(p: Paired, metric: str, why: str) -> Outcome:
    return Outcome(Status.INCONCLUSIVE, f"{metric} of {p.period}: {why}",
                   details={**p.common(), "metric": metric, "problem": why})  # fmt: skip


def _outcome(p: Paired, metric: str, est: tuple, ci: tuple, v: Any, test_text: str, test: Any,
             extra: dict[str, Any]) -> Outcome:  # fmt: skip
    champ, chall, n = est
    diff = chall.value - champ.value
    pct = f"{100 * p.change_level:.4g}%"
    message = (
        f"{metric} of {p.period} on {n} labelled paired inputs: challenger {p.challenger} "
        f"{chall.value:.4g} vs champion {p.champion} {champ.value:.4g}, difference {diff:+.4g} "
        f"[{ci[0]:.4g}, {ci[1]:.4g}] ({pct} CI, each end a one-sided test at alpha "
        f"{1 - p.level:.4g}); {test_text}: {v.status}: {v.why}"
    )
    details = {**p.common(), **extra, "metric": metric, "champion_value": champ.value,
               "challenger_value": chall.value, "difference": diff, "difference_ci": list(ci),
               "worse": v.worse, "worse_ci": list(v.worse_ci), "verdict": v.status, "n": n,
               "p_value": test.p_value}  # fmt: skip
    values = {".champion": champ.value, ".challenger": chall.value, ".difference": diff,
              ".ci_low": ci[0], ".ci_high": ci[1]}  # fmt: skip
    return Outcome(
        Status(v.status), message, observed_value=diff, rows_checked=n,
        threshold=f"challenger's drop: its CI's upper end < {extra['min_effect']:g}",
        p_value=test.p_value, effect_size=diff, details=details,
        metrics=rows(f"{p.prefix}.{metric}", None, p.last, values),
    )  # fmt: skip


def summary_lines(results: list[Any]) -> list[str]:
    """The run summary's shadow section: one line per Challenger comparison that was judged."""
    out = []
    for r in results:
        d = r.outcome.details
        if r.check_type != "prediction.challenger" or "difference_ci" not in d:
            continue
        lo, hi = d["difference_ci"]
        agree = "" if d.get("agreement") is None else f", agreement {d['agreement']:.4g}"
        out.append(
            f"  shadow {r.check_name}: {d['challenger']} {d['challenger_value']:.4g} vs "
            f"{d['champion']} {d['champion_value']:.4g} on {d['n']} labelled pairs of "
            f"{'..'.join(dict.fromkeys(d['period']))}, difference {d['difference']:+.4g} "
            f"[{lo:.4g}, {hi:.4g}]{agree}: {r.status.value}"
        )
    return (["shadow (challenger vs champion, the same inputs):"] + out) if out else []
