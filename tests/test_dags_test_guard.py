"""scripts/dags_test.sh: `airflow dags test` under the demo's guard. A LocalExecutor that hangs
at shutdown after its DAG run finished (seen once on a fresh clone) is stopped and the run's
final state from the log decides; without a final state the exit code does, and a run that
never reaches one is stopped and fails. A fake `airflow` on PATH plays each case."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FINISHED = 'echo "DagRun Finished: dag_id=d, run_id=r, state={state}, run_type=manual"'


def guarded(tmp_path: Path, body: str) -> tuple[int, str, str]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "airflow"
    fake.write_text(f"#!/usr/bin/env bash\n{body}\n", encoding="utf-8")
    fake.chmod(0o755)
    log = tmp_path / "dag.log"
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
               DATAVIGIL_DEMO_DAG_GRACE="2", DATAVIGIL_DEMO_DAG_TIMEOUT="4")  # fmt: skip
    script = f'source scripts/dags_test.sh; dags_test "{log}" some_dag 2013-06-16 --use-executor'
    done = subprocess.run(["bash", "-c", script], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    return done.returncode, done.stdout, log.read_text(encoding="utf-8")


def running(cmdline: str) -> bool:
    """A process whose NUL-separated command line contains ``cmdline`` (no pgrep needed)."""
    for proc in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if cmdline in proc.read_bytes().decode(errors="replace"):
                return True
        except OSError:
            continue  # ended while we looked
    return False


@pytest.mark.parametrize(("state", "code"), [("success", 0), ("failed", 1)])
def test_a_hang_after_the_run_finished_is_stopped_and_the_state_decides(tmp_path, state, code):
    rc, out, log = guarded(tmp_path, f"{FINISHED.format(state=state)}\nexec sleep 600")
    assert rc == code and "stopped; the run's state decides" in out
    assert f"state={state}" in log
    assert not running("sleep\x00600")  # the hung process group is gone


@pytest.mark.parametrize(("body", "code"), [
    (f"{FINISHED.format(state='success')}\nexit 0", 0),
    (f"{FINISHED.format(state='failed')}\nexit 1", 1),
    ("echo 'Error: DAG some_dag not found'\nexit 1", 1),  # no final state: the exit code
])  # fmt: skip
def test_a_normal_exit_keeps_its_meaning(tmp_path, body, code):
    rc, out, log = guarded(tmp_path, body)
    assert rc == code and "stopped" not in out and log.strip()


def test_a_run_that_never_finishes_is_stopped_and_fails(tmp_path):
    rc, out, _ = guarded(tmp_path, "echo 'Created dag run.'\nexec sleep 601")
    assert rc == 1 and "no final state after 4 s: stopped" in out
