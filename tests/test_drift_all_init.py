"""`datavigil init --drift-all` drafts a suite with a drift test on every column but the keys it
found (issue 20 item 5, ADR 0136); the draft runs them once a snapshot is captured."""

from __future__ import annotations

import sys

import pytest

from datavigil.cli.main import main
from tests.helpers import write_orders_db
from tests.test_init_suite import DAYS


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'results.db'}")
    return tmp_path


def test_init_offers_drift_on_every_column_and_the_draft_runs_it(project, capsys):
    url = write_orders_db(project / "warehouse.db", DAYS)
    assert main(["init", "orders", "--from-table", url, "orders", "--drift-all"]) == 0
    out = capsys.readouterr().out
    assert "drift: DriftAll tests every column but the keys" in out
    assert "datavigil snapshot capture orders --from YYYY-MM-DD --to YYYY-MM-DD" in out
    text = (project / "schemas" / "orders.py").read_text()
    assert "drift=DriftAll(exclude=['id'])," in text and "import DriftAll," in text
    argv = ["snapshot", "capture", "orders", "--from", "2024-05-01", "--to", "2024-05-02"]
    assert main(argv) == 0
    assert main(["validate", "orders", "--date", "2024-05-03"]) == 0
    out = capsys.readouterr().out  # the run summary names what it left untested
    said = "drift: 2 column(s) left untested: id (excluded by DriftAll(exclude=...)); ts (the"
    assert said in out
    from datavigil.api import results

    rows = {r["check_name"]: r for r in results("orders")}
    assert "drift.amount" in rows and "drift.id" not in rows, sorted(rows)
    assert "id (excluded by DriftAll(exclude=...))" in rows["drift"]["message"]


def test_init_without_the_option_drafts_no_drift_and_says_how(project, capsys):
    url = write_orders_db(project / "warehouse.db", DAYS)
    assert main(["init", "orders", "--from-table", url, "orders"]) == 0
    assert "--drift-all adds a drift test on every column" in capsys.readouterr().out
    assert "drift=" not in (project / "schemas" / "orders.py").read_text()
