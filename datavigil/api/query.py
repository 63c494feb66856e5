"""Reading the results store back: ``results``, the rows of `datavigil results`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, overload

from datavigil.core.errors import UsageError

if TYPE_CHECKING:
    import pandas as pd

    from datavigil.store import Store

STATUSES = ("pass", "fail", "error", "skipped", "inconclusive")


@overload
def results(
    suite: str | None = ...,
    status: str | Sequence[str] | None = ...,
    since: datetime | date | timedelta | None = ...,
    *,
    check: str | None = ...,
    first: date | None = ...,
    last: date | None = ...,
    latest: bool = ...,
    limit: int = ...,
    as_frame: Literal[False] = ...,
    results_url: str | None = ...,
) -> list[dict[str, Any]]: ...


@overload
def results(
    suite: str | None = ...,
    status: str | Sequence[str] | None = ...,
    since: datetime | date | timedelta | None = ...,
    *,
    check: str | None = ...,
    first: date | None = ...,
    last: date | None = ...,
    latest: bool = ...,
    limit: int = ...,
    as_frame: Literal[True],
    results_url: str | None = ...,
) -> pd.DataFrame: ...


def results(
    suite: str | None = None,
    status: str | Sequence[str] | None = None,
    since: datetime | date | timedelta | None = None,
    *,
    check: str | None = None,
    first: date | None = None,
    last: date | None = None,
    latest: bool = False,
    limit: int = 1000,
    as_frame: bool = False,
    results_url: str | None = None,
) -> list[dict[str, Any]] | pd.DataFrame:
    """Check results joined with their run, newest partition day first: the rows of
    `datavigil results`. Filters combine with AND.

    Args:
        suite: Only this suite.
        status: One status or several (`pass`, `fail`, `error`, `skipped`, `inconclusive`),
            or `not-pass` for all but `pass`.
        since: Runs finished at or after this instant (a naive datetime is UTC; a date is its
            midnight UTC; a timedelta reaches back from now).
        check: A check name; `*` matches any characters (`"nulls.*"`).
        first: Partition days from this one (inclusive).
        last: Partition days up to this one (inclusive).
        latest: Only the most recently finished run of each suite and partition day.
        limit: At most this many rows.
        as_frame: Return a pandas DataFrame (one column per field) instead of dicts.
        results_url: A SQLAlchemy URL of the results store (default as for `validate`).

    Returns:
        One dict per check result with `suite`, `partition_date`, `origin`, `run_id`,
        `run_status`, `check_name`, `column_name`, `severity`, `status`, `observed_value`,
        `threshold`, `failing_rows`, `message` and `finished_at`; or a DataFrame of them.

    Raises:
        UsageError: An unknown status, or a limit below 1.
        StoreUnavailable: The results store could not be reached or read.

    Example:
        >>> rows = datavigil.results(suite="flights", status="fail")
        >>> frame = datavigil.results(since=timedelta(days=7), as_frame=True)
    """
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise UsageError(f"limit: must be a positive integer, got {limit!r}")
    rows = store_for(results_url).results(
        suite=suite,
        status=status_filter(status),
        since=_instant(since),
        limit=limit,
        latest=latest,
        first=first,
        last=last,
        check=check,
    )
    if not as_frame:
        return rows
    import pandas as pd

    return pd.DataFrame(rows, columns=list(RESULT_FIELDS))


RESULT_FIELDS = (
    "suite",
    "partition_date",
    "origin",
    "run_id",
    "run_status",
    "check_name",
    "column_name",
    "severity",
    "status",
    "observed_value",
    "threshold",
    "failing_rows",
    "message",
    "finished_at",
)


def status_filter(status: str | Sequence[str] | None, name: str = "status") -> list[str] | None:
    """Statuses as given (`"fail"`, `["fail", "error"]`, `"fail,error"`, `"not-pass"`) to the
    sorted list the store filters on; UsageError naming `name` for an unknown one."""
    if not status:
        return None
    values = [status] if isinstance(status, str) else list(status)
    chosen: list[str] = []
    for value in (v.strip() for text in values for v in str(text).split(",")):
        if value == "not-pass":
            chosen += [s for s in STATUSES if s != "pass"]
        elif value in STATUSES:
            chosen.append(value)
        else:
            allowed = ", ".join((*STATUSES, "not-pass"))
            raise UsageError(f"{name}: '{value}' is not one of {allowed}")
    return sorted(set(chosen), key=STATUSES.index)


def _instant(since: datetime | date | timedelta | None) -> datetime | None:
    if since is None or isinstance(since, datetime):
        return since if since is None or since.tzinfo else since.replace(tzinfo=UTC)
    if isinstance(since, timedelta):
        return datetime.now(UTC) - since
    if isinstance(since, date):
        return datetime.combine(since, datetime.min.time(), UTC)
    raise UsageError(f"since: expected a datetime, date or timedelta, got {since!r}")


def store_for(results_url: str | None) -> Store:
    """The results store at ``results_url`` (checked: a bad URL is SettingError, exit 2), or
    the configured one."""
    from datavigil.core import config
    from datavigil.store import Store

    if results_url is None:
        return Store()  # DATAVIGIL_RESULTS_URL, the Airflow connection, or the embedded store
    return Store(config.checked_url(results_url, "results_url"))
