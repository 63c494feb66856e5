"""The late-run alert (issue 19 item 5, datavigil/airflow/deadline.py): ``Suite(finish_within=)``
gives the generated DAG an Airflow Deadline Alert whose callback sends the suite's notifiers one
message naming the late run, and the DAG still serializes (what the dag-processor stores)."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from tests.e2e.test_assets import info

pytestmark = pytest.mark.airflow

BASE = "http://airflow.example:8080"
SUITE = """
import json

from airflow.sdk import BaseNotifier

from datavigil import SqlSource, Suite


class Recorder(BaseNotifier):
    template_fields = ("text",)

    def __init__(self, path, text=None):
        super().__init__()
        self.path, self.text = path, text

    def notify(self, context):
        with open(self.path, "a") as f:
            f.write(json.dumps({{"text": self.text, "url": context["datavigil_report_url"]}}))


nightly = Suite(name="nightly", source=SqlSource(table="t", url="sqlite://"),
                finish_within="3h", on_failure=[Recorder("{log}")])
"""


def test_finish_within_gives_the_dag_a_deadline_alert():
    from airflow.sdk import DeadlineReference
    from airflow.serialization.serialized_objects import DagSerialization

    from datavigil.airflow.dags import build_dag

    dag = build_dag(info(finish_within="2h 30m"))
    (alert,) = dag.deadline
    assert alert.reference == DeadlineReference.DAGRUN_QUEUED_AT
    assert alert.interval == timedelta(hours=2, minutes=30)
    assert alert.callback.path == "datavigil.airflow.deadline.missed"
    assert alert.callback.kwargs == {"suite": "x", "finish_within": "2h 30m"}
    back = DagSerialization.deserialize_dag(DagSerialization.serialize_dag(dag))
    assert len(back.deadline) == 1


def test_without_finish_within_there_is_no_deadline():
    from datavigil.airflow.dags import build_dag

    assert not build_dag(info()).deadline


def test_finish_within_is_read_without_importing_the_suite(tmp_path: Path):
    from datavigil.runner import registry

    (tmp_path / "n.py").write_text(
        "import this_module_does_not_exist\n"
        "suite = Suite(name='n', source=None, finish_within='45m')\n"
    )
    (found,) = registry.discover(tmp_path)
    assert found.finish_within == "45m"


def test_a_bad_finish_within_is_one_line_naming_the_setting():
    from datavigil.core.errors import SuiteError
    from datavigil.declare.suite import Suite
    from datavigil.engine.sources import SqlSource

    with pytest.raises(SuiteError, match=r"^suite 'x': finish_within: ") as err:
        Suite(name="x", source=SqlSource(table="t", url="sqlite://"), finish_within="soon")
    assert "\n" not in str(err.value)


def test_a_missed_deadline_alerts_the_suites_notifiers(tmp_path: Path, monkeypatch):
    """The callback as Airflow's triggerer calls it (the context handle_miss builds)."""
    from datavigil.airflow.deadline import missed

    log = tmp_path / "alerts.jsonl"
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "nightly.py").write_text(SUITE.format(log=log))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setenv("DATAVIGIL_AIRFLOW_URL", BASE)
    context = {
        "dag_run": {
            "dag_id": "validate_nightly",
            "dag_run_id": "scheduled__2026-12-07T03:00:00+00:00",
            "queued_at": "2026-12-07T03:00:02+00:00",
            "state": "running",
        },
        "deadline": {"id": "d1", "deadline_time": "2026-12-07T06:00:02+00:00"},
    }
    done = asyncio.run(missed(suite="nightly", finish_within="3h", context=context))
    assert done == "suite nightly: late-run alert sent to 1 of 1 notifier(s)"
    sent = json.loads(log.read_text())
    assert sent["text"].splitlines()[0] == (
        "datavigil: suite nightly scheduled__2026-12-07T03:00:00+00:00: LATE: validate_nightly "
        "has not finished 3h after it was queued at 2026-12-07T03:00:02+00:00 "
        "(deadline 2026-12-07T06:00:02+00:00, state running)"
    )
    assert sent["url"] == f"{BASE}/datavigil/suite?name=nightly"
    assert sent["text"].endswith(f"report: {sent['url']}")


def test_a_suite_that_does_not_load_is_logged_not_raised(tmp_path: Path, monkeypatch):
    from datavigil.airflow.deadline import missed

    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path))
    done = asyncio.run(missed(suite="gone", finish_within="1h", context={}))
    assert done.startswith("suite gone does not load: ")
