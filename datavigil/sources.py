"""Sources read one partition in chunks, so memory does not grow with the partition's size.

A source never judges data; it only turns "not reachable / not readable" into SourceUnavailable
(exit 3, retryable) and a misconfiguration it can only see at run time into SuiteError (exit 2).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datavigil import config
from datavigil.batch import Chunk
from datavigil.errors import SourceUnavailable, SuiteError
from datavigil.suite import Partition
from datavigil.window import Window

if TYPE_CHECKING:
    import pyarrow as pa
    import sqlalchemy as sa


def first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


@dataclass(frozen=True, slots=True)
class SqlSource:
    """A table (or a SELECT) reached through SQLAlchemy: ``url`` (``{home}`` expands to
    DATAVIGIL_HOME) or, inside Airflow, ``conn_id``. The partition filter uses bound parameters
    and quoted identifiers; a query is wrapped as a subquery."""

    table: str | None = None
    query: str | None = None
    url: str | None = None
    conn_id: str | None = None
    db_schema: str | None = None

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        if bool(self.table) == bool(self.query):
            out.append("SqlSource needs exactly one of table= or query=")
        if bool(self.url) == bool(self.conn_id):
            out.append("SqlSource needs exactly one of url= or conn_id=")
        if self.query and not self.query.lstrip().lower().startswith(("select", "with")):
            out.append("SqlSource query must be a SELECT")
        return out

    @property
    def label(self) -> str:
        return f"table '{self.table}'" if self.table else "query"

    def resolved_url(self) -> str:
        return config.expand(self.url) if self.url else config.connection_url(str(self.conn_id))

    def engine(self) -> sa.Engine:
        import sqlalchemy as sa

        return sa.create_engine(self.resolved_url(), pool_pre_ping=True)

    def _table(self, conn: sa.Connection, suite: str) -> sa.Table:
        import sqlalchemy as sa

        try:
            return sa.Table(
                str(self.table), sa.MetaData(), schema=self.db_schema, autoload_with=conn
            )
        except sa.exc.NoSuchTableError:
            raise SourceUnavailable(
                f"suite '{suite}': source table '{self.table}' not found"
            ) from None

    def _statement(
        self, conn: sa.Connection, suite: str, window: Window, partition: Partition | None
    ) -> sa.Select:
        import sqlalchemy as sa

        if self.query:
            src = sa.select(sa.text("*")).select_from(sa.text(f"({self.query}) AS src"))
            if partition is None:
                return src
            col: Any = sa.column(partition.column)
            if _is_timestamptz(conn, self.query, partition.column):
                start, end = _bind(window.start, window.end)
            else:
                start, end = _naive_bounds(conn, window, partition)
            return src.where(col >= start, col < end)
        table = self._table(conn, suite)
        stmt = sa.select(table)
        if partition is None:
            return stmt
        if partition.column not in table.c:
            raise SuiteError(
                suite, "partition.column", f"'{partition.column}' is not a column of {self.label}"
            )
        return stmt.where(*_day_filter(table.c[partition.column], window, partition, conn))

    def read(
        self, suite: str, window: Window, partition: Partition | None, chunk_size: int
    ) -> Iterator[Chunk]:
        import sqlalchemy as sa

        try:
            engine = self.engine()
            with engine.connect() as conn:
                stmt = self._statement(conn, suite, window, partition)
                result = conn.execution_options(stream_results=True).execute(stmt)
                keys = list(result.keys())
                for rows in result.partitions(chunk_size):
                    yield _rows_to_chunk(keys, rows)
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None
        except ModuleNotFoundError as exc:
            raise SourceUnavailable(f"suite '{suite}': source driver missing: {exc}") from None

    def column_types(self, suite: str) -> dict[str, str]:
        """Column name -> database type, for the schema fingerprint (no rows read)."""
        import sqlalchemy as sa

        try:
            with self.engine().connect() as conn:
                if self.query:
                    res = conn.execute(sa.text(f"SELECT * FROM ({self.query}) AS src LIMIT 0"))
                    return {k: "?" for k in res.keys()}
                table = self._table(conn, suite)
                return {c.name: str(c.type) for c in table.columns}
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label}: {first_line(exc)}"
            ) from None


def _is_timestamptz(conn: Any, query: str, column: str) -> bool:
    """Whether a query's partition column is PostgreSQL ``timestamptz``: it is then compared with
    aware bounds, since naive ones would be read in the session's TimeZone."""
    import sqlalchemy as sa

    if conn.dialect.name != "postgresql":
        return False
    probe: Any = sa.select(sa.column(column)).select_from(sa.text(f"({query}) AS src")).limit(0)
    description = conn.execute(probe).cursor.description
    return bool(description) and description[0][1] == 1184  # the timestamptz type OID


def _day_filter(col: Any, window: Window, partition: Partition, conn: Any = None) -> list[Any]:
    """The partition condition on a table column; pass ``conn`` so that SQLite's text
    timestamps are compared right (see _naive_bounds)."""
    import sqlalchemy as sa

    if isinstance(col.type, sa.Date) and not isinstance(col.type, sa.DateTime):
        return [col == window.day]
    if isinstance(col.type, sa.DateTime) and col.type.timezone:
        start, end = _bind(window.start, window.end)
    else:
        start, end = _naive_bounds(conn, window, partition)
    return [col >= start, col < end]


def _bind(start: Any, end: Any) -> tuple[Any, Any]:
    import sqlalchemy as sa

    text = sa.String() if isinstance(start, str) else None
    return (
        sa.bindparam("p_start", start, type_=text, unique=True),
        sa.bindparam("p_end", end, type_=text, unique=True),
    )


def _naive_bounds(conn: Any, window: Window, partition: Partition) -> tuple[Any, Any]:
    """Bound parameters for a naive timestamp column. SQLite stores timestamps as text, with or
    without a fraction ('2013-03-10 05:00:00[.000000]'); bounds as text without one compare
    right with both, where datetime bounds (always with a fraction) move midnight's rows to the
    previous day."""
    start, end = window.bounds_in(partition.column_timezone)
    if conn is not None and conn.dialect.name == "sqlite":
        return _bind(f"{start:%Y-%m-%d %H:%M:%S}", f"{end:%Y-%m-%d %H:%M:%S}")
    return _bind(start, end)


def _rows_to_chunk(keys: list[str], rows: Sequence[Any]) -> Chunk:
    """Rows to an Arrow table (keeps NULL apart from NaN), then to pandas. A column whose values
    the database stored with mixed types (SQLite allows it) stays as Python objects, so that the
    schema check reports it instead of the read failing."""
    import pandas as pd
    import pyarrow as pa

    columns = list(zip(*rows, strict=True)) if rows else [() for _ in keys]
    arrays, fallback = [], {}
    for key, values in zip(keys, columns, strict=True):
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
            arrays.append(pa.nulls(len(values)))
            fallback[key] = pd.Series(values, dtype=object)
    chunk = Chunk.from_arrow(pa.Table.from_arrays(arrays, names=keys))
    for key, series in fallback.items():
        chunk.frame[key] = series
        chunk.nulls[key] = int(series.isna().sum())
    return chunk


@dataclass(frozen=True, slots=True)
class FileSource:
    """Parquet or CSV files from a path template on the partition's day, e.g.
    ``"{home}/data/flights/{date:%Y-%m-%d}.parquet"``; a relative path is under DATAVIGIL_HOME."""

    path: str
    format: str = "auto"  # parquet | csv | auto (by extension)

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        if "{date" not in self.path and "{ds}" not in self.path:
            out.append("FileSource path needs {date:...} or {ds} to select the run's partition")
        if self.format not in ("auto", "parquet", "csv"):
            out.append(f"FileSource format must be parquet, csv or auto, got '{self.format}'")
        if partition is not None:
            out.append("FileSource selects the partition by its path template; drop partition=")
        return out

    @property
    def label(self) -> str:
        return f"file '{self.path}'"

    def resolve(self, window: Window) -> Path:
        path = Path(config.expand(self.path).format(date=window.day, ds=window.day.isoformat()))
        return path if path.is_absolute() else config.home() / path

    def _format(self, path: Path) -> str:
        if self.format != "auto":
            return self.format
        return "csv" if path.suffix.lower() in (".csv", ".gz") else "parquet"

    def read(
        self, suite: str, window: Window, partition: Partition | None, chunk_size: int
    ) -> Iterator[Chunk]:
        import pyarrow as pa

        path = self.resolve(window)
        if not path.is_file():
            raise SourceUnavailable(f"suite '{suite}': file {path} not found")
        try:
            yield from (Chunk.from_arrow(b) for b in self._batches(path, chunk_size))
        except (pa.ArrowException, OSError) as exc:
            raise SourceUnavailable(
                f"suite '{suite}': file {path} unreadable: {first_line(exc)}"
            ) from None

    def _batches(self, path: Path, chunk_size: int) -> Iterator[pa.RecordBatch]:
        import pyarrow.csv as pacsv
        import pyarrow.parquet as pq

        if self._format(path) == "parquet":
            yield from pq.ParquetFile(path).iter_batches(batch_size=chunk_size)
            return
        opts = pacsv.ReadOptions(block_size=1 << 22)
        for batch in pacsv.open_csv(path, read_options=opts):  # blocks are sized in bytes
            for start in range(0, batch.num_rows, chunk_size):
                yield batch.slice(start, chunk_size)

    def column_types(self, suite: str, window: Window) -> dict[str, str]:
        import pyarrow.parquet as pq

        path = self.resolve(window)
        if not path.is_file():
            raise SourceUnavailable(f"suite '{suite}': file {path} not found")
        if self._format(path) == "parquet":
            return {f.name: str(f.type) for f in pq.read_schema(path)}
        first = next(self._batches(path, 1000), None)
        return {f.name: str(f.type) for f in first.schema} if first is not None else {}
