"""A plain range on SQLite's raw partition column, ANDed with the exact filter so that an index
on the column serves the partition (``SEARCH ... USING INDEX``) instead of a full scan
(docs/adr/0139). It holds every row the exact filter accepts; the exact filter still decides.

Text the exact filter accepts starts with an ISO date ``YYYY-MM-DD``; ``datetime()`` reads the
rest as a time and an offset, and moves the instant at most from 14:59 before the written date
(an offset ``+14:59``) to 1 day 15:59 after it (hour 24 and an offset ``-14:59``). An invalid
day (``2013-02-31``) may move up to 3 days further on in SQLite builds that normalize it, and
sorts as text before the next month's first day. So the written date of a row inside
``[start, end)`` lies in ``[start's date - 5 days, end's date + 1 day]``: the text range
``[lo, hi)`` below. A number (a Julian day, which ``datetime()`` also reads) sorts before all
text in SQLite: ``col < ''`` keeps every number, a second index range.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

BEFORE = timedelta(days=5)
AFTER = timedelta(days=2)


def text_bounds(window: Any, start: datetime, end: datetime) -> tuple[str, str]:
    """The raw text range ``[lo, hi)`` holding every ISO text inside the window."""
    low: date = min(window.days[0], start.date())
    high: date = max(window.days[-1], end.date())
    return (low - BEFORE).isoformat(), (high + AFTER).isoformat()


def sargable_range(col: Any, window: Any, start: datetime, end: datetime) -> Any:
    lo, hi = text_bounds(window, start, end)
    text = sa.and_(
        col >= sa.bindparam(None, lo, type_=sa.String(), unique=True),
        col < sa.bindparam(None, hi, type_=sa.String(), unique=True),
    )
    return sa.or_(text, col < sa.literal_column("''"))
