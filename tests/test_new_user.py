"""What a new user stumbled on (issue 17 items 15 and 16): the demo's Airflow home and the hint
for a suite that has never had a snapshot."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from datavigil.store import snapshots
from datavigil.store.snapshots import NoSnapshot
from tests import distdata

ROOT = Path(__file__).resolve().parents[1]
FAKE_AIRFLOW = """#!/bin/sh
echo "fake airflow: $*" >&2
exit 1
"""


def test_the_demo_writes_the_same_airflow_cfg_as_make_airflow(tmp_path, demo_predictions):
    # demo_predictions: the session's DATAVIGIL_HOME holds the loaded warehouse and model log
    """After `make demo`, `airflow ...` run by hand in .airflow sees the project's dags/ and no
    example DAGs. The demo runs here until its first `airflow` command, a stand-in that fails."""
    home, bin_dir = tmp_path / "af", tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "airflow"
    fake.write_text(FAKE_AIRFLOW)
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home), PATH=f"{bin_dir}:{Path(sys.executable).parent}:{env['PATH']}"
    )
    done = subprocess.run(
        ["bash", str(ROOT / "scripts" / "demo.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode != 0 and "fake airflow: db migrate" in done.stdout
    cfg = (home / "airflow.cfg").read_text()
    assert f"dags_folder = {ROOT / 'dags'}\n" in cfg
    assert "load_examples = False\n" in cfg


def test_the_no_snapshot_hint_uses_the_suites_reference_window(tmp_path, sqlite_url):
    wh = distdata.warehouse(tmp_path, days=1, n=10)
    declared = distdata.suite(wh, reference_window=("2024-01-01", "2024-01-31"))
    with pytest.raises(NoSnapshot) as caught:
        snapshots.resolve(distdata.store(sqlite_url), declared)
    assert "`datavigil snapshot capture m` (its reference_window 2024-01-01..2024-01-31)" in str(
        caught.value
    )
    assert "--from" not in str(caught.value)
    with pytest.raises(NoSnapshot, match="capture m --from YYYY-MM-DD --to YYYY-MM-DD"):
        snapshots.resolve(distdata.store(sqlite_url), distdata.suite(wh))


def _wrapper(path: Path, target: str) -> None:
    path.write_text(f'#!/bin/sh\nexec {target} "$@"\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_make_dag_test_exit_code_on_a_failing_night_is_the_documented_one(tmp_path):
    """`make dag-test` on a failing night: `airflow dags test` exits 1 (here a stand-in that
    fails the run), and make reports any failed recipe as 2. The docs must say what happens."""
    venv = Path(sys.executable).parent
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "airflow").write_text(
        '#!/bin/sh\ncase "$1 $2" in "dags test") echo "DagRun failed"; exit 1;; esac\nexit 0\n'
    )
    (fake / "airflow").chmod(0o755)
    for tool in ("python", "datavigil"):
        _wrapper(fake / tool, str(venv / tool))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(AIRFLOW_HOME=str(tmp_path / "af"), DATAVIGIL_HOME=str(tmp_path))
    done = subprocess.run(
        ["make", "-s", f"BIN={fake}", "dag-test", "SUITE=flights", "DATE=2013-02-08"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "DagRun failed" in done.stdout, done.stdout + done.stderr
    documented = {
        "README.md": "make dag-test SUITE=flights DATE=2013-02-08",
        "docs/tutorial.md": "make dag-test SUITE=weather DATE=2013-02-12",
        "docs/how-to/airflow-ui.md": "make dag-test SUITE=flights DATE=2013-02-08  #",
    }
    for doc, command in documented.items():
        line = next(x for x in (ROOT / doc).read_text().splitlines() if x.startswith(command))
        assert f"exit {done.returncode}" in line, (doc, line, done.returncode)
