"""Durations as users write them in a suite ("6h", "1d 2h", "90m") and as people read them."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

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
