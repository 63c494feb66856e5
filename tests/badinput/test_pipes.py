"""A reader that goes away (`datavigil validate ... | head -1`) ends the output quietly: no
BrokenPipeError traceback, and the command's own exit code (item 9 of issue 8). The pipe is
closed before the command writes, so EPIPE is certain, not a race with head."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.badinput.harness import CLEAN, DATAVIGIL, VIOLATING, Project

DOWN = "postgresql+psycopg://dv@127.0.0.1:1/results?connect_timeout=3"


def closed_stdout(project: Project, *argv: str, env: dict[str, str] | None = None):
    proc = subprocess.Popen(
        [str(DATAVIGIL), "-q", *argv],
        env={**project.env, **(env or {})},
        cwd=project.root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # the reader is gone before the first write
    err = proc.stderr.read()
    return proc.wait(timeout=120), err


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["validate", "orders", "--date", CLEAN], 0),
        (["validate", "orders", "--date", VIOLATING], 1),
        (["results"], 0),
    ],
    ids=["validate-pass", "validate-fail", "results"],
)
def test_closed_pipe_ends_quietly_with_the_commands_code(
    tmp_path: Path, argv: list[str], code: int
) -> None:
    project = Project(tmp_path)
    project.suite()
    if argv[0] == "results":
        assert project.seed("validate", "orders", "--date", VIOLATING) == 1
    status, err = closed_stdout(project, *argv)
    assert (status, err) == (code, "")
    if argv[0] == "validate":  # the run was saved although nobody read the summary
        assert {name for _, name, _ in project.rows()} >= {"nulls.amount", "row_count"}


def test_closed_pipe_keeps_the_error_line_on_stderr(tmp_path: Path) -> None:
    project = Project(tmp_path)
    project.suite()
    status, err = closed_stdout(
        project, "validate", "orders", "--date", CLEAN, env={"DATAVIGIL_RESULTS_URL": DOWN}
    )
    assert status == 3 and "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert line.startswith("datavigil: suite 'orders': results store")
