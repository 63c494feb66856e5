"""`datavigil init SUITE --from-table URL TABLE | --from-file PATH`: draft a suite module from the
data (docs/adr/0094). A sample gives types, nullability, null rates per day and candidate keys;
min/max come from the whole table (one aggregate query) for SQL, so the draft passes on the data
it was drafted from. Every inference is printed with its reason; the draft is a starting point to
edit, not a contract."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datavigil.core.errors import DatavigilError, SourceUnavailable

SAMPLE_ROWS = 100_000
MARGIN = 0.10  # ranges: observed min/max widened by this share of the span
PARTITION_NAME = re.compile(
    r"(^|_)(ts|time|timestamp|date|day|dt|ds|created|updated|event)($|_)|_at$"
)
KEY_NAME = re.compile(r"(^|_)(id|key|uuid)$")
DAY_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InitError(DatavigilError):
    exit_code = 2


@dataclass
class Draft:
    suite: str
    source: str  # Python source of the SqlSource/FileSource
    partition: str | None = None
    start_date: str | None = None  # the first day of the data: earlier DAG runs have no tasks
    fields: list[str] = field(default_factory=list)  # model lines
    checks: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was inferred, and why

    def note(self, text: str) -> None:
        self.notes.append(text)


def _nice(value: float, up: bool) -> float | int:
    """Round outward to three significant digits (17.33 -> 17.3 down, 4983 -> 4990 up)."""
    if value == 0 or not math.isfinite(value):
        return 0
    step = 10 ** (math.floor(math.log10(abs(value))) - 2)
    rounded = (math.ceil if up else math.floor)(value / step) * step
    return int(rounded) if float(rounded).is_integer() else round(rounded, 10)


def _kind(series: Any) -> str:
    import pandas as pd

    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "int"
    if pd.api.types.is_float_dtype(series):
        non_null = series.dropna()
        return "int" if len(non_null) and (non_null % 1 == 0).all() else "float"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "datetime"
    return "str"


def _partition(df: Any, draft: Draft) -> str | None:
    stamps = [c for c in df.columns if _kind(df[c]) == "datetime"]
    if not stamps:
        draft.note("partition: no timestamp column -> whole-table suite (every run reads all rows)")
        return None
    named = [c for c in stamps if PARTITION_NAME.search(c.lower())]
    choice = (named or stamps)[0]
    why = "its name looks like a timestamp" if named else "the first timestamp column"
    draft.note(
        f"partition: {choice} ({why}); naive values assumed UTC: set "
        "Partition(column_timezone=...) and Suite(timezone=...) if not"
    )
    return choice


def _field(name: str, kind: str, nullable: bool) -> str:
    types = {"int": "int", "float": "float", "bool": "bool", "str": "str"}
    types["datetime"] = "pa.DateTime"
    typ = "float" if kind == "int" and nullable else types[kind]  # NULLs read as NaN
    args = "nullable=True" if nullable else ""
    return f"    {name}: Series[{typ}] = pa.Field({args})"


def _numeric_checks(name: str, lo: float, hi: float, draft: Draft, whole: bool) -> None:
    span = hi - lo
    pad = MARGIN * span if span else max(abs(hi) * 0.01, 1.0)  # a constant: +-1%, at least 1
    low, high = lo - pad, hi + pad
    if lo >= 0:
        low = max(0.0, low)
    low, high = _nice(low, up=False), _nice(high, up=True)
    if whole:  # an integer column gets integer bounds
        low, high = math.floor(low), math.ceil(high)
    draft.checks.append(f'Range("{name}", min={low!r}, max={high!r})')
    draft.note(f"range {name}: observed {lo:g}..{hi:g} over all rows, widened: {low}..{high}")


def _null_check(name: str, worst: float, draft: Draft, per: str) -> None:
    allowed = min(1.0, math.ceil((worst * 1.5 + 0.01) * 100) / 100)
    draft.checks.append(f'NullRate("{name}", max_fraction={allowed})')
    draft.note(
        f"nulls {name}: worst {per} null rate {worst:.4f}: max_fraction {allowed} (x1.5 + 0.01)"
    )


def _per_day(df: Any, partition: str | None, truncated: bool) -> list[Any]:
    """The sample per partition day; a truncated sample's last day may be partial: dropped."""
    if partition is None:
        return [df]
    days = df[partition].dt.floor("D")
    groups = [group for _, group in df.groupby(days)]
    return groups[:-1] if truncated and len(groups) > 1 else groups


def infer(
    df: Any, draft: Draft, bounds: dict[str, tuple[float, float]], truncated: bool = False
) -> Draft:
    """Fill ``draft`` from the sample ``df``; ``bounds``: whole-table (min, max) per column;
    ``truncated``: the sample is not the whole data."""
    draft.partition = _partition(df, draft)
    if draft.partition:
        draft.start_date = df[draft.partition].min().date().isoformat()
        draft.note(f"start_date: {draft.start_date}, the first day in the sample")
    groups = _per_day(df, draft.partition, truncated)
    per = "per-day" if draft.partition else "sample"
    for name in df.columns:
        if not IDENT.match(str(name)):
            draft.note(f"column {name!r}: not a Python identifier, left out of the model")
            continue
        series, kind = df[name], _kind(df[name])
        nullable = bool(series.isna().any())
        draft.fields.append(_field(name, kind, nullable))
        draft.note(f"type {name}: {kind}{', nullable' if nullable else ', no NULL in the sample'}")
        if nullable:
            _null_check(name, max(float(g[name].isna().mean()) for g in groups), draft, per)
        if kind in ("int", "float") and series.notna().any():
            lo, hi = bounds.get(name, (float(series.min()), float(series.max())))
            _numeric_checks(name, float(lo), float(hi), draft, kind == "int")
        if kind in ("int", "str") and not nullable and KEY_NAME.search(name.lower()):
            if series.is_unique:
                draft.checks.append(f'Unique(("{name}",))')
                draft.note(f"key {name}: named like a key, no NULL, no duplicate in the sample")
    smallest = min(len(g) for g in groups)
    floor = max(1, smallest // 2)
    draft.checks.insert(0, f"RowCount(min_rows={floor})")
    draft.note(f"row count: smallest {per} count {smallest} -> min_rows {floor} (half of it)")
    return draft


def sample_table(url: str, table: str, rows: int) -> tuple[Any, dict[str, Any], int]:
    """A sample of ``table`` (typed by reflection), the whole table's numeric (min, max) and
    its row count."""
    import pandas as pd
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(url)
    except (sa.exc.ArgumentError, ModuleNotFoundError) as exc:
        raise InitError(
            f"init: --from-table: '{url}' is not a usable SQLAlchemy URL: {exc}"
        ) from None
    try:
        with engine.connect() as conn:
            t = sa.Table(table, sa.MetaData(), autoload_with=conn)
            df = pd.DataFrame(conn.execute(sa.select(t).limit(rows)).mappings().all())
            numeric = [c for c in t.c if c.type.python_type in (int, float)]
            agg = [f(c) for c in numeric for f in (sa.func.min, sa.func.max)]
            *values, total = conn.execute(sa.select(*agg, sa.func.count()).select_from(t)).one()
    except sa.exc.NoSuchTableError:
        raise SourceUnavailable(f"init: table '{table}' not found at {url}") from None
    except sa.exc.SQLAlchemyError as exc:
        raise SourceUnavailable(f"init: cannot read {table}: {str(exc).splitlines()[0]}") from None
    finally:
        engine.dispose()
    if df.empty:
        raise InitError(f"init: table '{table}' has no rows to draft from")
    for c in t.c:  # DATETIME columns read back as datetimes; make the dtype say so
        if c.type.python_type.__name__ in ("datetime", "date"):
            df[c.name] = pd.to_datetime(df[c.name])
    bounds = {c.name: (values[2 * i], values[2 * i + 1]) for i, c in enumerate(numeric)}
    return df, {k: v for k, v in bounds.items() if v[0] is not None}, int(total)


def sample_file(path: Path, rows: int) -> Any:
    import pandas as pd

    if not path.is_file():
        raise SourceUnavailable(f"init: file {path} not found")
    if path.suffix.lower() in (".csv", ".gz"):
        df = pd.read_csv(path, nrows=rows)
        for name in [c for c in df.columns if pd.api.types.is_string_dtype(df[c])]:
            try:
                df[name] = pd.to_datetime(df[name], format="ISO8601")
            except (ValueError, TypeError):
                pass
        return df
    return pd.read_parquet(path).head(rows)


def file_template(path: Path) -> str:
    match = DAY_IN_NAME.search(path.name)
    if match is None:
        raise InitError(
            f"init: --from-file {path.name}: no YYYY-MM-DD in the file name; a FileSource reads "
            "one file per day ({date:%Y-%m-%d} in its path)"
        )
    name = path.name[: match.start()] + "{date:%Y-%m-%d}" + path.name[match.end() :]
    return str(path.with_name(name))


def render(draft: Draft, file_source: bool) -> str:
    """The suite module's text."""
    model = "".join(w.capitalize() for w in draft.suite.split("_"))
    families = sorted({c.split("(")[0] for c in draft.checks})
    partition = ""
    if draft.partition and not file_source:
        partition = f'    partition=Partition(column="{draft.partition}", column_timezone="UTC"),\n'
    checks = "".join(f"        {c},\n" for c in draft.checks)
    start = f'    start_date="{draft.start_date}",\n' if draft.start_date else ""
    return (
        f'"""Drafted by `datavigil init {draft.suite}`: review types, ranges, tolerances."""\n\n'
        "import pandera.pandas as pa\n"
        "from pandera.typing import Series\n\n"
        f"from datavigil.checks import {', '.join(families)}\n"
        "from datavigil import FileSource, Partition, SqlSource, Suite\n\n\n"
        f"class {model}(pa.DataFrameModel):\n" + "\n".join(draft.fields) + "\n\n"
        "    class Config:\n        coerce = True\n        strict = False\n\n\n"
        f'suite = Suite(\n    name="{draft.suite}",\n    source={draft.source},\n'
        f'{partition}    model={model},\n    timezone="UTC",\n{start}'
        f"    checks=[\n{checks}    ],\n)\n"
    )


def portable_url(url: str) -> str:
    """A SQLite path as the suite should name it: absolute, or under ``{home}`` when it lies
    there (a task's working directory is never where the file is)."""
    from datavigil.core import config

    prefix = "sqlite:///"
    if not url.startswith(prefix) or url[len(prefix) :] in ("", ":memory:"):
        return url
    path = Path(url[len(prefix) :]).resolve()
    try:
        return prefix + "{home}/" + path.relative_to(config.home()).as_posix()
    except ValueError:
        return prefix + str(path)


def draft_suite(args: Any) -> tuple[Draft, bool]:
    from datavigil.declare.suite import NAME_RE

    if not NAME_RE.match(args.suite):
        raise InitError(f"init: suite name '{args.suite}' must match [a-z][a-z0-9_]*")
    if args.from_table:
        url, table = args.from_table
        draft = Draft(args.suite, f'SqlSource(table="{table}", url="{portable_url(url)}")')
        df, bounds, total = sample_table(url, table, args.sample)
        draft.note(f"sample: {len(df)} of {total} rows of {table}; min/max over all rows")
        if len(df) < total:
            draft.note(
                "the sample is not the whole table: null rates and keys may not hold on the rest"
            )
        return infer(df, draft, bounds, truncated=len(df) < total), False
    path = Path(args.from_file).resolve()
    df = sample_file(path, args.sample)
    draft = Draft(args.suite, f'FileSource(path="{file_template(path)}")')
    draft.note(f"sample: {len(df)} rows of {path.name}; one file per day")
    return infer(df, draft, {}), True


def _schemas_dir(config: Any) -> Path:
    """The schemas directory, created when DATAVIGIL_SCHEMAS_DIR names one that does not exist
    yet (init writes the first suite into it)."""
    import os

    value = os.environ.get("DATAVIGIL_SCHEMAS_DIR")
    if value and not Path(value).expanduser().exists():
        Path(value).expanduser().mkdir(parents=True)
    return Path(config.schemas_dir())


def cmd_init(args: Any) -> int:
    from datavigil.core import config
    from datavigil.declare.suite import NAME_RE

    if not NAME_RE.match(args.suite):
        raise InitError(f"init: suite name '{args.suite}' must match [a-z][a-z0-9_]*")
    out = Path(args.out) if args.out else _schemas_dir(config) / f"{args.suite}.py"
    if out.exists() and not args.force:
        raise InitError(f"init: {out} exists (--force replaces it)")
    draft, file_source = draft_suite(args)
    text = render(draft, file_source)
    compile(text, str(out), "exec")  # a draft that does not parse is a bug, not a file
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    for line in draft.notes:
        print(f"  {line}")
    print(f"wrote {out}: {len(draft.fields)} columns, {len(draft.checks)} checks")
    print(f"next: datavigil validate {draft.suite} --date YYYY-MM-DD")
    return 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "init",
        help="draft a suite module from a table or a file",
        description="Draft schemas/SUITE.py from a sample of the data; prints what it inferred.",
    )
    p.add_argument("suite")
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--from-table", nargs=2, metavar=("URL", "TABLE"), help="SQLAlchemy URL")
    source.add_argument("--from-file", metavar="PATH", help="a day's Parquet or CSV file")
    p.add_argument("--sample", type=int, default=SAMPLE_ROWS, help="rows to sample (100000)")
    p.add_argument("--out", help="where to write (default: <schemas dir>/SUITE.py)")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=cmd_init)
