"""A backend that lacks a function a metric needs: that metric is an error naming the backend,
only the checks that asked for it are `error`, every other metric is computed. SQLite itself has
no REGEXP (SQLAlchemy's pysqlite dialect registers one in Python); here it is left out, as with
a driver that does not register it. Where regex works, the backends agree."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import SqlSource, Suite
from datavigil.checks import NullRate, Range
from datavigil.checks.base import Check, CheckContext, metric_error
from datavigil.core.outcome import Outcome, Status
from datavigil.engine import metrics as m
from datavigil.engine.sources import FrameSource
from tests.engine.common import compute, outcomes, validate

CODES = ["AB-1", "AB-22", "xx-3", None, "AB-", "ab-7", "CD-44"]
NUMBERS = [1.0, 2.0, 3.0, None, 5.0, 6.0, 700.0]
PATTERN = r"^[A-Z]{2}-[0-9]+$"
NOT_MATCHING = 3  # xx-3, AB-, ab-7 (NULL is not a mismatch)


@dataclass(frozen=True)
class Matches(Check):
    """Every non-NULL ``column`` value matches ``pattern`` (a test-only check on Regex)."""

    column: str  # type: ignore[misc]
    pattern: str = PATTERN

    check_type = "matches"

    def default_name(self) -> str:
        return f"matches.{self.column}"

    def metrics(self, columns: dict[str, Any]) -> list[Any]:
        return [m.CountWhere(m.Not(m.Regex(self.column, self.pattern)))]

    def judge(self, values: Any, ctx: CheckContext) -> Outcome:
        bad = metric_error(values, self.metrics(ctx.columns))
        if bad is not None:
            return bad
        n = values.get(self.metrics(ctx.columns)[0])
        return Outcome(Status.PASS if n == 0 else Status.FAIL, f"{n} not matching", failing_rows=n)


def _sql(url: str) -> SqlSource:
    engine = sa.create_engine(url)
    table = sa.Table("t", sa.MetaData(), sa.Column("code", sa.String), sa.Column("n", sa.Float(53)))
    with engine.begin() as conn:
        table.create(conn)
        conn.execute(
            table.insert(), [{"code": c, "n": x} for c, x in zip(CODES, NUMBERS, strict=True)]
        )
    engine.dispose()
    return SqlSource(table="t", url=url)


@pytest.fixture
def sqlite_without_regexp(monkeypatch: pytest.MonkeyPatch) -> None:
    """SQLAlchemy's pysqlite dialect without its Python REGEXP: SQLite as it ships."""
    from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite

    def on_connect(self: Any) -> Any:
        return None

    monkeypatch.setattr(SQLiteDialect_pysqlite, "on_connect", on_connect)


def suite(source: Any) -> Suite:
    checks = [Matches("code"), NullRate("n", max_fraction=0.5), Range("n", min=0, max=1000)]
    return Suite(name="s", source=source, checks=checks)


def test_missing_function_is_one_checks_error_naming_the_backend(
    tmp_path: Path, sqlite_without_regexp: None
) -> None:
    src = _sql(f"sqlite:///{tmp_path / 'w.db'}")
    report = validate(suite(src), tmp_path)
    got = outcomes(report)
    assert report.error is None, report.error  # not the source's problem: no exit 3
    matches = got["matches.code"]
    assert matches.status.value == "error", matches
    assert matches.message.startswith("sqlite: ") and "REGEXP" in matches.message.upper()
    assert "\n" not in matches.message
    assert got["nulls.n"].status.value == "pass" and got["nulls.n"].failing_rows == 1
    assert got["ranges.n"].status.value == "pass" and got["ranges.n"].rows_checked == 6
    assert report.exit_code == 1  # an error-severity check errored: never a pass


def test_missing_function_leaves_the_other_metrics_computed(
    tmp_path: Path, sqlite_without_regexp: None
) -> None:
    src = _sql(f"sqlite:///{tmp_path / 'w.db'}")
    regex = m.CountWhere(m.Regex("code", "AB"))
    values = compute(src, None, [regex, m.NullCount("code"), m.Max("n")])
    with pytest.raises(m.MetricError, match="^sqlite: .*REGEXP"):
        values.get(regex)
    assert values.get(m.NullCount("code")) == 1 and values.get(m.Max("n")) == 700.0


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "duckdb"])
def test_regex_agrees_where_the_backend_has_it(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import pyarrow as pa

    if kind == "duckdb":
        src: Any = FrameSource(pa.table({"code": pa.array(CODES), "n": pa.array(NUMBERS)}))
    elif kind == "sqlite":
        src = _sql(f"sqlite:///{tmp_path / 'w.db'}")
    else:
        src = _sql(request.getfixturevalue("pg_url"))
    wanted = {
        m.CountWhere(m.Not(m.Regex("code", PATTERN))): NOT_MATCHING,
        m.CountWhere(m.Regex("code", "B-")): 3,  # search, not match: AB-1, AB-22, AB-
        m.CountWhere(m.Regex("code", "[0-9]", anchored=True)): 0,
        m.CountWhere(m.TextTest("code", "startswith", "AB")): 3,
        m.CountWhere(m.TextTest("code", "endswith", "-3")): 1,
        m.CountWhere(m.TextTest("code", "contains", "-4")): 1,
        m.CountWhere(m.Length("code", ">", 4)): 2,
    }
    values = compute(src, None, list(wanted))
    assert {k: values.get(k) for k in wanted} == wanted
    report = validate(suite(src), tmp_path)
    assert outcomes(report)["matches.code"].failing_rows == NOT_MATCHING


@pytest.mark.parametrize("kind", ["sqlite", "postgresql", "duckdb"])
def test_a_pattern_the_backend_refuses_is_that_metrics_error(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    import pyarrow as pa

    if kind == "duckdb":
        src: Any = FrameSource(pa.table({"code": pa.array(CODES), "n": pa.array(NUMBERS)}))
    elif kind == "sqlite":
        src = _sql(f"sqlite:///{tmp_path / 'w.db'}")
    else:
        src = _sql(request.getfixturevalue("pg_url"))
    broken = m.CountWhere(m.Regex("code", "AB-(["))
    values = compute(src, None, [broken, m.Max("n"), m.Moments("n")])
    with pytest.raises(m.MetricError, match=f"^{kind}: ") as info:
        values.get(broken)
    assert "\n" not in str(info.value)
    assert values.get(m.Max("n")) == 700.0 and values.get(m.Moments("n"))[None].moments.n == 6
