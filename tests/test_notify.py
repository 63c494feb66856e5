"""Suite(on_failure=[...]): Airflow notifiers receive the failing checks (observed vs threshold)
and a link to the run's report. A recording notifier through dag.test() (failing day: one alert;
passing day: none; unreachable source: one alert after the retry, not one per try), and the SMTP
provider's SmtpNotifier against a real SMTP server (aiosmtpd) on 127.0.0.1."""

from __future__ import annotations

import email
import json
import socket
import textwrap
from datetime import date
from email.message import Message
from pathlib import Path

import pytest

from tests.helpers import write_orders_db

BASE = "http://airflow.example:8080"

SUITES = """
import json

from airflow.sdk import BaseNotifier

from datavigil.checks import NullRate, Range
from datavigil import Partition, SqlSource, Suite


class Recorder(BaseNotifier):
    template_fields = ("text",)

    def __init__(self, path, text=None):
        super().__init__()
        self.path, self.text = path, text

    def notify(self, context):
        with open(self.path, "a") as f:
            record = {{"text": self.text, "url": context["datavigil_report_url"],
                      "failures": context["datavigil_failures"]}}
            f.write(json.dumps(record) + "\\n")


alerted = Suite(
    name="alerted",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition(column="ts"),
    checks=[
        NullRate("amount", max_fraction=0.2, store_failures=True),
        Range("amount", min=0, max=1000),
    ],
    on_failure=[Recorder("{log}")],
)
alerted_down = Suite(
    name="alerted_down",
    source=SqlSource(
        table="orders", url="postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"
    ),
    partition=Partition(column="ts"),
    on_failure=[Recorder("{log}")],
)
"""

DAGS = """
from datetime import datetime, timedelta

from airflow.sdk import DAG

from datavigil.airflow.operator import DatavigilOperator

ARGS = {"retries": 1, "retry_delay": timedelta(seconds=0)}
for name in ("alerted", "alerted_down"):
    with DAG(f"shop_{name}", schedule=None, start_date=datetime(2024, 1, 1), default_args=ARGS):
        DatavigilOperator(suite=name)
"""

GOOD = [(i, 10.0 * i) for i in range(1, 11)]
BAD = [(i, None if i % 2 else 5.0) for i in range(1, 11)]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("alerts")
    url = write_orders_db(root / "warehouse.db", {"2024-05-01": GOOD, "2024-05-02": BAD})
    (root / "schemas").mkdir()
    text = SUITES.format(url=url, log=root / "alerts.jsonl")
    (root / "schemas" / "alerted.py").write_text(text)
    (root / "dags").mkdir()
    (root / "dags" / "alert_dags.py").write_text(textwrap.dedent(DAGS))
    generated = "from datavigil.airflow.dags import build_all\n\nglobals().update(build_all())\n"
    (root / "dags" / "generated_dags.py").write_text(generated)
    return root


@pytest.fixture
def env(project, results_url, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(project / "schemas"))
    monkeypatch.setenv("DATAVIGIL_AIRFLOW_URL", BASE + "/")
    (project / "alerts.jsonl").unlink(missing_ok=True)
    return project


def alerts(project: Path) -> list[dict]:
    path = project / "alerts.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines()]


# ---------------------------------------------------------------- declaration


def test_on_failure_accepts_notifiers_and_rejects_anything_else():
    from airflow.sdk import BaseNotifier

    from datavigil.core.errors import SuiteError
    from datavigil.declare.suite import Suite
    from datavigil.engine.sources import SqlSource

    class Quiet(BaseNotifier):
        def notify(self, context):
            pass

    ok = Suite(name="x", source=SqlSource(table="t", url="sqlite://"), on_failure=[Quiet()])
    assert isinstance(ok.on_failure, tuple) and len(ok.on_failure) == 1
    with pytest.raises(SuiteError, match=r"suite 'x': on_failure\[1\]: function is not an Airflow"):
        Suite(
            name="x",
            source=SqlSource(table="t", url="sqlite://"),
            on_failure=[Quiet(), lambda ctx: None],
        )


# ---------------------------------------------------------------- the message, from the store


def failed_run(project: Path, url: str) -> str:
    """Validate 2024-05-02 (half the amounts NULL) into the store at ``url``: the run_id."""
    from datavigil.declare.window import Window
    from datavigil.runner import registry
    from datavigil.runner.run import run_suite
    from datavigil.store import Store

    suite = registry.load("alerted")
    report = run_suite(suite, Window.for_day(date(2024, 5, 2), "UTC"), None, Store(url))
    assert report.run.status == "fail"
    return report.run.run_id


def test_the_alert_lists_failing_checks_and_links_the_report(env, results_url):
    from datavigil.airflow.notify import build_alert
    from datavigil.store import Store

    run_id = failed_run(env, results_url)
    alert = build_alert(Store(results_url), "alerted", run_id)
    assert (
        alert.subject
        == "datavigil: suite alerted 2024-05-02: FAIL: 1 error-severity check(s) did not pass"
    )
    (failure,) = alert.failures
    assert failure.line().startswith(
        "nulls.amount (error fail): observed 0.5 vs threshold <= 0.2: amount: missing rate 0.5"
    )
    # where the failing rows were kept (store_failures): the source database's own table
    assert failure.line().endswith("(5 failing rows stored in datavigil_failures_alerted)")
    assert alert.url == f"{BASE}/datavigil/run?run_id=cli%3Aalerted%3A2024-05-02"
    assert alert.url in alert.text and f'href="{alert.url}"' in alert.html


def test_an_unreadable_store_still_alerts_with_the_task_error(env):
    from datavigil.airflow.notify import build_alert
    from datavigil.store import Store

    down = Store("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    alert = build_alert(down, "alerted", "airflow:d:r:t", RuntimeError("source down"))
    assert alert.failures == () and alert.status == "error"
    assert alert.cause.startswith("source down (results store")
    assert "source down" in alert.subject


# ---------------------------------------------------------------- through Airflow


def run(project: Path, dag_id: str, day: int):
    from datetime import UTC, datetime

    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(project / "dags"))
    assert bag.import_errors == {}
    return bag.get_dag(dag_id).test(logical_date=datetime(2024, 5, day, tzinfo=UTC))


@pytest.fixture
def airflow_env(env, airflow_db, monkeypatch):
    from airflow import settings

    # dag.test() syncs the "dags-folder" bundle, whose path is read once into settings
    monkeypatch.setattr(settings, "DAGS_FOLDER", str(env / "dags"))
    return env


@pytest.mark.airflow
def test_a_failed_task_alerts_once_and_a_green_one_never(airflow_env):
    assert run(airflow_env, "shop_alerted", 2).state == "success"
    assert alerts(airflow_env) == []
    dag_run = run(airflow_env, "shop_alerted", 3)
    assert dag_run.state == "failed"
    (alert,) = alerts(airflow_env)
    run_id = f"airflow:shop_alerted:{dag_run.run_id}:validate_alerted"
    assert alert["url"].startswith(f"{BASE}/datavigil/run?run_id=airflow%3Ashop_alerted%3A")
    assert alert["text"].splitlines()[0] == (
        "datavigil: suite alerted 2024-05-02: FAIL: 1 error-severity check(s) did not pass"
    )
    assert "- nulls.amount (error fail): observed 0.5 vs threshold <= 0.2" in alert["text"]
    assert alert["text"].endswith(f"report: {alert['url']}")
    assert [f["check_name"] for f in alert["failures"]] == ["nulls.amount"]
    from urllib.parse import unquote

    assert unquote(alert["url"].split("?run_id=", 1)[1]) == run_id


@pytest.mark.airflow
def test_the_generated_validate_dag_alerts_on_a_failed_day(airflow_env):
    """The suite's notifiers also hear from its generated DAG validate_<suite> (the DAG of
    2024-05-03 validates 2024-05-02, the failing day)."""
    dag_run = run(airflow_env, "validate_alerted", 3)
    assert dag_run.state == "failed"
    (alert,) = alerts(airflow_env)
    assert "- nulls.amount (error fail): observed 0.5 vs threshold <= 0.2" in alert["text"]
    assert "validate_alerted" in alert["url"]


@pytest.mark.airflow
def test_an_unreachable_source_alerts_after_the_retry_not_per_try(airflow_env):
    dag_run = run(airflow_env, "shop_alerted_down", 2)
    assert dag_run.state == "failed"
    (alert,) = alerts(airflow_env)  # one alert for two tries
    assert "source.read (error error)" in alert["text"]


# ---------------------------------------------------------------- SMTP, for real


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_smtp_notifier_mails_the_alert(env, results_url, monkeypatch):
    from aiosmtpd.controller import Controller
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    from datavigil.airflow.notify import build_alert, send
    from datavigil.store import Store

    box, port = Mailbox(), free_port()
    server = Controller(box, hostname="127.0.0.1", port=port)
    server.start()
    extra = {"disable_tls": True, "disable_ssl": True, "timeout": 5, "retry_limit": 0}
    conn = {"conn_type": "smtp", "host": "127.0.0.1", "port": port, "extra": extra}
    monkeypatch.setenv("AIRFLOW_CONN_DV_SMTP", json.dumps(conn))
    try:
        alert = build_alert(Store(results_url), "alerted", failed_run(env, results_url))
        notifier = SmtpNotifier(
            to="dq@example.com", from_email="af@example.com", smtp_conn_id="dv_smtp"
        )
        assert send([notifier], alert, {}) == 1
    finally:
        server.stop()
    assert notifier.subject is None, "the suite's notifier must not be modified"
    (mail,) = box.messages
    assert mail["To"] == "dq@example.com" and mail["From"] == "af@example.com"
    assert mail["Subject"] == alert.subject
    (part,) = [p for p in mail.walk() if p.get_content_type() == "text/html"]
    body = part.get_payload(decode=True).decode()
    assert "nulls.amount (error fail): observed 0.5 vs threshold &lt;= 0.2" in body
    assert f'href="{BASE}/datavigil/run?run_id=cli%3Aalerted%3A2024-05-02"' in body
