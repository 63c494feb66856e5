"""The run page's "Shadow" section (issue 20 item 4): a real Challenger run, stored, rendered:
one row per compared metric with both versions' values, the difference and its CI, the test,
the pairs and the agreement; absent from a run without a Challenger."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from datavigil.checks import Challenger
from datavigil.ui.app import create_app
from tests.prediction.logdata import suite, validate
from tests.prediction.shadowlog import LOG, log_rows, write_sql

J, D = date(2013, 3, 9), date(2013, 3, 12)


def test_a_challenger_run_has_a_shadow_section(tmp_path, results_url) -> None:
    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", log_rows(J, J, n=800, worse=0.3))
    checks = [Challenger(key="request_id", champion="v1", challenger="v2")]
    run = validate(suite(src, checks, log=LOG), D, results_url)
    client = TestClient(create_app(url=lambda: results_url))
    html = client.get("/run", params={"run_id": run.report.run.run_id}).text
    section = re.search(r'<section class="shadow">(.*?)</section>', html, re.S)
    assert section, html[:2000]
    body = section.group(1)
    assert body.count('<tr class="row-fail">') == 2  # accuracy and auc
    acc = run.details("challenger.accuracy")
    assert "McNemar" in body and "DeLong" in body and "800 (800)" in body
    assert f"{acc['difference']:.4g}" in body and f"{acc['agreement']:.4g}" in body


def test_no_shadow_section_without_a_challenger(tmp_path, results_url) -> None:
    from datavigil.checks import ModelVersion

    src = write_sql(f"sqlite:///{tmp_path / 'log.db'}", log_rows(D, D, n=20))
    run = validate(suite(src, [ModelVersion(expected=("v1", "v2"))], log=LOG), D, results_url)
    client = TestClient(create_app(url=lambda: results_url))
    html = client.get("/run", params={"run_id": run.report.run.run_id}).text
    assert '<section class="shadow">' not in html
