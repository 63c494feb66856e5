"""docker-compose.yml, Dockerfile and .dockerignore, checked without a Docker engine.

No engine runs here, so these tests read the files: services, healthchecks, start order, the
executor, where results go, what the image installs. Where the Docker Compose client is
installed, `compose config` validates the file too (a client-only check: nothing is started).
The PostgreSQL init script runs for real against the test server (marker `postgres`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
INIT_SCRIPT = ROOT / "docker" / "postgres-init.sh"

AIRFLOW_SERVICES = {
    "airflow-apiserver": "api-server",
    "airflow-scheduler": "scheduler",
    "airflow-dag-processor": "dag-processor",
    "airflow-triggerer": "triggerer",
}
LONG_RUNNING = ["postgres", *AIRFLOW_SERVICES]
SECRETS = {"AIRFLOW_JWT_SECRET": "test-jwt-secret", "AIRFLOW_FERNET_KEY": "test-fernet-key"}


# ---------------------------------------------------------------- helpers


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    return compose["services"]


_VAR = re.compile(r"\$\$|\$\{(\w+)(?:(:?[-?])([^}]*))?\}|\$(\w+)")


def interpolate(value: str, env: dict[str, str]) -> str:
    """Compose's variable substitution: $$, ${VAR}, ${VAR:-default}, ${VAR:?error}."""

    def one(m: re.Match[str]) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(4)
        op, arg = m.group(2), m.group(3)
        current = env.get(name)
        if op in (":-", "-"):
            return current if current or (op == "-" and current is not None) else arg
        if op in (":?", "?") and not current:
            raise KeyError(f"required variable {name}: {arg}")
        return current or ""

    return _VAR.sub(one, value)


def env_of(service: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
    """A service's environment as the container would see it, given .env values ``extra``."""
    env = {**SECRETS, **(extra or {})}
    raw = service.get("environment") or {}
    return {k: interpolate(str(v), env) for k, v in raw.items()}


def mounts(service: dict[str, Any]) -> dict[str, str]:
    """Container path -> source (a ./host path or a named volume)."""
    out = {}
    for entry in service.get("volumes", []):
        source, target = entry.split(":")[:2]
        out[target] = source
    return out


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8")
    text = re.sub(r"\\\n", " ", text)
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def copy_sources() -> dict[str, str]:
    """COPY source -> destination, options such as --chown dropped."""
    out = {}
    for keyword, rest in dockerfile_instructions():
        if keyword == "COPY":
            args = [a for a in rest.split() if not a.startswith("--")]
            for source in args[:-1]:
                out[source] = args[-1]
    return out


# ---------------------------------------------------------------- compose: topology


def default_services(services: dict[str, Any]) -> set[str]:
    """What `docker compose up` starts: the services in no profile."""
    return {name for name, service in services.items() if not service.get("profiles")}


def test_required_services_and_no_celery_by_default(services: dict[str, Any]):
    assert {"postgres", "airflow-init", *AIRFLOW_SERVICES} <= default_services(services)
    assert not {"redis", "airflow-worker", "flower"} & default_services(services)
    env = env_of(services["airflow-scheduler"])
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_airflow_service_runs_its_component_on_local_executor(services, name):
    service = services[name]
    assert service["command"] == AIRFLOW_SERVICES[name]
    env = env_of(service)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor"
    assert env["AIRFLOW__CORE__LOAD_EXAMPLES"].lower() == "false"
    assert service["user"] == "${AIRFLOW_UID:-50000}:0"


@pytest.mark.parametrize("name", LONG_RUNNING)
def test_long_running_services_have_healthchecks_and_restart(services, name):
    check = services[name].get("healthcheck")
    assert check and check.get("test"), f"{name} has no healthcheck"
    assert services[name].get("restart") in ("always", "unless-stopped")


def test_healthchecks_probe_the_right_endpoints(services):
    def probe(name: str) -> str:
        return " ".join(services[name]["healthcheck"]["test"])

    assert "pg_isready" in probe("postgres")
    assert "localhost:8080/api/v2/monitor/health" in probe("airflow-apiserver")
    assert "localhost:8974/health" in probe("airflow-scheduler")
    assert "--job-type DagProcessorJob" in probe("airflow-dag-processor")
    assert "--job-type TriggererJob" in probe("airflow-triggerer")
    scheduler_env = env_of(services["airflow-scheduler"])
    assert scheduler_env["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"].lower() == "true"


@pytest.mark.parametrize("name", sorted(AIRFLOW_SERVICES))
def test_start_order_waits_for_postgres_and_init(services, name):
    depends = services[name]["depends_on"]
    assert depends["postgres"]["condition"] == "service_healthy"
    assert depends["airflow-init"]["condition"] == "service_completed_successfully"


def test_init_waits_for_postgres_and_scheduler_for_the_api_server(services):
    assert services["airflow-init"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["airflow-init"].get("restart") in (None, "no")
    # LocalExecutor tasks run in the scheduler container and report to the Execution API
    scheduler = services["airflow-scheduler"]["depends_on"]
    assert scheduler["airflow-apiserver"]["condition"] == "service_healthy"


def test_tasks_reach_the_execution_api_on_the_api_server(services):
    url = env_of(services["airflow-scheduler"])["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"]
    assert url == "http://airflow-apiserver:8080/execution/"
    assert "8080:8080" in services["airflow-apiserver"]["ports"]


def test_init_runs_both_migrations_and_stops_on_error(services):
    command = services["airflow-init"]["command"]
    assert command[:2] == ["bash", "-c"]
    steps = [ln.strip() for ln in command[2].splitlines()]
    steps = [s for s in steps if s and not s.startswith(("echo ", "#"))]
    assert steps[0].startswith("set -e")
    assert steps.index("airflow db migrate") < steps.index("datavigil db upgrade")


# ---------------------------------------------------------------- compose: databases, results


def test_airflow_metadata_lives_in_postgres_database_airflow(services):
    import sqlalchemy as sa

    env = env_of(services["airflow-scheduler"])
    url = sa.make_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert url.drivername in ("postgresql+psycopg2", "postgresql+psycopg")
    assert (url.host, url.database) == ("postgres", "airflow")
    pg = env_of(services["postgres"])
    assert (url.username, url.password) == (pg["POSTGRES_USER"], pg["POSTGRES_PASSWORD"])
    assert services["postgres"]["image"] == "postgres:16"
    assert mounts(services["postgres"])["/var/lib/postgresql/data"] == "postgres-db-volume"


def _results_url(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Any:
    """What datavigil/core/config.py resolves inside a container with this environment."""
    import sqlalchemy as sa

    from datavigil.core import config

    monkeypatch.delenv("DATAVIGIL_RESULTS_URL", raising=False)
    monkeypatch.delenv("AIRFLOW_CONN_DATAVIGIL_RESULTS", raising=False)
    for key in ("DATAVIGIL_RESULTS_URL", "AIRFLOW_CONN_DATAVIGIL_RESULTS"):
        if key in env:
            monkeypatch.setenv(key, env[key])
    return sa.make_url(config.results_url())


@pytest.mark.parametrize("password", [None, "s3cret-from-env"], ids=["default", "from-env"])
def test_results_store_is_the_datavigil_database(services, monkeypatch, password):
    extra = {"DATAVIGIL_DB_PASSWORD": password} if password else {}
    env = env_of(services["airflow-scheduler"], extra)
    assert "AIRFLOW_CONN_DATAVIGIL_RESULTS" in env or "DATAVIGIL_RESULTS_URL" in env
    url = _results_url(env, monkeypatch)
    assert url.drivername == "postgresql+psycopg"
    assert (url.host, url.port, url.database, url.username) == (
        "postgres",
        5432,
        "datavigil",
        "datavigil",
    )
    # the same password reaches the init script that creates the role
    assert url.password == env_of(services["postgres"], extra)["DATAVIGIL_DB_PASSWORD"]
    if password:
        assert url.password == password


def test_postgres_runs_the_results_init_script(services):
    targets = mounts(services["postgres"])
    script = targets.get("/docker-entrypoint-initdb.d/10-datavigil.sh")
    assert script is not None and (ROOT / script).resolve() == INIT_SCRIPT
    assert os.access(INIT_SCRIPT, os.X_OK), "the entrypoint sources, not runs, a non-executable"
    text = INIT_SCRIPT.read_text(encoding="utf-8")
    assert "CREATE DATABASE" in text and "CREATE ROLE" in text
    assert "${DATAVIGIL_DB_NAME:-datavigil}" in text and "${DATAVIGIL_DB_USER:-datavigil}" in text


def test_secrets_are_required_not_defaulted(compose):
    env = compose["x-airflow-common"]["environment"]
    for key, var in (
        ("AIRFLOW__API_AUTH__JWT_SECRET", "AIRFLOW_JWT_SECRET"),
        ("AIRFLOW__CORE__FERNET_KEY", "AIRFLOW_FERNET_KEY"),
    ):
        assert env[key].startswith("${" + var + ":?"), f"{key} must fail when {var} is unset"
        with pytest.raises(KeyError):
            interpolate(env[key], {})


# ---------------------------------------------------------------- compose: files and paths


@pytest.mark.parametrize("name", ["airflow-init", *sorted(AIRFLOW_SERVICES)])
def test_airflow_services_use_the_image_built_here(services, name):
    build = services[name]["build"]
    context = build if isinstance(build, str) else build.get("context", ".")
    dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
    assert (ROOT / context).resolve() == ROOT
    assert (ROOT / context / dockerfile).resolve() == DOCKERFILE


@pytest.mark.parametrize("name", ["airflow-init", *sorted(AIRFLOW_SERVICES)])
def test_dags_schemas_and_home_are_mounted_where_the_env_points(compose, services, name):
    service = services[name]
    env, where = env_of(service), mounts(service)
    assert where.get("/opt/airflow/dags") == "./dags"
    assert where.get(env["DATAVIGIL_SCHEMAS_DIR"]) == "./schemas"
    home = env["DATAVIGIL_HOME"]
    assert PurePosixPath(home).is_absolute()
    assert where.get(home) in compose["volumes"], "DATAVIGIL_HOME must be a named volume"
    assert where.get("/opt/airflow/logs") in compose["volumes"]
    assert (ROOT / "dags").is_dir() and (ROOT / "schemas").is_dir()


def test_named_volumes_are_declared(compose, services):
    declared = set(compose["volumes"])
    for name, service in services.items():
        for source in mounts(service).values():
            if not source.startswith((".", "/")):
                assert source in declared, f"{name}: volume {source} is not declared"


# ---------------------------------------------------------------- Dockerfile and .dockerignore


def _pinned_airflow() -> str:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for d in project["dependencies"] if d.replace(" ", "").startswith("apache-airflow==")]
    assert len(pins) == 1, "pyproject.toml pins apache-airflow==X.Y.Z"
    return pins[0].split("==")[1].strip()


def test_dockerfile_is_the_official_airflow_image_at_the_pinned_version():
    froms = [rest for keyword, rest in dockerfile_instructions() if keyword == "FROM"]
    assert len(froms) == 1
    m = re.fullmatch(r"apache/airflow:(3\.3\.\d+)(-python3\.(\d+))?", froms[0])
    assert m, f"unexpected base image {froms[0]}"
    assert m.group(1) == _pinned_airflow()
    assert m.group(3) is None or int(m.group(3)) >= 11  # requires-python >= 3.11


def test_dockerfile_installs_the_project_with_airflow_pinned():
    runs = [rest for keyword, rest in dockerfile_instructions() if keyword == "RUN"]
    installs = [r for r in runs if "pip install" in r]
    assert len(installs) == 1
    words = installs[0].replace('"', "").split()
    assert f"apache-airflow=={_pinned_airflow()}" in words
    project_dir = copy_sources()["pyproject.toml"].rstrip("/") or "."
    assert project_dir in words or f"{project_dir}/" in words


def test_dockerfile_copies_every_package_and_its_migrations():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    setuptools = pyproject["tool"]["setuptools"]
    packages = {p.rstrip("*").rstrip(".") for p in setuptools["packages"]["find"]["include"]}
    sources = copy_sources()
    assert packages <= set(sources), f"not copied: {packages - set(sources)}"
    for source in sources:
        assert (ROOT / source).exists(), f"COPY {source}: no such file in the repository"
    patterns = setuptools["package-data"]["datavigil"]
    needed = [
        p
        for p in (ROOT / "datavigil" / "store" / "migrations").rglob("*.py")
        if "__pycache__" not in p.parts
    ]
    needed.append(ROOT / "datavigil" / "store" / "alembic.ini")
    for path in needed:
        rel = PurePosixPath(path.relative_to(ROOT / "datavigil").as_posix())
        assert any(
            len(PurePosixPath(p).parts) == len(rel.parts) and rel.match(p) for p in patterns
        ), f"datavigil/{rel} is not package data: the installed image would lack it"


def test_image_prepares_the_named_volume_directories(compose, services):
    """An empty named volume takes the owner and mode of the image's directory: each one under
    /opt/airflow must exist in the image, owned by airflow:0 and group-writable for AIRFLOW_UID."""
    runs = " ".join(rest for keyword, rest in dockerfile_instructions() if keyword == "RUN")
    for name in ["airflow-init", *AIRFLOW_SERVICES]:
        for target, source in mounts(services[name]).items():
            if source in compose["volumes"]:
                for step in ("mkdir -p", "chown -R airflow:0", "chmod -R g+rwX"):
                    command = runs[runs.index(step) :].split("&&")[0]
                    assert target in command.split(), f"{target}: missing from `{step}`"


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's .dockerignore rule: the last matching pattern wins; '!' re-includes."""
    excluded = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw.lstrip("!").strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*", "[^/]*")
        if any(re.fullmatch(regex, p) for p in prefixes):
            excluded = not negate
    return excluded


def test_dockerignore_sends_what_the_build_copies_and_no_secrets():
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]
    for source in copy_sources():
        files = [ROOT / source] if (ROOT / source).is_file() else (ROOT / source).rglob("*.py")
        for f in files:
            rel = f.relative_to(ROOT).as_posix()
            if "__pycache__" not in rel:
                assert not _ignored(rel, patterns), f"{rel} is copied but .dockerignore drops it"
    for private in (
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        ".datavigil/results.db",
        ".airflow/airflow.db",
        "datavigil/__pycache__/config.cpython-311.pyc",
    ):
        assert _ignored(private, patterns), f"{private} would be sent to the Docker daemon"


# ---------------------------------------------------------------- the init script, for real


@pytest.mark.postgres
def test_init_script_creates_a_results_database_its_user_can_migrate(pg_admin_url, tmp_path):
    import uuid

    import sqlalchemy as sa

    from datavigil.store import Store

    if not shutil.which("psql"):
        pytest.fail("psql is needed to run docker/postgres-init.sh (Debian: postgresql-client)")
    admin = sa.make_url(pg_admin_url)
    name = f"dv_init_{uuid.uuid4().hex[:8]}"
    env = {
        **os.environ,
        "PGHOST": admin.host or "127.0.0.1",
        "PGPORT": str(admin.port or 5432),
        "PGPASSWORD": admin.password or "",
        "POSTGRES_USER": admin.username or "postgres",
        "POSTGRES_DB": admin.database or "postgres",
        "DATAVIGIL_DB_NAME": name,
        "DATAVIGIL_DB_USER": name,
        "DATAVIGIL_DB_PASSWORD": "pw'with\"quotes",
    }
    engine = sa.create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    try:
        done = subprocess.run(["bash", str(INIT_SCRIPT)], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        url = admin.set(database=name, username=name, password=env["DATAVIGIL_DB_PASSWORD"])
        store = Store(url.render_as_string(hide_password=False))
        store.upgrade()  # as the new, non-superuser role: it must own what it creates
        store.engine.dispose()
        inspect = sa.create_engine(url.set(username=admin.username, password=admin.password))
        with inspect.connect() as conn:
            query = sa.text(
                "SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public'"
            )
            tables = dict(conn.execute(query).tuples().all())
        inspect.dispose()
        assert {"validation_runs", "check_results"} <= set(tables)
        assert set(tables.values()) == {name}
    finally:
        with engine.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        engine.dispose()


# ---------------------------------------------------------------- docker compose config


def _compose_cli() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_config_accepts_the_file(tmp_path):
    cli = _compose_cli()
    if cli is None:
        pytest.skip("no Docker Compose client (docker compose plugin or docker-compose)")
    empty = tmp_path / "empty.env"  # ignore a developer's own .env
    empty.write_text("")
    base = [*cli, "--env-file", str(empty), "-f", str(COMPOSE), "config", "-q"]
    env = {k: v for k, v in os.environ.items() if k not in SECRETS}

    def config(extra: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(base, env={**env, **extra}, capture_output=True, text=True, cwd=ROOT)

    ok = config(SECRETS)
    assert ok.returncode == 0, ok.stderr
    no_jwt = config({"AIRFLOW_FERNET_KEY": SECRETS["AIRFLOW_FERNET_KEY"]})
    assert no_jwt.returncode != 0 and "AIRFLOW_JWT_SECRET" in no_jwt.stderr


# ---------------------------------------------------------------- compose: the celery profile

CELERY = {"AIRFLOW_EXECUTOR": "CeleryExecutor"}


def test_celery_profile_adds_redis_and_workers(services):
    profiled = {n for n, s in services.items() if "celery" in (s.get("profiles") or [])}
    assert profiled == {"redis", "airflow-worker"}
    assert services["redis"]["image"].startswith("redis:7")
    assert services["redis"]["healthcheck"]["test"] == ["CMD", "redis-cli", "ping"]


@pytest.mark.parametrize("name", ["airflow-worker", *sorted(AIRFLOW_SERVICES)])
def test_celery_executor_is_one_setting_for_every_airflow_service(services, name):
    env = env_of(services[name], CELERY)
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    import sqlalchemy as sa

    broker = sa.make_url(env["AIRFLOW__CELERY__BROKER_URL"])
    assert (broker.drivername, broker.host, broker.port) == ("redis", "redis", 6379)
    backend = sa.make_url(env["AIRFLOW__CELERY__RESULT_BACKEND"].removeprefix("db+"))
    metadata = sa.make_url(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    assert (backend.host, backend.database, backend.password) == (
        metadata.host,
        metadata.database,
        metadata.password,
    )


def test_the_worker_runs_tasks_like_the_scheduler(services):
    """Tasks run on the worker under Celery: same image, mounts, results store, Execution API."""
    worker, scheduler = services["airflow-worker"], services["airflow-scheduler"]
    assert worker["build"] == scheduler["build"] and worker["image"] == scheduler["image"]
    assert mounts(worker) == mounts(scheduler)
    w, s = env_of(worker, CELERY), env_of(scheduler, CELERY)
    for key in (
        "AIRFLOW_CONN_DATAVIGIL_RESULTS",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL",
        "DATAVIGIL_HOME",
        "DATAVIGIL_SCHEMAS_DIR",
        "AIRFLOW__API_AUTH__JWT_SECRET",
    ):
        assert w[key] == s[key], key
    depends = worker["depends_on"]
    assert depends["redis"]["condition"] == "service_healthy"
    assert depends["airflow-init"]["condition"] == "service_completed_successfully"
    assert depends["airflow-apiserver"]["condition"] == "service_healthy"
    assert "inspect ping" in " ".join(worker["healthcheck"]["test"])


@pytest.mark.parametrize(
    "executor, code", [("CeleryExecutor", None), ("LocalExecutor", 2)], ids=["celery", "local"]
)
def test_the_worker_refuses_to_start_without_the_celery_executor(
    services, tmp_path, executor, code
):
    """The worker's command, run for real with a stub `airflow`: under the LocalExecutor it exits 2
    with a one-line hint instead of idling forever."""
    command = services["airflow-worker"]["command"]
    assert command[:2] == ["bash", "-c"]
    script = interpolate(command[2], {})
    stub = tmp_path / "airflow"
    stub.write_text('#!/bin/sh\necho "airflow $*"\n')
    stub.chmod(0o755)
    env = {"PATH": f"{tmp_path}:/usr/bin:/bin", "AIRFLOW__CORE__EXECUTOR": executor}
    done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True)
    if code is None:
        assert done.returncode == 0 and done.stdout.strip() == "airflow celery worker"
    else:
        assert done.returncode == code and "AIRFLOW_EXECUTOR=CeleryExecutor" in done.stderr


# ---------------------------------------------------------------- make airflow / make dag-test

CFG_PROBE = """
import json, sys
from airflow.configuration import conf
from airflow.models.connection import Connection
from airflow.dag_processing.dagbag import DagBag
from datavigil.core import config
folder = conf.get("core", "dags_folder")
bag = DagBag(dag_folder=folder)
print(json.dumps({
    "dags_folder": folder,
    "load_examples": conf.getboolean("core", "load_examples"),
    "metadata": conf.get("database", "sql_alchemy_conn"),
    "results": config.connection_url("datavigil_results"),
    "dags": sorted(bag.dag_ids), "errors": list(bag.import_errors),
}))
"""


def test_local_airflow_cfg_makes_plain_airflow_commands_work(tmp_path):
    """`make airflow` / `make dag-test` write .airflow/airflow.cfg: a shell with only AIRFLOW_HOME
    set sees the project's dags, no examples, and the results connection."""
    home = tmp_path / "af"
    home.mkdir()
    (home / "airflow.cfg").write_text("[core]\nload_examples = True\n")  # Airflow's own default
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DATAVIGIL"))}
    env = {**clean, "AIRFLOW_HOME": str(home), "DATAVIGIL_HOME": str(tmp_path)}
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "airflow.sh"), "config"],
        env={**env, "PATH": f"{Path(sys.executable).parent}:{env['PATH']}"},
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert (home / "airflow.cfg.bak").read_text().startswith("[core]")  # the user's file is kept
    probe = subprocess.run(
        [sys.executable, "-c", CFG_PROBE],
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=180,
        check=True,
    )
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["dags_folder"] == str(ROOT / "dags")
    assert found["load_examples"] is False
    assert found["metadata"] == f"sqlite:///{home}/airflow.db"
    assert found["results"] == f"sqlite:///{tmp_path}/.datavigil/results.db"
    assert found["errors"] == [] and "validate_flights" in found["dags"]
    assert not [d for d in found["dags"] if d.startswith("example_")]


def test_make_targets_use_the_script():
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "scripts/airflow.sh standalone" in text
    assert 'scripts/airflow.sh dag-test "$(SUITE)" "$(DATE)"' in text


# ---------------------------------------------------------------- the image's install, for real

IMPORT_ALL = """
import importlib, importlib.util, json, pkgutil, subprocess, sys
names = []
assert importlib.util.find_spec("schemas") is None  # the demo's suites are not installed
for package in ("datavigil",):
    module = importlib.import_module(package)
    assert "site-packages" in module.__file__, module.__file__  # the installed copy
    names.append(package)
    for info in pkgutil.walk_packages(module.__path__, package + "."):
        if ".migrations" not in info.name and not info.name.endswith("__main__"):
            importlib.import_module(info.name)
            names.append(info.name)
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"modules": names, "dags": sorted(bag.dag_ids),
                  "errors": {k: str(v) for k, v in bag.import_errors.items()}}))
"""


@pytest.mark.slow_install
@pytest.mark.skipif(
    not os.environ.get("DATAVIGIL_INSTALL_CHECK"),
    reason="about 8 minutes here: run with `make install-check` (DATAVIGIL_INSTALL_CHECK=1)",
)
def test_the_image_install_resolves(tmp_path):
    """pip install of the project into a clean venv, as the Dockerfile does it (Airflow pinned in
    the same call, no constraints file): a dependency missing from pyproject.toml fails here."""
    src = tmp_path / "src"
    src.mkdir()
    for source in copy_sources():  # exactly what the image gets
        target = src / source.rstrip("/")
        if (ROOT / source).is_dir():
            shutil.copytree(ROOT / source, target, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(ROOT / source, target)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = str(venv / "bin" / "python")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DATAVIGIL_HOME")}
    env["PIP_CONSTRAINT"] = ""  # no constraints file, even one a machine's pip.conf names
    pip = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    done = subprocess.run(
        [*pip, f"apache-airflow=={_pinned_airflow()}", str(src)],
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    check = subprocess.run([py, "-m", "pip", "check"], env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    probe = subprocess.run(
        [py, "-c", IMPORT_ALL, str(ROOT / "dags")],
        env={
            **env,
            "DATAVIGIL_SCHEMAS_DIR": str(ROOT / "schemas"),
            "DATAVIGIL_HOME": str(tmp_path),  # as docker-compose.yml sets both
            "AIRFLOW_HOME": str(tmp_path),
        },
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert {"datavigil.airflow.operator", "datavigil.airflow.provider"} <= set(found["modules"])
    assert found["errors"] == {} and "validate_flights" in found["dags"]
    cli = subprocess.run(
        [str(venv / "bin" / "datavigil"), "--help"], capture_output=True, text=True
    )
    assert cli.returncode == 0 and "exit codes:" in cli.stdout
