"""A prediction log as one Parquet file per day (a {date} template): the reference period is
read from the days' files; days without a file have no predictions (warm-up), not an error."""

from __future__ import annotations

from datetime import date, timedelta

from datavigil import FileSource, PredictionLog, Suite
from datavigil.checks import LabelQuality, PositiveRate, ScoreShift
from tests.prediction.logdata import LOG, Day, build, validate, write_parquet

D = date(2013, 3, 12)


def daily_files(tmp_path, days: list[date], spec: Day) -> FileSource:
    for day in days:
        write_parquet(tmp_path / f"log-{day}.parquet", build({day: spec}))
    return FileSource(path=str(tmp_path / "log-{date:%Y-%m-%d}.parquet"))


def templated(source: FileSource, checks: list, log: PredictionLog = LOG) -> Suite:
    return Suite(name="model_files", source=source, checks=checks, prediction_log=log)


CHECKS = [ScoreShift(reference_days=7), PositiveRate(reference_days=7),
          LabelQuality(reference_days=7, metrics=("accuracy", "auc"), min_effect=0.1)]  # fmt: skip


def test_the_reference_period_is_read_from_the_days_files(tmp_path, results_url) -> None:
    days = [D - timedelta(days=i) for i in range(12)]
    src = daily_files(tmp_path, days, Day(n=1500, noise=0.1))
    run = validate(templated(src, CHECKS), D, results_url)
    assert run.status("scores.mean") == "pass" and run.status("predictions.positive_rate") == "pass"
    assert run.details("labels.accuracy")["reference_rows"] == 7 * 1500
    assert run.status("labels.auc") == "pass"


def test_days_without_a_file_are_a_warm_up_not_an_error(tmp_path, results_url) -> None:
    src = daily_files(tmp_path, [D], Day(n=100))
    run = validate(templated(src, CHECKS), D, results_url)
    for name in ("scores.mean", "scores.shape", "predictions.positive_rate"):
        assert run.status(name) == "skipped" and "warm-up" in run.results[name]["message"]
    assert run.status("labels.accuracy") == "skipped"
    assert "no predictions on 2013-03-09" in run.results["labels.accuracy"]["message"]
    assert run.report.exit_code == 0
