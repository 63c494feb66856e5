"""Challenger through run_suite and a real Store (issue 20 item 4, ADR 0134): the paired counts
and statistics equal an independent computation from the rows, the verdicts, the gates (nothing
paired, the cap), config errors, SQLite, PostgreSQL and Parquet (DuckDB) alike."""

from __future__ import annotations

import math
from datetime import date, datetime

import numpy as np
import pytest

from datavigil.checks import Challenger
from datavigil.core.errors import SuiteError
from tests.prediction.logdata import suite, validate
from tests.prediction.shadowlog import LOG, log_rows, write_parquet, write_sql
from tests.prediction.test_paired_stats import _delong_explicit, _newcombe10

D = date(2013, 3, 12)  # the run's day; label_delay 3d: the judged day is J
J = date(2013, 3, 9)


def check(**kw) -> Challenger:
    return Challenger(**{"key": "request_id", "champion": "v1", "challenger": "v2", **kw})


def by_hand(rows: list[dict], first: date, last: date) -> dict:
    """The pairs of the judged period from the rows, with McNemar's table and DeLong's AUCs."""
    got = [r for r in rows if first <= r["predicted_at"].date() <= last]
    got = [r for r in got if r["label_at"] < datetime(2013, 3, 13)]
    one = {v: {r["request_id"]: r for r in got if r["model_version"] == v} for v in ("v1", "v2")}
    keys = sorted(one["v1"].keys() & one["v2"].keys())
    y = np.array([one["v1"][k]["label"] == 1 for k in keys])
    right = {v: np.array([one[v][k]["predicted"] == one[v][k]["label"] for k in keys])
             for v in one}  # fmt: skip
    a1, a2 = right["v1"], right["v2"]
    table = [int(x.sum()) for x in (a1 & a2, a1 & ~a2, ~a1 & a2, ~a1 & ~a2)]
    s1 = np.array([one["v1"][k]["score"] for k in keys])
    s2 = np.array([one["v2"][k]["score"] for k in keys])
    pred = [np.array([one[v][k]["predicted"] for k in keys]) for v in one]
    return {"table": table, "scores": (s1, s2, y), "agree": float((pred[0] == pred[1]).mean())}


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "parquet"])
def test_paired_statistics_equal_an_independent_computation(
    tmp_path, results_url, kind, request
) -> None:
    rows = log_rows(date(2013, 3, 7), D, n=150, worse=0.15)
    if kind == "parquet":
        src = write_parquet(tmp_path / "log.parquet", rows)
    else:
        url = request.getfixturevalue("pg_url") if kind == "postgresql" else None
        src = write_sql(url or f"sqlite:///{tmp_path / 'log.db'}", rows)
    run = validate(suite(src, [check(days=2)], log=LOG), D, results_url)
    want = by_hand(rows, date(2013, 3, 8), J)
    acc, auc = run.details("challenger.accuracy"), run.details("challenger.auc")
    a, b, c, d = want["table"]
    assert acc["table"] == {"both_right": a, "champion_only_right": b,
                            "challenger_only_right": c, "both_wrong": d}  # fmt: skip
    assert acc["paired_keys"] == 300 and acc["period"] == ["2013-03-08", "2013-03-09"]
    assert acc["agreement"] == pytest.approx(want["agree"], abs=1e-12)
    level = acc["change_level"]
    assert acc["difference_ci"] == pytest.approx(_newcombe10(a, c, b, d, level), abs=1e-9)
    chi = (abs(b - c) - 1) ** 2 / (b + c)
    assert acc["p_value"] == pytest.approx(math.erfc(math.sqrt(chi / 2)), abs=1e-9)
    a1, a2, var = _delong_explicit(*want["scores"])
    assert (auc["champion_value"], auc["challenger_value"]) == pytest.approx((a1, a2), abs=1e-12)
    assert auc["delong_se"] == pytest.approx(math.sqrt(var), abs=1e-9)
    s1, s2, _ = want["scores"]
    assert auc["pearson"] == pytest.approx(float(np.corrcoef(s1, s2)[0, 1]), abs=1e-12)
    names = {r[0] for r in run.metrics}
    assert {
        "challenger.agreement",
        "challenger.accuracy.difference",
        "challenger.auc.ci_low",
    } <= names


def test_a_worse_challenger_fails_and_an_equal_one_passes(tmp_path, results_url) -> None:
    worse = write_sql(f"sqlite:///{tmp_path / 'w.db'}", log_rows(J, J, n=1500, worse=0.3))
    run = validate(suite(worse, [check()], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "fail" and run.status("challenger.auc") == "fail"
    msg = run.results["challenger.accuracy"]["message"]
    assert "challenger v2" in msg and "champion v1" in msg and "McNemar" in msg
    same = write_sql(f"sqlite:///{tmp_path / 's.db'}", log_rows(J, J, n=1500))
    run = validate(suite(same, [check(min_effect=0.05)], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "pass" and run.status("challenger.auc") == "pass"


def test_few_pairs_are_inconclusive(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'f.db'}", log_rows(J, J, n=30))
    run = validate(suite(src, [check()], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "inconclusive"
    assert "too few labels" in run.results["challenger.accuracy"]["message"]


def test_no_challenger_rows_is_inconclusive_and_no_rows_skipped(tmp_path, results_url) -> None:
    rows = [r for r in log_rows(J, J, n=40) if r["model_version"] == "v1"]
    src = write_sql(f"sqlite:///{tmp_path / 'c.db'}", rows)
    run = validate(suite(src, [check()], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "inconclusive"
    assert "40 keys of v1 only" in run.results["challenger.accuracy"]["message"]
    empty = write_sql(f"sqlite:///{tmp_path / 'e.db'}", [])
    run = validate(suite(empty, [check()], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "skipped"


def test_repeated_and_unmatched_keys_are_counted_and_left_out(tmp_path, results_url) -> None:
    rows = log_rows(J, J, n=60)
    rows.append(dict(rows[0]))  # input 0 logged twice by the champion
    rows = [
        r for r in rows if not (r["request_id"].endswith("00059") and r["model_version"] == "v2")
    ]
    src = write_sql(f"sqlite:///{tmp_path / 'r.db'}", rows)
    d = validate(suite(src, [check()], log=LOG), D, results_url).details("challenger.accuracy")
    assert (d["paired_keys"], d["repeated_keys"], d["champion_only"]) == (58, 1, 1)


def test_more_pairs_than_the_cap_is_an_auc_error_naming_it(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'm.db'}", log_rows(J, J, n=50))
    run = validate(suite(src, [check(max_rows=20)], log=LOG), D, results_url)
    assert run.status("challenger.auc") == "error"
    assert "max_rows=20" in run.results["challenger.auc"]["message"]
    assert run.status("challenger.accuracy") != "error"  # counted where the data is


@pytest.mark.parametrize(
    ("kw", "words"),
    [
        ({"key": ""}, "key must be the column"),
        ({"challenger": "v1"}, "must differ"),
        ({"metrics": ("brier",)}, "metrics must be distinct names among accuracy, auc"),
        ({"min_effect": 2}, "min_effect must be in"),
        ({"days": 0}, "days must be an integer"),
        ({"max_rows": 0}, "max_rows must be an integer"),
    ],
)
def test_config_problems(tmp_path, kw, words) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'c.db'}", [])
    with pytest.raises(SuiteError, match=words):
        suite(src, [check(**kw)], log=LOG)


def test_the_run_summary_has_a_shadow_section(tmp_path, results_url) -> None:
    from datavigil.runner.report import summary

    src = write_sql(f"sqlite:///{tmp_path / 'w.db'}", log_rows(J, J, n=400, worse=0.3))
    run = validate(suite(src, [check()], log=LOG), D, results_url)
    text = summary(run.report)
    assert "shadow (challenger vs champion, the same inputs):" in text
    acc = run.details("challenger.accuracy")
    line = next(x for x in text.splitlines() if x.startswith("  shadow challenger.accuracy"))
    assert f"v2 {acc['challenger_value']:.4g} vs v1 {acc['champion_value']:.4g}" in line
    assert "on 400 labelled pairs of 2013-03-09" in line and line.endswith(": fail")


def test_a_weekly_suite_judges_the_week_before_its_labels_are_due(tmp_path) -> None:
    from datavigil.declare.window import Window
    from datavigil.runner.run import run_suite
    from datavigil.store import Store

    # the run of ISO week 2013-W11 (Mar 11..17), label_delay 3d: Mar 8..14
    rows = log_rows(date(2013, 3, 4), date(2013, 3, 17), n=20)
    src = write_sql(f"sqlite:///{tmp_path / 'w.db'}", rows)
    s = suite(src, [check()], log=LOG, partition_unit="week", schedule="@weekly")
    report = run_suite(s, Window.for_week(date(2013, 3, 11), "UTC"),
                       store=Store(f"sqlite:///{tmp_path / 'r.db'}"))  # fmt: skip
    acc = next(r for r in report.results if r.check_name == "challenger.accuracy").outcome
    assert acc.details["period"] == ["2013-03-08", "2013-03-14"]
    assert acc.details["paired_keys"] == 7 * 20


def test_a_key_column_the_source_lacks_is_an_error_naming_it(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'k.db'}", log_rows(J, J, n=10))
    run = validate(suite(src, [check(key="session_id")], log=LOG), D, results_url)
    assert run.status("challenger.accuracy") == "error"
    assert "session_id" in run.results["challenger.accuracy"]["message"]
