"""duckdb-engine's SQLAlchemy dialect without the DuckDB databases it opens only to probe
(docs/adr/0152): SQLAlchemy loads this module for a ``duckdb://`` URL (``dialects`` registers
it), so importing it costs nothing until a DuckDB engine is made.

duckdb-engine opens two in-memory databases besides the one asked for: at engine creation,
DuckDB's default connection to list its reserved keywords; at the first connection, another one
to list DuckDB's settings (which configuration keys go to ``duckdb.connect``, which to a ``SET``
after it). Here the keywords are read from the first connection itself, and a configuration of
known DuckDB settings goes to ``duckdb.connect`` without the list. The statements compiled are
the same: the same compiler, the same reserved words (tests/engine/test_duck_dialect.py).
"""

from __future__ import annotations

from typing import Any

import duckdb_engine

# DuckDB settings (listed by ``duckdb_settings()``, tests/engine/test_duck_dialect.py) that may
# go to ``duckdb.connect`` without asking DuckDB; any other key takes duckdb-engine's own path
CORE_SETTINGS = frozenset(
    {
        "access_mode",
        "custom_user_agent",
        "disabled_optimizers",
        "memory_limit",
        "preserve_insertion_order",
        "temp_directory",
        "threads",
    }
)
RESERVED = "select keyword_name from duckdb_keywords() where keyword_category == 'reserved'"


class Preparer(duckdb_engine.DuckDBIdentifierPreparer):
    """duckdb-engine's preparer, its reserved words added (as duckdb-engine adds them, to the
    same set) at the dialect's first connection instead of through DuckDB's default one."""

    def __init__(self, dialect: Any, **kwargs: Any) -> None:
        # the parent's parent (PostgreSQL's preparer): the parent's own __init__ probes
        super(duckdb_engine.DuckDBIdentifierPreparer, self).__init__(dialect, **kwargs)
        self.keywords_known = False

    def learn_keywords(self, con: Any) -> None:
        if not self.keywords_known:
            self.reserved_words.update(k for (k,) in con.execute(RESERVED).fetchall())
            self.keywords_known = True

    def _requires_quotes(self, value: str) -> bool:
        if not self.keywords_known:  # compiled before any connection: ask as duckdb-engine does
            import duckdb

            self.learn_keywords(duckdb.cursor())
        return bool(super()._requires_quotes(value))


class DuckDialect(duckdb_engine.Dialect):
    """duckdb-engine's dialect (name ``duckdb``), connecting without its probes."""

    preparer = Preparer
    supports_statement_cache = False  # as duckdb-engine's; else SQLAlchemy warns at each run
    identifier_preparer: Preparer

    def connect(self, *cargs: Any, **cparams: Any) -> Any:
        config = dict(cparams.get("config", {}))
        config.update(cparams.get("url_config", {}))
        plain = not cparams.get("preload_extensions") and not cparams.get("register_filesystems")
        plain = plain and duckdb_engine.supports_user_agent  # DuckDB 0.9.2 or later
        if not plain or not set(config) <= CORE_SETTINGS:
            conn = super().connect(*cargs, **cparams)  # duckdb-engine's path, settings listed
        else:
            import duckdb

            cparams = {k: v for k, v in cparams.items() if k != "url_config"}
            versions = (duckdb_engine.__version__, duckdb_engine.sqlalchemy_version)
            user_agent = "duckdb_engine/{}(sqlalchemy/{})".format(*versions)  # as duckdb-engine's
            if "custom_user_agent" in config:
                user_agent = f"{user_agent} {config['custom_user_agent']}"
            cparams["config"] = config | {"custom_user_agent": user_agent}
            conn = duckdb_engine.ConnectionWrapper(duckdb.connect(*cargs, **cparams))
        self.identifier_preparer.learn_keywords(conn)
        return conn
