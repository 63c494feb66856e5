"""pandera on pandas: the suite as a pandera schema (lazy, every failure collected), the tests
with scipy.stats on the frames, as a pandera user writes it.

    python benchmarks/peers/pandera_pandas.py DATA_DIR N
"""

from __future__ import annotations

import time

import pandas as pd
import pandera.pandas as pa
import suite as s
from pandera.errors import SchemaErrors
from scipy import stats

DTYPES = {"int64": "int64", "float64": "float64", "string": pa.String, "timestamp": pa.DateTime}


def range_check(lo: float | None, hi: float | None) -> pa.Check:
    if hi is None:
        return pa.Check.ge(lo)
    return pa.Check.in_range(lo, hi)


def schema() -> pa.DataFrameSchema:
    columns = {}
    for name, logical in s.EXPECTED.items():
        checks = [range_check(*s.RANGES[name])] if name in s.RANGES else []
        columns[name] = pa.Column(
            DTYPES[logical],
            checks=checks,
            nullable=name not in s.NOT_NULL,
            unique=name == s.UNIQUE,
        )
    return pa.DataFrameSchema(columns, strict=True)


def check_key(row: pd.Series) -> str:
    """The suite's check name for one row of pandera's failure_cases."""
    check = str(row["check"])
    if check == "not_nullable":
        return f"not_null:{row['column']}"
    if check == "field_uniqueness":
        return f"unique:{row['column']}"
    if check.startswith(("in_range", "greater_than", "less_than")):
        return f"range:{row['column']}"
    return "schema"  # dtype(...), column_in_schema, column_in_dataframe


def failures_of(frame: pd.DataFrame) -> dict[str, int]:
    out = dict.fromkeys(s.check_names(), 0)
    try:
        schema().validate(frame, lazy=True)
    except SchemaErrors as err:
        keys = err.failure_cases.apply(check_key, axis=1)
        cases = err.failure_cases[keys == "schema"]
        schema_cols = cases["column"].fillna(cases["failure_case"].astype(str)).nunique()
        for key, count in keys[keys != "schema"].value_counts().items():
            out[str(key)] = int(count)
        out["schema"] = int(schema_cols)
    return out


def main() -> None:
    cur_path, ref_path, _ = s.args()
    t0 = time.perf_counter()
    cur = pd.read_parquet(cur_path)
    ref = pd.read_parquet(ref_path, columns=sorted(set(s.TTEST) | {s.ANOVA}))
    failures = failures_of(cur)
    tests = {}
    for name in s.TTEST:
        res = stats.ttest_ind(cur[name].dropna(), ref[name].dropna(), equal_var=False)
        tests[f"ttest:{name}"] = (res.statistic, res.pvalue)
    col = cur[s.ANOVA].dropna()
    days = [g.to_numpy() for _, g in col.groupby(cur.loc[col.index, "ts"].dt.floor("D"))]
    res = stats.f_oneway(*days, ref[s.ANOVA].dropna().to_numpy())
    tests[f"anova:{s.ANOVA}"] = (res.statistic, res.pvalue)
    s.emit("pandera", time.perf_counter() - t0, failures, tests, rows=len(cur))


if __name__ == "__main__":
    main()
