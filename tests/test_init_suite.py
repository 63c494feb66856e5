"""`datavigil init`: a suite drafted from a table or a day's file passes `datavigil validate` on
the data it was drafted from, says what it inferred, and is not vacuous (a broken day fails)."""

from __future__ import annotations

import sys
from datetime import datetime

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from tests.helpers import write_orders_db

DAYS = {
    "2024-05-01": [(1, 10.0), (2, 20.0), (3, None), (4, 5.0), (5, 7.5)],
    "2024-05-02": [(6, 12.0), (7, 30.0), (8, 41.0)],
    "2024-05-03": [(9, None), (10, None), (11, 3.0), (12, 80.0), (13, 9.0), (14, 1.0)],
}


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


def test_a_suite_drafted_from_a_table_passes_on_it_and_catches_a_broken_day(project, capsys):
    url = write_orders_db(project / "warehouse.db", DAYS)
    assert main(["init", "orders", "--from-table", url, "orders"]) == 0
    out = capsys.readouterr().out
    for said in (
        "sample: 14 of 14 rows of orders",
        "partition: ts (its name looks like a timestamp)",
        "key id: named like a key, no NULL, no duplicate in the sample",
        "nulls amount: worst per-day null rate 0.3333: max_fraction 0.51",
        "range amount: observed 1..80 over all rows, widened: 0..87.9",
        "row count: smallest per-day count 3 -> min_rows 1",
        f"wrote {project / 'schemas' / 'orders.py'}",
    ):
        assert said in out, said
    text = (project / "schemas" / "orders.py").read_text()
    assert 'url="sqlite:///{home}/warehouse.db"' in text  # never relative to a working dir
    assert 'start_date="2024-05-01"' in text  # DAG runs for earlier days would have no tasks
    for day in DAYS:
        assert main(["-q", "validate", "orders", "--date", day]) == 0, day
    engine = sa.create_engine(url)  # a broken day: an amount far outside anything seen
    with engine.begin() as conn:
        conn.execute(
            sa.text("INSERT INTO orders VALUES (15, 5000.0, :ts), (16, 4.0, :ts)"),
            {"ts": datetime(2024, 5, 4, 12)},
        )
    engine.dispose()
    assert main(["-q", "validate", "orders", "--date", "2024-05-04"]) == 1
    assert "ranges.amount" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", ["parquet", "csv"])
def test_a_suite_drafted_from_a_days_file_passes_on_it(project, capsys, suffix):
    import pandas as pd

    data = project / "data"
    data.mkdir()
    frame = pd.DataFrame(
        {
            "order_id": [1, 2, 3, 4],
            "amount": [10.5, None, 3.0, 7.0],
            "country": ["DE", "FR", "DE", None],
            "created_at": pd.to_datetime(["2024-05-01 08:00"] * 4),
        }
    )
    path = data / f"orders_2024-05-01.{suffix}"
    frame.to_parquet(path) if suffix == "parquet" else frame.to_csv(path, index=False)
    assert main(["init", "shop", "--from-file", str(path)]) == 0
    out = capsys.readouterr().out
    assert "type created_at: datetime" in out and "key order_id" in out
    text = (project / "schemas" / "shop.py").read_text()
    assert f'FileSource(path="{data}/orders_{{date:%Y-%m-%d}}.{suffix}")' in text
    assert "partition=" not in text  # a FileSource selects the day by its path
    assert main(["-q", "validate", "shop", "--date", "2024-05-01"]) == 0


def test_bad_inputs_exit_with_one_line(project, capsys):
    url = write_orders_db(project / "warehouse.db", DAYS)
    cases = [
        (["init", "Bad-Name", "--from-table", url, "orders"], 2, "suite name 'Bad-Name'"),
        (["init", "o", "--from-table", url, "nope"], 3, "table 'nope' not found"),
        (["init", "o", "--from-file", str(project / "x.parquet")], 3, "not found"),
    ]
    (project / "plain.csv").write_text("a\n1\n")
    cases.append((["init", "o", "--from-file", str(project / "plain.csv")], 2, "no YYYY-MM-DD"))
    for argv, code, message in cases:
        assert main(argv) == code, argv
        err = capsys.readouterr().err.strip()
        assert message in err and "\n" not in err
    assert main(["init", "orders", "--from-table", url, "orders"]) == 0
    assert main(["init", "orders", "--from-table", url, "orders"]) == 2  # exists: --force
    assert "exists (--force replaces it)" in capsys.readouterr().err


# `datavigil init --drift-all` (issue 20 item 5, ADR 0136): a drift test on every column but the
# keys it found; the draft runs them once a snapshot is captured.


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
