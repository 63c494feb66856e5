"""The conformance suite's one table of cases: every metric of the engine's vocabulary (each
predicate kind through CountWhere), over the rows of tests/backends/data.py, and how its value is
compared with the reference (DuckDB over the Parquet file): ``exact``, ``moments`` (to the
backend's stated relative tolerance), ``set`` (rows in any order) or ``subset`` (a sample of
rows: its size, and every row one of the matching rows). ``day``: computed over the partition
of 2013-03-10 in America/New_York (a 23-hour DST day) on the ``ts`` column."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from datavigil.engine import metrics as m
from tests.backends.data import INF, NAN

# the relative tolerance of moments per backend (docs/reference/backends.md states the same)
TOLERANCE = {"sqlite": 1e-9, "postgresql": 1e-9, "duckdb-files": 1e-9, "duckdb-s3": 1e-9,
             "spark-thrift": 1e-9, "spark-connect": 1e-9}  # fmt: skip
INSTANT = datetime(2013, 3, 10, 7, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Case:
    id: str
    metric: Any
    compare: str = "exact"  # exact | moments | set | subset
    day: bool = False


def _where(name: str, pred: Any) -> Case:
    return Case(name, m.CountWhere(pred))


CASES = [
    Case("row_count", m.RowCount()),
    Case("null_count", m.NullCount("x")),
    Case("null_count.text", m.NullCount("s")),
    Case("nan_count", m.NanCount("x")),
    Case("inf_count.pos", m.InfCount("x", 1)),
    Case("inf_count.neg", m.InfCount("x", -1)),
    Case("min.float", m.Min("x")),
    Case("max.float", m.Max("x")),
    Case("min.int", m.Min("k")),
    Case("max.text", m.Max("s")),
    Case("min.text", m.Min("s")),
    Case("min.date", m.Min("d")),
    Case("max.timestamp", m.Max("ts")),
    _where("cmp.lt", m.Cmp("x", "<", 1.5)),
    _where("cmp.le", m.Cmp("x", "<=", 1.5)),
    _where("cmp.gt", m.Cmp("x", ">", 0.0)),
    _where("cmp.ge", m.Cmp("k", ">=", 6)),
    _where("cmp.eq.text", m.Cmp("s", "==", "O'Brien")),
    _where("cmp.ne.unicode", m.Cmp("s", "!=", "é")),
    _where("cmp.eq.inf", m.Cmp("x", "==", INF)),
    _where("cmp.eq.nan", m.Cmp("x", "==", NAN)),
    _where("isin", m.IsIn("s", ("a", "", "日本語"))),
    _where("notin", m.IsIn("g", ("p",), negate=True)),
    _where("isin.float", m.IsIn("x", (1.5, -INF))),
    _where("regex", m.Regex("s", r"[A-Z]{2}-\d+")),
    _where("regex.anchored", m.Regex("s", r"[a-z]", anchored=True)),
    _where("regex.unicode", m.Regex("s", "本")),
    _where("regex.backslash", m.Regex("s", r"k\\s")),
    _where("startswith", m.TextTest("s", "startswith", "O'")),
    _where("endswith", m.TextTest("s", "endswith", "語")),
    _where("contains.backslash", m.TextTest("s", "contains", "\\")),
    _where("length.unicode", m.Length("s", "==", 3)),
    _where("length.empty", m.Length("s", "<", 1)),
    _where("is_null", m.IsNull("ts")),
    _where("is_nan", m.IsNan("x")),
    _where("before", m.Before("ts", INSTANT)),
    _where("not", m.Not(m.Cmp("k", ">", 2))),
    _where("and", m.And((m.Cmp("k", ">", 1), m.Not(m.IsNull("s"))))),
    _where("or", m.Or((m.Cmp("x", "<", 0.0), m.IsNull("g")))),
    Case("duplicate_keys", m.DuplicateKeys(("k",))),
    Case("duplicate_keys.pair", m.DuplicateKeys(("k", "g"))),
    Case("repeated_keys", m.RepeatedKeys(("k",), 10), "set"),
    Case("moments", m.Moments("x"), "moments"),
    Case("moments.int", m.Moments("k"), "moments"),
    Case("moments.by_group", m.Moments("x", by="g"), "moments"),
    Case("frequencies", m.Frequencies("g")),
    Case("frequencies.top", m.Frequencies("s", top=2)),
    Case("frequencies.unicode", m.Frequencies("s")),
    Case("sample.where", m.Sample(("k", "s"), 20, where=m.Cmp("k", ">", 2)), "set"),
    Case("sample.distinct", m.Sample(("g",), 3, distinct=True)),
    Case("sample.first", m.Sample(("k",), 2, where=m.Cmp("k", "==", 6)), "subset"),
    Case("sample.random", m.Sample(("k", "g"), 4, random=True), "subset"),
    Case("day.row_count", m.RowCount(), day=True),
    Case("day.min.timestamp", m.Min("ts"), day=True),
    Case("day.max.timestamp", m.Max("ts"), day=True),
    Case("day.frequencies", m.Frequencies("g"), day=True),
]


def checks() -> list[Any]:
    """The built-in checks a single run judges (the others judge these metrics over days or a
    reference: moments and frequencies above), and a pandera model of built-in checks."""
    from datavigil.checks import NullRate, Range, RowCount, SchemaCheck, Unique

    return [
        RowCount(min_rows=1),
        NullRate("x", max_fraction=0.1),
        NullRate("x", max_fraction=0.5, count_inf=True, name="nulls.x.inf"),
        NullRate("s", max_fraction=0.2),
        Range("x", min=-5, max=5),
        Range("k", min=1, max=6, max_inclusive=False),
        Range("x", min=0, min_inclusive=False, name="range.x.positive"),
        Unique(("k",)),
        Unique(("k", "g"), name="unique.pair"),
        SchemaCheck(model=_Model),
    ]


class _Model:
    """A pandera model of built-in checks (SchemaCheck reads ``to_schema()``)."""

    @staticmethod
    def to_schema() -> Any:
        import pandera.pandas as pa

        text = [pa.Check.str_matches(r"[a-z]"), pa.Check.str_contains("a"),
                pa.Check.str_startswith("a"), pa.Check.str_endswith("a"),
                pa.Check.str_length(1, 3), pa.Check.isin(["a", "é", "日本語"])]  # fmt: skip
        return pa.DataFrameSchema(
            {
                "k": pa.Column(int, [pa.Check.ge(2), pa.Check.lt(10)], nullable=True, unique=True),
                "x": pa.Column(float, [pa.Check.in_range(-5, 5), pa.Check.ne(0.0)], nullable=True),
                "s": pa.Column(str, text, nullable=True),
                "g": pa.Column(str, [pa.Check.notin(["r"]), pa.Check.eq("p")], nullable=True),
            }
        )
