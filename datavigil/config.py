"""Settings from the environment: where the project's files live, where results go."""

from __future__ import annotations

import os
from pathlib import Path

from datavigil.errors import SettingError

PROJECT_ROOT = Path(__file__).resolve().parents[1]
RESULTS_CONN_ID = "datavigil_results"


def home() -> Path:
    """DATAVIGIL_HOME (default: the project root). Never the task's working directory."""
    value = os.environ.get("DATAVIGIL_HOME")
    if not value:
        return PROJECT_ROOT
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise SettingError(f"DATAVIGIL_HOME must be an absolute path, got '{value}'")
    return path


def schemas_dir() -> Path:
    """Where suites are discovered: DATAVIGIL_SCHEMAS_DIR, else <project>/schemas."""
    value = os.environ.get("DATAVIGIL_SCHEMAS_DIR")
    return Path(value).expanduser().resolve() if value else PROJECT_ROOT / "schemas"


def expand(text: str) -> str:
    """Substitute ``{home}`` in URLs and path templates with DATAVIGIL_HOME."""
    return text.replace("{home}", str(home()))


def connection_url(conn_id: str) -> str:
    """A SQLAlchemy URL for an Airflow connection (only callable where Airflow is installed).

    ``conn.get_uri()`` is not usable as a SQLAlchemy URL (postgres:// scheme, percent-encoded
    sqlite paths), so the URL is built from the parts; ``extra.sqlalchemy_url`` wins if set.
    """
    from airflow.sdk import BaseHook
    from sqlalchemy import URL

    try:
        conn = BaseHook.get_connection(conn_id)
    except Exception as exc:
        raise SettingError(f"Airflow connection '{conn_id}' is not defined: {exc}") from None
    explicit = conn.extra_dejson.get("sqlalchemy_url")
    if explicit:
        return expand(str(explicit))
    drivers = {
        "postgres": "postgresql+psycopg",
        "postgresql": "postgresql+psycopg",
        "sqlite": "sqlite",
        "mysql": "mysql",
    }
    driver = drivers.get(conn.conn_type or "")
    if driver is None:
        raise SettingError(f"Airflow connection '{conn_id}': unsupported type '{conn.conn_type}'")
    if driver == "sqlite":
        return f"sqlite:///{conn.host}"
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
    value = os.environ.get("DATAVIGIL_RESULTS_URL")
    if value:
        return expand(value)
    if os.environ.get(f"AIRFLOW_CONN_{RESULTS_CONN_ID.upper()}") or _inside_airflow_task():
        try:
            return connection_url(RESULTS_CONN_ID)
        except SettingError:
            if os.environ.get(f"AIRFLOW_CONN_{RESULTS_CONN_ID.upper()}"):
                raise
    return f"sqlite:///{home() / '.datavigil' / 'results.db'}"


def _inside_airflow_task() -> bool:
    return bool(os.environ.get("AIRFLOW_CTX_DAG_ID"))
