"""Settings from the environment: where the project's files live, where results go."""

from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any

from datavigil.core.errors import SettingError

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Run from its checkout (editable install, PYTHONPATH), datavigil keeps its files in the checkout
# and finds the demo's suites in schemas/. Installed from the wheel, PROJECT_ROOT is site-packages:
# DATAVIGIL_HOME and DATAVIGIL_SCHEMAS_DIR must be set (docs/adr/0130).
CHECKOUT = (PROJECT_ROOT / "pyproject.toml").is_file()
RESULTS_CONN_ID = "datavigil_results"


class ConnectionMissing(SettingError):
    """The Airflow connection is not defined (the embedded store is the fallback)."""


def home() -> Path:
    """DATAVIGIL_HOME (default: the checkout; required when installed). Never the task's working
    directory."""
    value = os.environ.get("DATAVIGIL_HOME")
    if not value:
        if not CHECKOUT:
            raise _unset("DATAVIGIL_HOME", "the folder where datavigil keeps its files")
        return PROJECT_ROOT
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise SettingError(f"DATAVIGIL_HOME must be an absolute path, got '{value}'")
    return path


def schemas_dir() -> Path:
    """Where suites are discovered: DATAVIGIL_SCHEMAS_DIR, else the checkout's schemas/ (the
    demo's suites; required when installed)."""
    value = os.environ.get("DATAVIGIL_SCHEMAS_DIR")
    if not value:
        if not CHECKOUT:
            raise _unset("DATAVIGIL_SCHEMAS_DIR", "the folder of your suite modules")
        return PROJECT_ROOT / "schemas"
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise SettingError(f"DATAVIGIL_SCHEMAS_DIR: '{value}' is not a directory")
    return path


def _unset(variable: str, what: str) -> SettingError:
    return SettingError(
        f"{variable} is not set: datavigil is installed as a package, not run from its "
        f"checkout, so set {variable} to {what} (an absolute path)"
    )


@functools.lru_cache(maxsize=64)
def url_problem(url: str) -> str | None:
    """Why ``url`` cannot name a database, or None: not a SQLAlchemy URL (or a bad port: not a
    number, or outside 1-65535), an '@'
    left in the host (an unencoded password), an unknown dialect or driver, a driver that is not
    installed, a query option libpq does not know (psycopg). A configuration problem (exit 2),
    found before anything connects; the text never repeats the URL (it may hold a password)."""
    import sqlalchemy as sa

    try:
        parsed = sa.make_url(url)
        port = parsed.port  # a non-numeric port fails here
    except (sa.exc.ArgumentError, ValueError, TypeError):
        return "is not a SQLAlchemy URL (expected dialect+driver://user@host/database)"
    if port is not None and not 1 <= port <= MAX_PORT:  # no retry can reach port 99999
        return f"has port {port}, which no server can listen on (a port is 1 to {MAX_PORT})"
    if "@" in (parsed.host or ""):
        return "has an '@' after the user name: write an '@' in the password as %40"
    name = parsed.drivername
    if parsed.get_backend_name() not in BUILTIN_DIALECTS:
        return _plugin_problem(name)  # a third-party dialect: known without importing it
    try:
        dialect = parsed.get_dialect()
    except sa.exc.NoSuchModuleError:
        return f"names an unknown database dialect or driver '{name}'"
    try:
        dbapi = dialect.import_dbapi()
    except ImportError as exc:
        return f"needs the driver of '{name}', which is not installed ({exc})"
    known = _libpq_keywords(dbapi) if parsed.get_driver_name() == "psycopg" else set()
    unknown = sorted(set(parsed.query) - known) if known else []
    if unknown:
        return f"has query options that PostgreSQL does not know: {', '.join(unknown)}"
    return None


MAX_PORT = 65535
BUILTIN_DIALECTS = ("sqlite", "postgresql", "mysql", "mariadb", "mssql", "oracle")


def _plugin_problem(name: str) -> str | None:
    """A dialect from a package (duckdb, trino, snowflake...) must be registered as a
    ``sqlalchemy.dialects`` entry point; it is imported only when it connects (a driver that
    fails then is the source's error)."""
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="sqlalchemy.dialects")}
    backend = name.split("+", 1)[0]
    if name in names or name.replace("+", ".") in names or backend in names:
        return None
    return f"names an unknown database dialect or driver '{name}'"


def _libpq_keywords(psycopg: object) -> set[str]:
    """The connection options libpq accepts (a psycopg URL's query is passed to it)."""
    try:
        defaults = psycopg.pq.Conninfo.get_defaults()  # type: ignore[attr-defined]
    except (AttributeError, psycopg.Error):  # type: ignore[attr-defined]
        return set()
    return {d.keyword.decode() for d in defaults}


def checked_url(url: str, setting: str) -> str:
    """``url`` if it is usable, else SettingError naming ``setting``."""
    problem = url_problem(url)
    if problem is not None:
        raise SettingError(f"{setting} {problem}")
    return url


def expand(text: str) -> str:
    """Substitute ``{home}`` in URLs and path templates with DATAVIGIL_HOME."""
    return text.replace("{home}", str(home()))


def connection_url(conn_id: str) -> str:
    """A SQLAlchemy URL for an Airflow connection (only callable where Airflow is installed):
    the connection as a task sees it, through ``airflow.sdk``; the rules are url_of_connection."""
    from airflow.sdk import BaseHook

    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:
        raise ConnectionMissing(f"Airflow connection '{conn_id}' is not defined: {exc}") from None
    return url_of_connection(conn, conn_id)


DRIVERS = {"postgres": "postgresql+psycopg", "postgresql": "postgresql+psycopg", "mysql": "mysql"}


def url_of_connection(conn: Any, conn_id: str) -> str:
    """The SQLAlchemy URL of an Airflow connection object (the SDK's, or the metadata database's
    in the API server): ``extra.sqlalchemy_url`` wins, else the URL is built from the parts
    (never ``conn.get_uri()``: postgres:// scheme, percent-encoded sqlite paths)."""
    from sqlalchemy import URL

    explicit = conn.extra_dejson.get("sqlalchemy_url")
    if explicit:
        return expand(str(explicit))
    if conn.conn_type == "sqlite":
        return f"sqlite:///{conn.host}"
    driver = DRIVERS.get(conn.conn_type or "")
    if driver is None:
        raise SettingError(f"Airflow connection '{conn_id}': unsupported type '{conn.conn_type}'")
    url = URL.create(
        driver,
        username=conn.login or None,
        password=conn.password or None,
        host=conn.host or None,
        port=conn.port or None,
        database=conn.schema or None,
    )
    return url.render_as_string(hide_password=False)


def results_url() -> str:
    """DATAVIGIL_RESULTS_URL, else the Airflow connection datavigil_results if it exists, else
    embedded SQLite at <DATAVIGIL_HOME>/.datavigil/results.db."""
    value = os.environ.get("DATAVIGIL_RESULTS_URL", "").strip()
    if value:
        return checked_url(expand(value), "DATAVIGIL_RESULTS_URL")
    if os.environ.get(f"AIRFLOW_CONN_{RESULTS_CONN_ID.upper()}") or _inside_airflow_task():
        try:
            url = connection_url(RESULTS_CONN_ID)
        except ConnectionMissing:
            if os.environ.get(f"AIRFLOW_CONN_{RESULTS_CONN_ID.upper()}"):
                raise
        else:  # a connection that exists but names no usable database is an error, not a fallback
            return checked_url(url, f"Airflow connection '{RESULTS_CONN_ID}'")
    return f"sqlite:///{home() / '.datavigil' / 'results.db'}"


def _inside_airflow_task() -> bool:
    return bool(os.environ.get("AIRFLOW_CTX_DAG_ID"))
