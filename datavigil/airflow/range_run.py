"""A range of partitions in one Airflow task (docs/adr/0155): the generated DAG's run conf
``{"from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}`` (``"yes": true`` over ten years), or
``DatavigilOperator(date_from=..., date_to=...)``, runs ``datavigil validate SUITE --from --to``
inside the task: one process, every partition in date order with the day's metrics grouped
(datavigil.runner.backfill), each stored as the CLI's run of that partition (run id
``cli:<suite>:<partition>``: a re-run of the range, from Airflow or the command line, replaces
it). The task log has one line per partition; the task fails (no retry) after every partition
ran if one did not pass, retries if a source or the results store could not be reached.

A bad range (one bound, not a day, ``from`` after ``to``, over ten years without ``yes``, no
rows in it) fails the task before any run is written, in one line naming the suite and the
setting. Import-light: ``airflow.sdk`` only at module level.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowFailException

log = logging.getLogger("datavigil")

SHOWN = 10  # failing partitions named in the task's error


@dataclass(frozen=True, slots=True)
class Settings:
    """How the user set the range, for its error messages."""

    where: str
    first: str
    last: str
    yes: str


CONF = Settings("run conf", "from", "to", '"yes": true')
OPERATOR = Settings("DatavigilOperator", "date_from", "date_to", "assume_yes=True")


@dataclass(frozen=True, slots=True)
class Span:
    """The checked range of a run: its first and last local day."""

    first: date
    last: date


def params() -> dict[str, Param]:
    """A fleet DAG's trigger-form fields (empty: the nightly partition); a suite DAG takes the
    same keys in its run conf, without fields (their checks doubled a parse of 200 suites)."""
    day = ["null", "string"]
    return {
        "from": Param(None, type=day, description="First day of a range run (YYYY-MM-DD), with to"),
        "to": Param(None, type=day, description="Last day of a range run (YYYY-MM-DD), with from"),
        "yes": Param(False, type="boolean", description="Allow a range over ten years"),
    }


def _given(context: Any) -> dict[str, Any]:
    """The DAG run's ``from``/``to``/``yes``: its params (a fleet DAG declares them) under its
    run conf (a suite DAG declares none: a Param per DAG costs a JSON-schema check at every
    parse, docs/adr/0155)."""
    run = context.get("dag_run")
    return {**(context.get("params") or {}), **(getattr(run, "conf", None) or {})}


def wanted(context: Any) -> bool:
    """Does this DAG run ask for a range (its conf or params set ``from`` or ``to``)?"""
    given = _given(context)
    return bool(given.get("from") or given.get("to"))


def span_of(suite: str, first: Any, last: Any, yes: Any = False, how: Settings = CONF) -> Span:
    """``first``..``last`` as days, checked; AirflowFailException in one line naming the suite
    and the setting (``how``: where and under which names the user set it) otherwise."""

    from datavigil.runner.backfill import MAX_DAYS  # in the task: it runs the backfill next

    def fail(problem: str) -> AirflowFailException:
        return AirflowFailException(f"suite '{suite}': {how.where} {problem}")

    a, b = how.first, how.last
    if not first or not last:
        given, missing = (a, b) if first else (b, a)
        raise fail(f"sets {given} but not {missing}: a range needs both (YYYY-MM-DD)")
    days = [_day(first, a, fail), _day(last, b, fail)]
    if days[0] > days[1]:
        raise fail(f"{a}={days[0]} is after {b}={days[1]}")
    n = (days[1] - days[0]).days + 1
    if n > MAX_DAYS and yes is not True:
        raise fail(
            f"{a}={days[0]} {b}={days[1]} is {n:,} days, over ten years ({MAX_DAYS:,} days): "
            f"set {how.yes} if you mean it"
        )
    return Span(days[0], days[1])


def _day(value: Any, name: str, fail: Any) -> date:
    text = str(value)
    try:
        if len(text) == 10 and text[4] == "-" and text[7] == "-":
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise fail(f"{name}={text!r} is not a calendar day (YYYY-MM-DD)")


def span_in(suite: str, context: Any) -> Span:
    """The range a DAG run's conf asks for, checked."""
    given = _given(context)
    return span_of(suite, given.get("from"), given.get("to"), given.get("yes", False))


def run_range(suite_name: str, span: Span) -> dict[str, Any]:
    """Every partition of ``span`` validated (all phases) and stored in date order, a log line
    each; then the task's state from the gravest partition. Returns the task's XCom."""
    from datavigil import api
    from datavigil.airflow.outcome import retryable_or_fail
    from datavigil.core.errors import DatavigilError
    from datavigil.runner.backfill import backfill, partitions

    try:
        suite = api.load_suite(suite_name)
        windows = partitions(suite, span.first, span.last)
        log.info(
            "suite '%s': range %s..%s, %d partitions in this task (run ids cli:%s:<partition>)",
            suite_name, span.first, span.last, len(windows), suite_name,
        )  # fmt: skip
        lines = Progress(len(windows))
        outcome = backfill(suite, windows, api.store_for(None), lines.done)
    except DatavigilError as exc:  # before any run: the range has no rows, the suite, ...
        raise retryable_or_fail(exc.in_suite(suite_name)) from None
    return verdict(suite_name, span, outcome, lines)


class Progress:
    """One log line per partition done: its label, status, rows and failing checks."""

    def __init__(self, total: int) -> None:
        self.total, self.count = total, 0
        self.bad: list[str] = []  # the labels of the partitions that did not pass
        self.statuses: dict[str, int] = {}

    def done(self, step: Any) -> None:
        self.count += 1
        label, report = step.window.label, step.report
        status = "error" if report is None else report.run.status
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if step.code != 0:
            self.bad.append(label)
        if report is None:
            text = f"ERROR {str(step.error).splitlines()[0]}"
        else:
            rows = "-" if report.run.rows_checked is None else f"{report.run.rows_checked} rows"
            text = f"{status.upper()} {rows}"
            if report.blocking:
                text += " · failed: " + ", ".join(r.check_name for r in report.blocking)
            if report.warnings:
                text += " · warnings: " + ", ".join(r.check_name for r in report.warnings)
        log.info("[%d/%d] %s %s", self.count, self.total, label, text)


def verdict(suite: str, span: Span, outcome: Any, lines: Progress) -> dict[str, Any]:
    """The task's state once every partition ran: green, failed (a partition did not pass,
    no retry) or retried (a source or the results store could not be reached)."""
    from datavigil.airflow.outcome import SourceOrStoreUnavailable

    tally = ", ".join(f"{n} {s}" for s, n in sorted(lines.statuses.items()))
    where = f"suite '{suite}': range {span.first}..{span.last}"
    log.info("%s: %d of %d partitions run (%s)", where, lines.count, lines.total, tally)
    named = ", ".join(lines.bad[:SHOWN])
    if len(lines.bad) > SHOWN:
        named += f" and {len(lines.bad) - SHOWN} more"
    if outcome.stopped or outcome.exit_code == 3:
        stop = f" ({outcome.stopped})" if outcome.stopped else ""
        raise SourceOrStoreUnavailable(
            f"{where}: a source or the results store could not be reached{stop}: {named}"
        )
    if outcome.exit_code != 0:
        raise AirflowFailException(
            f"{where}: {len(lines.bad)} of {lines.total} partitions did not pass: {named}"
        )
    return {
        "from": span.first.isoformat(),
        "to": span.last.isoformat(),
        "partitions": lines.total,
        "statuses": dict(lines.statuses),
        "run_ids": f"cli:{suite}:<partition>",
    }


def phase_in_range(suite: str, phase: str, context: Any) -> dict[str, Any]:
    """A generated DAG's task in a range run: ``validate`` runs every phase of every partition;
    ``check_freshness`` only checks the range (a bad one fails the run's first task) and
    ``compare_distributions`` has nothing left to do."""
    span = span_in(suite, context)
    if phase != "validate":
        log.info(
            "suite '%s': range run %s..%s: every phase runs in task validate",
            suite,
            span.first,
            span.last,
        )
        return {"status": "range", "phase": phase}
    return run_range(suite, span)
