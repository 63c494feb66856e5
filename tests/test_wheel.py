"""The wheel, for real (issue 19 item 4, docs/adr/0130): ``python -m build`` makes an sdist and,
from it, a wheel that claims only the ``datavigil`` package; the wheel is installed into a clean
virtualenv and a user's project outside the checkout (its suites in their own folder) runs from
that install: a suite through the CLI, the generated DAG and the operator through ``dag.test()``,
the plugin, and ``airflow providers list``.

The clean venv: ``python -m venv --without-pip`` (no system site-packages, no PYTHONPATH), then
``pip --python <venv> install --no-index <wheel>``. Its dependencies are not downloaded again:
a ``.pth`` in the venv names a folder of links to every distribution of the test's own venv
except datavigil (neither its files, its metadata nor its editable-install hook), so pip resolves
the wheel's declared dependencies against them and only the wheel provides datavigil.
About a minute here; it needs setuptools for the isolated build (pip's cache or the network).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.helpers import query, write_orders_db

pytestmark = [pytest.mark.wheel, pytest.mark.airflow]

ROOT = Path(__file__).resolve().parents[1]
NOT_SOURCES = (".git", ".venv", ".airflow", ".datavigil", "build", "dist", "site", "*.egg-info")
IGNORED = shutil.ignore_patterns(*NOT_SOURCES, "__pycache__", ".*_cache", ".hypothesis")

SUITE = """
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import NullRate, Range

orders = Suite(
    name="orders",
    dataset="shop.orders",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition(column="ts"),
    checks=[NullRate("amount", max_fraction=0.2), Range("amount", min=0, max=1000)],
)
"""
GENERATED_DAGS = """
from datavigil.airflow.dags import build_all

globals().update(build_all())
"""
USER_DAG = """
from datetime import datetime

from airflow.sdk import DAG

from datavigil.airflow.operator import DatavigilOperator

with DAG("shop", schedule=None, start_date=datetime(2024, 1, 1)):
    DatavigilOperator(suite="orders")
"""
# Runs inside the clean venv: where datavigil comes from, the DAGs (parsed and run), the plugin
# and the provider as Airflow sees them.
PROBE = """
import importlib.util, json, sys
from datetime import UTC, datetime

import datavigil
from airflow.dag_processing.dagbag import DagBag
from airflow.plugins_manager import get_import_errors, get_plugin_info
from airflow.providers_manager import ProvidersManager
from airflow.utils import db

db.resetdb()
bag = DagBag(dag_folder=sys.argv[1])
runs = {}
for dag_id in ("shop", "validate_orders"):  # the operator in the user's DAG; a generated DAG
    run = bag.get_dag(dag_id).test(logical_date=datetime(2024, 5, 2, tzinfo=UTC))
    runs[dag_id] = [run.state, {ti.task_id: ti.state for ti in run.get_task_instances()}]
provider = ProvidersManager().providers["datavigil"]
print(json.dumps({
    "datavigil": datavigil.__file__,
    "schemas": importlib.util.find_spec("schemas") is not None,
    "dags": sorted(bag.dag_ids),
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "runs": runs,
    "plugins": [p["name"] for p in get_plugin_info()],
    "plugin_errors": get_import_errors(),
    "provider": [provider.version, provider.data["package-name"], provider.data["versions"]],
}))
"""


def build_dist(out: Path) -> tuple[Path, Path]:
    """``python -m build`` on a copy of the checkout: the sdist, then the wheel built from it."""
    src = out / "src"
    shutil.copytree(ROOT, src, ignore=IGNORED)
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out / "dist"), str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    (sdist,) = (out / "dist").glob("datavigil-*.tar.gz")
    (wheel,) = (out / "dist").glob("datavigil-*-py3-none-any.whl")
    return sdist, wheel


def shared_packages(out: Path) -> Path:
    """Links to everything this venv installed, except datavigil and the .pth hooks."""
    farm = out / "shared-site-packages"
    farm.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        name = entry.name.lower()
        if name.startswith(("datavigil", "__editable__")) or name.endswith(".pth"):
            continue
        (farm / entry.name).symlink_to(entry)
    return farm


def clean_venv(out: Path, wheel: Path) -> Path:
    """A venv with the wheel installed, its dependencies resolved offline; its python."""
    venv = out / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(site) / "_shared_packages.pth").write_text(f"{shared_packages(out)}\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}  # not the checkout's
    done = subprocess.run(
        [*pip, "install", "--no-index", str(wheel)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "Successfully installed datavigil-" in done.stdout, done.stdout[-2000:]
    return python


def user_project(root: Path) -> dict[str, str]:
    """The user's folder: suites/, dags/, a SQLite warehouse; the environment to run in it."""
    url = write_orders_db(root / "warehouse.db", {"2024-05-01": [(i, 10.0 * i) for i in range(9)]})
    (root / "suites").mkdir()
    (root / "suites" / "shop.py").write_text(SUITE.format(url=url))
    (root / "dags").mkdir()
    (root / "dags" / "datavigil_dags.py").write_text(GENERATED_DAGS)
    (root / "dags" / "shop.py").write_text(USER_DAG)
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "PIP_CACHE_DIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    return env | {
        "DATAVIGIL_HOME": str(root / "home"),
        "DATAVIGIL_SCHEMAS_DIR": str(root / "suites"),
        "DATAVIGIL_RESULTS_URL": f"sqlite:///{root / 'results.db'}",
        "AIRFLOW_HOME": str(root / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(root / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{root / 'airflow.db'}",
        "DATAVIGIL_TASK_RETRIES": "0",
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    sdist, wheel = build_dist(out)
    return sdist, wheel, clean_venv(out, wheel)


def test_the_wheel_claims_only_datavigil_and_declares_the_provider(installed):
    sdist, wheel, _ = installed
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        info = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        entry_points = zf.read(info).decode()
    tops = {n.split("/")[0] for n in names}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"datavigil"}
    assert {"datavigil/store/migrations/env.py", "datavigil/ui/templates/run.html"} <= set(names)
    assert "[apache_airflow_provider]" in entry_points
    assert "datavigil.airflow.provider:get_provider_info" in entry_points
    with tarfile.open(sdist) as tf:
        members = tf.getnames()
    assert not [m for m in members if "/schemas/" in m]  # the demo's suites: not in the sdist


def test_a_users_project_runs_from_the_installed_wheel(installed, tmp_path):
    _, _, python = installed
    env = user_project(tmp_path)
    cli = [str(python.parent / "datavigil"), "validate", "orders", "--date", "2024-05-01"]
    done = subprocess.run(cli, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "PASS" in done.stdout, done.stdout + done.stderr
    probe = subprocess.run(
        [str(python), "-c", PROBE, str(tmp_path / "dags")],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert probe.returncode == 0, probe.stderr[-3000:]
    found = json.loads(probe.stdout.strip().splitlines()[-1])
    assert found["datavigil"].startswith(str(python.parents[1])), found["datavigil"]
    assert found["schemas"] is False and found["errors"] == {}
    assert found["dags"] == ["capture_reference_orders", "shop", "validate_orders"]
    assert {k: v[0] for k, v in found["runs"].items()} == {
        "shop": "success",
        "validate_orders": "success",
    }
    assert "datavigil" in found["plugins"] and "datavigil" not in found["plugin_errors"]
    assert found["provider"] == ["0.1.0", "datavigil", ["0.1.0"]]
    sql = "SELECT COALESCE(dag_id, 'cli'), status FROM validation_runs ORDER BY 1"
    assert [tuple(r) for r in query(env["DATAVIGIL_RESULTS_URL"], sql)] == [
        ("cli", "pass"),
        ("shop", "pass"),
        ("validate_orders", "pass"),
    ]


def test_airflow_providers_list_shows_datavigil(installed, tmp_path):
    _, _, python = installed
    env = user_project(tmp_path)
    listed = subprocess.run(
        [str(python), "-m", "airflow", "providers", "list", "--output", "json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert listed.returncode == 0, listed.stderr[-2000:]
    rows = {row["package_name"]: row for row in json.loads(listed.stdout)}
    assert rows["datavigil"]["version"] == "0.1.0"
    assert rows["datavigil"]["description"].startswith("Scheduled data validation")


def test_an_installed_datavigil_without_its_home_names_the_setting(installed, tmp_path):
    """Installed, datavigil has no checkout to fall back on: a one-line error naming it."""
    _, _, python = installed
    env = user_project(tmp_path)
    del env["DATAVIGIL_HOME"]
    cli = [str(python.parent / "datavigil"), "validate", "orders", "--date", "2024-05-01"]
    done = subprocess.run(cli, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and done.stdout == ""
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("datavigil: ") and "DATAVIGIL_HOME is not set" in line, line
