"""Bad-input catalogue, part 3: missing, empty, corrupt and mistyped sources. A source that
cannot be read is infrastructure: exit 3 and one `source.read` error row (never a check
result); data that is wrong is a verdict: exit 1 with the failing rows stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.badinput.harness import EMPTY, Case, Project, params, play

SOURCE_ERROR = {("error", "source.read", "error")}
SRC = 'SqlSource(table="orders", url="{db}")'


def sql(url: str, table: str = "orders") -> object:
    def setup(p: Project) -> None:
        p.suite(**{SRC: f'SqlSource(table="{table}", url="{url}")'})

    return setup


def file_source(ext: str, content: bytes | None, directory: bool = False) -> object:
    """A FileSource suite over data/<day>.<ext>; ``content`` is written there (None: no file;
    ``directory``: the day's path is a directory holding it)."""

    def setup(p: Project) -> None:
        p.suite(**{SRC: f'FileSource("data/{{ds}}.{ext}")', 'partition=Partition("ts"),': ""})
        target = p.root / "data" / f"2024-05-01.{ext}"
        if directory:
            target = target / "part-0"
        target.parent.mkdir(parents=True, exist_ok=True)
        if content is not None:
            target.write_bytes(content)

    return setup


def missing_file_not_created(p: Project) -> None:
    assert p.rows() == SOURCE_ERROR
    assert not (p.root / "missing.db").exists(), "a mistyped SQLite path created a file"


def empty_stays_empty(p: Project) -> None:
    assert p.rows() == SOURCE_ERROR
    assert (p.root / "empty.db").stat().st_size == 0


def write_parquet_with_text_ids(p: Project) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    model = (
        "import pandera.pandas as pa\nfrom pandera.typing import Series\n\n"
        "class Orders(pa.DataFrameModel):\n    id: Series[int]\n"
        "    amount: Series[float] = pa.Field(nullable=True)\n"
    )
    source = 'FileSource("data/{ds}.parquet"), model=Orders'
    path = p.suite(**{SRC: source, 'partition=Partition("ts"),': ""})
    path.write_text(model + path.read_text())
    (p.root / "data").mkdir()
    table = pa.table({"id": ["a1", "a2"], "amount": [1.0, 2.0]})
    pq.write_table(table, p.root / "data" / "2024-05-01.parquet")


def schema_failed(p: Project) -> None:
    failed = {name for status, name, st in p.rows() if st == "fail"}
    assert "schema" in failed and any(n.startswith("schema.id.") for n in failed), failed
    assert {status for status, _, _ in p.rows()} == {"fail"}


def text_amounts(p: Project) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(p.db)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET amount = 'abc' WHERE id = 1"))
    engine.dispose()
    p.suite()


def range_failed_on_text(p: Project) -> None:
    """A text value in a REAL column (SQLite stores it) fails the range with the value shown:
    the data is bad, and the source is left as it was."""
    rows = p.rows()
    assert ("fail", "ranges.amount", "fail") in rows, rows
    assert p.warehouse_rows() == 8


CASES = [
    Case(
        "sqlite-file-missing",
        3,
        ("suite 'orders'", "source"),
        sql("sqlite:///{home}/missing.db"),
        written=missing_file_not_created,
    ),
    Case(
        "sqlite-file-empty",
        3,
        ("suite 'orders'", "source table 'orders' not found"),
        lambda p: ((p.root / "empty.db").touch(), sql("sqlite:///{home}/empty.db")(p))[1],
        written=empty_stays_empty,
    ),
    Case(
        "sqlite-file-corrupt",
        3,
        ("suite 'orders'", "not a database"),
        lambda p: ((p.root / "bad.db").write_bytes(b"x" * 4096), sql("sqlite:///{home}/bad.db")(p))[
            1
        ],
        written=SOURCE_ERROR,
    ),
    Case(
        "sqlite-path-is-directory",
        3,
        ("suite 'orders'", "source"),
        sql("sqlite:///{home}/schemas"),
        written=SOURCE_ERROR,
    ),
    Case(
        "table-missing",
        3,
        ("suite 'orders'", "'nope' not found"),
        sql("{db}", "nope"),
        written=SOURCE_ERROR,
    ),
    Case(
        "partition-column-missing",
        2,
        ("suite 'orders'", "partition.column", "'tss' is not a column"),
        lambda p: p.suite(**{'Partition("ts")': 'Partition("tss")'}) and None,
    ),
    Case(
        "query-bad-sql",
        3,
        ("suite 'orders'", "source query could not be read"),
        lambda p: p.suite(**{'table="orders"': 'query="SELECT * FROM nope"'}) and None,
        written=SOURCE_ERROR,
    ),
    Case(
        "empty-partition",
        1,
        (),
        lambda p: (p.suite(), ["validate", "orders", "--date", EMPTY])[1],
        written={
            ("fail", "row_count", "fail"),
            ("fail", "nulls.amount", "skipped"),
            ("fail", "ranges.amount", "skipped"),
            ("fail", "unique.id", "skipped"),
        },
        out="is empty",
    ),
    Case("text-in-a-number-column", 1, (), text_amounts, written=range_failed_on_text, out="abc"),
    Case(
        "parquet-missing",
        3,
        ("suite 'orders'", "not found"),
        file_source("parquet", None),
        written=SOURCE_ERROR,
    ),
    Case(
        "parquet-empty",
        3,
        ("suite 'orders'", "could not be read"),
        file_source("parquet", b""),
        written=SOURCE_ERROR,
    ),
    Case(
        "parquet-corrupt",
        3,
        ("suite 'orders'", "could not be read"),
        file_source("parquet", b"PAR1 this is not parquet PAR1"),
        written=SOURCE_ERROR,
    ),
    Case(
        "parquet-is-directory",
        3,
        ("suite 'orders'", "not found"),
        file_source("parquet", b"", directory=True),
        written=SOURCE_ERROR,
    ),
    Case("parquet-wrong-types", 1, (), write_parquet_with_text_ids, written=schema_failed),
    Case(
        "csv-empty",
        3,
        ("suite 'orders'", "could not be read"),
        file_source("csv", b""),
        written=SOURCE_ERROR,
    ),
    Case(
        "csv-ragged",
        3,
        ("suite 'orders'", "could not be read"),
        file_source("csv", b"id,amount\n1,2.0\n3,4.0,5,6\n"),
        written=SOURCE_ERROR,
    ),
    Case(
        "source-server-down",
        3,
        ("suite 'orders'", "source table 'orders' could not be read"),
        sql("postgresql+psycopg://dv@127.0.0.1:1/wh?connect_timeout=3"),
        written=SOURCE_ERROR,
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_source(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))
