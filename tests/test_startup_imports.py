"""A fast start (issue 21 item 3, ADR 0138): `datavigil validate` imports only what the suite
needs. A suite without a pandera model and without a statistical test runs to its verdict
without pandas, pandera, scipy, numpy, SQLAlchemy's ORM or Alembic (the store is migrated
beforehand), and without the report or UI modules. How long the start takes is measured in
benchmarks/startup_bench.py, not here."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from datavigil.store import Store
from tests.conftest import ROOT
from tests.helpers import write_orders_db

HEAVY = ("pandas", "pandera", "scipy", "numpy", "pyarrow", "duckdb", "alembic", "sqlalchemy.orm",
         "sqlalchemy.dialects.postgresql")  # fmt: skip
NOT_FOR_A_CLI_RUN = ("datavigil.ui", "jinja2")  # the report command: only its parser
# imported only by the suites using them (ADR 0150): the check families not in the suite (the
# checks package imports each on first use), croniter (a plain schedule is checked without it),
# the prediction checks' part of the run summary
NOT_FOR_THIS_SUITE = (
    "datavigil.checks.prediction",
    "datavigil.checks.anova",
    "datavigil.checks.distribution",
    "datavigil.checks.freshness",
    "datavigil.checks.volume",
    "datavigil.stats.significance",
    "croniter",
)
SUITE = """\
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import NullRate, Range, RowCount, Unique

suite = Suite(
    name="orders",
    dataset="shop.orders",
    source=SqlSource(table="orders", url="{url}"),
    partition=Partition("ts"),
    checks=[NullRate("amount", max_fraction=0.5), Range("amount", min=0), RowCount(),
            Unique("id")],
)
"""
PROBE = """\
import json, sys
from datavigil.cli.main import main
code = main(["validate", "orders", "--date", "2024-05-01"])
print(json.dumps({"code": code, "loaded": sorted(m for m in sys.argv[1:] if m in sys.modules)}))
"""
# Every module a `validate` run may import; heavy libraries only inside the functions using them.
LIGHT_PACKAGES = ("api", "checks", "cli", "core", "declare", "engine", "runner", "stats", "store")


def test_a_suite_without_a_model_validates_without_the_heavy_libraries(tmp_path: Path) -> None:
    url = write_orders_db(tmp_path / "warehouse.db", {"2024-05-01": [(1, 10.0), (2, None)]})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "orders.py").write_text(SUITE.format(url=url), encoding="utf-8")
    results_url = f"sqlite:///{tmp_path / 'results.db'}"
    Store(results_url).upgrade()  # migrating is the one time Alembic is imported
    env = dict(os.environ, DATAVIGIL_HOME=str(tmp_path), DATAVIGIL_RESULTS_URL=results_url,
               DATAVIGIL_SCHEMAS_DIR=str(tmp_path / "schemas"), PYTHONPATH=str(ROOT))  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *HEAVY, *NOT_FOR_A_CLI_RUN, *NOT_FOR_THIS_SUITE],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"code": 0, "loaded": []}, done.stderr


MODEL_SUITE = """\
import pandera.pandas as pa
from pandera.typing import Series

from datavigil import FileSource, Suite
from datavigil.checks import NullRate


class Orders(pa.DataFrameModel):
    id: Series[int] = pa.Field(ge=0)
    amount: Series[float] = pa.Field(nullable=True)


suite = Suite(name="orders", dataset="shop.orders", source=FileSource(path="{path}"),
              model=Orders, checks=[NullRate("amount", max_fraction=0.5)])
"""
MODEL_PROBE = """\
import importlib.metadata, json, sys
scans = []
listed = importlib.metadata.entry_points
def counted(*args, **kwargs):  # SQLAlchemy lists them all (pandera's typeguard asks by group)
    if not args and not kwargs:
        scans.append("all")
    return listed(*args, **kwargs)
importlib.metadata.entry_points = counted
from datavigil.cli.main import main
code = main(["validate", "orders", "--date", "2024-05-01"])
loaded = sorted(m for m in sys.modules if m == "pyspark" or m.startswith("pyspark."))[:3]
print(json.dumps({"code": code, "pyspark": loaded, "entry_point_scans": len(scans)}))
"""


def _run_in_project(tmp_path: Path, suite: str, probe: str, *argv: str) -> dict:
    """``probe`` in a fresh process in a project holding ``suite`` (store migrated); its JSON."""
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "orders.py").write_text(suite, encoding="utf-8")
    results_url = f"sqlite:///{tmp_path / 'results.db'}"
    Store(results_url).upgrade()
    env = dict(os.environ, DATAVIGIL_HOME=str(tmp_path), DATAVIGIL_RESULTS_URL=results_url,
               DATAVIGIL_SCHEMAS_DIR=str(tmp_path / "schemas"), PYTHONPATH=str(ROOT))  # fmt: skip
    done = subprocess.run([sys.executable, "-c", probe, *argv], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_a_suite_with_a_model_imports_no_pyspark_and_reads_no_entry_points(tmp_path: Path) -> None:
    """pandera imports pyspark whenever it is installed (datavigil[spark-connect]), at its import
    and when a model builds its schema: hidden from pandera for a suite that does not import it
    (ADR 0150). And SQLAlchemy finds the DuckDB dialect without reading every installed
    package's entry points (duckdb-engine's dialect is registered by name)."""
    data = tmp_path / "orders.csv"
    data.write_text("id,amount\n1,10.0\n2,\n3,4.5\n", encoding="utf-8")
    found = _run_in_project(tmp_path, MODEL_SUITE.format(path=data), MODEL_PROBE)
    assert found == {"code": 0, "pyspark": [], "entry_point_scans": 0}


FILE_SUITE = """\
from datavigil import FileSource, Suite
from datavigil.checks import NullRate, Range, RowCount, Unique

suite = Suite(name="orders", dataset="shop.orders", source=FileSource(path="{path}"),
              checks=[NullRate("amount", max_fraction=0.5), Range("amount", min=0), RowCount(),
                      Unique("id")])
"""
DUCK_PROBE = """\
import json, sys
import duckdb
opened = []
connect, cursor = duckdb.connect, duckdb.cursor
def counted_connect(*args, **kwargs):
    opened.append("connect")
    return connect(*args, **kwargs)
def counted_cursor(*args, **kwargs):  # DuckDB's default connection, opened on first use
    opened.append("default connection")
    return cursor(*args, **kwargs)
duckdb.connect, duckdb.cursor = counted_connect, counted_cursor
from datavigil.cli.main import main
code = main(["validate", "orders", "--date", "2024-05-01"])
print(json.dumps({"code": code, "opened": opened}))
"""


def test_a_file_scan_opens_no_duckdb_database_only_to_probe(tmp_path: Path) -> None:
    """duckdb-engine opens DuckDB's default connection (its reserved words, at engine creation)
    and another in-memory database (the names of DuckDB's settings, at the first connection):
    datavigil's dialect reads the words from the scan's own connection and passes its known
    settings without the list (ADR 0152). What remains: the scan's database, and the one
    duckdb-engine opens when it is imported (whether DuckDB has COMMENT ON)."""
    data = tmp_path / "orders.csv"
    data.write_text("id,amount\n1,10.0\n2,\n3,4.5\n", encoding="utf-8")
    found = _run_in_project(tmp_path, FILE_SUITE.format(path=data), DUCK_PROBE)
    assert found == {"code": 0, "opened": ["connect", "connect"]}


def _top_level_heavy_imports(path: Path) -> list[str]:
    """``import x`` / ``from x import y`` of a heavy library run when the module is imported
    (outside functions and outside ``if TYPE_CHECKING:``)."""
    found: list[str] = []

    def visit(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                visit(node.orelse)
                continue
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            heavy = [n for n in names if any(n == h or n.startswith(h + ".") for h in HEAVY)]
            found.extend(f"{path.relative_to(ROOT)}:{node.lineno}: {n}" for n in heavy[:1])
            if isinstance(node, ast.If | ast.Try | ast.With):
                visit(node.body)
                visit(getattr(node, "orelse", []))

    visit(ast.parse(path.read_text(encoding="utf-8")).body)
    return found


def test_no_module_on_the_validate_path_imports_a_heavy_library_at_import_time() -> None:
    """The lazy-import rule of ADR 0138, kept by reading the source: pandas, pandera, scipy,
    numpy, pyarrow, duckdb, Alembic and SQLAlchemy's ORM are imported inside the functions that
    use them (or through ``datavigil.core.lazy``), never at the top of a module a run imports."""
    modules = [
        p
        for package in LIGHT_PACKAGES
        for p in sorted((ROOT / "datavigil" / package).rglob("*.py"))
        if "migrations" not in p.parts
    ]
    assert len(modules) > 50
    found = [hit for p in modules for hit in _top_level_heavy_imports(p)]
    assert found == [], "move these imports into the functions using them:\n" + "\n".join(found)


EXIT_SUITE = (
    SUITE
    + """
import atexit


class _Teardown:
    def __del__(self, _open=open):  # run by the interpreter's teardown only
        with _open("teardown.txt", "w") as fh:
            fh.write("ran")


_kept = _Teardown()
atexit.register(lambda: open("atexit.txt", "w").write("ran"))
"""
)


@pytest.mark.parametrize("full", [False, True], ids=["default", "DATAVIGIL_FULL_EXIT"])
def test_the_command_ends_without_the_interpreters_teardown(tmp_path: Path, full: bool) -> None:
    """``python -m datavigil.cli`` (and the ``datavigil`` script) flush the output and run the
    ``atexit`` handlers, then end the process: objects still alive are not finalized one by one
    (about 0.4 s for a run that imported pandas, pandera, scipy and DuckDB; ADR 0150), unless
    ``DATAVIGIL_FULL_EXIT`` is set."""
    url = write_orders_db(tmp_path / "warehouse.db", {"2024-05-01": [(1, 10.0), (2, None)]})
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "orders.py").write_text(EXIT_SUITE.format(url=url), encoding="utf-8")
    results_url = f"sqlite:///{tmp_path / 'results.db'}"
    Store(results_url).upgrade()
    env = dict(os.environ, DATAVIGIL_HOME=str(tmp_path), DATAVIGIL_RESULTS_URL=results_url,
               DATAVIGIL_SCHEMAS_DIR=str(tmp_path / "schemas"), PYTHONPATH=str(ROOT))  # fmt: skip
    env.pop("DATAVIGIL_FULL_EXIT", None)
    env |= {"DATAVIGIL_FULL_EXIT": "1"} if full else {}
    argv = [sys.executable, "-m", "datavigil.cli", "validate", "orders", "--date", "2024-05-01"]
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("run_id cli:orders:2024-05-01")  # all of it, flushed
    assert (tmp_path / "atexit.txt").read_text() == "ran"
    assert (tmp_path / "teardown.txt").exists() is full


LEAVE = """\
import sys, threading, time
from datavigil.cli.main import leave
def late():
    time.sleep(0.3)
    open(sys.argv[1], "w").write("done")
threading.Thread(target=late).start()
print("before", end="")
leave(3)
"""


def test_leaving_with_another_thread_running_exits_as_usual(tmp_path: Path) -> None:
    """A thread still running keeps the usual exit: it finishes, and the exit code is kept."""
    marker = tmp_path / "thread.txt"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", LEAVE, str(marker)], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert (done.returncode, done.stdout, marker.read_text()) == (3, "before", "done")


PYSPARK_USER = """\
import json, sys
{first}
from datavigil.core.lazy import pyspark_hidden_from_pandera
with pyspark_hidden_from_pandera():  # as the suite's module is loaded
    import pandera.pandas as pa
    from pandera.typing import Series
class Orders(pa.DataFrameModel):
    id: Series[int]
with pyspark_hidden_from_pandera(schema_types=True):
    columns = sorted(Orders.to_schema().columns)
before = "pyspark" in sys.modules
import pandera.typing as pt
from pandera.typing import pyspark_sql
types = sorted(t.__module__ for t in pt.get_dataframe_types())
print(json.dumps({{"columns": columns, "imported_before": before, "types": types,
                  "installed": pyspark_sql.PYSPARK_SQL_INSTALLED}}))
"""


@pytest.mark.parametrize("first", ["", "import pyspark.sql"], ids=["later", "first"])
def test_pyspark_is_found_by_pandera_when_a_suite_uses_it(tmp_path: Path, first: str) -> None:
    """Hiding pyspark from a model building its schema changes nothing for a suite that uses
    PySpark: imported first, it is not hidden; imported later, pandera lists its types then."""
    pytest.importorskip("pyspark.sql")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    argv = [sys.executable, "-W", "ignore", "-c", PYSPARK_USER.format(first=first)]
    done = subprocess.run(argv, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {"columns": ["id"], "imported_before": bool(first), "installed": True,
                     "types": ["pandera.typing.pandas", "pandera.typing.pyspark_sql"]}  # fmt: skip


def test_a_plain_schedule_is_judged_as_croniter_judges_it() -> None:
    """``*`` or a number per field is checked without croniter: the same verdicts."""
    from croniter import croniter

    from datavigil.declare.schedule import CRON_PLAIN, valid_cron

    cases = ["0 0 * * *", "* * * * *", "00 02 * * 07", "0 0 1 1 0", "60 0 * * *", "0 0 0 * *"]
    for i, (_, hi) in enumerate(CRON_PLAIN):
        for value in [*range(-1, hi + 2), "007", "1.0", "²"]:
            cases.append(" ".join(str(value) if j == i else "*" for j in range(5)))
    disagree = [c for c in cases if valid_cron(c) != croniter.is_valid(c)]
    assert disagree == [] and len(cases) > 150


def test_every_check_is_imported_from_the_checks_package_on_first_use() -> None:
    import datavigil.checks as checks

    assert sorted(checks.MODULES) == sorted(checks.__all__) and set(checks.__all__) <= set(
        dir(checks)
    )
    for name in checks.__all__:
        value = getattr(checks, name)
        assert value.__name__ == name and value.__module__.startswith("datavigil.checks.")
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        checks.Nothing  # noqa: B018


AHEAD_PROBE = """\
import json, sys, threading
import pyarrow as pa
import sqlalchemy as sa
{first}
from datavigil.engine import metrics as m
from tests.engine.common import compute
from datavigil.engine.sources import FrameSource
seen = []
sa.event.listen(sa.engine.Engine, "before_cursor_execute", lambda *a: seen.append(
    sorted(t.name for t in threading.enumerate() if t.name.startswith("import "))))
table = pa.table({{"x": pa.array([1.0, 2.0, 4.0])}})
compute(FrameSource(table), None, [{metrics}])
for t in threading.enumerate():
    if t.name.startswith("import "):
        t.join()
print(json.dumps({{"threads": seen[0], "imported": "scipy.special" in sys.modules}}))
"""


@pytest.mark.parametrize(
    ("first", "metrics", "expected"),
    [
        ("", "m.Moments('x')", {"threads": ["import scipy.special"], "imported": True}),
        ("", "m.NullCount('x')", {"threads": [], "imported": False}),
        ("import scipy.special", "m.Moments('x')", {"threads": [], "imported": True}),
    ],
    ids=["moments", "no-moments", "already-imported"],
)
def test_the_tests_module_is_imported_while_the_moments_scan_runs(
    first: str, metrics: str, expected: dict
) -> None:
    """A scan computing moments (for a t-test or an ANOVA) imports scipy.special in a thread
    while its statement runs (ADR 0152); a scan without moments does not import it."""
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    probe = AHEAD_PROBE.format(first=first, metrics=metrics)
    done = subprocess.run([sys.executable, "-c", probe], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == expected
