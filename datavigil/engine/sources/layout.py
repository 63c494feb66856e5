"""How a file dataset is laid out: the days of a ``{date}`` template, a file's format and the
Hive partitions (``ds=2013-02-08/``) chosen from their paths before any file is opened.
"""

from __future__ import annotations

from typing import Any

from datavigil.core.errors import SourceUnavailable
from datavigil.declare.window import Window


def file_format(declared: str, path: str) -> str:
    """The format of ``path``: the declared one, or with "auto" by its extension."""
    if declared != "auto":
        return declared
    return "csv" if path.lower().endswith((".csv", ".csv.gz")) else "parquet"


def replace_day(window: Window, day: Any) -> Window:
    return Window.for_day(day, window.timezone)


def hive_key(path: str, key: str) -> str | None:
    """The value of ``key`` in a Hive path (``.../ds=2013-02-08/part-0.parquet``), or None."""
    parts = path.replace("\\", "/").split("/")
    return next((p.split("=", 1)[1] for p in parts if p.startswith(key + "=")), None)


def hive_select(suite: str, label: str, files: list[str], key: str, window: Window) -> list[str]:
    """The files of the window's ``key=YYYY-MM-DD`` partitions, chosen from their paths before
    any file is opened (the other days' files are never read). A missing day is the source's
    problem, not an empty day. Paths without ``key=`` (the partition column is a column of the
    files, not the Hive key) are all kept and filtered inside the scan."""
    if not any(hive_key(f, key) is not None for f in files):
        return files
    wanted = {d.isoformat() for d in window.days}
    chosen = hive_chosen(files, key, window)
    missing = sorted(wanted - {hive_key(f, key) for f in chosen})
    if missing:
        days = ", ".join(f"{key}={d}" for d in missing)
        raise SourceUnavailable(f"suite '{suite}': source {label}: Hive partition {days} not found")
    return chosen


def hive_chosen(files: list[str], key: str, window: Window) -> list[str]:
    """The files of the window's ``key=YYYY-MM-DD`` partitions (all of them when no path holds
    ``key=``); a missing day is left out, not an error (freshness says it is absent)."""
    if not any(hive_key(f, key) is not None for f in files):
        return files
    wanted = {d.isoformat() for d in window.days}
    return [f for f in files if hive_key(f, key) in wanted]
