"""The demo model's prediction log (datavigil/demo/model.py): will a flight arrive more than
15 minutes late, predicted at departure. One day of served predictions per run.

``predicted_at`` (the departure, when the model was asked) is naive UTC like flights.time_hour;
the day is a New York day. Labels (``arr_delay > 15``) reach the log 3 days after the flight
lands (``label_at``). A flight of day J lands by the end of J + 1 (red-eyes and late departures
land after midnight: 8% of a day's flights), so the night of J + 4 is the first that holds all
of J's labels: ``label_delay="4d"`` (docs/adr/0106). Diverted flights never get a label.
"""

import pandera.pandas as pa
from pandera.typing import Series

from datavigil import Partition, PredictionLog, SqlSource, Suite
from datavigil.checks import (
    ClassShift,
    DecisionThreshold,
    LabelQuality,
    Latency,
    ModelVersion,
    NullRate,
    OutputContract,
    PositiveRate,
    Range,
    RowCount,
    ScoreShift,
)


class FlightPredictions(pa.DataFrameModel):
    carrier: Series[str] = pa.Field(str_length={"min_value": 2, "max_value": 2})
    origin: Series[str] = pa.Field(isin=["EWR", "JFK", "LGA"])
    dep_delay: Series[float]  # an input of the model: known at departure
    predicted_at: Series[pa.DateTime]
    score: Series[float] = pa.Field(ge=0, le=1)
    predicted: Series[int] = pa.Field(isin=[0, 1])
    model_version: Series[str]
    threshold: Series[float] = pa.Field(ge=0, le=1)
    latency_ms: Series[float] = pa.Field(ge=0)
    label: Series[float] = pa.Field(nullable=True, isin=[0, 1])
    label_at: Series[pa.DateTime] = pa.Field(nullable=True)

    class Config:
        coerce = True
        strict = False


suite = Suite(
    name="flight_delay_model",
    dataset="demo.flight_predictions",
    description="Predictions of the late-arrival model (late15), one departure day per run",
    source=SqlSource(
        table="flight_predictions", url="sqlite:///{home}/.datavigil/demo/warehouse.db"
    ),
    partition=Partition(column="predicted_at", column_timezone="UTC"),
    model=FlightPredictions,
    timezone="America/New_York",
    schedule="0 3 * * *",
    start_date="2013-02-01",
    tags=("demo", "model"),
    prediction_log=PredictionLog(
        predicted_at="predicted_at",
        score="score",
        predicted="predicted",
        version="model_version",
        threshold="threshold",
        latency="latency_ms",
        label="label",
        label_at="label_at",
        label_delay="4d",
    ),
    checks=[
        # a normal day serves 950 departures; fewer than 300 is an outage, not a quiet day
        RowCount(min_rows=300),
        NullRate("score", max_fraction=0.0),
        Range("dep_delay", min=-60, max=1440, severity="warn"),
        # serving facts: what production must run (a rollout changes these lines on purpose)
        ModelVersion(expected=("late15-2013.01",)),
        DecisionThreshold(expected=0.5),
        # latency_ms is simulated (no serving system in the demo): a fixed SLO, p99 <= 50 ms
        Latency(max_ms=50, percentile=0.99),
        # the log's output contract (scores in [0, 1], classes and labels 0/1, no label before
        # its prediction): every violating row counted and named, the run failed (ADR 0123)
        OutputContract(),
        # Output drift vs the 28 days before. The model's inputs carry the weather (departure
        # delays), so its outputs move with it. Measured by these checks on every day of
        # Mar-Dec 2013 (docs/adr/0107): Hedges' g of the mean score SD 0.30, 95th percentile
        # 0.61; Cramér's V of the score bins 95th percentile 0.31, 99th 0.42; the positive
        # rate moves by SD 0.11, 95th percentile 0.22. Fail on Cohen's "large" effects (g >=
        # 0.8, V >= 0.5) and on a positive rate 0.25 away (beyond two SDs). Not fitted to a
        # day: in 2013 they fail on 5, 1 and 10 days, all days of heavy delays (mean departure
        # delay 31-84 min; 12.6 over the year), most with rain, snow or fog.
        ScoreShift(min_effect=0.8, shape_min_effect=0.5),
        PositiveRate(tolerance=0.25),
        # the same classes as a chi-square test: V 95th percentile 0.28, 99th 0.39; warn when
        # "large" (V >= 0.5: 2013-03-08 only)
        ClassShift(min_effect=0.5, severity="warn"),
        # Delayed labels: the night of D judges D - 4 against the 28 days before it. Accuracy
        # vs its reference moves by SD 0.05 from day to day (AUC 0.04, Brier 0.04); a drop of
        # 0.10 is two SDs, 10 more wrong answers per 100 flights. In 2013: 15 nights fail on
        # accuracy, 9 on AUC, 9 on Brier; the worst, 2013-12-14 (snow): 0.63 vs 0.88
        LabelQuality(metrics=("accuracy", "auc", "brier"), min_effect=0.10, min_arrived=0.95),
        # precision and recall swing twice as much (SD 0.10, 0.12): recorded, warn only
        LabelQuality(
            name="label_rates",
            metrics=("precision", "recall"),
            min_effect=0.25,
            min_arrived=0.95,
            severity="warn",
        ),
    ],
)
