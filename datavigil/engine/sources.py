"""Sources say where the data is; the engine (datavigil.engine) computes every metric there.

A source never judges data; it only turns "not reachable / not readable" into SourceUnavailable
(exit 3, retryable) and a misconfiguration it can only see at run time into SuiteError (exit 2).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datavigil.core import config
from datavigil.core.errors import SourceUnavailable, SuiteError
from datavigil.declare.suite import Partition
from datavigil.declare.window import Window

if TYPE_CHECKING:
    import sqlalchemy as sa


PG_OIDS = {
    16: "bool", 20: "int", 21: "int", 23: "int", 700: "float", 701: "float", 1700: "float",
    25: "str", 1043: "str", 1042: "str", 1082: "date", 1114: "datetime", 1184: "datetime_tz",
}  # fmt: skip  # PostgreSQL type OIDs of a query's columns


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
        if isinstance(self.url, str) and self.url:
            problem = config.url_problem(config.expand(self.url))
            if problem:
                out.append(f"url: {problem}")
        return out

    @property
    def label(self) -> str:
        return f"table '{self.table}'" if self.table else "query"

    @property
    def query_text(self) -> str:
        """The query as a subquery's text: without the trailing semicolon users often write."""
        return str(self.query).strip().rstrip(";").rstrip()

    def resolved_url(self) -> str:
        return config.expand(self.url) if self.url else config.connection_url(str(self.conn_id))

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

    def engine(self, suite: str = "?") -> sa.Engine:
        """An engine for the source; an SQLite file is opened read-only and must exist, so a
        mistyped path is "not found" and never creates an empty database."""
        import sqlalchemy as sa

        try:
            url = sa.make_url(self.resolved_url())
        except sa.exc.ArgumentError:
            raise SuiteError(suite, "source", "url is not a SQLAlchemy URL") from None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            path = Path(url.database)
            if not path.is_file():
                raise SourceUnavailable(f"suite '{suite}': source database {path} not found")
            url = url.set(database=f"file:{path}", query={"mode": "ro", "uri": "true"})
        return sa.create_engine(url, pool_pre_ping=True)

    def from_clause(self, conn: sa.Connection, suite: str) -> tuple[Any, dict[str, Any]]:
        """The FROM clause (the table, or the query as a subquery) and its columns."""
        import sqlalchemy as sa

        from datavigil.engine.compile import Column
        from datavigil.engine.dialects import sql_family

        if self.query:
            probe = conn.execute(sa.text(f"SELECT * FROM ({self.query_text}) AS src LIMIT 0"))
            names = list(probe.keys())
            codes: list[Any] = (
                [d[1] for d in (probe.cursor.description or [])] if probe.cursor else []
            )
            frm = (
                sa.text(f"({self.query_text})")
                .columns(*[sa.column(n) for n in names])
                .subquery("src")
            )
            fams = [PG_OIDS.get(code, "other") for code in codes] or ["other"] * len(names)
            cols = {n: Column(n, f, "?") for n, f in zip(names, fams, strict=False)}
            return frm, cols
        table = self._table(conn, suite)
        cols = {
            col.name: Column(col.name, sql_family(col.type), str(col.type)) for col in table.columns
        }
        return table, cols

    def column_types(self, suite: str) -> dict[str, str]:
        """Column name -> database type, for the schema fingerprint (no rows read)."""
        import sqlalchemy as sa

        engine = self.engine(suite)
        try:
            with engine.connect() as conn:
                if self.query:
                    res = conn.execute(sa.text(f"SELECT * FROM ({self.query_text}) AS src LIMIT 0"))
                    return {k: "?" for k in res.keys()}
                table = self._table(conn, suite)
                return {c.name: str(c.type) for c in table.columns}
        except sa.exc.SQLAlchemyError as exc:
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label}: {first_line(exc)}"
            ) from None
        finally:  # no pooled connection left behind
            engine.dispose()


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


@dataclass(frozen=True, slots=True)
class FileSource:
    """Parquet or CSV files (comma-separated, with a header row), scanned by DuckDB in
    process. ``path`` is one of:

    * a template on the partition's day: ``"{home}/data/flights/{date:%Y-%m-%d}.parquet"``;
    * one file, a glob (``data/*.parquet``) or a directory (every file of the format in it);
    * with ``partitioning="hive"``, a Hive dataset (``ds=2013-02-08/part-0.parquet``) whose
      key is the suite's ``partition`` column, selected inside the scan;
    * an object-storage URL (``s3://bucket/prefix``) read through pyarrow's filesystems;
      ``storage_options`` go to ``pyarrow.fs.S3FileSystem`` (endpoint_override, scheme, region,
      access_key, secret_key; credentials default to the AWS environment variables).

    A relative path is under DATAVIGIL_HOME. Without a ``{date}`` template the suite's
    ``partition`` (a timestamp, date or key column) selects the day; without either, the whole
    dataset is one partition.
    """

    path: str
    format: str = "auto"  # parquet | csv | auto (by extension)
    partitioning: str | None = None  # None | "hive"
    # credentials may be in here: never in a repr (logs, tracebacks, Airflow's rendering)
    storage_options: tuple[tuple[str, Any], ...] | dict[str, Any] = field(default=(), repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.storage_options, dict):
            object.__setattr__(self, "storage_options", tuple(sorted(self.storage_options.items())))

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        if not isinstance(self.path, str) or not self.path.strip():
            return ["FileSource path must be a non-empty string"]
        if self.format not in ("auto", "parquet", "csv"):
            out.append(f"FileSource format must be parquet, csv or auto, got '{self.format}'")
        if self.partitioning not in (None, "hive"):
            out.append(f"FileSource partitioning must be None or 'hive', got {self.partitioning!r}")
        if self.templated and partition is not None:
            out.append("FileSource selects the partition by its {date} template; drop partition=")
        if self.partitioning == "hive" and partition is None:
            out.append("a Hive dataset needs partition=Partition(column=<the partition key>)")
        return out

    @property
    def templated(self) -> bool:
        return "{date" in self.path or "{ds}" in self.path

    @property
    def remote(self) -> bool:
        return "://" in self.path and not self.path.startswith("file://")

    @property
    def label(self) -> str:
        return f"file '{self.path}'"

    def resolve(self, window: Window) -> Path:
        path = Path(config.expand(self.path).format(date=window.day, ds=window.day.isoformat()))
        return path if path.is_absolute() else config.home() / path

    def _format(self, path: str) -> str:
        if self.format != "auto":
            return self.format
        return "csv" if path.lower().endswith((".csv", ".csv.gz")) else "parquet"

    def files(self, suite: str, window: Window | None) -> list[str]:
        """The local files of the scan (template days, glob, directory or one file)."""
        import glob

        if self.templated:
            if window is None:
                raise SuiteError(suite, "source", "a {date} template needs a partition day")
            days = [replace_day(window, d) for d in window.days]
            found = [str(self.resolve(w)) for w in days if self.resolve(w).is_file()]
            if not found:
                raise SourceUnavailable(f"suite '{suite}': file {self.resolve(window)} not found")
            return found
        base = Path(config.expand(self.path).removeprefix("file://"))  # a file:// URL too
        base = base if base.is_absolute() else config.home() / base
        if any(ch in str(base) for ch in "*?["):
            found = sorted(glob.glob(str(base), recursive=True))
            if not found:
                raise SourceUnavailable(f"suite '{suite}': glob {base} matches no file")
            return found
        if base.is_dir():
            return _directory_files(suite, base, self.format)
        if not base.is_file():
            raise SourceUnavailable(f"suite '{suite}': file {base} not found")
        return [str(base)]

    def relation(self, con: Any, suite: str, window: Window | None, partition: Any) -> Any:
        """A DuckDB relation over the files (local: DuckDB's own readers; object storage:
        a pyarrow dataset that DuckDB scans with projection and filter push-down)."""
        if self.remote:
            return con.from_arrow(self._remote_dataset(suite, window, partition))
        files = self.files(suite, window)
        if self.partitioning == "hive" and window is not None and partition is not None:
            files = _hive_select(suite, self.label, files, partition.column, window)
        empty = [f for f in files if Path(f).stat().st_size == 0]
        if empty:  # a zero-byte file is a broken write, not an empty partition
            raise SourceUnavailable(f"suite '{suite}': file {empty[0]} could not be read: empty")
        hive = self.partitioning == "hive"
        if self._format(files[0]) == "csv":  # comma-separated with a header, as documented:
            # a sniffed dialect would read a ragged file as one text column instead of failing
            return con.read_csv(files, hive_partitioning=hive, sep=",", header=True)
        return con.read_parquet(files, hive_partitioning=hive)

    def _remote_dataset(self, suite: str, window: Window | None, partition: Any) -> Any:
        """A pyarrow dataset over the objects of the scan: listed (no object is opened), the
        window's Hive partitions chosen from their keys, then opened, so the other days'
        objects are never fetched (not even for the schema)."""
        import pyarrow.dataset as ds

        fs, root = self._filesystem(suite)
        hive = self.partitioning == "hive"
        roots = self._remote_roots(suite, root, window)
        try:
            files = [f for r in roots for f in _object_files(fs, r)]
            if not files:
                why = _absent(fs, roots[0])
                raise SourceUnavailable(f"suite '{suite}': source {self.label} {why}")
            if hive and window is not None and partition is not None:
                files = _hive_select(suite, self.label, files, partition.column, window)
            return ds.dataset(
                files, filesystem=fs, format=self._format(files[0]),
                partitioning=ds.partitioning(flavor="hive") if hive else None,
                partition_base_dir=None if self.templated else root,
            )  # fmt: skip
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None

    def _remote_roots(self, suite: str, root: str, window: Window | None) -> list[str]:
        """The object paths of the scan: the root, or a {date} template's path per day."""
        if not self.templated:
            return [root]
        if window is None:
            raise SuiteError(suite, "source", "a {date} template needs a partition day")
        return [root.format(date=d, ds=d.isoformat()) for d in window.days]

    def _filesystem(self, suite: str) -> tuple[Any, str]:
        import pyarrow.fs as pafs

        scheme, _, rest = self.path.partition("://")
        options = dict(self.storage_options)
        if scheme == "s3":
            try:
                return pafs.S3FileSystem(**options), rest.rstrip("/")
            except TypeError as exc:
                raise SuiteError(suite, "source.storage_options", first_line(exc)) from None
        try:
            fs, root = pafs.FileSystem.from_uri(self.path)
        except (OSError, ValueError) as exc:
            raise SuiteError(
                suite, "source", f"unsupported storage URL: {first_line(exc)}"
            ) from None
        return fs, root

    def column_types(self, suite: str, window: Window | None) -> dict[str, str]:
        import duckdb

        from datavigil.engine.dialects import duck_engine

        engine = duck_engine()
        try:
            with engine.connect() as conn:
                rel = self.relation(conn.connection.dbapi_connection, suite, window, None)
                return {n: str(t) for n, t in zip(rel.columns, rel.types, strict=True)}
        except (OSError, duckdb.Error) as exc:  # a corrupt file: DuckDB's error, not a crash
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None
        finally:
            engine.dispose()


def _directory_files(suite: str, base: Path, fmt: str) -> list[str]:
    """The data files of a directory: of the format, or with "auto" the Parquet files if
    there are any, else the CSV files."""
    exts = {"parquet": [".parquet"], "csv": [".csv"]}.get(fmt, [".parquet", ".csv"])
    for ext in exts:
        found = sorted(str(p) for p in base.rglob(f"*{ext}") if p.is_file())
        if found:
            return found
    kinds = " or ".join(exts)
    raise SourceUnavailable(f"suite '{suite}': directory {base} holds no {kinds} file")


def _absent(fs: Any, root: str) -> str:
    """Why an object-storage path holds nothing: its bucket is missing, or the prefix is."""
    import pyarrow.fs as pafs

    bucket = root.split("/", 1)[0]
    if fs.get_file_info(bucket).type == pafs.FileType.NotFound:
        return f"could not be read: bucket '{bucket}' not found"
    return "holds no file"


def _object_files(fs: Any, root: str) -> list[str]:
    """The data objects under ``root`` (one object, or every object below the prefix except
    those named ``_*`` or ``.*``, as pyarrow's datasets do: _SUCCESS, _common_metadata)."""
    import pyarrow.fs as pafs

    info = fs.get_file_info(root)
    if info.type == pafs.FileType.File:
        return [info.path]
    if info.type == pafs.FileType.NotFound:
        return []
    found = fs.get_file_info(pafs.FileSelector(root, recursive=True))
    return sorted(
        i.path
        for i in found
        if i.type == pafs.FileType.File
        and not any(part.startswith(("_", ".")) for part in i.path[len(root) :].split("/"))
    )


def replace_day(window: Window, day: Any) -> Window:
    return Window.for_day(day, window.timezone)


def _hive_key(path: str, key: str) -> str | None:
    """The value of ``key`` in a Hive path (``.../ds=2013-02-08/part-0.parquet``), or None."""
    parts = path.replace("\\", "/").split("/")
    return next((p.split("=", 1)[1] for p in parts if p.startswith(key + "=")), None)


def _hive_select(suite: str, label: str, files: list[str], key: str, window: Window) -> list[str]:
    """The files of the window's ``key=YYYY-MM-DD`` partitions, chosen from their paths before
    any file is opened (the other days' files are never read). A missing day is the source's
    problem, not an empty day. Paths without ``key=`` (the partition column is a column of the
    files, not the Hive key) are all kept and filtered inside the scan."""
    if not any(_hive_key(f, key) is not None for f in files):
        return files
    wanted = {d.isoformat() for d in window.days}
    chosen = [f for f in files if _hive_key(f, key) in wanted]
    missing = sorted(wanted - {_hive_key(f, key) for f in chosen})
    if missing:
        days = ", ".join(f"{key}={d}" for d in missing)
        raise SourceUnavailable(f"suite '{suite}': source {label}: Hive partition {days} not found")
    return chosen


@dataclass(frozen=True)
class FrameSource:
    """An in-memory Arrow table or pandas frame (tests, operators): scanned by DuckDB."""

    data: Any
    name: str = "frame"

    def problems(self, partition: Partition | None) -> list[str]:
        return (
            []
            if hasattr(self.data, "schema") or hasattr(self.data, "columns")
            else ["FrameSource needs a pyarrow Table or a pandas DataFrame"]
        )

    @property
    def label(self) -> str:
        return f"in-memory {self.name}"

    def relation(self, con: Any, suite: str, window: Window | None, partition: Any) -> Any:
        import pyarrow as pa

        table = self.data if isinstance(self.data, pa.Table) else pa.Table.from_pandas(self.data)
        return con.from_arrow(table)

    def column_types(self, suite: str, window: Window | None = None) -> dict[str, str]:
        import pyarrow as pa

        table = self.data if isinstance(self.data, pa.Table) else pa.Table.from_pandas(self.data)
        return {f.name: str(f.type) for f in table.schema}
