"""The samples of several checks read in one statement (docs/adr/0140) are the samples each
would read alone: the same LIMIT, the same order for an ordered (distinct) sample, the same
matching rows; a sample of a column not in the source is its own error, the others read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import sqlalchemy.orm  # noqa: F401  (conftest's pg_url teardown calls sa.orm)

from datavigil import SqlSource
from datavigil.engine import metrics as m
from datavigil.engine.backends import open_scan
from datavigil.engine.sources import FrameSource

ROWS = [(i % 7, float(i * i) if i % 5 else None, "abcde"[i % 5]) for i in range(60)]
WANTED = [
    m.Sample(("x",), 4, where=m.Cmp("x", ">", 100.0)),
    m.Sample(("s", "k"), 5, distinct=True),
    m.RepeatedKeys(("k",), 3),
    m.Sample(("k",), 2, where=m.Cmp("k", "==", 6)),
]


def source(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if kind == "duckdb":
        import pyarrow as pa

        k, x, s = zip(*ROWS, strict=True)
        return FrameSource(pa.table({"k": list(k), "x": list(x), "s": list(s)}))
    url = request.getfixturevalue("pg_url") if kind == "postgresql" else None
    url = url or f"sqlite:///{tmp_path / 't.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE t (k integer, x double precision, s varchar(5))"))
        conn.execute(sa.text("INSERT INTO t VALUES (:k, :x, :s)"),
                     [{"k": k, "x": x, "s": s} for k, x, s in ROWS])  # fmt: skip
    engine.dispose()
    return SqlSource(table="t", url=url)


@pytest.mark.parametrize("kind", ["duckdb", "sqlite", "postgresql"])
def test_one_statement_reads_what_each_would(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    with open_scan("s", source(kind, request, tmp_path), None, None) as scan:
        alone = {x: scan.compute([x]).get(x) for x in WANTED}
        missing = m.Sample(("nope",), 3)
        together = scan.samples([*WANTED, missing])
    assert together.queries == 1  # the UNION ALL; the missing column needs no statement
    assert "nope" in str(together.data[missing])
    where, distinct, repeated, first = WANTED
    assert together.get(distinct) == alone[distinct]  # ordered: the same rows in the same order
    assert sorted(together.get(repeated)) == sorted(alone[repeated])
    got = together.get(where)
    assert len(got) == len(alone[where]) == 4 and all(v > 100 for (v,) in got)
    assert together.get(first) == alone[first] == [(6,), (6,)]


def test_only_the_checks_that_asked_for_rows_are_judged_again(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """The second round judges again only a check that asked for rows: the others (a history
    check reading earlier days, a permutation test) ran twice before, doubling their work."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Ctx:
        fetch: Any = None
        keep: Any = None

    judged: list[tuple[int, bool]] = []

    def judge(i: int, ctx: Ctx) -> list[str]:
        judged.append((i, ctx.fetch is not None))
        got = ctx.fetch([WANTED[0]]) if i == 1 else None  # check 1 fails and wants its sample
        return [f"check {i}: {'rows' if got and got.data else 'no rows'}"]

    with open_scan("s", source("duckdb", request, tmp_path), None, None) as scan:
        results = scan.ahead().judge(judge, 3, Ctx())
    assert [i for i, _ in judged] == [0, 1, 2, 1]
    assert results == ["check 0: no rows", "check 1: rows", "check 2: no rows"]
