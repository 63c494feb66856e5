"""SparkSource: a table, a Parquet path (or any format Spark reads) or a DataFrame, in Spark Connect
(``url="sc://host:15002"``) or in a running SparkSession (``session=spark``; a DataFrame brings
its own). The engine runs the same compiled statements as on the Thrift server, through
``session.sql`` (docs/adr/0143); a path or a DataFrame is a temporary view of the session for the
scan's duration, so its filters, partition pruning included, run inside Spark.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from datavigil.core.errors import SourceUnavailable, first_line
from datavigil.declare.suite import Partition
from datavigil.engine import reuse
from datavigil.engine.sources.sql import SqlSource

if TYPE_CHECKING:
    import sqlalchemy as sa

NOT_FOUND = ("TABLE_OR_VIEW_NOT_FOUND", "PATH_NOT_FOUND", "SCHEMA_NOT_FOUND")


@dataclass(frozen=True, slots=True)
class SparkSource(SqlSource):
    """What a suite reads in Spark: exactly one of ``table``, ``query`` (a SELECT), ``path`` (read
    with ``format``: parquet, delta, orc, json, csv) or ``dataframe``; and where: ``url``
    (``sc://host:port``, Spark Connect, a session opened per scan), ``conn_id`` (an Airflow
    connection holding that URL), or ``session`` (a live SparkSession, left running)."""

    path: str | None = None
    format: str = "parquet"
    dataframe: Any = field(default=None, compare=False, repr=False)
    session: Any = field(default=None, compare=False, repr=False)

    def problems(self, partition: Partition | None) -> list[str]:
        out = []
        what = [x for x in (self.table, self.query, self.path, self.dataframe) if x is not None]
        if len(what) != 1:
            out.append("SparkSource needs exactly one of table=, query=, path= or dataframe=")
        where = [x for x in (self.url, self.conn_id, self.session) if x is not None]
        if len(where) + (self.dataframe is not None) != 1:
            out.append(
                "SparkSource needs exactly one of url= (sc://host:port), conn_id= or "
                "session= (a DataFrame brings its own session)"
            )
        if self.url is not None and _url_problem(str(self.url)):
            out.append(f"SparkSource url {_url_problem(str(self.url))}")
        if self.query and not self.query.lstrip().lower().startswith(("select", "with")):
            out.append("SparkSource query must be a SELECT")
        return out

    @property
    def label(self) -> str:
        if self.path:
            return f"path '{self.path}'"
        if self.dataframe is not None:
            return "DataFrame"
        return f"table '{self.table}'" if self.table else "query"

    @property
    def live(self) -> Any:
        """The running session the source reads, or None (a Spark Connect URL)."""
        if self.dataframe is not None:
            return self.dataframe.sparkSession
        return self.session

    def resolved_url(self) -> str:
        if self.live is not None:
            return "sc://session"  # no URL: a lineage namespace only, never connected to
        return SqlSource.resolved_url(self)

    def engine(self, suite: str = "?") -> sa.Engine:
        from datavigil.engine.sources.spark_dialect import new_engine

        live = self.live
        if live is not None:
            return reuse.engine_for(f"spark-session:{id(live)}", lambda: new_engine(None, live))
        url = self.resolved_url()
        return reuse.engine_for(url, lambda: new_engine(url))

    def _view(self, conn: sa.Connection, suite: str) -> str:
        """The path or DataFrame as a temporary view of the connection's session."""
        raw: Any = conn.connection.dbapi_connection  # spark_dbapi.Connection
        key = f"{suite}:{self.path or id(self.dataframe)}:{self.format}"
        name = "datavigil_" + hashlib.sha1(key.encode()).hexdigest()[:12]
        try:
            frame = self.dataframe
            if frame is None:
                frame = raw.session.read.format(self.format).load(self.path)
            raw.temp_view(name, frame)
        except Exception as exc:  # the adapter's DB-API error, or the client's own
            if any(word in str(exc) for word in NOT_FOUND):
                raise SourceUnavailable(f"suite '{suite}': source {self.label} not found") from None
            raise SourceUnavailable(
                f"suite '{suite}': source {self.label} could not be read: {first_line(exc)}"
            ) from None
        return name

    def reflect(self, conn: sa.Connection, suite: str) -> sa.Table:
        """The table, or the path or DataFrame as a view, with its columns."""
        return self._table(conn, suite)

    def _table(self, conn: sa.Connection, suite: str) -> sa.Table:
        import sqlalchemy as sa

        if self.path is None and self.dataframe is None:
            return SqlSource._table(self, conn, suite)
        name = self._view(conn, suite)
        return sa.Table(name, sa.MetaData(), autoload_with=conn)


def _url_problem(url: str) -> str | None:
    """Why ``url`` is not a Spark Connect URL (never repeating it: it may hold a token)."""
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (a port that is not a number, or outside 1-65535, raises)
    except ValueError:
        return "has a port that is not a number from 1 to 65535"
    if parts.scheme != "sc" or not parts.hostname:
        return "must be a Spark Connect URL: sc://host:port"
    return None
