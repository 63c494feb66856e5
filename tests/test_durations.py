"""Durations in suites ("6h", "1d 2h", "90m") and how lags are shown."""

from __future__ import annotations

from datetime import timedelta

import pytest

from datavigil.core.durations import human, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("6h", 21600),
        ("1d 2h", 93600),
        ("90m", 5400),
        ("2w", 1209600),
        ("45s", 45),
        ("1D2H", 93600),
        (" 1h 30m ", 5400),
        (timedelta(minutes=5), 300),
    ],
    ids=[
        "hours",
        "days-hours",
        "minutes",
        "weeks",
        "seconds",
        "upper-no-space",
        "padded",
        "timedelta",
    ],
)
def test_parse(text, seconds):
    assert parse_duration(text).total_seconds() == seconds


@pytest.mark.parametrize(
    "bad", ["", "6", "h", "6x", "1.5h", "-1h", "0h", "six hours", None, timedelta(0)], ids=repr
)
def test_unparsable(bad):
    with pytest.raises(ValueError):
        parse_duration(bad)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (59, "59s"),
        (3600, "1h"),
        (108000, "1d 6h"),
        (93784, "1d 2h"),
        (-90, "-1m 30s"),
        (43201, "12h 1s"),
    ],
)
def test_human(seconds, text):
    assert human(seconds) == text
