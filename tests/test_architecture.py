"""The package's layers and the absence of import cycles (docs/architecture.md, ADR 0120): the
import-linter contracts in pyproject.toml hold on the tree, and they do catch a violation."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")


def lint(cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(cwd))
    return subprocess.run(
        [str(LINT), "--no-cache"], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_tree_keeps_every_contract():
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 kept, 0 broken" in done.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("core/config.py", "from datavigil.runner import registry", "is not allowed to import"),
        ("stats/effects.py", "from datavigil.store import models", "is not allowed to import"),
        # engine and store are independent siblings of one layer
        ("engine/probes.py", "from datavigil.store import history", "is not allowed to import"),
        # a cycle inside one package: sources already import dialects
        (
            "engine/dialects.py",
            "from datavigil.engine import sources",
            "No cycles are allowed in datavigil.engine",
        ),
    ],
    ids=["core-imports-runner", "stats-imports-store", "engine-imports-store", "cycle"],
)
def test_a_violation_breaks_a_contract(tmp_path, module, line, broken):
    shutil.copytree(
        ROOT / "datavigil", tmp_path / "datavigil", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / "datavigil" / module
    target.write_text(target.read_text() + f"\n\ndef _violation():\n    {line}  # noqa\n")
    done = lint(tmp_path)
    assert done.returncode != 0, done.stdout
    assert "BROKEN" in done.stdout and broken in done.stdout, done.stdout
