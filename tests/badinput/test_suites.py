"""Bad-input catalogue, part 1: malformed suites, one field at a time. Each is configuration:
exit 2, one line naming the suite and the field (or the file), nothing written (the results
store is not even created). A broken neighbour never stops a good suite."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.badinput.harness import CLEAN, CLEAN_ROWS, SUITE, Case, Project, params, play

MODEL = """
import pandera.pandas as pa
from pandera.typing import Series

class Orders(pa.DataFrameModel):
    id: Series[int]
    amount: Series[float] = pa.Field(nullable=True)
"""

NOT_A_SUITE = "def Suite(**kwargs):\n    return kwargs\n\nsuite = Suite(name='orders')\n"


def field(case_id: str, old: str, new: str, *words: str, xfail: str | None = None) -> Case:
    """A case that changes one piece of the orders suite."""

    def setup(p: Project) -> None:
        p.suite(**{old: new})

    return Case(case_id, 2, ("suite 'orders'", *words), setup, xfail=xfail)


def text(case_id: str, body: str, *words: str, name: str = "orders") -> Case:
    def setup(p: Project) -> None:
        p.suite(body, name=name)

    return Case(case_id, 2, ("suite 'orders'", *words), setup)


SRC = 'SqlSource(table="orders", url="{db}")'
CHECKS = 'NullRate("amount", max_fraction=0.5)'
CASES = [
    text("syntax-error", "suite = Suite(name='orders'", "module", "orders.py line 1"),
    text("import-raises", "raise RuntimeError('boom')\n" + SUITE, "orders.py failed", "boom"),
    text("import-missing-module", "import nosuchmodule\n" + SUITE, "ModuleNotFoundError"),
    text("no-suite-in-file", NOT_A_SUITE, "orders.py does not define Suite(name='orders')"),
    field("name-non-literal", 'name="orders"', "name=NAME", "name: must be a literal"),
    field("name-invalid", 'name="orders"', 'name="Orders!"', "'Orders!' must match"),
    field("schedule-invalid", 'name="orders",', 'name="orders", schedule="daily",', "schedule"),
    field("timezone-unknown", 'name="orders",', 'name="orders", timezone="Mars/Base",', "timezone"),
    field("start-date-bad", 'name="orders",', 'name="orders", start_date="2024-02-30",', "start_"),
    field("catchup-not-bool", 'name="orders",', 'name="orders", catchup="yes",', "catchup"),
    field("tags-a-string", 'name="orders",', 'name="orders", tags="demo",', "tags"),
    field("schema-severity", 'name="orders",', 'name="orders", schema_severity="x",', "schema_"),
    field("chunk-size-zero", 'name="orders",', 'name="orders", chunk_size=0,', "chunk_size"),
    field("source-missing", f"source={SRC},", "source=None,", "source: missing"),
    field("source-not-a-source", f"source={SRC},", 'source="warehouse.db",', "not a datavigil"),
    field("sql-table-and-query", 'table="orders"', 'table="orders", query="SELECT 1"', "exactly"),
    field("sql-query-not-select", 'table="orders"', 'query="DELETE FROM orders"', "SELECT"),
    field("file-partitioning", SRC, 'FileSource("data/", partitioning="range")', "partitioning"),
    field("file-format", SRC, 'FileSource("data/{ds}.xlsx", format="xlsx")', "format"),
    field("partition-tz", 'Partition("ts")', 'Partition("ts", "Mars/Base")', "column_timezone"),
    field("check-not-a-check", CHECKS, '"nulls.amount"', "checks[0]", "not a datavigil check"),
    field("check-severity", "max_fraction=0.5", 'max_fraction=0.5, severity="fatal"', "severity"),
    field("check-duplicate", CHECKS, f"{CHECKS}, {CHECKS}", "duplicate check name"),
    field("null-rate-above-1", "max_fraction=0.5", "max_fraction=1.5", "max_fraction"),
    field("range-min-above-max", "min=0, max=1000", "min=1000, max=0", "greater than max"),
    field("reference-negative", 'name="orders",', 'name="orders", reference=-1,', "reference"),
    field("alpha-above-1", 'name="orders",', 'name="orders", alpha=2,', "alpha"),
    field("correction-unknown", 'name="orders",', 'name="orders", correction="x",', "correction"),
    field("reference-window", 'name="orders",', 'name="orders", reference_window=("a", "b"),', "r"),
    field("dependency-not", 'name="orders",', 'name="orders", dependencies=[1],', "dependencies"),
    field("assets-not-strings", 'name="orders",', 'name="orders", assets=[""],', "assets"),
    text(
        "model-unknown-column",
        MODEL
        + SUITE.replace('name="orders",', 'name="orders", model=Orders,').replace(
            'NullRate("amount"', 'NullRate("amount_usd"'
        ),
        "checks[0] (nulls.amount_usd)",
        "unknown column",
    ),
    text(
        "model-broken",
        MODEL.replace("amount: Series[float]", 'amount: Series["notatype"]')
        + SUITE.replace('name="orders",', 'name="orders", model=Orders,'),
        "model",
    ),
    # thresholds and source URLs (issue 8 items 7 and 8), rejected when the suite loads
    field("null-rate-bool", "max_fraction=0.5", "max_fraction=True", "max_fraction"),
    field("range-min-string", "min=0, max=1000", 'min="0"', "min"),
    field("range-nan", "min=0, max=1000", 'min=float("nan"), max=float("nan")', "min"),
    field("range-inf", "min=0, max=1000", 'min=float("-inf"), max=float("inf")', "m"),
    field("sql-url-garbage", 'url="{db}"', 'url="not a url"', "url"),
    field("sql-url-unknown-driver", 'url="{db}"', 'url="foo+bar://h/db"', "foo+bar"),
    field("sql-url-no-driver", 'url="{db}"', 'url="mysql://h/d"', "mysql"),
    # issue 17 item 10: a source URL with a port no server can listen on (exit 2, not 3)
    field("sql-url-port-99999", 'url="{db}"', 'url="postgresql+psycopg://u@h:99999/d"', "99999"),
    field("sql-url-port-zero", 'url="{db}"', 'url="postgresql+psycopg://u@h:0/d"', "port 0"),
]


@pytest.mark.parametrize("case", params(CASES))
def test_malformed_suite(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))


NEIGHBOURS = {  # file: text (twin.py and twin2.py both declare suite 'twin')
    "syntax.py": "this is not python(",
    "nonliteral.py": "N = 'x'\nsuite = Suite(name=N)\n",
    "twin.py": 'suite = Suite(name="twin")\n',
    "twin2.py": 'suite = Suite(name="twin")\n',
    "raises.py": 'raise RuntimeError("boom")\nsuite = Suite(name="raises")\n',
}


def test_broken_neighbours_do_not_stop_a_good_suite(tmp_path: Path) -> None:
    """Item 3: a syntax error, a non-literal name, a duplicate name and a module that raises,
    beside a good suite: it validates as if they were not there; `suites --check` names each
    broken file on one line and exits 2."""
    project = Project(tmp_path)
    project.suite()
    for name, body in NEIGHBOURS.items():
        (project.schemas / name).write_text(body)
    result = project.run("validate", "orders", "--date", CLEAN)
    assert result.code == 0 and result.err == "", str(result)
    assert project.rows() == CLEAN_ROWS
    check = project.run("suites", "--check")
    assert check.code == 2 and "Traceback" not in check.err, str(check)
    lines = sorted(check.err.strip().splitlines())
    assert [line.split("'")[1] for line in lines] == ["nonliteral", "raises", "syntax", "twin"]
    for line, file in zip(
        lines, ["nonliteral.py", "raises.py", "syntax.py", "twin.py"], strict=True
    ):
        assert line.startswith("datavigil: suite '") and file in line, line
    assert "twin2.py" in lines[-1]
    table = {line.split()[0]: line for line in check.out.splitlines()[2:]}
    assert "broken" not in table["orders"]
    assert all("broken" in table[name] for name in ("nonliteral", "raises", "syntax", "twin"))
