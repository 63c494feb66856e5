"""`datavigil init SUITE --from-table URL TABLE | --from-file PATH`: draft a suite module from the
data (docs/adr/0094). A sample gives types, nullability, null rates per day and candidate keys;
min/max come from the whole table (one aggregate query) for SQL, so the draft passes on the data
it was drafted from. Every inference is printed with its reason; the draft is a starting point to
edit, not a contract. This module samples and writes; the inference is datavigil.cli.drafting."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from datavigil.cli.drafting import Draft, infer
from datavigil.core.errors import DatavigilError, SourceUnavailable

SAMPLE_ROWS = 100_000
DAY_IN_NAME = re.compile(r"\d{4}-\d{2}-\d{2}")


DRIFT_NOTES = (
    "drift: none (--drift-all adds a drift test on every column but the keys)",
    "drift: DriftAll tests every column but the keys against a reference snapshot: "
    "datavigil snapshot capture {suite} --from YYYY-MM-DD --to YYYY-MM-DD",
)


class InitError(DatavigilError):
    exit_code = 2


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


def render(draft: Draft, file_source: bool, drift: bool = False) -> str:
    """The suite module's text; ``drift``: with ``drift="all"`` (docs/adr/0136)."""
    model = "".join(w.capitalize() for w in draft.suite.split("_"))
    families = sorted({c.split("(")[0] for c in draft.checks})
    partition = ""
    if draft.partition and not file_source:
        partition = f'    partition=Partition(column="{draft.partition}", column_timezone="UTC"),\n'
    checks = "".join(f"        {c},\n" for c in draft.checks)
    start = f'    start_date="{draft.start_date}",\n' if draft.start_date else ""
    start += drift_line(draft) if drift else ""
    return (
        f'"""Drafted by `datavigil init {draft.suite}`: review types, ranges, tolerances."""\n\n'
        "import pandera.pandas as pa\n"
        "from pandera.typing import Series\n\n"
        f"from datavigil.checks import {', '.join(families)}\n"
        f"from datavigil import {'DriftAll, ' * drift}FileSource, Partition, SqlSource, Suite\n\n\n"
        f"class {model}(pa.DataFrameModel):\n" + "\n".join(draft.fields) + "\n\n"
        "    class Config:\n        coerce = True\n        strict = False\n\n\n"
        f'suite = Suite(\n    name="{draft.suite}",\n    source={draft.source},\n'
        f'{partition}    model={model},\n    timezone="UTC",\n{start}'
        f"    checks=[\n{checks}    ],\n)\n"
    )


def drift_line(draft: Draft) -> str:
    """``drift=DriftAll(...)``: every column tested, but the keys init found (all distinct: an
    ID drifts every day by construction)."""
    keys = [c.split('"')[1] for c in draft.checks if c.startswith("Unique((")]
    return f"    drift=DriftAll(exclude={keys!r}),  # a drift test on every other column\n"


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
    text = render(draft, file_source, args.drift_all)
    draft.note(DRIFT_NOTES[bool(args.drift_all)].format(suite=args.suite))
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
    p.add_argument("--drift-all", action="store_true", help="drift tests on all columns but keys")
    p.set_defaults(func=cmd_init)
