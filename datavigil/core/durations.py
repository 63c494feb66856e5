"""Durations as users write them in a suite ("6h", "1d 2h", "90m") and as people read them; days
as users write them on the command line or to the API (exactly YYYY-MM-DD)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from datavigil.core.errors import UsageError

UNITS = {"w": 604_800, "d": 86_400, "h": 3_600, "m": 60, "s": 1}
TOKEN = re.compile(r"(\d+)\s*([wdhms])")
WHOLE = re.compile(r"^\s*(\d+\s*[wdhms]\s*)+$")


def parse_duration(text: str | timedelta) -> timedelta:
    """``"6h"``, ``"1d 2h"``, ``"90m"``, ``"2w"``, ``"45s"`` (or a timedelta) to a positive
    timedelta. Raises ValueError with the accepted forms otherwise."""
    if isinstance(text, timedelta):
        if text.total_seconds() <= 0:
            raise ValueError(f"duration must be positive, got {text}")
        return text
    if not isinstance(text, str) or not WHOLE.match(text.lower()):
        raise ValueError(f"{text!r} is not a duration like '6h', '1d 2h' or '90m'")
    seconds = sum(int(n) * UNITS[u] for n, u in TOKEN.findall(text.lower()))
    if seconds <= 0:
        raise ValueError(f"duration must be positive, got {text!r}")
    return timedelta(seconds=seconds)


def human(seconds: float) -> str:
    """``108000`` -> ``"1d 6h"``; ``-90`` -> ``"-1m 30s"``; at most two units, largest first."""
    sign = "-" if seconds < 0 else ""
    rest = int(round(abs(seconds)))
    parts = []
    for unit, size in UNITS.items():
        if unit == "w":
            continue
        n, rest = divmod(rest, size)
        if n:
            parts.append(f"{n}{unit}")
    return sign + (" ".join(parts[:2]) if parts else "0s")


MAX_WINDOW = 366  # the longest window= a check may declare, in days


def parse_days(value: Any, what: str, limit: int) -> int:
    """``"28d"`` or ``28`` -> 28; ValueError naming ``what`` otherwise."""
    if isinstance(value, int) and not isinstance(value, bool):
        n = value
    elif isinstance(value, str) and re.fullmatch(r"\s*\d+\s*d\s*", value):
        n = int(value.strip()[:-1])
    else:
        raise ValueError(f"{what} must be a number of days like '28d' or 28, got {value!r}")
    if not 1 <= n <= limit:
        raise ValueError(f"{what} must be between 1 and {limit} days, got {value!r}")
    return n


DAY_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def parse_day(text: str, flag: str) -> date:
    """Exactly YYYY-MM-DD (not 20240101, 2024-W01-1 or an empty string); UsageError (exit 2)
    naming ``flag`` (``--date`` on the command line, ``date`` in the API) otherwise."""
    if not DAY_RE.fullmatch(text):
        raise UsageError(f"{flag}: '{text}' is not YYYY-MM-DD")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UsageError(f"{flag}: '{text}' is not a calendar day (YYYY-MM-DD)") from None
