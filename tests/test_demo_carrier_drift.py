"""The demo's CategoryShift("carrier") on real data (ADR 0089, 0124): Christmas Day 2013's carrier
mix moved significantly, by V 0.088 once the noise of 11 df is not counted as effect: a trivial
shift under min_effect 0.1 (the raw V, 0.108, is kept in details); an ordinary day passes; the
blizzard keeps its FAIL from dep_time's NULLs."""

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
    assert "categories.carrier    chi_square   32.62" in out and "pass: trivial shift" in out
    row = _carrier(captured, "2013-12-25")
    assert row["status"] == "pass" and "trivial shift" in row["message"]
    assert row["observed_value"] == pytest.approx(0.0878, abs=5e-4)  # Cramér's V from X^2 - df
    assert "vanished: OO, YV" in row["message"]
    assert "cramers_v 0.0878 [0.0466, 0.13] < min_effect 0.1" in row["message"]

    assert main(["-q", "validate", "flights", "--date", "2013-06-15"]) == 0
    assert _carrier(captured, "2013-06-15")["status"] == "pass"
    assert main(["-q", "validate", "flights", "--date", "2013-02-08"]) == 1
    assert _carrier(captured, "2013-02-08")["status"] == "pass"
