"""A suite's schedule: a cron expression of five fields or one of Airflow's presets."""

from __future__ import annotations

import re
from typing import Any

CRON_RE = re.compile(r"^(@(daily|hourly|weekly|monthly|yearly))$|^(\S+\s+){4}\S+$")


CRON_PLAIN = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 7))  # a number's range in each field


def valid_cron(schedule: Any) -> bool:
    """Five fields within their ranges (croniter, which Airflow uses) or a preset. A preset,
    or fields that are each ``*`` or a number in its range (what croniter accepts too, checked
    by a test), do not import croniter (ADR 0150)."""
    if not isinstance(schedule, str) or not CRON_RE.match(schedule.strip()):
        return False
    fields = schedule.split()
    if schedule.strip().startswith("@") or all(
        f == "*" or (f.isascii() and f.isdigit() and len(f) <= 2 and lo <= int(f) <= hi)
        for f, (lo, hi) in zip(fields, CRON_PLAIN, strict=True)
    ):
        return True
    try:
        from croniter import croniter
    except ImportError:  # pragma: no cover - croniter ships with Airflow
        return True
    return bool(croniter.is_valid(schedule.strip()))
