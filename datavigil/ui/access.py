"""Who may read which suite's results (docs/adr/0122). The pages know nothing of Airflow: the
app is given a FastAPI dependency that returns a ``Readable``, a function from suite names to
the ones the current user may read. The plugin's asks Airflow's auth manager whether the user
may read the runs of the suite's own DAG, ``validate_<suite>``; without Airflow (tests, the
``datavigil report`` file, which whoever runs it reads from the store directly) every suite is
readable. Lists leave out the suites a user may not read; a page of one is a 403 page."""

from __future__ import annotations

from collections.abc import Callable, Collection

Readable = Callable[[Collection[str]], set[str]]


class Forbidden(PermissionError):
    """The user may not read the suite a page belongs to (403)."""


def dag_of(suite: str) -> str:
    """The Airflow DAG whose read permission guards a suite's results."""
    return f"validate_{suite}"


def everyone(suites: Collection[str]) -> set[str]:
    return set(suites)


def allow_all() -> Readable:
    """The app's default dependency: no auth manager, every suite readable."""
    return everyone


def check(readable: Readable, suite: str, what: str) -> None:
    """Forbidden unless ``suite`` is readable; ``what`` says what was asked for, without naming
    a suite the user did not name themselves."""
    if suite not in readable([suite]):
        raise Forbidden(f"your Airflow role may not read {what}")
