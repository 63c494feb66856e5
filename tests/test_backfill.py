"""`datavigil validate SUITE --from D1 --to D2`: one process, one run per partition in date
order, stored exactly as the nightly `--date D` runs (docs/adr/0131)."""

from __future__ import annotations

import io
import json
import random
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from datavigil.store import Store
from tests.helpers import query, write_events_table

FIRST = date(2024, 3, 1)
DAYS = 30
SUITE = """
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import NullRate, Range, RowCount, SchemaChange, Unique, Volume

suite = Suite(
    name="events",
    source=SqlSource(table="events", url="{url}"),
    partition=Partition("ts"),
    checks=[
        RowCount(min_rows=20),
        NullRate("x", max_fraction=0.2),
        Range("x", min=0, max=100, severity="warn"),
        Unique("id"),
        Volume(runs=7, min_runs=3, tolerance=0.10),
        SchemaChange(),
    ],
)
"""
# results columns that are clocks or durations: they differ between any two runs of a day
VOLATILE = {"started_at", "finished_at", "captured_at", "id", "duration_s"}


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


def write_events(path: Path, days: int) -> str:
    """30 days of 40..60 rows (fixed seed); day 10 has many NULLs, day 20 loses most rows,
    day 25 repeats an id and has a value out of range, day 31 onwards has no rows."""
    rng = random.Random(7)
    rows = []
    for d in range(days):
        n = 5 if d == 20 else rng.randint(40, 60)
        start = datetime.combine(FIRST + timedelta(days=d), datetime.min.time())
        for i in range(n):
            x = None if (d == 10 and i % 2) else round(rng.uniform(0, 90), 3)
            x = 150.0 if (d == 25 and i == 0) else x
            rows.append(
                {
                    "id": d * 1000 + (0 if d == 25 and i == 1 else i),
                    "x": x,
                    "ts": start + timedelta(minutes=7 * i),
                }
            )
    url = f"sqlite:///{path}"
    write_events_table(url, rows)
    return url


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("DATAVIGIL_HOME", str(tmp_path))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(tmp_path / "schemas"))
    (tmp_path / "schemas").mkdir()
    url = write_events(tmp_path / "warehouse.db", DAYS)
    (tmp_path / "schemas" / "events.py").write_text(SUITE.format(url=url), encoding="utf-8")
    return tmp_path


def use_store(monkeypatch: pytest.MonkeyPatch, path: Path) -> str:
    url = f"sqlite:///{path}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    return url


def tables(
    url: str, drop: frozenset[str] = frozenset(), skip: tuple[str, ...] = ()
) -> dict[str, list[tuple]]:
    """Every results table (but ``skip``), its rows sorted, without clocks, durations and
    surrogate ids (and the columns ``drop``)."""
    engine = sa.create_engine(url)
    meta = sa.MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for name, table in sorted(meta.tables.items()):
            if name == "alembic_version" or name in skip:
                continue
            cols = [c for c in table.columns if c.name not in VOLATILE | drop]
            rows = [tuple(_plain(v) for v in r) for r in conn.execute(sa.select(*cols)).all()]
            out[name] = sorted(rows, key=repr)
    engine.dispose()
    return out


def _plain(value: object) -> object:
    """JSON text without its volatile keys (a run's duration), so equal runs compare equal."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            data = json.loads(value)
        except ValueError:
            return value
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in VOLATILE}
        return json.dumps(data, sort_keys=True)
    return value


def days(n: int = DAYS) -> list[str]:
    return [(FIRST + timedelta(days=i)).isoformat() for i in range(n)]


def test_a_30_day_backfill_equals_30_nightly_runs(project, monkeypatch, capsys):
    nightly = use_store(monkeypatch, project / "nightly.db")
    codes = [main(["-q", "validate", "events", "--date", d]) for d in days()]
    backfilled = use_store(monkeypatch, project / "backfill.db")
    code = main(["-q", "validate", "events", "--from", days()[0], "--to", days()[-1]])
    out = capsys.readouterr().out
    assert code == max(codes) == 1  # day 10's NULLs fail; the exit code is the gravest
    assert set(codes) == {0, 1}
    want, got = tables(nightly), tables(backfilled)
    assert len(got["validation_runs"]) == DAYS and len(got["check_results"]) == DAYS * 6
    for name in want:
        assert got[name] == want[name], name
    assert f"{DAYS} of {DAYS} partitions run" in out
    assert "2024-03-11  FAIL" in out  # day 10


def test_history_checks_see_the_earlier_days_of_the_backfill(project, monkeypatch, capsys):
    url = use_store(monkeypatch, project / "results.db")
    main(["-q", "validate", "events", "--from", days()[0], "--to", days()[-1]])
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        rows = dict(
            conn.execute(
                sa.text(
                    "SELECT r.partition_date, c.status FROM check_results c JOIN "
                    "validation_runs r ON r.run_id = c.run_id WHERE c.check_type = 'volume'"
                )
            ).all()
        )
    engine.dispose()
    status = {str(k): v for k, v in rows.items()}
    assert status[days()[0]] == "skipped"  # warm-up: no earlier day yet
    assert status[days()[20]] == "fail"  # 5 rows against ~50 on the earlier days
    assert status[days()[15]] == "pass"


def test_rerunning_the_range_adds_nothing(project, monkeypatch, capsys):
    """The same runs, checks, verdicts and metrics; only run_attempts logs the second attempt
    of each run, as it does for a nightly re-run."""
    url = use_store(monkeypatch, project / "results.db")
    argv = ["-q", "validate", "events", "--from", days()[0], "--to", days()[9]]
    main(argv)
    first = tables(url)
    main(argv)
    again = tables(url)
    assert Store(url).counts() == (10, 60)
    assert again["validation_runs"] == first["validation_runs"]
    assert again["run_metrics"] == first["run_metrics"]
    # SchemaChange excepted: a re-run of the first day finds the baseline its first run
    # recorded (skipped, then pass), as a nightly re-run of that day does
    verdicts = [
        {r[:2] + r[6:8] for r in t["check_results"] if r[3] != "schema_change"}
        for t in (first, again)
    ]
    assert verdicts[0] == verdicts[1] and len(verdicts[0]) == 50
    assert len(again["run_attempts"]) == 2 * len(first["run_attempts"]) == 20


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["--from", "2024-03-10", "--to", "2024-03-01"], ["--from 2024-03-10", "after --to"]),
        (["--from", "2024-03-01"], ["--from needs --to (the last day"]),
        (["--to", "2024-03-01"], ["--to needs --from (the first day"]),
        (["--from", "2024-3-1", "--to", "2024-03-02"], ["--from", "YYYY-MM-DD"]),
        (["--from", "2000-01-01", "--to", "2024-03-02"], ["over ten years", "--yes"]),
        (["--from", "2025-01-01", "--to", "2025-01-31"], ["events", "no rows", "2025-01-01"]),
        (["--from", "2024-03-01", "--to", "2024-03-02", "--date", "2024-03-01"], ["--date"]),
    ],
)
def test_bad_ranges_are_one_line_errors_exit_2(project, monkeypatch, capsys, argv, words):
    url = use_store(monkeypatch, project / "results.db")
    code = main(["-q", "validate", "events", *argv])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1, err
    assert err[0].startswith("datavigil: ")
    for word in words:
        assert word in err[0], (word, err[0])
    assert not (project / "results.db").exists() or Store(url).counts()[0] == 0


def test_over_ten_years_is_allowed_with_yes():
    from datavigil.core.errors import UsageError
    from datavigil.runner.backfill import check_range

    check_range(date(2014, 3, 1), date(2024, 3, 2), assume_yes=True)  # 3,655 days: meant
    with pytest.raises(UsageError, match="3,655 days"):
        check_range(date(2014, 3, 1), date(2024, 3, 2))


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_under_airflow(monkeypatch):
    from datavigil.cli import progress

    monkeypatch.delenv("AIRFLOW_CTX_DAG_ID", raising=False)
    assert progress.wanted(Tty(), Tty())
    assert not progress.wanted(io.StringIO(), Tty())  # piped
    monkeypatch.setenv("AIRFLOW_CTX_DAG_ID", "validate_events")
    assert not progress.wanted(Tty(), Tty())


def test_progress_line_says_done_failed_and_rate():
    from datavigil.cli import progress

    err = Tty()
    bar = progress.Progress(30, "events", err, clock=0.0)
    bar.done, bar.failed = 10, 2
    line = bar.line(now=5.0)
    assert "10/30 partitions" in line and "2 failed" in line and "2.00/s" in line
    assert "10s left" in line
    bar.step(failed=True)
    bar.clear()
    assert err.getvalue().endswith("\r\x1b[2K")


def test_the_range_shares_one_source_engine(project, monkeypatch, capsys):
    """Ten partitions, one engine for the source database (each nightly run makes its own)."""
    import sqlalchemy

    made: list[str] = []
    real = sqlalchemy.create_engine

    def counting(url, *args, **kw):
        made.append(str(url))
        return real(url, *args, **kw)

    monkeypatch.setattr(sqlalchemy, "create_engine", counting)
    use_store(monkeypatch, project / "results.db")
    assert main(["-q", "validate", "events", "--from", days()[0], "--to", days()[9]]) == 0
    assert sum("warehouse.db" in url for url in made) == 1, made
    made.clear()
    main(["-q", "validate", "events", "--date", days()[0]])
    assert sum("warehouse.db" in url for url in made) >= 1  # its own (the schema's, the scan's)


@pytest.mark.parametrize(
    ("unit", "first", "last", "labels"),
    [
        ("day", date(2013, 11, 2), date(2013, 11, 4), 3),
        ("hour", date(2013, 11, 3), date(2013, 11, 3), 25),  # fall back: 01:00 twice
        ("hour", date(2013, 3, 10), date(2013, 3, 10), 23),  # spring forward: no 02:00
        ("week", date(2013, 11, 3), date(2013, 11, 12), 3),  # Sun of W44, W45, Tue of W46
    ],
)
def test_partitions_of_a_range(unit, first, last, labels):
    from datavigil import Partition, SqlSource, Suite
    from datavigil.runner.backfill import partitions

    suite = Suite(
        name="p",
        source=SqlSource(table="t", url="sqlite:///x.db"),
        partition=Partition("ts"),
        partition_unit=unit,
        timezone="America/New_York",
    )
    windows = partitions(suite, first, last)
    assert len(windows) == labels == len({w.label for w in windows})
    assert all(a.end == b.start for a, b in zip(windows, windows[1:], strict=False))


def volume_status(url: str) -> dict[str, str]:
    """Each day's Volume verdict in the results store at ``url``."""
    sql = (
        "SELECT r.partition_date, c.status FROM check_results c JOIN validation_runs r "
        "ON r.run_id = c.run_id WHERE c.check_type = 'volume'"
    )
    return {str(day): status for day, status in query(url, sql)}


def test_a_backfill_judges_with_the_store_as_it_was_at_its_start(project, monkeypatch, capsys):
    """What another process saves while a backfill runs (here the runs of the five days before
    its range) is not seen by the backfill's later days (docs/adr/0151): the backfill judges
    with the store as it was at its start, plus its own runs; the next backfill sees it."""
    import threading

    from datavigil.runner import backfill as runner

    url = use_store(monkeypatch, project / "results.db")
    real = runner.run_suite
    before = ["-q", "validate", "events", "--from", days()[5], "--to", days()[9]]

    def meanwhile(suite, window, key, store):  # another process (a thread: its own context)
        report = real(suite, window, key, store)
        if window.label == days()[10]:
            other = threading.Thread(target=main, args=(before,))
            other.start()
            other.join()
        return report

    monkeypatch.setattr(runner, "run_suite", meanwhile)
    argv = ["-q", "validate", "events", "--from", days()[10], "--to", days()[14]]
    main(argv)
    status = volume_status(url)
    assert len(status) == 10  # the backfill's 5 runs and the other process's 5
    assert status[days()[11]] == "skipped"  # warm-up: the backfill saw only day 10 before it
    monkeypatch.setattr(runner, "run_suite", real)
    main(argv)
    assert volume_status(url)[days()[11]] in ("pass", "fail")  # days 5..10 before it


def test_a_sqlite_store_commits_without_fsync_during_a_backfill_only(project, monkeypatch):
    """During a backfill the SQLite store is in WAL mode with synchronous=NORMAL (a commit does
    not wait for the disk, docs/adr/0154); after it, its journal mode and new connections are
    as before; the runs are stored as without it (test_a_30_day_backfill_equals_...)."""
    from datavigil import api
    from datavigil.runner.backfill import backfill, partitions

    use_store(monkeypatch, project / "results.db")
    store = api.store_for(None)
    store.ensure_ready()

    def pragmas() -> tuple[str, int]:
        with store.engine.connect() as conn:
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            return mode, conn.exec_driver_sql("PRAGMA synchronous").scalar()

    before = pragmas()
    seen: list[tuple[str, int]] = []
    suite = api.load_suite("events")
    windows = partitions(suite, FIRST, FIRST + timedelta(days=2))
    outcome = backfill(suite, windows, store, lambda step: seen.append(pragmas()))
    assert len(outcome.codes) == 3
    assert before == ("delete", 2)  # SQLite's defaults: a rollback journal, FULL
    assert seen == [("wal", 1)] * 3  # NORMAL
    assert pragmas() == before
    assert Store(store.url).counts()[0] == 3
