"""The SQLAlchemy dialect of Spark Connect (``sc://host:15002``) and of a live SparkSession:
PyHive's ``hive`` dialect (the compiler, identifier quoting and ``DESCRIBE`` reflection the
Thrift route uses) over the DB-API adapter of ``spark_dbapi``. Its name is ``spark``, so the
compiler gives it Spark's capabilities (``datavigil.engine.dialects.SPARK``) and its errors read
``spark: ...``.

Registered with SQLAlchemy as ``sc`` when this module is imported (and, for an installed
datavigil, as the ``sqlalchemy.dialects`` entry point ``sc``). Imports PyHive: the ``spark`` extra.
"""

from __future__ import annotations

import functools
from types import ModuleType
from typing import Any

import sqlalchemy as sa
from pyhive.sqlalchemy_hive import HiveDialect, HiveTimestamp, _type_map
from sqlalchemy.dialects import registry

SCHEME = "sc"


@functools.cache
def _local_timestamp() -> Any:
    """Spark's TIMESTAMP_NTZ, a naive timestamp (values arrive as datetimes, read as they are)."""
    return type("SparkLocalTimestamp", (HiveTimestamp,), {"cache_ok": True})


class SparkConnectDialect(HiveDialect):  # type: ignore[misc]
    """Spark SQL through a SparkSession: statements as PyHive compiles them for Thrift."""

    name = "spark"
    driver = "connect"
    supports_statement_cache = False

    @classmethod
    def import_dbapi(cls) -> ModuleType:
        from datavigil.engine.sources import spark_dbapi

        return spark_dbapi

    @classmethod
    def dbapi(cls) -> ModuleType:  # type: ignore[override]
        return cls.import_dbapi()

    def create_connect_args(self, url: sa.URL) -> tuple[list[Any], dict[str, Any]]:
        if not url.host:
            return [], {}  # a live session: given in connect_args
        tail = f"/{url.database}" if url.database else ""
        return [], {"remote": f"sc://{url.host}:{url.port or 15002}{tail}"}

    def get_columns(self, connection: Any, table_name: str, schema: Any = None, **kw: Any) -> Any:
        _type_map.setdefault("timestamp_ntz", _local_timestamp())
        return super().get_columns(connection, table_name, schema, **kw)

    def _get_server_version_info(self, connection: Any) -> tuple[int, ...]:
        return ()

    def _get_default_schema_name(self, connection: Any) -> str | None:
        return None

    def do_ping(self, dbapi_connection: Any) -> bool:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        return True


registry.register(SCHEME, __name__, "SparkConnectDialect")


def new_engine(url: str | None, session: Any = None) -> sa.Engine:
    """An engine over a new Spark Connect session per connection (``url``) or over ``session``."""
    if session is not None:
        return sa.create_engine(f"{SCHEME}://", connect_args={"session": session})
    return sa.create_engine(str(url))
