"""The model owner's questions on the demo (issue 20): the two `datavigil validate` runs that step
8 of `make demo` makes for 2013-07-22, on the real prediction log, show a pinned reference beside
a rolling one, a week's realized accuracy, an estimate before the labels, a carrier that fails
while the whole passes, and a challenger compared with the champion; the output the docs copy
is the output these runs print (docs/how-to/model-monitoring.md cannot go stale)."""

from __future__ import annotations

import contextlib
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import query

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "how-to" / "model-monitoring.md"
NIGHT = "2013-07-22"
RUNS = {"flight_delay_model_review": 1, "flight_delay_model_shadow": 0}  # suite: exit code
ARGV = {  # the demo's commands (scripts/demo.sh, step 8)
    "flight_delay_model_review": ["validate", "flight_delay_model_review", "--date", NIGHT],
    "flight_delay_model_shadow": ["validate", "flight_delay_model_shadow", "--date", NIGHT],
}
ARGV["flight_delay_model_review"].append("--verbose")
COPIED = re.compile(r"<!-- demo-output: (datavigil validate (\w+) [^>]*?) -->\n```\n(.*?)```", re.S)


@pytest.fixture(scope="module")
def night(demo_predictions, tmp_path_factory) -> tuple[str, dict[str, tuple[int, str]]]:
    """Both suites validated for NIGHT by the CLI, as the demo does: the store and, per suite,
    the exit code and what it printed."""
    from datavigil.cli.main import main
    from datavigil.demo import shadow

    shadow.build()
    url = f"sqlite:///{tmp_path_factory.mktemp('review') / 'results.db'}"
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DATAVIGIL_RESULTS_URL", url)
        mp.delenv("DATAVIGIL_SCHEMAS_DIR", raising=False)  # the project's schemas/
        for suite in RUNS:
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                code = main(ARGV[suite])
            out[suite] = (code, printed.getvalue())
    return url, out


def rows(url: str) -> dict[str, dict]:
    found = query(url, "SELECT check_name, status, observed_value, details FROM check_results")
    out = {}
    for r in found:
        details = json.loads(r.details) if isinstance(r.details, str) else r.details
        out[r.check_name] = {"status": r.status, "observed": r.observed_value, "details": details}
    return out


def metrics(url: str) -> dict[tuple[str, str], float]:
    found = query(url, "SELECT metric, group_key, value FROM run_metrics")
    return {(r.metric, r.group_key): r.value for r in found}


def test_the_runs_exit_as_the_demo_expects(night):
    _, out = night
    assert {suite: code for suite, (code, _) in out.items()} == RUNS


def test_a_pinned_reference_beside_a_rolling_one(night):
    got = rows(night[0])
    pinned, rolling = got["scores_validation.mean"], got["scores_last_4_weeks.mean"]
    assert pinned["details"]["reference"]["label"] == "period 2013-02-01..2013-02-28"
    assert rolling["details"]["reference"]["kind"] == "rolling"
    assert rolling["details"]["reference_period"] == ["2013-06-24", "2013-07-21"]
    # the same day's scores: moved from February's (g 0.54), not from the last four weeks'
    assert (pinned["status"], rolling["status"]) == ("fail", "pass")
    assert pinned["observed"] == pytest.approx(0.5368, abs=1e-4)
    assert rolling["observed"] == pytest.approx(0.1421, abs=1e-4)


def test_a_weeks_realized_accuracy(night):
    week = rows(night[0])["weekly.accuracy"]
    assert week["status"] == "pass"
    assert week["details"]["judged_period"] == ["2013-07-12", "2013-07-18"]
    assert week["details"]["n"] == 6626 and week["observed"] == pytest.approx(0.8814, abs=1e-4)
    assert week["details"]["reference_value"] == pytest.approx(0.8978, abs=1e-4)
    stored = metrics(night[0])
    assert stored["weekly.accuracy", "2013-07-12..2013-07-18"] == pytest.approx(0.8814, abs=1e-4)


def test_an_estimate_before_the_labels(night, demo_predictions):
    est = rows(night[0])["estimated.accuracy"]
    assert est["status"] == "pass" and est["details"]["judged_period"] == [NIGHT, NIGHT]
    assert est["observed"] == pytest.approx(0.9101, abs=1e-4)
    assert est["details"]["calibration"]["state"] == "calibrated"
    # not one label of the night had arrived by the end of its run's window (04:00 UTC)
    with sqlite3.connect(demo_predictions) as conn:
        arrived = conn.execute(
            "SELECT count(*), sum(label_at < '2013-07-23 04:00') FROM flight_predictions "
            "WHERE predicted_at >= '2013-07-22 04:00' AND predicted_at < '2013-07-23 04:00'"
        ).fetchone()
    assert arrived == (862, 0)
    # the night four days back, whose labels arrived: realized beside its estimate
    stored = metrics(night[0])
    assert stored["estimated.realized.accuracy", "2013-07-18"] == pytest.approx(0.8983, abs=1e-4)
    assert stored["estimated.realized.accuracy.estimate", "2013-07-18"] == pytest.approx(
        0.8893, abs=1e-4
    )


def test_a_carrier_fails_while_the_whole_passes(night):
    got = rows(night[0])
    whole, slices = got["weekly.accuracy"], got["weekly.accuracy.by_carrier"]
    assert (whole["status"], slices["status"]) == ("pass", "fail")
    failing = {s["slice"]: s for s in slices["details"]["slices"] if s["verdict"] == "fail"}
    assert sorted(failing) == ["MQ", "WN"]
    assert failing["MQ"]["value"] == pytest.approx(0.8297, abs=1e-4)
    assert failing["MQ"]["p_adjusted"] < 0.05 and failing["MQ"]["worse"] >= 0.05
    assert whole["details"]["worse_ci"][1] < 0.05  # the whole: no drop of 0.05


def test_a_challenger_compared_with_the_champion(night):
    got = rows(night[0])
    acc, auc = got["challenger.accuracy"], got["challenger.auc"]
    assert (acc["status"], auc["status"], got["serving.version"]["status"]) == ("pass",) * 3
    d = acc["details"]
    assert (d["champion"], d["challenger"]) == ("late15-2013.01", "late15-2013.06")
    # paired on the same flights as the week's accuracy: the champion's value is the same
    assert d["labelled_pairs"] == 6626 and d["champion_value"] == pytest.approx(0.8814, abs=1e-4)
    assert d["challenger_value"] == pytest.approx(0.8918, abs=1e-4)
    assert d["difference_ci"][0] > 0 and auc["details"]["difference_ci"][0] > 0
    assert (d["mcnemar_b"], d["mcnemar_c"]) == (53, 122)


def test_the_docs_copy_what_the_demo_prints(night):
    """Each block of the page marked `<!-- demo-output: COMMAND -->` is lines of what COMMAND
    printed, in order; the commands are the demo's (scripts/demo.sh)."""
    _, out = night
    copied = COPIED.findall(PAGE.read_text(encoding="utf-8"))
    demo = (ROOT / "scripts" / "demo.sh").read_text(encoding="utf-8")
    assert sorted(suite for _, suite, _ in copied) == sorted(RUNS)
    for command, suite, block in copied:
        assert command == " ".join(["datavigil", *ARGV[suite]])
        assert f"{command} " in demo or f"{command}\n" in demo, command
        printed = out[suite][1].splitlines()
        at = 0
        for line in (x for x in block.splitlines() if x.strip() and x.strip() != "..."):
            assert line in printed[at:], f"{command}: not printed (or not in order): {line}"
            at = printed.index(line, at) + 1
