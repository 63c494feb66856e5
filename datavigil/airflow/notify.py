"""Alerts through Airflow notifiers (docs/adr/0091).

A suite names notifiers, ``Suite(on_failure=[SmtpNotifier(...), SlackNotifier(...)])`` or any
``airflow.sdk.BaseNotifier``. When a validation task finally fails (after its retries; a data
failure has none), ``OnFailure`` reads the run's failing rows back from the results store and
calls each notifier with the Airflow context plus:

  ``datavigil_subject``, ``datavigil_text``, ``datavigil_html``  the message
  ``datavigil_report_url``  ``{base url}/datavigil/run?run_id={run_id}`` (the run's page in
                            the UI plugin, tests/ui/test_alert_link.py)
  ``datavigil_failures``    one dict per failing check (observed vs threshold)

A notifier's ``subject`` / ``html_content`` / ``text`` / ``message`` template field that is left
unset is filled with a reference to the message (``"{{ datavigil_text }}"``) on a copy of the
notifier, so ``SmtpNotifier(to="dq@example.com")`` sends the datavigil message as it is. The
message goes in through the context, never into a template, so data values are not rendered by
Jinja. No provider is imported here: the suite module imports the notifiers it uses.
"""

from __future__ import annotations

import copy
import html
import logging
import os
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote

log = logging.getLogger("datavigil")

REPORT_ROUTE = "/datavigil/run?run_id="  # datavigil/ui/app.py: the run's report
SUITE_ROUTE = "/datavigil/suite?name="  # the suite's page: its recent runs
# unset template field of a notifier -> the context variable it receives
FILLED = {
    "subject": "{{ datavigil_subject }}",
    "html_content": "{{ datavigil_html }}",
    "text": "{{ datavigil_text }}",
    "message": "{{ datavigil_text }}",
}


def base_url() -> str:
    """DATAVIGIL_AIRFLOW_URL, else Airflow's ``[api] base_url``, else http://localhost:8080."""
    value = os.environ.get("DATAVIGIL_AIRFLOW_URL")
    if not value:
        from airflow.sdk.configuration import conf

        value = conf.get("api", "base_url", fallback="") or "http://localhost:8080"
    return value.rstrip("/")


def report_url(run_id: str) -> str:
    return base_url() + REPORT_ROUTE + quote(run_id, safe="")


def suite_url(suite: str) -> str:
    return base_url() + SUITE_ROUTE + quote(suite, safe="")


@dataclass(frozen=True, slots=True)
class Failure:
    check_name: str
    severity: str
    status: str
    observed_value: float | None
    threshold: str | None
    message: str
    stored: str = ""  # where its failing rows were kept (store_failures, docs/adr/0135)

    def line(self) -> str:
        observed = "-" if self.observed_value is None else f"{self.observed_value:.6g}"
        kept = f" ({self.stored})" if self.stored else ""
        return (
            f"{self.check_name} ({self.severity} {self.status}): observed {observed} "
            f"vs threshold {self.threshold or '-'}: {self.message}{kept}"
        )


def stored_text(details: Any) -> str:
    """ "N failing rows stored in <table or file>" from a result's ``details["failures"]``."""
    kept = details.get("failures") if isinstance(details, dict) else None
    if not isinstance(kept, dict) or "rows" not in kept:
        return ""
    capped = ", capped" if kept.get("capped") else ""
    return f"{kept['rows']} failing rows stored{capped} in {kept.get('table') or kept.get('path')}"


@dataclass(frozen=True, slots=True)
class Alert:
    suite: str
    run_id: str
    partition: str
    status: str
    failures: tuple[Failure, ...]
    url: str
    cause: str = ""  # the task's exception, when the store could not say more

    @property
    def subject(self) -> str:
        errors = sum(1 for f in self.failures if f.severity == "error")
        warns = len(self.failures) - errors
        parts = [f"{errors} error-severity check(s) did not pass"] if errors else []
        parts += [f"{warns} warning(s)"] if warns else []
        what = ", ".join(parts) or self.cause
        return f"datavigil: suite {self.suite} {self.partition}: {self.status.upper()}: {what}"

    @property
    def text(self) -> str:
        lines = [self.subject, *(f"- {f.line()}" for f in self.failures)]
        if self.cause and self.failures:
            lines.append(f"task error: {self.cause}")
        lines.append(f"report: {self.url}")
        return "\n".join(lines)

    @property
    def html(self) -> str:
        items = "".join(f"<li>{html.escape(f.line())}</li>" for f in self.failures)
        cause = f"<p>{html.escape(self.cause)}</p>" if self.cause else ""
        link = html.escape(self.url, quote=True)
        return (
            f"<p><b>{html.escape(self.subject)}</b></p><ul>{items}</ul>{cause}"
            f'<p><a href="{link}">run report {html.escape(self.run_id)}</a></p>'
        )

    def context(self) -> dict[str, Any]:
        return {
            "datavigil_subject": self.subject,
            "datavigil_text": self.text,
            "datavigil_html": self.html,
            "datavigil_report_url": self.url,
            "datavigil_failures": [asdict(f) for f in self.failures],
        }


def _failure(name: str, severity: str, status: str, observed: Any, threshold: Any, message: str,
             details: Any) -> Failure:  # fmt: skip
    """A stored failing result: its six columns, then where its failing rows were kept."""
    return Failure(name, severity, status, observed, threshold, message, stored_text(details))


def _failures(store: Any, run_id: str) -> tuple[str, str, list[Failure]]:
    """(partition, run status, failing rows: error severity first) of a stored run."""
    import sqlalchemy as sa

    from datavigil.store.models import CheckResultRow as c
    from datavigil.store.models import ValidationRun as r

    runs = sa.select(r.partition_date, r.status).where(r.run_id == run_id)
    rows = (
        sa.select(
            c.check_name, c.severity, c.status, c.observed_value, c.threshold, c.message, c.details
        )
        .where(c.run_id == run_id, c.status.in_(("fail", "error")))
        .order_by(c.severity, c.check_name)  # 'error' sorts before 'warn'
    )
    store.ensure_ready()
    try:
        with store.engine.connect() as conn:
            run = conn.execute(runs).first()
            found = [_failure(*row) for row in conn.execute(rows)]
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None
    if run is None:
        return "?", "error", []
    return run.partition_date.isoformat(), run.status, found


def build_alert(store: Any, suite: str, run_id: str, cause: BaseException | None = None) -> Alert:
    """The alert of a stored run; if the store cannot be read, the task's error alone."""
    from datavigil.core.errors import DatavigilError

    reason = str(cause) if cause is not None else ""
    try:
        partition, status, failures = _failures(store, run_id)
    except DatavigilError as exc:
        partition, status, failures = "?", "error", []
        reason = f"{reason} ({exc})" if reason else str(exc)
    return Alert(suite, run_id, partition, status, tuple(failures), report_url(run_id), reason)


def _filled(notifier: Any) -> Any:
    """A copy of ``notifier`` whose unset message fields refer to the datavigil message."""
    mine = copy.copy(notifier)
    for field, value in FILLED.items():
        if field in getattr(mine, "template_fields", ()) and not getattr(mine, field, None):
            setattr(mine, field, value)
    return mine


def send(notifiers: Sequence[Any], alert: Alert, context: Any) -> int:
    """Call every notifier (each on a copy, with its own copy of the context); one that raises
    is logged and the others still run. Returns how many succeeded."""
    sent = 0
    for notifier in notifiers:
        ctx = {**dict(context), **alert.context()}
        try:
            _filled(notifier)(ctx)
            sent += 1
        except Exception as exc:  # the per-notifier guard: one broken channel hides no other
            log.error(
                "suite %s: notifier %s failed: %s: %s",
                alert.suite,
                type(notifier).__name__,
                type(exc).__name__,
                exc,
            )
    return sent


class OnFailure:
    """A task ``on_failure_callback`` that alerts the suite's ``on_failure`` notifiers."""

    def __init__(self, suite: str, run_id_of: Callable[[Any], str] | None = None) -> None:
        self.suite = suite
        self.run_id_of = run_id_of or _dag_run_id

    def __call__(self, context: Any) -> None:
        from datavigil.core.errors import DatavigilError
        from datavigil.runner import registry
        from datavigil.store import Store

        try:
            suite = registry.load(self.suite)
        except DatavigilError as exc:
            log.error("suite %s: no alert sent, the suite does not load: %s", self.suite, exc)
            return
        if not suite.on_failure:
            return
        alert = build_alert(Store(), suite.name, self.run_id_of(context), context.get("exception"))
        sent = send(suite.on_failure, alert, context)
        total = len(suite.on_failure)
        log.info("suite %s: alert sent to %d of %d notifier(s)", suite.name, sent, total)


def _dag_run_id(context: Any) -> str:
    """The run_id of a generated validate_<suite> DAG run."""
    from datavigil.runner.run import airflow_run_id

    return airflow_run_id(context["ti"].dag_id, context["run_id"])


def on_failure(suite: str) -> OnFailure:
    """For ``default_args["on_failure_callback"]`` of the generated DAG of ``suite``."""
    return OnFailure(suite)
