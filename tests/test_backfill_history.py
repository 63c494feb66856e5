"""A backfill reads its suite's history from the results store once, not once a day
(docs/adr/0151): Volume, DayAnova, SchemaChange and rolling references of each day are answered
from what the backfill read at its start and what its own runs saved, and the stored rows are
still the nightly runs', row for row."""

from __future__ import annotations

import random
import shutil
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from tests.helpers import statements_to, write_events_table
from tests.test_backfill import tables

FIRST = date(2024, 3, 1)
SUITE = """
from datavigil import Partition, Rolling, SqlSource, Suite
from datavigil.checks import CategoryShift, DayAnova, MeanShift, NullRate, RowCount
from datavigil.checks import SchemaChange, Volume

suite = Suite(
    name="events",
    source=SqlSource(table="events", url="{url}"),
    partition=Partition("ts"),
    checks=[
        RowCount(min_rows=5),
        NullRate("x", max_fraction=0.3),
        Volume(runs=7, min_runs=3, tolerance=0.10),
        Volume(runs=4, min_runs=3, by_weekday=True, name="volume.weekday"),
        SchemaChange(),
        DayAnova("x", days=4, severity="warn"),
        MeanShift("x", reference=Rolling(days=5), severity="warn"),
        CategoryShift("cat", reference=Rolling(days=5), severity="warn"),
    ],
)
"""


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def write_events(url: str, days: int) -> None:
    """``days`` days of 8..40 rows (fixed seed; some days small: DayAnova keeps their values);
    day 6 has many NULLs (a failing run: left out of Volume's baseline)."""
    rng = random.Random(5)
    rows = []
    for d in range(days):
        start = datetime.combine(FIRST + timedelta(days=d), datetime.min.time())
        for i in range(rng.choice((8, 12, 40, 60))):
            x = None if (d == 6 and i % 2) else round(rng.gauss(50 + d, 10), 3)
            ts = start + timedelta(minutes=30 * i + 1)
            rows.append({"id": d * 1000 + i, "x": x, "cat": "abcd"[rng.randrange(4)], "ts": ts})
    write_events_table(url, rows)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    (tmp_path / "schemas").mkdir()
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    write_events(url, 24)
    (tmp_path / "schemas" / "events.py").write_text(SUITE.format(url=url), encoding="utf-8")
    return tmp_path


def store_statements(name: str) -> Any:
    """Every statement sent to the results store file ``name``."""
    return statements_to(lambda conn: str(conn.engine.url.database).endswith(name))


SAVE_READS = ("SELECT check_results.severity, check_results.status",)  # a save's own rows


def history_reads(seen: list[str]) -> list[str]:
    """The statements that read earlier runs (not a save reading back its own run's rows)."""
    tables = ("run_metrics", "check_results", "schema_accepts")
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    selects = [s for s in selects if not s.startswith(SAVE_READS)]
    return [s for s in selects if any(t in s.split("WHERE")[0] for t in tables)]


def use_store(project: Path, monkeypatch: pytest.MonkeyPatch, store: str) -> None:
    """A results store with the suite's reference snapshot (DayAnova's reference), the same
    one in every store of the test (a snapshot captured twice may order its sample otherwise,
    and Brown-Forsythe's last bits with it)."""
    template = project / "template.db"
    if not template.exists():
        monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{template}")
        main(["-q", "db", "upgrade"])
        capture = ["-q", "snapshot", "capture", "events", "--from", "2024-03-01"]
        assert main([*capture, "--to", "2024-03-05"]) == 0
    if not (project / store).exists():
        shutil.copyfile(template, project / store)
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", f"sqlite:///{project / store}")


def nightly(project: Path, monkeypatch: pytest.MonkeyPatch, days: list[int], store: str) -> None:
    use_store(project, monkeypatch, store)
    for d in days:
        day = (FIRST + timedelta(days=d)).isoformat()
        assert main(["-q", "validate", "events", "--date", day]) in (0, 1)


def backfill(project: Path, monkeypatch: pytest.MonkeyPatch, days: int, store: str) -> list[str]:
    use_store(project, monkeypatch, store)
    last = (FIRST + timedelta(days=days - 1)).isoformat()
    with store_statements(store) as seen:
        code = main(["-q", "validate", "events", "--from", FIRST.isoformat(), "--to", last])
    assert code in (0, 1)
    return seen


def test_history_is_read_once_per_backfill_not_once_a_day(project, monkeypatch, capsys):
    few = history_reads(backfill(project, monkeypatch, 8, "few.db"))
    many = history_reads(backfill(project, monkeypatch, 16, "many.db"))
    # before (ef99c87): 8 more days, about 10 history statements more a day
    assert len(many) == len(few), (len(few), len(many))
    assert len(many) <= 6, many  # runs, results, metrics; one accepted schema per source


def test_a_backfill_with_history_checks_equals_the_nightly_runs(project, monkeypatch, capsys):
    backfill(project, monkeypatch, 22, "backfill.db")
    nightly(project, monkeypatch, list(range(22)), "nightly.db")
    want = tables(f"sqlite:///{project / 'nightly.db'}")
    got = tables(f"sqlite:///{project / 'backfill.db'}")
    assert len(got["validation_runs"]) == 22
    engine = sa.create_engine(f"sqlite:///{project / 'backfill.db'}")
    with engine.connect() as conn:
        judged = conn.execute(sa.text(
            "SELECT DISTINCT check_name FROM check_results WHERE status IN ('pass', 'fail')"
        )).scalars().all()  # fmt: skip
    engine.dispose()
    for name in ("volume.row_count", "volume.weekday", "anova_days.x", "distribution.x"):
        assert name in judged, judged  # each history-based check judged on some day
    for name in want:
        assert got[name] == want[name], name


def test_a_rerun_backfill_sees_the_stored_history_and_its_own_runs(project, monkeypatch, capsys):
    """Re-running part of a stored range: the memory starts from the stored runs and each
    re-run replaces its day's run in it, as the store does."""
    backfill(project, monkeypatch, 16, "twice.db")
    code = main(["-q", "validate", "events", "--from", "2024-03-05", "--to", "2024-03-12"])
    assert code in (0, 1)
    nightly(project, monkeypatch, [*range(16), *range(4, 12)], "nightly2.db")
    want = tables(f"sqlite:///{project / 'nightly2.db'}")
    got = tables(f"sqlite:///{project / 'twice.db'}")
    for name in want:
        assert got[name] == want[name], name


def test_a_backfill_day_sends_a_bounded_number_of_statements_to_the_store(
    project, monkeypatch, capsys
):
    """Each day of a backfill saves its run in one transaction of few statements, and reads no
    history (docs/adr/0151)."""
    few = backfill(project, monkeypatch, 8, "few.db")
    many = backfill(project, monkeypatch, 16, "many.db")
    per_day = (len(many) - len(few)) / 8
    # BEGIN IMMEDIATE, 2 deletes, the run's upsert, SAVEPOINT, results, metrics, RELEASE, the
    # attempt's number and row; before (ef99c87): 16 for the save and 13 history reads
    assert per_day <= 10, (per_day, many[-12:])


def test_the_later_days_are_grouped_in_passes_of_doubling_size():
    """After the first HEAD days, the worker groups 2x HEAD days, then 4x HEAD, ...: a year is
    three passes, each done while the runs use the one before (docs/adr/0151)."""
    from datavigil.declare.window import Window
    from datavigil.runner import prefetch

    days = [Window.for_day(FIRST + timedelta(days=i), "UTC") for i in range(365)]
    parts = prefetch.passes(days[prefetch.HEAD :])
    assert [len(p) for p in parts] == [128, 173]
    assert [w for p in parts for w in p] == days[prefetch.HEAD :]


def test_a_day_waits_only_for_the_pass_of_its_own_day():
    from concurrent.futures import Future

    from datavigil.engine.prefetched import Prefetch

    failed, later = Future(), Future()
    failed.set_result(None)  # the pass failed: its days read their own
    pending = [(frozenset({"d2"}), failed), (frozenset({"d3"}), later)]
    pre = Prefetch("s", None, {"d1": {"m": 0}}, {}, pending=pending)
    assert pre.day("d1") == {"m": 0}
    assert pre.day("d2") is None
    assert not later.done()  # not waited for
    later.set_result(({"d3": {"m": 3}}, {}))
    assert pre.day("d3") == {"m": 3}
