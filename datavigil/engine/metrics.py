"""The metric vocabulary and predicates: what a check may ask the engine to compute.

Every metric is a small frozen record, hashable, so that the plan removes duplicates: two checks
asking for ``NullCount("x")`` share one aggregate. A predicate is an expression tree (never a
string of SQL), compiled per backend by datavigil.engine.compile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# ---- predicates -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Cmp:
    """``column <op> value``; op in <, <=, >, >=, ==, !=. NULL and NaN never match."""

    column: str
    op: str
    value: Any


@dataclass(frozen=True, slots=True)
class IsIn:
    column: str
    values: tuple[Any, ...]
    negate: bool = False


@dataclass(frozen=True, slots=True)
class Regex:
    """The value (as text) matches ``pattern`` (Python/POSIX regex search semantics)."""

    column: str
    pattern: str
    anchored: bool = False  # True: must match at the start (pandera str_matches)


@dataclass(frozen=True, slots=True)
class TextTest:
    """startswith / endswith / contains ``value`` (literal, no pattern)."""

    column: str
    kind: str  # startswith | endswith | contains
    value: str


@dataclass(frozen=True, slots=True)
class Length:
    """The length of the text value compared with ``value``."""

    column: str
    op: str
    value: int


@dataclass(frozen=True, slots=True)
class IsNull:
    column: str


@dataclass(frozen=True, slots=True)
class IsNan:
    """A float NaN (never true where the backend cannot hold NaN)."""

    column: str


@dataclass(frozen=True, slots=True)
class Before:
    """A timestamp column earlier than ``instant`` (aware), compared as the partition filter
    compares: an aware column with the instant, a naive one in ``column_timezone``, SQLite text
    normalized by ``datetime()``. NULL never matches. (A label's arrival, checks/prediction.)"""

    column: str
    instant: Any  # an aware datetime
    column_timezone: str = "UTC"


@dataclass(frozen=True, slots=True)
class Not:
    operand: Any


@dataclass(frozen=True, slots=True)
class And:
    operands: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Any, ...]


Predicate = Cmp | IsIn | Regex | TextTest | Length | IsNull | IsNan | Before | Not | And | Or


def columns_of(pred: Any) -> set[str]:
    if isinstance(pred, Not):
        return columns_of(pred.operand)
    if isinstance(pred, And | Or):
        return set().union(*(columns_of(p) for p in pred.operands))
    return {pred.column}


# ---- metrics ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowCount:
    name = "row_count"


@dataclass(frozen=True, slots=True)
class NullCount:
    """SQL NULLs of the column (NaN is not NULL)."""

    column: str
    name = "null_count"


@dataclass(frozen=True, slots=True)
class NanCount:
    """Float NaNs (0 for columns that cannot hold NaN, and on backends without NaN)."""

    column: str
    name = "nan_count"


@dataclass(frozen=True, slots=True)
class InfCount:
    column: str
    sign: int  # +1 or -1
    name = "inf_count"


@dataclass(frozen=True, slots=True)
class Min:
    """Smallest non-NULL, non-NaN value (infinities included)."""

    column: str
    name = "min"


@dataclass(frozen=True, slots=True)
class Max:
    column: str
    name = "max"


@dataclass(frozen=True, slots=True)
class CountWhere:
    """Rows matching ``predicate`` (rows where it is NULL do not count)."""

    predicate: Any
    label: str = ""  # what the count means, for the run's profile
    name = "count_where"


@dataclass(frozen=True, slots=True)
class DuplicateKeys:
    """Over the key ``columns`` (NULL is a value, as in GROUP BY): distinct keys, keys that
    occur more than once, and rows that carry such a key (every copy counts)."""

    columns: tuple[str, ...]
    name = "duplicate_keys"


@dataclass(frozen=True, slots=True)
class RepeatedKeys:
    """At most ``n`` key tuples that occur more than once (a failing uniqueness check's sample)."""

    columns: tuple[str, ...]
    n: int
    name = "repeated_keys"


@dataclass(frozen=True, slots=True)
class Moments:
    """n, mean and centered sums M2..M4 of the finite values, min and max, per group of ``by``
    (None: the whole partition); also the NULL/NaN/inf counts left out, per group."""

    column: str
    by: str | None = None
    name = "moments"


@dataclass(frozen=True, slots=True)
class Frequencies:
    """The ``top`` most frequent non-NULL values (as text) with their counts, and the total."""

    column: str
    top: int = 1000
    name = "frequencies"


@dataclass(frozen=True, slots=True)
class Sample:
    """At most ``n`` rows of ``columns`` where ``where`` holds (None: any rows); ``distinct``:
    distinct tuples. Fetched only for what needs rows (failing checks, snapshots)."""

    columns: tuple[str, ...]
    n: int
    where: Any = None
    distinct: bool = False
    random: bool = False
    name = "sample"


@dataclass(frozen=True, slots=True)
class PairedKeys:
    """The rows of ``version`` = ``first`` or ``second`` grouped by ``key`` (NULL keys left
    out; datavigil.engine.paired): per key, its rows of each version (capped at 2) and, for each
    predicate of ``flags``, whether a row of each version meets it; the keys counted per
    combination: {(n_first, n_second, f0_first, f0_second, f1_first, ...): keys}."""

    key: str
    version: str
    first: Any
    second: Any
    flags: tuple[Any, ...] = ()
    name = "paired_keys"


@dataclass(frozen=True, slots=True)
class PairedSample:
    """At most ``n`` keys with exactly one row of each version where ``where`` holds, in key
    order: (``column`` of first, of second, then each flag of first and of second as 0/1)."""

    key: str
    version: str
    first: Any
    second: Any
    column: str
    n: int
    flags: tuple[Any, ...] = ()
    where: Any = None
    name = "paired_sample"


Metric = (
    RowCount
    | NullCount
    | NanCount
    | InfCount
    | Min
    | Max
    | CountWhere
    | DuplicateKeys
    | Moments
    | Frequencies
    | Sample
    | RepeatedKeys
    | PairedKeys
    | PairedSample
)


def metric_columns(metric: Any) -> set[str]:
    """The source columns a metric reads (a missing one makes it an error)."""
    if isinstance(metric, CountWhere):
        return columns_of(metric.predicate)
    if isinstance(metric, DuplicateKeys | Sample | RepeatedKeys):
        where = getattr(metric, "where", None)
        return set(metric.columns) | (columns_of(where) if where else set())
    if isinstance(metric, PairedKeys | PairedSample):
        where = getattr(metric, "where", None)
        preds = (*metric.flags, *([where] if where is not None else []))
        named = {metric.key, metric.version, getattr(metric, "column", metric.key)}
        return named.union(*(columns_of(p) for p in preds))
    if isinstance(metric, Moments):
        return {metric.column} | ({metric.by} if metric.by else set())
    col = getattr(metric, "column", None)
    return {col} if col else set()


class MetricError(Exception):
    """A metric that could not be computed (a missing column, a function the backend lacks,
    an overflow): the checks that asked for it are ``error`` with this reason."""
