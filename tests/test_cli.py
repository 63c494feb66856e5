"""`datavigil` in-process: exit codes 0/1/2/3 of DESIGN.md, one-line errors, what lands in the
store for each outcome, and the `results` formats and filters."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from datavigil.cli.main import main
from datavigil.store import Store
from tests.helpers import query, write_orders_db, write_suite

CLEAN, VIOLATING, EMPTY = "2024-05-01", "2024-05-02", "2024-05-03"
DOWN = "postgresql+psycopg://postgres@127.0.0.1:1/x?connect_timeout=3"


@pytest.fixture(autouse=True)
def fresh_suite_modules():
    """Suite modules are cached per file stem; every test writes its own."""
    yield
    for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
        del sys.modules[name]


class Project:
    def __init__(self, root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.root, self.schemas = root, root / "schemas"
        self.results_url = f"sqlite:///{root / 'results.db'}"
        monkeypatch.setenv("DATAVIGIL_HOME", str(root))
        monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(self.schemas))
        monkeypatch.setenv("DATAVIGIL_RESULTS_URL", self.results_url)
        days = {
            CLEAN: [(1, 10.0), (2, 20.0), (3, None), (4, 5.0), (5, 7.0)],  # 0.2 NULL == max
            VIOLATING: [(1, None), (2, None), (3, 5.0)],
        }
        self.db = write_orders_db(root / "warehouse.db", days)
        self.sql = f'SqlSource(table="orders", url="{self.db}"), partition=Partition("ts")'

    def rows(self, where: str = "1=1") -> list[tuple]:
        engine = sa.create_engine(self.results_url)
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT r.status, c.check_name, c.status FROM check_results c "
                    f"JOIN validation_runs r ON r.run_id = c.run_id WHERE {where} "
                    "ORDER BY c.check_name"
                )
            ).all()
        engine.dispose()
        return [tuple(r) for r in found]

    def store_exists(self) -> bool:
        return (self.root / "results.db").exists()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    return Project(tmp_path, monkeypatch)


def run(capsys: pytest.CaptureFixture, *argv: str) -> tuple[int, str, str]:
    code = main(["-q", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("datavigil: ")
    for word in words:
        assert word in lines[0], (word, lines[0])


def test_clean_day_exits_0(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, out, _ = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 0
    assert "suite orders · partition 2024-05-01" in out and "PASS" in out
    assert {status for _, _, status in project.rows()} == {"pass"}
    assert len(project.rows()) == 5  # schema, row_count, nulls, ranges, unique


def test_violating_day_exits_1_and_shows_observed_vs_threshold(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, out, err = run(capsys, "validate", "orders", "--date", VIOLATING)
    assert code == 1 and err == ""
    assert "FAIL" in out and "nulls.amount" in out
    assert "observed 0.666667 vs threshold <= 0.2" in out
    assert ("fail", "nulls.amount", "fail") in project.rows()


def test_rerun_replaces_the_run(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    run(capsys, "validate", "orders", "--date", VIOLATING)
    first = Store(project.results_url).counts()
    code, _, _ = run(capsys, "validate", "orders", "--date", VIOLATING)
    assert code == 1 and Store(project.results_url).counts() == first == (1, 5)


def test_warn_only_failure_exits_0_and_shows_the_warning(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql, severity="warn")
    code, out, _ = run(capsys, "validate", "orders", "--date", VIOLATING)
    assert code == 0
    assert "FAIL(warn)" in out and "nulls.amount" in out and "WARN" in out
    assert ("warn", "nulls.amount", "fail") in project.rows()


def test_empty_partition_exits_1_and_nothing_passes(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, out, _ = run(capsys, "validate", "orders", "--date", EMPTY)
    assert code == 1 and "is empty" in out
    statuses = {name: status for _, name, status in project.rows()}
    assert statuses.pop("row_count") == "fail"
    assert set(statuses.values()) == {"skipped"}


def test_unknown_suite_exits_2(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, _, err = run(capsys, "validate", "nope", "--date", CLEAN)
    assert code == 2
    one_line_error(err, "unknown suite 'nope'", "orders")
    assert not project.store_exists()


def test_malformed_suite_exits_2_naming_suite_and_field(project: Project, capsys) -> None:
    path = write_suite(project.schemas, "orders", project.sql)
    path.write_text(path.read_text().replace('NullRate("amount"', 'NullRate("amount_usd"'))
    code, _, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 2
    one_line_error(err, "suite 'orders'", "checks[0] (nulls.amount_usd)", "unknown column")
    assert not project.store_exists()


@pytest.mark.parametrize(
    "text",
    ["this is not python(", "raise RuntimeError('boom')\nsuite = Suite(name='orders')"],
    ids=["syntax-error", "import-error"],
)
def test_broken_suite_module_exits_2(project: Project, capsys, text: str) -> None:
    write_suite(project.schemas, "orders", "", text=text)
    code, _, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 2
    one_line_error(err, "suite 'orders'", "module")


def test_bad_date_exits_2(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, _, err = run(capsys, "validate", "orders", "--date", "2024-13-01")
    assert code == 2
    one_line_error(err, "--date", "2024-13-01")


def test_unreachable_source_exits_3_and_records_an_error_row(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", f'SqlSource(table="orders", url="{DOWN}")')
    code, out, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 3
    one_line_error(err, "suite 'orders'", "source table 'orders' could not be read")
    assert project.rows() == [("error", "source.read", "error")]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ('SqlSource(table="missing", url="{db}")', "source table 'missing' not found"),
        ('FileSource(path="data/{{ds}}.parquet")', "not found"),
        ('FileSource(path="corrupt/{{ds}}.parquet")', "unreadable"),
    ],
    ids=["missing-table", "missing-file", "corrupt-file"],
)
def test_unreadable_source_exits_3(project: Project, capsys, source: str, words: str) -> None:
    (project.root / "corrupt").mkdir()
    (project.root / "corrupt" / f"{CLEAN}.parquet").write_bytes(b"PAR1 garbage")
    write_suite(project.schemas, "orders", source.format(db=project.db))
    code, _, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 3
    one_line_error(err, "suite 'orders'", words)
    assert project.rows() == [("error", "source.read", "error")]


def test_wrong_type_column_exits_1(project: Project, capsys) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    (project.root / "data").mkdir()
    table = pa.table({"id": ["a1", "a2"], "amount": [1.0, 2.0]})
    pq.write_table(table, project.root / "data" / f"{CLEAN}.parquet")
    write_suite(project.schemas, "orders", 'FileSource(path="data/{ds}.parquet")')
    code, out, _ = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 1
    failed = {name for _, name, status in project.rows() if status == "fail"}
    assert "schema" in failed and any(n.startswith("schema.id.") for n in failed)


def test_unreachable_results_store_exits_3(project: Project, capsys, monkeypatch) -> None:
    write_suite(project.schemas, "orders", project.sql)
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", DOWN)
    for argv in (["validate", "orders", "--date", CLEAN], ["results"]):
        code, _, err = run(capsys, *argv)
        assert code == 3
        one_line_error(err, "results store", "127.0.0.1:1")


def test_results_formats_and_filters(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    run(capsys, "validate", "orders", "--date", CLEAN)
    run(capsys, "validate", "orders", "--date", VIOLATING)

    code, out, _ = run(capsys, "results", "--format", "json", "--status", "fail")
    rows = json.loads(out)
    assert code == 0 and [(r["partition_date"], r["check_name"]) for r in rows] == [
        (VIOLATING, "nulls.amount")
    ]
    code, out, _ = run(capsys, "results", "--format", "csv", "--suite", "orders")
    table = list(csv.DictReader(io.StringIO(out)))
    assert len(table) == 10 and {"check_name", "status", "threshold"} <= set(table[0])
    code, out, _ = run(capsys, "results", "--suite", "orders", "--status", "fail")
    assert out.splitlines()[0].split()[:3] == ["suite", "partition_date", "origin"]
    assert len(out.splitlines()) == 3 and "nulls.amount" in out
    code, out, _ = run(capsys, "results", "--suite", "other")
    assert out.strip() == "(no results)"


def test_results_since(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    run(capsys, "validate", "orders", "--date", CLEAN)
    engine = sa.create_engine(project.results_url)
    with engine.begin() as conn:  # age the run by 30 days
        old = datetime.now(UTC) - timedelta(days=30)
        conn.execute(sa.text("UPDATE validation_runs SET finished_at = :t"), {"t": old})
    engine.dispose()
    run(capsys, "validate", "orders", "--date", VIOLATING)
    _, out, _ = run(capsys, "results", "--since", "7d", "--format", "json")
    assert {r["partition_date"] for r in json.loads(out)} == {VIOLATING}
    _, out, _ = run(capsys, "results", "--since", "60d", "--format", "json")
    assert {r["partition_date"] for r in json.loads(out)} == {CLEAN, VIOLATING}
    code, _, err = run(capsys, "results", "--since", "last week")
    assert code == 2
    one_line_error(err, "--since")


def test_bad_usage_exits_2_with_one_line(capsys) -> None:
    code, _, err = run(capsys, "results", "--format", "xml")
    assert code == 2
    one_line_error(err, "results: argument --format", "'xml'")


def test_postgres_results_store_needs_db_upgrade_then_works(
    project: Project, capsys, monkeypatch, pg_url: str
) -> None:
    write_suite(project.schemas, "orders", project.sql)
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", pg_url)
    code, _, err = run(capsys, "validate", "orders", "--date", VIOLATING)
    assert code == 3
    one_line_error(err, "results store", "datavigil db upgrade")
    assert run(capsys, "db", "upgrade")[0] == 0
    assert run(capsys, "validate", "orders", "--date", VIOLATING)[0] == 1
    assert run(capsys, "validate", "orders", "--date", VIOLATING)[0] == 1
    store = Store(pg_url)
    assert store.counts() == (1, 5)
    assert [r["check_name"] for r in store.results(status="fail")] == ["nulls.amount"]
    store.engine.dispose()


def test_an_unexpected_exception_is_one_line_and_exit_4(project: Project, capsys, monkeypatch):
    """A bug is named as one, never a traceback and never an exit code of a known class."""
    from datavigil.runner import registry

    write_suite(project.schemas, "orders", project.sql)

    def boom(*args, **kwargs):
        raise KeyError("surprise")

    monkeypatch.setattr(registry, "load", boom)
    code, _, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 4
    one_line_error(err, "suite 'orders': internal error: KeyError: 'surprise' (please report)")


@pytest.mark.parametrize(
    "text",
    ["", "20240101", "2024-W01-1", "2024-1-1", "2024-05-01 ", "2024-05-01T00:00", "２０２４-05-01"],
)
def test_date_is_exactly_yyyy_mm_dd(text: str) -> None:
    from datavigil.cli.main import parse_date
    from datavigil.core.errors import UsageError

    with pytest.raises(UsageError, match="--date: .* is not YYYY-MM-DD"):
        parse_date(text)


def test_since_overflow_and_huge_numbers_are_usage_errors() -> None:
    from datavigil.cli.main import parse_since
    from datavigil.core.errors import UsageError

    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_since("7d", now) == now - timedelta(days=7)
    assert parse_since("2024-05-01", now) == datetime(2024, 5, 1, tzinfo=UTC)
    for text in ("99999999d", "999999999d", "9" * 5000 + "m", "20240101"):
        with pytest.raises(UsageError, match="--since"):
            parse_since(text, now)


def test_results_limit_must_be_positive(project: Project, capsys) -> None:
    for value in ("-1", "0", "x"):
        code, _, err = run(capsys, "results", "--limit", value)
        assert code == 2
        one_line_error(err, "--limit", "positive integer")
    assert not project.store_exists()


def test_suites_check_names_the_broken_file(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    path = write_suite(project.schemas, "bad", project.sql)
    path.write_text(path.read_text().replace('NullRate("amount"', 'NullRate("amount_usd"'))
    code, out, err = run(capsys, "suites", "--check")
    assert code == 2
    one_line_error(err, "suite 'bad'", "unknown column", "(bad.py)")
    assert "orders" in out
    code, _, err = run(capsys, "suites")
    assert code == 0 and err == ""  # without --check nothing is imported: bad.py looks fine


def test_a_broken_airflow_connection_is_configuration_not_a_fallback(
    project: Project, capsys, monkeypatch
) -> None:
    monkeypatch.delenv("DATAVIGIL_RESULTS_URL")
    monkeypatch.setenv(
        "AIRFLOW_CONN_DATAVIGIL_RESULTS",
        json.dumps({"conn_type": "postgres", "extra": {"sqlalchemy_url": "foo+bar://a:pw1@h/d"}}),
    )
    code, _, err = run(capsys, "db", "upgrade")
    assert code == 2
    one_line_error(err, "Airflow connection 'datavigil_results'", "unknown database dialect")
    assert "pw1" not in err
    assert not (project.root / ".datavigil").exists()  # no silent embedded store


def test_store_errors_during_validate_name_the_suite(project: Project, capsys, monkeypatch):
    write_suite(project.schemas, "orders", project.sql)
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", DOWN)
    code, _, err = run(capsys, "validate", "orders", "--date", CLEAN)
    assert code == 3
    one_line_error(err, "suite 'orders': results store")


def test_several_suites_in_one_process_run_each_and_exit_with_the_gravest(
    project: Project, capsys
) -> None:
    write_suite(project.schemas, "orders", project.sql)
    write_suite(project.schemas, "orders_warn", project.sql, severity="warn")
    code, out, err = run(capsys, "validate", "orders_warn", "orders", "--date", VIOLATING)
    assert code == 1 and "datavigil:" not in err  # orders fails (error severity), _warn warns
    assert "suite orders_warn ·" in out and "suite orders ·" in out
    suites = {r[0] for r in query(project.results_url, "SELECT suite FROM validation_runs")}
    assert suites == {"orders", "orders_warn"}
    code, out, err = run(capsys, "validate", "nope", "orders_warn", "--date", VIOLATING)
    assert code == 2 and "suite orders_warn ·" in out  # the unknown suite does not stop the other
    one_line_error(err, "unknown suite 'nope'")


def test_the_same_suite_twice_is_a_usage_error(project: Project, capsys) -> None:
    write_suite(project.schemas, "orders", project.sql)
    code, _, err = run(capsys, "validate", "orders", "orders", "--date", CLEAN)
    assert code == 2 and not project.store_exists()
    one_line_error(err, "named twice")
