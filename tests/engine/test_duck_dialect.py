"""The in-process DuckDB's dialect (datavigil.engine.duck_dialect, ADR 0152): duckdb-engine's,
without the databases it opens only to probe, compiling the same statements."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import warnings

import pytest

from tests.conftest import ROOT

# a scan's statements over columns named as DuckDB's reserved words (quoted by the preparer),
# recorded in a fresh process with the dialect ``sys.argv[1]`` registered for duckdb:// URLs
SCAN = """
import json, sys
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.dialects import registry
import datavigil.engine.dialects  # registers datavigil's dialect
if sys.argv[1] != "datavigil":
    registry.register("duckdb", "duckdb_engine", "Dialect")
from datavigil.engine import metrics as m
from tests.engine.common import compute
sent = []
sa.event.listen(sa.engine.Engine, "before_cursor_execute",
                lambda conn, cur, stmt, params, ctx, many: sent.append([stmt, repr(params)]))
cols = ["select", "Order", "pivot", "qualify", "x y", "amount"]
table = pa.table({c: pa.array([1.0, 2.0, float("nan"), None, 2.0]) for c in cols})
from datavigil.engine.sources import FrameSource
metrics = [m.NullCount(c) for c in cols] + [m.Moments(c) for c in cols]
metrics += [m.DuplicateKeys(("select", "Order")), m.Sample(("pivot",), 3, m.Cmp("qualify", ">", 1))]
metrics += [m.Frequencies("Order"), m.Moments("amount", by="select")]
values = compute(FrameSource(table), None, metrics)
print(json.dumps({"sent": sent, "rows": values.get(m.RowCount())}))
"""


def _statements(dialect: str) -> list[list[str]]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-c", SCAN, dialect], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])["sent"]


def _unordered(sent: list[list[str]]) -> list[tuple[str, list[str]]]:
    """Each statement's text, and its parameters as a multiset: the second pass lists the groups
    in the order DuckDB's GROUP BY returned them, which its threads do not fix."""
    return [(text, sorted(params.strip("()").split(", "))) for text, params in sent]


def test_the_statements_are_duckdb_engines() -> None:
    ours = _statements("datavigil")
    assert len(ours) >= 3 and any('"select"' in s for s, _ in ours)
    assert _unordered(ours) == _unordered(_statements("duckdb_engine"))


def test_every_setting_passed_at_connect_is_a_duckdb_setting() -> None:
    import duckdb

    from datavigil.engine.duck_dialect import CORE_SETTINGS

    with duckdb.connect() as con:
        names = {n for (n,) in con.execute("SELECT name FROM duckdb_settings()").fetchall()}
    assert CORE_SETTINGS <= names


@pytest.mark.parametrize(
    "connect_args",
    [{}, {"config": {"threads": 1}}, {"config": {"default_null_order": "nulls_first"}}],
    ids=["plain", "known", "other"],
)
def test_a_duckdb_engine_connects_with_its_settings(connect_args: dict) -> None:
    """Known settings go to ``duckdb.connect``; any other takes duckdb-engine's own path. No
    warning (a dialect class must say whether SQLAlchemy may cache its statements)."""
    import sqlalchemy as sa

    import datavigil.engine.dialects  # noqa: F401  (registers the dialect)

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        engine = sa.create_engine("duckdb:///:memory:", connect_args=connect_args)
        try:
            assert type(engine.dialect).__name__ == "DuckDialect"
            with engine.connect() as conn:
                conn.execute(sa.select(sa.literal(1))).all()  # compiled by the dialect
                setting = "SELECT current_setting('{}')".format
                threads = conn.exec_driver_sql(setting("threads")).scalar()
                nulls = conn.exec_driver_sql(setting("default_null_order")).scalar()
                agent = conn.exec_driver_sql(setting("custom_user_agent")).scalar()
        finally:
            engine.dispose()
    assert agent.startswith("duckdb_engine/")
    config = connect_args.get("config", {})
    assert (threads == 1) is ("threads" in config)
    assert (nulls.lower() == "nulls_first") is ("default_null_order" in config)
