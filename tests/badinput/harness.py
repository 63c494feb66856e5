"""The bad-input catalogue's harness: a private project per case (warehouse, schemas, results
store under a temp dir) and the real `datavigil` console script as a subprocess, with this
tree first on PYTHONPATH. Every case asserts the exit code, that stderr is one line naming the
suite (or the setting), that no traceback and no secret appears, and what was written."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable, Iterable
from contextlib import redirect_stdout
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT
from tests.helpers import write_orders_db

DATAVIGIL = Path(sys.executable).with_name("datavigil")
CLEAN, VIOLATING, EMPTY = "2024-05-01", "2024-05-02", "2024-05-03"
DAYS = {
    CLEAN: [(1, 10.0), (2, 20.0), (3, None), (4, 5.0), (5, 7.0)],
    VIOLATING: [(1, None), (2, None), (3, 5.0)],
}
CLEAN_ROWS = {
    ("pass", "nulls.amount", "pass"),
    ("pass", "ranges.amount", "pass"),
    ("pass", "row_count", "pass"),
    ("pass", "unique.id", "pass"),
}

# A suite over the orders table without a pandera model (keeps each subprocess quick); the
# model-related cases add one. {db} is the warehouse URL.
SUITE = """
from datavigil.checks import NullRate, Range, Unique
from datavigil import FileSource, Partition, SqlSource, Suite

suite = Suite(
    name="orders",
    source=SqlSource(table="orders", url="{db}"),
    partition=Partition("ts"),
    checks=[
        NullRate("amount", max_fraction=0.5),
        Range("amount", min=0, max=1000),
        Unique("id"),
    ],
)
"""


@dataclass
class Result:
    code: int
    out: str
    err: str

    def __str__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


class Project:
    """One case's world: DATAVIGIL_HOME, schemas/, warehouse.db and an embedded results store."""

    def __init__(self, root: Path) -> None:
        self.root, self.schemas = root, root / "schemas"
        self.schemas.mkdir()
        self.db = write_orders_db(root / "warehouse.db", DAYS)
        self.results_url = f"sqlite:///{root / 'results.db'}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATAVIGIL_", "AIRFLOW_CONN_", "AIRFLOW_CTX_"))
        }
        self.env.update(
            PYTHONPATH=str(ROOT),
            DATAVIGIL_HOME=str(root),
            DATAVIGIL_SCHEMAS_DIR=str(self.schemas),
            DATAVIGIL_RESULTS_URL=self.results_url,
            PYTHONDONTWRITEBYTECODE="1",  # importing a suite writes nothing next to it
        )

    def suite(self, text: str = SUITE, name: str = "orders", **replace: str) -> Path:
        """Write suite module ``name``.py: ``text`` with {db} filled and ``replace`` applied."""
        body = text
        for old, new in replace.items():
            assert old in body, old
            body = body.replace(old, new)
        body = body.replace("{db}", self.db)
        path = self.schemas / f"{name}.py"
        path.write_text(body, encoding="utf-8")
        return path

    def run(self, *argv: str, env: dict[str, str] | None = None, quiet: bool = True) -> Result:
        args = [str(DATAVIGIL), *(["-q"] if quiet else []), *argv]
        done = subprocess.run(
            args,
            env={**self.env, **(env or {})},
            cwd=self.root,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def seed(self, *argv: str) -> int:
        """Run a command in this process (set-up, not the case under test: it spares a
        subprocess's imports); returns its exit code."""
        from datavigil.cli.main import main

        saved = dict(os.environ)
        os.environ.update({k: v for k, v in self.env.items() if k.startswith("DATAVIGIL_")})
        try:
            with redirect_stdout(io.StringIO()):
                return main(["-q", *argv])
        finally:
            os.environ.clear()
            os.environ.update(saved)
            for name in [m for m in sys.modules if m.startswith("datavigil_suites.")]:
                del sys.modules[name]

    def files(self) -> set[str]:
        """Every path under the project (to prove that nothing was written), caches left out:
        Python's bytecode and discovery's suite cache live in ``__pycache__`` (docs/adr/0131)."""
        paths = (p.relative_to(self.root) for p in self.root.rglob("*"))
        return {str(p) for p in paths if "__pycache__" not in p.parts}

    def rows(self, url: str | None = None) -> set[tuple[str, str, str]]:
        """(run status, check name, check status) of every stored check result."""
        return stored_rows(url or self.results_url)

    def warehouse_rows(self) -> int:
        engine = sa.create_engine(self.db)
        try:
            with engine.connect() as conn:
                return int(conn.scalar(sa.text("SELECT count(*) FROM orders")) or 0)
        finally:
            engine.dispose()


def one_line(result: Result, code: int, words: Iterable[str], secrets: Iterable[str] = ()) -> None:
    """The exit code; stderr is exactly one ``datavigil: ...`` line holding ``words``; no
    traceback and none of ``secrets`` anywhere in stdout or stderr."""
    both = result.out + result.err
    assert "Traceback" not in both, str(result)
    for secret in secrets:
        assert secret not in both, f"secret {secret!r} shown\n{result}"
    assert result.code == code, str(result)
    if code in (0, 1):  # a verdict on the data, not an error: nothing on stderr
        assert result.err == "", str(result)
        return
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, str(result)
    assert lines[0].startswith("datavigil: "), str(result)
    for word in words:
        assert word in lines[0], f"{word!r} not in {lines[0]!r}"


@dataclass(frozen=True)
class Case:
    """One bad input. ``setup`` prepares the project and returns the argv (default: validate
    the orders suite on the clean day); ``written``: "nothing" (no file appears or changes), a
    set of stored rows, or a callable that asserts on the project."""

    id: str
    code: int
    words: tuple[str, ...]
    setup: Callable[[Project], list[str] | None] | None = None
    env: dict[str, str] = field(default_factory=dict)
    written: Any = "nothing"
    secrets: tuple[str, ...] = ()
    xfail: str | None = None
    out: str = ""  # a piece of stdout


def params(cases: list[Case]) -> list[Any]:
    out = []
    for case in cases:
        marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
        out.append(pytest.param(case, id=case.id, marks=marks))
    return out


def play(case: Case, project: Project) -> Result:
    """Run one case and assert everything it promises."""
    argv = case.setup(project) if case.setup else None
    argv = ["validate", "orders", "--date", CLEAN] if argv is None else argv
    before = project.files()
    # files' contents; a folder's time changes with a cache beside its files (``project.files``)
    modified = {p: (project.root / p).stat().st_mtime_ns for p in before}
    modified = {p: t for p, t in modified.items() if not (project.root / p).is_dir()}
    env = {k: v.replace("{root}", str(project.root)) for k, v in case.env.items()}
    result = project.run(*argv, env=env)
    one_line(result, case.code, case.words, case.secrets)
    assert case.out in result.out, str(result)
    if case.written == "nothing":
        assert project.files() == before, "files appeared"
        changed = [p for p, t in modified.items() if (project.root / p).stat().st_mtime_ns != t]
        assert changed == [], f"files changed: {changed}"
    elif callable(case.written):
        case.written(project)
    else:
        assert project.rows() == case.written
    return result


def stored_rows(url: str) -> set[tuple[str, str, str]]:
    """(run status, check name, check status) of every check result stored at ``url``."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text(
                    "SELECT r.status, c.check_name, c.status FROM check_results c "
                    "JOIN validation_runs r ON r.run_id = c.run_id"
                )
            ).all()
    finally:
        engine.dispose()
    return {tuple(r) for r in found}  # type: ignore[misc]
