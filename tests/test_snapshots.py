"""Reference snapshots on SQLite and PostgreSQL: capture, list, activate, resolve, the bounded
raw sample, and the one-active-per-dataset rule."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from datavigil.runner import snapshot
from datavigil.store import snapshots
from datavigil.store.snapshots import NoSnapshot, SnapshotError
from tests import distdata
from tests.distdata import FIRST

LAST = FIRST + timedelta(days=2)


@pytest.fixture
def wh(tmp_path):
    return distdata.warehouse(tmp_path, days=4, n=300)


def test_capture_keeps_sufficient_statistics_of_the_window(wh, store_url):
    st = distdata.store(store_url)
    suite = distdata.suite(wh)
    ref = snapshot.capture(suite, FIRST, LAST, st, sample_rows=100)
    frame = pd.read_sql("SELECT * FROM m", sa.create_engine(wh), parse_dates=["ts"])
    window = frame[frame.ts < pd.Timestamp(LAST + timedelta(days=1))]
    assert ref.row_count == len(window) == 900
    x = ref.columns["x"]
    assert x["kind"] == "numeric" and x["moments"]["n"] == 900
    assert x["moments"]["mean"] == pytest.approx(window.x.mean(), rel=1e-12)
    assert x["moments"]["m2"] / 899 == pytest.approx(window.x.var(), rel=1e-9)
    assert x["quantiles"]["0.5"] == pytest.approx(window.x.median(), rel=0.2)
    assert ref.columns["grp"]["frequencies"] == window.grp.value_counts().to_dict()
    assert ref.sample_rows == 100 and ref.active
    sample = snapshots.load_sample(st, ref.id)
    assert len(sample) == 100 and set(sample.x) <= set(window.x)
    assert ref.schema_fingerprint == snapshots.fingerprint(ref.schema)


def test_nulls_nan_and_infinities_are_counted_not_averaged(tmp_path, store_url):
    x = [1.0, 2.0, None, float("nan"), float("inf"), float("-inf"), 3.0, 4.0]
    url = distdata.warehouse(tmp_path, days=1, n=8, shifted={FIRST: {"x": x}})
    ref = snapshot.capture(distdata.suite(url), FIRST, FIRST, distdata.store(store_url))
    col = ref.columns["x"]
    assert col["moments"]["n"] == 4 and col["moments"]["mean"] == pytest.approx(2.5)
    assert (col["pos_inf"], col["neg_inf"]) == (1, 1)
    assert col["null"] + col["nan"] == 2  # SQLite stores NaN as NULL


def test_one_active_snapshot_per_dataset(wh, store_url):
    st, suite = distdata.store(store_url), distdata.suite(wh)
    first = snapshot.capture(suite, FIRST, FIRST, st)
    second = snapshot.capture(suite, LAST, LAST, st)
    assert [r["active"] for r in snapshots.listing(st, "m")] == [True, False]
    assert snapshots.resolve(st, suite).id == second.id
    assert snapshots.activate_snapshot(st, first.id).active
    assert snapshots.resolve(st, suite).id == first.id
    assert not snapshots.get(st, second.id).active
    with pytest.raises(sa.exc.IntegrityError), st.engine.begin() as conn:  # the partial index
        conn.execute(sa.text("UPDATE reference_snapshots SET active = true"))


def test_resolve_explains_missing_inactive_and_foreign_references(wh, store_url):
    st, suite = distdata.store(store_url), distdata.suite(wh)
    with pytest.raises(NoSnapshot, match="no reference snapshot captured yet"):
        snapshots.resolve(st, suite)
    ref = snapshot.capture(suite, FIRST, FIRST, st, activate=False)
    with pytest.raises(SnapshotError, match="no active reference snapshot .*1 inactive"):
        snapshots.resolve(st, suite)
    with pytest.raises(SnapshotError, match="is inactive"):
        snapshots.resolve(st, suite, ref.id)
    with pytest.raises(SnapshotError, match="no reference snapshot with id 999"):
        snapshots.resolve(st, suite, 999)
    other = distdata.suite(wh, dataset="other")
    snapshots.activate_snapshot(st, ref.id)
    with pytest.raises(SnapshotError, match="belongs to dataset m"):
        snapshots.resolve(st, other, ref.id)


@pytest.mark.parametrize(
    ("first", "last", "match"),
    [
        (LAST, FIRST, "is before"),
        (date(2030, 1, 1), date(2030, 1, 2), "no rows"),
        (FIRST, FIRST + timedelta(days=400), "longer than"),
    ],
    ids=["reversed", "empty", "too_long"],
)
def test_bad_windows_are_refused(wh, sqlite_url, first, last, match):
    with pytest.raises(SnapshotError, match=match):
        snapshot.capture(distdata.suite(wh), first, last, distdata.store(sqlite_url))


def test_sample_is_bounded_and_drawn_from_the_whole_window(wh, sqlite_url):
    st, suite = distdata.store(sqlite_url), distdata.suite(wh)
    a = snapshot.capture(suite, FIRST, LAST, st, sample_rows=300)
    sample = snapshots.load_sample(st, a.id)
    assert len(sample) == a.sample_rows == 300
    # a third of the window, drawn at random from every day rather than the first rows
    assert np.isclose(sample.x.mean(), a.columns["x"]["moments"]["mean"], atol=0.5)


def test_cli_snapshot_commands(wh, tmp_path, monkeypatch, capsys):
    from datavigil.cli.main import main as cli_main

    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "m.py").write_text(
        "from datavigil import Partition, SqlSource, Suite\n"
        f"suite = Suite(name='m', source=SqlSource(table='m', url='{wh}'),\n"
        "              partition=Partition('ts'), reference_window=('2024-01-01', '2024-01-02'))\n"
    )
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{tmp_path / 'r.db'}")
    assert cli_main(["snapshot", "capture", "m"]) == 0
    assert "2024-01-01..2024-01-02, 600 rows" in capsys.readouterr().out
    assert (
        cli_main(
            [
                "snapshot",
                "capture",
                "m",
                "--from",
                "2024-01-03",
                "--to",
                "2024-01-03",
                "--no-activate",
            ]
        )
        == 0
    )
    assert cli_main(["snapshot", "activate", "2"]) == 0
    assert "active" in capsys.readouterr().out
    assert cli_main(["snapshot", "list", "--suite", "m", "--format", "json"]) == 0
    listed = capsys.readouterr().out
    assert '"active": true' in listed and '"id": 1' in listed
    assert cli_main(["snapshot", "activate", "9"]) == 2
    assert cli_main(["snapshot", "capture", "m", "--from", "2024-01-05", "--to", "x"]) == 2
    assert (
        cli_main(["snapshot", "capture", "nope", "--from", "2024-01-05", "--to", "2024-01-05"]) == 2
    )


def test_migration_0002_downgrades_and_upgrades_again(wh, store_url):
    from alembic import command
    from alembic.config import Config

    from datavigil.store import MIGRATIONS

    st = distdata.store(store_url)
    snapshot.capture(distdata.suite(wh), FIRST, FIRST, st)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with st.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0001")
    assert "reference_snapshots" not in sa.inspect(st.engine).get_table_names()
    assert st.upgrade() == st.head()
    assert snapshots.listing(st) == []
