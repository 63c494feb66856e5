"""PredictionLog declared on a Suite: validated at load, errors naming prediction_log.<field>."""

from __future__ import annotations

import pandera.pandas as pa
import pytest

from datavigil import Partition, PredictionLog, SqlSource, Suite
from datavigil.core.errors import SuiteError

SOURCE = SqlSource(table="t", url="sqlite://")


class Log(pa.DataFrameModel):
    predicted_at: str
    score: float
    predicted: int
    label: int
    label_at: str


def suite(log, model=None) -> Suite:
    return Suite(
        name="s", source=SOURCE, partition=Partition("predicted_at"), model=model,
        prediction_log=log,
    )  # fmt: skip


def test_a_valid_log_is_kept_and_its_delay_is_in_days() -> None:
    log = PredictionLog("predicted_at", score="score", label="label", label_at="label_at")
    s = suite(log, Log)
    assert s.prediction_log is log
    assert log.delay_days == 3
    assert PredictionLog("p", score="s", label_delay="1w").delay_days == 7


def test_a_suite_without_a_log_has_none() -> None:
    assert Suite(name="s", source=SOURCE).prediction_log is None


BAD = [
    (PredictionLog("predicted_at"), "prediction_log.score", "score= or predicted="),
    (PredictionLog("p", score="s", label_at="la"), "prediction_log.label_at", "label="),
    (PredictionLog("p", score="s", label_delay="3x"), "prediction_log.label_delay", "duration"),
    (PredictionLog("p", score="s", label_delay="36h"), "prediction_log.label_delay", "whole"),
    (PredictionLog("p", score=""), "prediction_log.score", "column name"),
    (PredictionLog(None, score="s"), "prediction_log.predicted_at", "column name"),
    (PredictionLog("p", score="s", positive=None), "prediction_log.positive", "class value"),
]


@pytest.mark.parametrize(("log", "field", "words"), BAD, ids=[b[1] + ":" + b[2] for b in BAD])
def test_a_malformed_log_is_a_suite_error_naming_the_field(log, field, words) -> None:
    with pytest.raises(SuiteError) as err:
        suite(log)
    assert err.value.field == field and words in err.value.problem
    assert str(err.value).startswith("suite 's': prediction_log.")


def test_a_column_missing_from_the_model_is_named() -> None:
    log = PredictionLog("predicted_at", score="score", version="model_version")
    with pytest.raises(SuiteError, match=r"prediction_log.version: unknown column 'model_vers"):
        suite(log, Log)


def test_something_else_than_a_log_is_refused() -> None:
    with pytest.raises(SuiteError, match="prediction_log: dict is not a datavigil PredictionLog"):
        suite({"score": "s"})
