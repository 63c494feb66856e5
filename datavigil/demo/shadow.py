"""The demo's shadow release (issue 20): a challenger served beside the champion.

In July 2013 the model owner retrains the model on the two most recent months, May and June
(the same features and pipeline as the champion, ``model.train``), and serves it in the
shadow: every departure of SHADOW is scored by the champion ``late15-2013.01``, whose answer is
used, and by the challenger ``late15-2013.06``, whose answer is only logged. The table
``flight_shadow`` holds one row per (flight, version), paired on ``flight_id``:

- ``flight_id`` (the key: scheduled day, carrier, flight number, origin), ``carrier``,
  ``origin``, ``predicted_at``, ``label``, ``label_at``: as in ``flight_predictions``;
- ``model_version``, ``score``, ``predicted``, ``threshold``: each version's answer (the
  champion's rows are exactly its rows of ``flight_predictions``).

Deterministic (lbfgs, no random draw); ``python -m datavigil.demo.shadow`` (re)writes the table,
atomically and only when it is missing or stale, in a few seconds.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path
from typing import Any

from datavigil.demo import model as dm

log = logging.getLogger("datavigil")

TABLE = "flight_shadow"
CHALLENGER = "late15-2013.06"
TRAINED_ON = (5, 6)  # May and June 2013
SHADOW = ("2013-07-01", "2013-07-31")  # scheduled departure days (New York) served by both
EXPECTED_ROWS = 2 * 28_485  # the departed flights of SHADOW, once per version
COLUMNS = [
    "flight_id",
    "carrier",
    "origin",
    "predicted_at",
    "model_version",
    "score",
    "predicted",
    "threshold",
    "label",
    "label_at",
]


def champion_rows(path: Path) -> Any:
    """The champion's log of SHADOW, read back from ``flight_predictions``."""
    import pandas as pd

    first, last = (tuple(int(p) for p in d.split("-")) for d in SHADOW)
    where = "year * 10000 + month * 100 + day BETWEEN ? AND ?"
    sql = f"SELECT * FROM {dm.TABLE} WHERE {where}"
    bounds = [y * 10000 + m * 100 + d for y, m, d in (first, last)]
    with sqlite3.connect(path) as conn:
        df = pd.read_sql(sql, conn, params=bounds, parse_dates=["predicted_at", "label_at"])
    df["label"] = df["label"].astype("Int64")
    day = df["year"].astype(str) + "-" + df["month"].map("{:02d}".format)
    day = day + "-" + df["day"].map("{:02d}".format)
    df["flight_id"] = day + " " + df["carrier"] + " " + df["flight"].astype(str) + " "
    df["flight_id"] = df["flight_id"] + df["origin"]
    return df


def shadow_log(champion: Any, challenger: Any) -> Any:
    """Both versions' rows of every departure of SHADOW: the champion's, then the challenger's
    (its score of the same inputs), ordered by departure, then key, then version."""
    import pandas as pd

    theirs = champion.copy()
    theirs["score"] = challenger.predict_proba(theirs[dm.CATEGORICAL + dm.NUMERIC])[:, 1]
    theirs["predicted"] = (theirs["score"] >= dm.THRESHOLD).astype(int)
    theirs["model_version"] = CHALLENGER
    both = pd.concat([champion, theirs], ignore_index=True)
    both = both.sort_values(["predicted_at", "flight_id", "model_version"], kind="stable")
    return both.reset_index(drop=True)[COLUMNS]


def is_current(path: Path) -> bool:
    """The table holds both versions' complete log of SHADOW (so a re-run does nothing)."""
    summary = "count(*), count(DISTINCT model_version)"
    return dm.table_holds(path, TABLE, summary, (EXPECTED_ROWS, 2))


def build(force: bool = False) -> Path:
    """The champion's log first (``model.build``), then the shadow table unless it is current."""
    path = dm.build()
    if not force and is_current(path):
        log.info("shadow log %s (%s beside %s) is up to date", TABLE, CHALLENGER, dm.MODEL_VERSION)
        return path
    challenger = dm.train(dm.read_flights(path), TRAINED_ON, CHALLENGER)
    df = shadow_log(champion_rows(path), challenger)
    if len(df) != EXPECTED_ROWS:  # the data or the rule changed: say so instead of looping
        raise RuntimeError(f"{TABLE}: {len(df)} rows, expected {EXPECTED_ROWS}")
    dm.write(df, path, TABLE, COLUMNS)
    log.info("shadow log ready: %s (%d rows, %s..%s) in %s", TABLE, len(df), *SHADOW, path)
    return path


def main(argv: list[str]) -> int:
    return dm.main(argv, build)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
