"""The demo's shadow release (datavigil/demo/shadow.py, issue 20): in July 2013 the model retrained
on May and June, late15-2013.06, scores every departure beside the champion late15-2013.01;
table flight_shadow holds both versions' rows, paired on flight_id. Each night compares the two
on the labelled flights of the 7 days ending D - 4. `make demo` runs it for 2013-07-22
(docs/how-to/model-monitoring.md, "The model owner's questions").
"""

from datavigil import Partition, PredictionLog, SqlSource, Suite
from datavigil.checks import Challenger, ModelVersion

suite = Suite(
    name="flight_delay_model_shadow",
    dataset="demo.flight_shadow",
    description="The retrained late15 model in the shadow of the champion, July 2013",
    source=SqlSource(table="flight_shadow", url="sqlite:///{home}/.datavigil/demo/warehouse.db"),
    partition=Partition(column="predicted_at", column_timezone="UTC"),
    timezone="America/New_York",
    schedule="0 3 * * *",
    start_date="2013-07-11",  # the first night whose 7 judged days (07-01..07-07) are all shadowed
    tags=("demo", "model"),
    prediction_log=PredictionLog(
        predicted_at="predicted_at",
        score="score",
        predicted="predicted",
        version="model_version",
        threshold="threshold",
        label="label",
        label_at="label_at",
        label_delay="4d",
    ),
    checks=[
        # both versions served every flight: a night missing one is a broken shadow deployment
        ModelVersion(expected=("late15-2013.01", "late15-2013.06"), require_all=True),
        # switch only if the challenger is not worse by 0.02 in accuracy or AUC; 7 days hold
        # about 6,000 labelled pairs: power 0.95 at a drop of 0.03 (docs/how-to/challenger.md)
        Challenger(
            key="flight_id",
            champion="late15-2013.01",
            challenger="late15-2013.06",
            days=7,
            min_effect=0.02,
        ),
    ],
)
