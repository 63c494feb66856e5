"""Arguments as the command reads them: days (exactly YYYY-MM-DD), `--since 7d`, positive
integers. A malformed one is a UsageError naming its flag (exit 2)."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, date, datetime, timedelta

from datavigil.core.durations import DAY_RE, parse_day
from datavigil.core.errors import UsageError


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got '{text}'")
    return value


def parse_date(text: str) -> date:
    return parse_day(text, "--date")


def parse_since(text: str, now: datetime) -> datetime:
    match = re.fullmatch(r"([0-9]{1,9})([dhm])", text.strip())
    if match:
        n, unit = int(match.group(1)), match.group(2)
        try:
            delta = {"d": timedelta(days=n), "h": timedelta(hours=n), "m": timedelta(minutes=n)}
            return now - delta[unit]
        except OverflowError:
            raise UsageError(f"--since: '{text}' reaches back before the year 1") from None
    if not DAY_RE.fullmatch(text):
        raise UsageError(f"--since: '{text}' is not like 7d, 12h, 30m or YYYY-MM-DD")
    return datetime.combine(parse_day(text, "--since"), datetime.min.time(), UTC)
