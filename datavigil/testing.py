"""pytest helpers: assert in a pipeline's own tests that a suite passes on a fixture.

Enable the fixture in a `conftest.py`:

```python
pytest_plugins = ["datavigil.testing"]
```

then validate the day a test wrote, in a throwaway results store:

```python
from datavigil.testing import assert_suite_passes


def test_the_orders_of_a_good_day_pass(datavigil_results_url):
    write_orders_fixture("2024-05-01")  # your pipeline's step, on fixture data
    assert_suite_passes("orders", date="2024-05-01", results_url=datavigil_results_url)
```

A failing suite fails the test with each failing check's name, observed value, threshold,
message and sample of failing values (no traceback). A source or results store that cannot be
reached is not a verdict on the data: its exception (`SourceUnavailable`, `StoreUnavailable`)
propagates with its traceback, as any broken step of the pipeline would.

Importing this module imports pytest and nothing heavy; datavigil's engine is imported by the
first validation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from datavigil.api import ValidationReport
    from datavigil.declare.suite import Suite

__all__ = ["assert_suite_passes", "datavigil_results_url"]


def assert_suite_passes(
    suite: str | Suite,
    date: date | str | None = None,
    *,
    hour: int | str | None = None,
    results_url: str | None = None,
) -> ValidationReport:
    """Validate `suite` for one partition and fail the calling test unless it passes.

    Runs `datavigil.validate` (every check, results saved), so the failure message is what
    `datavigil validate` would report. Warn-severity failures do not fail the test.

    Args:
        suite: A suite's name or a `Suite`.
        date: The partition's day (`date` or `YYYY-MM-DD`); None: the last complete one.
        hour: Hourly suites: the local hour 0..23 of `date`.
        results_url: The results store to write to; the `datavigil_results_url` fixture gives
            a throwaway one. Default: the configured store.

    Returns:
        The run's `ValidationReport` (for further assertions) when it passed.

    Raises:
        pytest.fail.Exception: An error-severity check did not pass: the test fails with
            each failing check's name, observed value vs threshold, message and sample.
        DatavigilError: The suite, an argument or a setting is bad, or a source or the store
            could not be reached: raised as is (see `datavigil.validate`).

    Example:
        >>> report = assert_suite_passes("orders", date="2024-05-01")
        >>> report.warnings
        ()
    """
    from datavigil import api
    from datavigil.api.report import describe

    report = api.validate(suite, date, hour=hour, results_url=results_url)
    if report.failures:
        head = (
            f"suite {report.suite} failed on {report.partition}: {len(report.failures)} "
            f"error-severity check(s) did not pass (run_id {report.run_id})"
        )
        pytest.fail("\n".join([head, *map(describe, report.failures)]), pytrace=False)
    return report


@pytest.fixture
def datavigil_results_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A throwaway embedded results store under the test's `tmp_path`, also set as
    `DATAVIGIL_RESULTS_URL` for the test (so `datavigil validate` and `datavigil.validate`
    without `results_url` write there too). It migrates itself on first use.

    Example:
        >>> def test_clean_day(datavigil_results_url):
        ...     assert_suite_passes("orders", "2024-05-01", results_url=datavigil_results_url)
    """
    url = f"sqlite:///{tmp_path / 'datavigil-results.db'}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    yield url
