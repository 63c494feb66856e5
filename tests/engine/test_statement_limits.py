"""What a backend cannot take in one statement (issue 17, item 9): a 500-column pandera model on
SQLite compiled to an expression deeper than SQLite allows and the run became "source could not
be read" (exit 3, retried forever). Now the engine asks at most ``per_statement`` scalar metrics
per statement, nests long AND/OR chains, splits a statement the backend refuses in halves, and
tells a deterministic statement error (the metric's) from a lost connection (exit 3)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pandera.pandas as pa
import pytest
import sqlalchemy as sa
from pandera.typing import Series

from datavigil import SqlSource, Suite
from datavigil.engine import backends
from datavigil.engine import compile as c
from datavigil.engine import metrics as m
from tests.engine.common import compute, outcomes, validate

WIDE = 500
ROWS = 5


def wide_db(path: Path, columns: int = WIDE, bad: dict[str, Any] | None = None) -> str:
    """A table ``wide`` of ``columns`` REAL columns c0..c{n-1}, values 0..ROWS-1; ``bad``:
    column -> a value put in its last row."""
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE wide (" + ", ".join(f"c{i} REAL" for i in range(columns)) + ")")
    rows = [[float(j)] * columns for j in range(ROWS)]
    for col, value in (bad or {}).items():
        rows[-1][int(col[1:])] = value
    con.executemany(f"INSERT INTO wide VALUES ({', '.join('?' * columns)})", rows)
    con.commit()
    con.close()
    return f"sqlite:///{path}"


def wide_model(columns: int = WIDE) -> type[pa.DataFrameModel]:
    """Every column a float in [0, 100], not nullable: three compiled rules per column."""
    attrs: dict[str, Any] = {"__annotations__": {f"c{i}": Series[float] for i in range(columns)}}
    attrs.update({f"c{i}": pa.Field(ge=0, le=100) for i in range(columns)})
    return type("Wide", (pa.DataFrameModel,), attrs)


def wide_suite(url: str) -> Suite:
    return Suite(name="s", source=SqlSource(table="wide", url=url), model=wide_model())


def test_a_500_column_model_on_sqlite_passes_on_good_data(tmp_path: Path) -> None:
    report = validate(wide_suite(wide_db(tmp_path / "wh.db")), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 0, {k: o.message for k, o in got.items()}
    assert got["schema"].status.value == "pass" and report.run.rows_checked == ROWS


def test_a_500_column_model_on_sqlite_fails_naming_the_columns(tmp_path: Path) -> None:
    url = wide_db(tmp_path / "wh.db", bad={"c137": 250.0, "c499": None})
    report = validate(wide_suite(url), tmp_path)
    got = outcomes(report)
    assert report.exit_code == 1, {k: o.message for k, o in got.items()}
    failed = {k for k, o in got.items() if o.status.value == "fail"}
    assert failed == {"schema", "schema.c137.less_than_or_equal_to", "schema.c499.not_nullable"}
    assert "column 'c137'" in got["schema.c137.less_than_or_equal_to"].message
    assert got["schema.c137.less_than_or_equal_to"].failure_sample == (250.0,)
    assert got["schema"].failing_rows == 1  # one row fails two checks: the union is exact


def test_more_scalar_metrics_than_a_sqlite_select_can_hold(tmp_path: Path) -> None:
    """2,100 metrics: SQLite allows 2,000 result columns in one SELECT."""
    url = wide_db(tmp_path / "wh.db", columns=1)
    wanted = [m.CountWhere(m.Cmp("c0", ">=", i / 1000)) for i in range(2100)]
    values = compute(SqlSource(table="wide", url=url), None, wanted)
    assert [values.get(x) for x in wanted[::700]] == [5, 4, 3]
    assert values.queries == 5  # 2,101 metrics at 500 a statement


def test_a_long_or_chain_is_nested(tmp_path: Path) -> None:
    """1,500 operands of one OR: a flat chain is 1,500 deep, past SQLite's limit of 1,000."""
    url = wide_db(tmp_path / "wh.db", columns=1)
    union = m.CountWhere(m.Or(tuple(m.Cmp("c0", "==", i + 0.5) for i in range(1500))))
    assert compute(SqlSource(table="wide", url=url), None, [union]).get(union) == 0


def test_a_statement_the_backend_refuses_is_split_not_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the limits (every metric in one statement, flat chains) SQLite refuses the
    statements: each is split in halves until it fits; the one metric that cannot fit alone
    (the union of 1,500 predicates) is the error of its check, never "source unavailable"."""
    monkeypatch.setattr(c, "GROUP", 10**6)
    caps_for = c.caps_for
    monkeypatch.setattr(c, "caps_for", lambda name: replace(caps_for(name), per_statement=10**6))
    url = wide_db(tmp_path / "wh.db", bad={"c137": 250.0})
    report = validate(wide_suite(url), tmp_path)
    got = outcomes(report)
    assert report.exit_code != 3, {k: o.message for k, o in got.items()}
    assert got["schema.c137.less_than_or_equal_to"].status.value == "fail"
    assert got["schema"].status.value == "fail"


def sqlite_error(sql: str, url: str = "sqlite://") -> sa.exc.SQLAlchemyError:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql(sql)
    except sa.exc.SQLAlchemyError as exc:
        return exc
    finally:
        engine.dispose()
    raise AssertionError(f"no error from {sql[:60]}")


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1 WHERE " + " OR ".join(["1 = 0"] * 1100),
        "SELECT " + ", ".join(["1"] * 2100),
        "SELECT FROM WHERE",
        "SELECT no_such_function(1)",
    ],
    ids=["expression-too-deep", "too-many-columns", "syntax", "no-such-function"],
)
def test_a_deterministic_sqlite_statement_error_is_not_infrastructure(sql: str) -> None:
    exc = sqlite_error(sql)
    assert isinstance(exc, sa.exc.OperationalError)  # sqlite3's class for all of them
    assert not backends.is_infra(exc)


def test_a_sqlite_database_that_cannot_be_opened_is_infrastructure(tmp_path: Path) -> None:
    exc = sqlite_error("SELECT 1", f"sqlite:///{tmp_path / 'no' / 'such' / 'dir.db'}")
    assert backends.is_infra(exc)


def test_postgresql_program_limits_are_the_statements(pg_url: str) -> None:
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn, pytest.raises(sa.exc.OperationalError) as info:
        conn.exec_driver_sql("SELECT " + ", ".join(["1"] * 1700))  # at most 1,664 entries
    engine.dispose()
    assert not backends.is_infra(info.value)
    refused = sa.create_engine("postgresql+psycopg://dv@127.0.0.1:1/x?connect_timeout=3")
    with pytest.raises(sa.exc.OperationalError) as down:
        refused.connect()
    assert backends.is_infra(down.value)


def test_split_statements_keep_the_sources_rows(tmp_path: Path) -> None:
    """Each statement of a split reads the same rows (a query source's WHERE)."""
    url = wide_db(tmp_path / "wh.db", columns=1)
    wanted = [m.CountWhere(m.Cmp("c0", ">=", i / 1000)) for i in range(600)]
    values = compute(SqlSource(query="SELECT * FROM wide WHERE c0 < 3", url=url), None, wanted)
    assert values.get(wanted[0]) == 3 and values.get(m.RowCount()) == 3
