"""Who may read which suite's results (docs/adr/0122, 0156). The pages know nothing of Airflow:
the app is given a FastAPI dependency that returns a ``Readable``, a function from suite names
to the ones the current user may read. The plugin's (``per_dag``) asks Airflow's auth manager
whether the user may read the runs of the DAG that validates the suite under the DAG layout in
effect (datavigil/runner/layout.py: ``validate_<suite>``, or the fleet DAG it is mapped in);
without Airflow (tests, the ``datavigil report`` file, which whoever runs it reads from the
store directly) every suite is readable. Lists leave out the suites a user may not read; a page
of one is a 403 page. A suite whose DAG is unknown is not readable, and a map that cannot be
resolved is a 403 page: never more than the role may read."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection

from datavigil.runner import layout, registry

log = logging.getLogger("datavigil")

Readable = Callable[[Collection[str]], set[str]]
DagOf = Callable[[str], str | None]  # suite -> its DAG id, None for a suite no DAG validates


class Forbidden(PermissionError):
    """The user may not read the suite a page belongs to (403)."""


def dag_resolver(size: int = layout.MAX_MAP_LENGTH) -> DagOf:
    """The DAG of each suite under DATAVIGIL_DAG_LAYOUT as set where the view runs (the same as
    for the DAG processor): ``validate_<suite>`` in the default layout; in the fleet layout, the
    DAG the DAG file puts the suite in, from the suites of DATAVIGIL_SCHEMAS_DIR (``size``:
    Airflow's ``[core] max_map_length``), None for a suite not found there."""
    chosen = layout.layout()
    if chosen == "suite":
        return layout.own_dag_id
    return layout.suite_dags(registry.scan(), chosen, size).get


def per_dag(readable_dags: Readable, resolve: Callable[[], DagOf]) -> Readable:
    """``Readable`` from a check of DAG ids (``readable_dags``: the DAG ids the user may read
    among some) and the suite -> DAG map, resolved once, on first use (an error resolving it
    is Forbidden). Each DAG is asked about once."""
    resolved: list[DagOf] = []
    known: dict[str, bool] = {}

    def readable(suites: Collection[str]) -> set[str]:
        if not resolved:
            resolved.append(_resolve(resolve))
        dags = {s: d for s in suites if (d := resolved[0](s)) is not None}
        asked = {d for d in dags.values() if d not in known}
        allowed = readable_dags(asked) if asked else set()
        known.update((d, d in allowed) for d in asked)
        return {s for s, d in dags.items() if known[d]}

    return readable


def _resolve(resolve: Callable[[], DagOf]) -> DagOf:
    try:
        return resolve()
    except Exception as exc:  # fail closed: no map, no suite readable
        log.error("datavigil: the DAG of each suite cannot be determined: %s", exc)
        raise Forbidden(
            f"which Airflow DAG validates each suite cannot be determined ({exc}), so no "
            "suite's results are shown"
        ) from exc


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
