"""The documentation is tested like code: the site builds with ``mkdocs build --strict`` (a broken
link, a missing anchor or a page left out of the nav fails it), every ```python block of README.md
and docs/ runs (the convention is in tests/docs_blocks.py), and the README's links into docs/
resolve. The ```sql blocks run in tests/test_readme_sql.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.docs_blocks import MARKER, ROOT, Block, blocks, doc_files, unknown_markers

PYTHON = blocks("python")
DATAVIGIL = str(Path(sys.executable).parent / "datavigil")
MKDOCS_YML = ROOT / "mkdocs.yml"

# Every block the tests do not run, with its reason. Keep it short: an example that cannot run
# here is an example nobody has seen work.
EXEMPT = {
    "docs/how-to/alerts.md#python2": "SlackNotifier needs apache-airflow-providers-slack, "
    "which datavigil does not depend on",
    "docs/how-to/spark.md#python3": "needs a running Spark session (the same calls run in "
    "tests/backends/test_spark_connect.py)",
}

DAG_PROBE = """
import json, sys
from airflow.dag_processing.dagbag import DagBag
bag = DagBag(dag_folder=sys.argv[1])
print(json.dumps({"errors": {k: str(v) for k, v in bag.import_errors.items()},
                  "dags": sorted(bag.dag_ids)}))
"""


# --- (a) the site builds, strictly -----------------------------------------------------------


def test_the_site_builds_strictly(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(MKDOCS_YML)]
        + ["-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "checks" / "index.html").exists()


def test_the_checks_reference_is_generated_from_the_code(tmp_path: Path) -> None:
    """Every check exported by datavigil.checks has its section on the generated page."""
    import datavigil.checks

    page = (ROOT / "docs" / "reference" / "checks.md").read_text(encoding="utf-8")
    directives = set(re.findall(r"^::: datavigil\.checks\.(\w+)", page, re.MULTILINE))
    assert directives == set(datavigil.checks.__all__)


@pytest.mark.parametrize("module", ["datavigil.api", "datavigil.testing"])
def test_the_python_api_page_lists_exactly_the_public_names(module: str) -> None:
    """The API page renders the members of each module's __all__, no more, no fewer."""
    import importlib

    page = (ROOT / "docs" / "reference" / "python-api.md").read_text(encoding="utf-8")
    block = page.split(f"::: {module}\n", 1)[1].split("\n\n", 1)[0]
    members = re.findall(r"^\s+- (\w+)$", block, re.MULTILINE)
    assert sorted(members) == sorted(importlib.import_module(module).__all__)


def test_a_broken_link_fails_the_strict_build(tmp_path: Path) -> None:
    """The build would catch a broken link: the same config on a copy with one bad link."""
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(MKDOCS_YML, tmp_path / "mkdocs.yml")
    with (tmp_path / "docs" / "index.md").open("a", encoding="utf-8") as f:
        f.write("\n[nowhere](how-to/no-such-page.md)\n")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", "mkdocs.yml"]
        + ["-d", str(tmp_path / "site")],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode != 0
    assert "no-such-page.md" in out.stderr


# --- (c) every python block runs -------------------------------------------------------------


def test_the_docs_have_python_examples_of_every_kind() -> None:
    kinds = {b.kind for b in PYTHON}
    assert kinds == {"suite", "dag", "script"}
    assert len(PYTHON) >= 15


def test_every_marker_is_known_and_sits_on_a_python_block() -> None:
    assert unknown_markers() == []
    attached = sum(len(b.markers) for b in PYTHON)
    written = sum(len(MARKER.findall(p.read_text(encoding="utf-8"))) for p in doc_files())
    assert attached == written, "a docs-test marker is not right above a ```python block"


def test_the_exempt_blocks_are_few_and_listed() -> None:
    skipped = {b.where: b.skip_reason for b in PYTHON if b.skip_reason}
    assert skipped == EXEMPT
    assert len(skipped) <= 3


@pytest.fixture(scope="session")
def docs_home(demo_warehouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DATAVIGIL_HOME whose demo warehouse is the session's (loaded once, read-only use)."""
    home = tmp_path_factory.mktemp("docs-home")
    (home / ".datavigil" / "demo").mkdir(parents=True)
    (home / ".datavigil" / "demo" / "warehouse.db").symlink_to(demo_warehouse)
    return home


def block_env(tmp_path: Path, docs_home: Path, schemas: Path) -> dict[str, str]:
    """A fresh home per block (its own results store) that sees the demo warehouse."""
    home = tmp_path / "home"
    shutil.copytree(docs_home, home, symlinks=True)
    env = dict(os.environ, DATAVIGIL_HOME=str(home), DATAVIGIL_SCHEMAS_DIR=str(schemas))
    env.pop("DATAVIGIL_RESULTS_URL", None)
    env["PYTHONPATH"] = str(ROOT)  # `schemas.flights:Flights` and the like resolve
    return env


def run(cmd: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=600)


def run_block(block: Block, tmp_path: Path, docs_home: Path) -> None:
    """Runs one block as the convention says; fails with its output when it does not work."""
    if block.kind == "suite":
        schemas = tmp_path / "schemas"
        schemas.mkdir()
        (schemas / block.file_name).write_text(block.code, encoding="utf-8")
        env = block_env(tmp_path, docs_home, schemas)
        out = run([DATAVIGIL, "suites", "--check"], env, tmp_path)
        assert out.returncode == 0, f"{block.where}: {out.stdout}\n{out.stderr}"
        assert "broken" not in out.stdout, out.stdout
        for command, code in block.then:
            argv = command.split()
            assert argv[0] == "datavigil", f"{block.where}: only datavigil commands: {command}"
            done = run([DATAVIGIL, *argv[1:]], env, tmp_path)
            said = f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
            assert done.returncode == code, said
    elif block.kind == "dag":
        dags = tmp_path / "dags"
        dags.mkdir()
        (dags / block.file_name).write_text(block.code, encoding="utf-8")
        env = block_env(tmp_path, docs_home, ROOT / "schemas")
        out = run([sys.executable, "-c", DAG_PROBE, str(dags)], env, tmp_path)
        assert out.returncode == 0, out.stderr[-3000:]
        parsed = json.loads(out.stdout.strip().splitlines()[-1])
        assert parsed["errors"] == {}, parsed["errors"]
        assert parsed["dags"], f"{block.where}: no DAG"
    else:
        script = tmp_path / "example.py"
        script.write_text(block.code, encoding="utf-8")
        env = block_env(tmp_path, docs_home, ROOT / "schemas")
        out = run([sys.executable, str(script)], env, tmp_path)
        assert out.returncode == 0, f"{block.where}:\n{out.stdout}\n{out.stderr[-3000:]}"


def _param(block: Block) -> object:
    marks = []
    if block.skip_reason:
        marks.append(pytest.mark.skip(reason=block.skip_reason))
    return pytest.param(block, id=block.where, marks=marks)


@pytest.mark.parametrize("block", [_param(b) for b in PYTHON])
def test_python_example_runs(block: Block, tmp_path: Path, docs_home: Path) -> None:
    run_block(block, tmp_path, docs_home)


@pytest.mark.parametrize(
    "kind, code",
    [
        ("script", "suite = Suite(name='x')\n"),
        (
            "suite",
            "# schemas/x.py\nfrom datavigil import Suite\nsuite = Suite(name='x', checks=[X()])\n",
        ),
        ("dag", "# dags/x.py\nwith DAG('x', schedule=None):\n    pass\n"),
    ],
    ids=["script", "suite", "dag"],
)
def test_a_block_missing_an_import_fails(
    kind: str, code: str, tmp_path: Path, docs_home: Path
) -> None:
    block = Block(ROOT / "README.md", 0, "python", code)
    assert block.kind == kind
    with pytest.raises(AssertionError):
        run_block(block, tmp_path, docs_home)


# --- (d) the README's links into docs/ resolve -----------------------------------------------

LINK = re.compile(r"\]\(([^)\s]+)\)")


def readme_links() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [t for t in LINK.findall(text) if not re.match(r"[a-z]+://|#|mailto:", t)]


def test_the_readme_links_into_the_docs() -> None:
    assert sum(link.startswith("docs/") for link in readme_links()) >= 5


@pytest.mark.parametrize("link", readme_links())
def test_readme_link_resolves(link: str) -> None:
    path, _, anchor = link.partition("#")
    target = ROOT / path
    assert target.is_file(), f"README links to {link}: no such file"
    if anchor and target.suffix == ".md":
        assert anchor in anchors(target), f"README links to {link}: no such heading"


def anchors(page: Path) -> set[str]:
    """The ids mkdocs' toc extension gives the headings of a page (its default slugify)."""
    out = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", page.read_text(encoding="utf-8"), re.M):
        text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading)
        slug = re.sub(r"[^\w\s-]", "", text).strip().lower()
        out.add(re.sub(r"[-\s]+", "-", slug))
    return out


def test_readme_is_short() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= 260


def test_every_decision_record_is_listed() -> None:
    """ADRs are not in the nav: decisions.md is the only way to reach them, so each has a row."""
    listed = (ROOT / "docs" / "explanation" / "decisions.md").read_text(encoding="utf-8")
    missing = [p.name for p in sorted((ROOT / "docs" / "adr").glob("*.md")) if p.name not in listed]
    assert not missing, f"docs/explanation/decisions.md does not list {missing}"
