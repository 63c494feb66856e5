"""The demo's CategoryShift("carrier") on real data (ADR 0089): Christmas Day 2013 warns with the
carrier mix named; an ordinary day passes; the blizzard keeps its FAIL from dep_time's NULLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from datavigil.cli.main import main
from datavigil.store import Store


@pytest.fixture
def captured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, demo_warehouse: Path) -> Store:
    url = f"sqlite:///{tmp_path / 'results.db'}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    monkeypatch.delenv("DATAVIGIL_SCHEMAS_DIR", raising=False)
    assert main(["-q", "snapshot", "capture", "flights"]) == 0
    return Store(url)


def _carrier(store: Store, day: str) -> dict:
    rows = [r for r in store.results(suite="flights") if r["check_name"] == "categories.carrier"]
    (row,) = [r for r in rows if str(r["partition_date"]) == day]
    return row


def test_christmas_carrier_mix_warns_and_ordinary_days_keep_their_verdicts(captured, capsys):
    assert main(["-q", "validate", "flights", "--date", "2013-12-25"]) == 0
    out = capsys.readouterr().out
    assert "FAIL(warn) categories.carrier" in out and "WARN" in out
    row = _carrier(captured, "2013-12-25")
    assert row["status"] == "fail" and row["severity"] == "warn"
    assert row["observed_value"] == pytest.approx(0.1079, abs=5e-4)  # Cramér's V
    assert "vanished: OO, YV" in row["message"] and "cramers_v 0.108" in row["message"]

    assert main(["-q", "validate", "flights", "--date", "2013-06-15"]) == 0
    assert _carrier(captured, "2013-06-15")["status"] == "pass"
    assert main(["-q", "validate", "flights", "--date", "2013-02-08"]) == 1
    assert _carrier(captured, "2013-02-08")["status"] == "pass"
