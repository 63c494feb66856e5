"""A day that is 23 hours long in New York (DST starts) and rows around its edges, in UTC: the
partition-filter tests on SQL tables (tests/test_sources.py) and on frames
(tests/engine/test_partition.py) read the same rows."""

from __future__ import annotations

from datetime import date, datetime

NY = "America/New_York"
DAY = date(2013, 3, 10)  # 23 hours in New York: [05:00, 04:00 next day) UTC
UTC_TIMES = [
    datetime(2013, 3, 10, 4, 59, 59),  # out: 23:59:59 on the 9th, local
    datetime(2013, 3, 10, 5, 0, 0),  # in: local midnight
    datetime(2013, 3, 10, 17, 30),  # in
    datetime(2013, 3, 11, 3, 59, 59),  # in: 23:59:59 local
    datetime(2013, 3, 11, 4, 0, 0),  # out: next local midnight
]
INSIDE = [2, 3, 4]  # ids of the rows inside the day
