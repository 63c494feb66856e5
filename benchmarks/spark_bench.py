"""The suite on Spark: datavigil (SqlSource over Spark's Thrift server) vs one hand-written Spark
SQL query, side by side in the same rounds; the statements datavigil sent, the table scans they
made and the rows that left Spark.

    python benchmarks/spark_bench.py [--rows 1e6] [--rounds 3] [--url hive://127.0.0.1:10000/default]
    python benchmarks/spark_bench.py --url sc://127.0.0.1:15002   # Spark Connect (SparkSource)

Needs a running Spark Thrift server (scripts/start-spark.sh starts one on 127.0.0.1:10000; this
script never starts or stops it) and ``datavigil[spark]`` (PyHive). The Parquet files come from
benchmarks/gen.py (generated once); they are registered as tables ``dvbench_<N>`` and
``dvbench_<N>_reference`` (``CREATE TABLE ... USING parquet LOCATION``; made at the start of a run
and dropped at its end, the files stay). Each round runs, as whole processes: the hand-written
query (this script, ``--child query``: one aggregate statement for every number plus ``DESCRIBE``
for the schema) and ``datavigil validate`` of the suites of benchmarks/peers/suite_modules.py over
the tables (this script, ``--child validate``: datavigil's CLI with a SQLAlchemy
``before_cursor_execute`` hook and a count of the rows PyHive fetched per statement). Full scans:
the statements that read the current table, and the ``FileScan`` nodes of their plans
(``EXPLAIN``). Both tools must agree exactly on counts and to 1e-9 on statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE / "peers")]

import datavigil_peer  # noqa: E402
import gen  # noqa: E402
import rows_out  # noqa: E402
import suite as s  # noqa: E402
import suite_modules  # noqa: E402
from report import differences, median  # noqa: E402

URL = "hive://127.0.0.1:10000/default"
# the one pass's shifts, read first: one row, a LIMIT 1 sub-select per column (ADR 0153)
SHIFT = re.compile(r"LIMIT \S+\s*\) AS `?k\d+", re.I)
SPARK_TYPES = {
    "int64": {"bigint"},
    "float64": {"double"},
    "string": {"string"},
    "timestamp": {"timestamp_ntz", "timestamp"},
}


def log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def connect(url: str):  # noqa: ANN201 - a PyHive cursor, or the Spark Connect adapter's
    if url.startswith("sc://"):  # Spark Connect: the adapter sets the session to UTC
        from datavigil.engine.sources import spark_dbapi

        return spark_dbapi.connect(remote=url).cursor()
    from pyhive import hive

    u = urlsplit(url)
    cur = hive.connect(host=u.hostname, port=u.port or 10000, database=u.path.strip("/") or None)
    cur = cur.cursor()
    cur.execute("SET spark.sql.session.timeZone=UTC")
    return cur


def tables(n: int) -> tuple[str, str]:
    t = f"dvbench_{gen.tag_of(n)}"
    return t, f"{t}_reference"


def register(url: str, paths: tuple[Path, Path], names: tuple[str, str]) -> None:
    cur = connect(url)
    for path, name in zip(paths, names, strict=True):
        cur.execute(f"DROP TABLE IF EXISTS {name}")
        cur.execute(f"CREATE TABLE {name} USING parquet LOCATION 'file://{path.resolve()}'")


# -- the hand-written query ---------------------------------------------------------------------
def missing(col: str) -> str:
    return f"count_if({col} IS NULL{f' OR isnan({col})' if col in s.FLOATS else ''})"


def outside(col: str, lo: float | None, hi: float | None) -> str:
    parts = [f"{col} < {lo!r}"] if lo is not None else []
    parts += [f"{col} > {hi!r}"] if hi is not None else []
    return f"count_if(NOT isnan({col}) AND ({' OR '.join(parts)}))"


def moments(col: str) -> list[str]:
    f = f"FILTER (WHERE NOT isnan({col}))"
    return [f"count({col}) {f}", f"avg({col}) {f}", f"var_samp({col}) {f}"]


def hand_query(cur_t: str, ref_t: str) -> tuple[str, list[str]]:
    keys = [f"not_null:{c}" for c in s.NOT_NULL] + [f"range:{c}" for c in s.RANGES]
    cur = [missing(c) for c in s.NOT_NULL] + [outside(c, *b) for c, b in s.RANGES.items()]
    for col in s.TTEST:
        keys += [f"cur:{col}:{m}" for m in ("n", "mean", "var")]
        cur += moments(col)
    ref = [e for col in s.TTEST for e in moments(col)]
    keys += [f"ref:{col}:{m}" for col in s.TTEST for m in ("n", "mean", "var")]
    keys += [f"unique:{s.UNIQUE}", "groups"]
    a, u = s.ANOVA, s.UNIQUE
    group = f"count({a}) AS n, avg({a}) AS m, var_samp({a}) AS v"
    sql = f"""
WITH cur AS (SELECT {", ".join(cur)} FROM {cur_t}),
ref AS (SELECT {", ".join(ref)} FROM {ref_t}),
dup AS (SELECT coalesce(sum(c), 0) AS dup FROM (SELECT count(*) AS c FROM {cur_t}
        WHERE {u} IS NOT NULL GROUP BY {u} HAVING count(*) > 1) AS d),
grp AS (SELECT to_json(sort_array(collect_list(struct(g, n, m, v)))) AS groups FROM (
        SELECT CAST(CAST(ts AS DATE) AS STRING) AS g, {group} FROM {cur_t}
        WHERE NOT isnan({a}) GROUP BY 1
        UNION ALL SELECT 'reference', {group} FROM {ref_t} WHERE NOT isnan({a})) AS x)
SELECT * FROM cur, ref, dup, grp"""
    return sql, keys


def child_query(url: str, cur_t: str, ref_t: str) -> None:
    t0 = time.perf_counter()
    cur = connect(url)
    cur.execute(f"DESCRIBE TABLE {cur_t}")
    types = {r[0]: r[1] for r in cur.fetchall() if r[0] and not r[0].startswith("#")}
    sql, keys = hand_query(cur_t, ref_t)
    cur.execute(sql)
    row = dict(zip(keys, cur.fetchone(), strict=True))
    bad = sum(types.get(c) not in SPARK_TYPES[t] for c, t in s.EXPECTED.items())
    failures = {"schema": bad + sum(c not in s.EXPECTED for c in types)}
    failures |= {k: int(row[k]) for k in s.check_names() if k in row}
    tests = {}
    for col in s.TTEST:
        c = [float(row[f"cur:{col}:{m}"]) for m in ("n", "mean", "var")]
        r = [float(row[f"ref:{col}:{m}"]) for m in ("n", "mean", "var")]
        tests[f"ttest:{col}"] = s.welch(*c, *r)
    groups = [(float(g["n"]), float(g["m"]), float(g["v"])) for g in json.loads(row["groups"])]
    tests[f"anova:{s.ANOVA}"] = s.anova(groups)
    s.emit("spark query", time.perf_counter() - t0, failures, tests)


# -- datavigil, with every statement it sends to Spark recorded ---------------------------------
def child_validate(log_path: str, argv: list[str]) -> int:
    import sqlalchemy as sa
    from pyhive import common, hive

    statements: list[dict] = []

    def before(conn, cursor, statement, params, context, many):  # noqa: ANN001, ANN202
        if conn.dialect.name not in ("hive", "spark"):  # Thrift | Spark Connect
            return
        text = statement % hive._escaper.escape_args(params) if params else statement
        cursor._dv = {"sql": text, "t0": time.perf_counter(), "rows": 0}
        statements.append(cursor._dv)

    def after(conn, cursor, statement, params, context, many):  # noqa: ANN001, ANN202
        if rec := getattr(cursor, "_dv", None):
            rec["t1"] = rec["t2"] = time.perf_counter()
            if conn.dialect.name == "spark":  # Spark Connect: every row came with the execute
                rec["rows"] = cursor.rowcount

    fetchone = common.DBAPICursor.fetchone

    def counting_fetchone(self):  # noqa: ANN001, ANN202
        row = fetchone(self)
        if (rec := getattr(self, "_dv", None)) is not None:
            rec["rows"] += row is not None
            rec["t2"] = time.perf_counter()
        return row

    common.DBAPICursor.fetchone = counting_fetchone
    sa.event.listen(sa.engine.Engine, "before_cursor_execute", before)
    sa.event.listen(sa.engine.Engine, "after_cursor_execute", after)
    from datavigil.cli.main import main

    try:
        return main(argv)
    finally:
        out = [
            {"sql": r["sql"], "rows": r["rows"], "exec_s": r.get("t1", r["t0"]) - r["t0"],
             "total_s": r.get("t2", r["t0"]) - r["t0"]}
            for r in statements
        ]  # fmt: skip
        Path(log_path).write_text(json.dumps(out))


def classify(rec: dict, cur_t: str, ref_t: str) -> str:
    sql = rec["sql"]
    if re.match(r"\s*(DESCRIBE|SHOW|SET)\b", sql, re.I):  # metadata: column names and types
        return "catalogue"
    if not re.search(rf"\b({cur_t}|{ref_t})\b", sql, re.I):
        return "catalogue"
    if SHIFT.search(sql):
        return "shift"
    if rows_out.LIMIT.search(sql):
        return "sample"
    if rows_out.AGGREGATE.search(sql) and rec["rows"] <= rows_out.AGG_ROWS_PER_CALL:
        return "agg"
    return "data"


def write_suites(schemas: Path, url: str, cur_t: str, ref_t: str) -> None:
    schemas.mkdir(parents=True, exist_ok=True)
    head = suite_modules.HEADER.replace("{not_null!r}", repr(list(s.NOT_NULL)))
    head = head.replace("{ttest!r}", repr(list(s.TTEST)))
    anova = (  # Spark has no bare VARCHAR: STRING
        f"SELECT CAST(CAST(ts AS DATE) AS STRING) AS day, latency_ms FROM {cur_t} "
        f"UNION ALL SELECT 'reference' AS day, latency_ms FROM {ref_t}"
    )
    body = suite_modules.SQL_SUITES.format(
        current=f"table={cur_t!r}", reference=f"table={ref_t!r}", url=url, anova=anova
    )
    if url.startswith("sc://"):  # Spark Connect: the same tables through SparkSource
        head = head.replace("FileSource, SqlSource,", "FileSource, SparkSource, SqlSource,")
        body = body.replace("SqlSource(", "SparkSource(")
    (schemas / "bench.py").write_text(head + body)


def timed(cmd: list[str], env: dict) -> tuple[int, float, str]:
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, env=env, cwd=HERE.parent, stdout=subprocess.DEVNULL, stderr=err
        )
        _, status, _ = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines()
    return os.waitstatus_to_exitcode(status), wall, lines[-1] if lines else ""


def datavigil_round(args: argparse.Namespace, names: tuple[str, str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="datavigil-spark-bench-") as tmp_name:
        tmp = Path(tmp_name)
        env = datavigil_peer.environment(tmp)
        write_suites(tmp / "schemas", args.url, *names)
        try:
            datavigil_peer.step(env, "db", "upgrade")
            first, last = suite_modules.REFERENCE_WINDOW
            datavigil_peer.step(env, "snapshot", "capture", "bench_reference", "--from", first,
                                "--to", last)  # fmt: skip
        except datavigil_peer.Failed as exc:
            return {"error": str(exc)}
        stmt_log = tmp / "statements.json"
        argv = ["validate", "bench_current", "bench_anova", "--date", suite_modules.RUN_DATE]
        cmd = [sys.executable, __file__, "--child", "validate", str(stmt_log), "--", *argv]
        code, wall, tail = timed(cmd, env)
        if code not in (0, 1) or not stmt_log.exists():
            return {"error": f"datavigil validate: exit {code}: {tail}", "wall_s": wall}
        failures, tests, inner, problems = datavigil_peer.read_back(tmp / "results.db")
        statements = json.loads(stmt_log.read_text())
    for rec in statements:
        rec["kind"] = classify(rec, *names)
    return {"wall_s": wall, "failures": failures, "tests": tests, "inner_s": inner,
            "notes": problems, "statements": statements}  # fmt: skip


def run_query(args: argparse.Namespace, names: tuple[str, str]) -> dict:
    cmd = [sys.executable, __file__, "--child", "query", args.url, *names]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=HERE)
    wall = time.perf_counter() - t0
    lines = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:300]}", "wall_s": wall}
    return json.loads(lines[-1][len("RESULT ") :]) | {"wall_s": wall}


def plan_scans(url: str, statements: list[dict], table: str) -> list[int]:
    """FileScan nodes of ``table`` in each statement's physical plan (EXPLAIN, not run)."""
    cur, out = connect(url), []
    scan = re.compile(rf"FileScan \w+ [\w.]*\b{table}\[")
    for rec in statements:
        cur.execute("EXPLAIN " + rec["sql"])
        plan = "\n".join(str(r[0]) for r in cur.fetchall())
        out.append(len(scan.findall(plan)))
    return out


def rel_diff(a: dict, b: dict) -> float:
    """Largest relative difference between two results' numbers (counts, statistics, p)."""
    worst = 0.0
    for k, v in b["failures"].items():
        got = a["failures"].get(k, float("nan"))
        worst = max(worst, abs(got - v) / max(abs(v), 1))
    for k, pair in b["tests"].items():
        for x, y in zip(a["tests"].get(k, (float("nan"),) * 2), pair, strict=True):
            worst = max(worst, abs(x - y) / abs(y) if y else abs(x))
    return worst


def one_round(i: int, args: argparse.Namespace, names: tuple[str, str]) -> dict:
    out: dict = {"round": i, "query": run_query(args, names)}
    q = out["query"]
    log(f"  [round {i}] hand-written query: {q.get('error') or format(q['wall_s'], '.2f')} s")
    dv = out["datavigil"] = datavigil_round(args, names)
    if "error" in dv:
        log(f"  [round {i}] datavigil: {dv['error']}")
        return out
    kinds = [r["kind"] for r in dv["statements"]]
    reads = [r for r in dv["statements"] if re.search(rf"\b{names[0]}\b", r["sql"])]
    dv["rows_out"] = {k: sum(r["rows"] for r in dv["statements"] if r["kind"] == k)
                      for k in ("data", "agg", "sample", "catalogue")}  # fmt: skip
    dv["current_statements"] = {
        k: sum(r["kind"] == k for r in reads) for k in ("agg", "sample", "shift")
    }
    dv["statement_kinds"] = {k: kinds.count(k) for k in set(kinds)}
    log(f"  [round {i}] datavigil: {dv['wall_s']:.2f} s, {len(kinds)} statements to Spark, "
        f"{dv['rows_out']['data']} data rows out")  # fmt: skip
    if i == 1 and not args.no_explain:
        for rec, n in zip(reads, plan_scans(args.url, reads, names[0]), strict=True):
            rec["plan_scans"] = n
    if "error" not in q:
        out["ratio"] = dv["wall_s"] / q["wall_s"]
        out["diffs"] = differences(dv, q, "query")
        out["max_rel_diff"] = rel_diff(dv, q)
    return out


def statement_table(dv: dict, names: tuple[str, str]) -> list[str]:
    lines = [
        "| # | kind | reads | rows fetched | execute s | with fetch s | plan scans of current | "
        "statement (start) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for i, r in enumerate(dv["statements"], 1):
        reads = [t for t in names if re.search(rf"\b{t}\b", r["sql"])]
        head = " ".join(r["sql"].split())[:110].replace("|", "\\|")
        lines.append(
            f"| {i} | {r['kind']} | {', '.join(reads) or '-'} | {r['rows']} | {r['exec_s']:.2f} | "
            f"{r['total_s']:.2f} | {r.get('plan_scans', '-')} | `{head}` |"
        )
    return lines


def summary_lines(
    rounds: list[dict], args: argparse.Namespace, names: tuple[str, str]
) -> list[str]:
    on_connect = args.url.startswith("sc://")
    route, url = ("Connect", f" --url {args.url}") if on_connect else ("Thrift", "")
    lines = [
        f"## Spark ({route} server) benchmark: {args.rows:,} rows",
        "",
        f"`python benchmarks/spark_bench.py --rows {gen.tag_of(args.rows)} --rounds {args.rounds}"
        f"{url}`",
        "",
        "| round | hand-written query s | datavigil s | ratio | datavigil inner s | statements "
        "| reading current (agg + sample + shift) | data rows out | aggregate rows | sample rows "
        "| max rel diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rounds:
        q, dv = r["query"], r["datavigil"]
        ok = "error" not in dv
        rows, cs = dv.get("rows_out", {}), dv.get("current_statements", {})
        cells = [
            str(r["round"]), q.get("error") or f"{q['wall_s']:.2f}",
            dv.get("error") or f"{dv['wall_s']:.2f}",
            f"{r['ratio']:.2f}" if "ratio" in r else "-",
            f"{dv['inner_s']:.2f}" if ok else "-", str(len(dv.get("statements", []))),
            f"{cs.get('agg', 0)} + {cs.get('sample', 0)} + {cs.get('shift', 0)}" if ok else "-",
            *(str(rows.get(k, "-")) for k in ("data", "agg", "sample")),
            f"{r['max_rel_diff']:.1e}" if "max_rel_diff" in r else "-",
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    ratios = [r["ratio"] for r in rounds if "ratio" in r]
    if ratios:
        lines += ["", f"median ratio datavigil / hand-written query: {median(ratios):.2f}"]
    first = rounds[0]["datavigil"]
    scans = [r["plan_scans"] for r in first.get("statements", []) if "plan_scans" in r]
    if scans:
        data = sum(r.get("plan_scans", 0) for r in first["statements"] if r["kind"] != "shift")
        lines += ["", f"Data scans of the current table (round 1, `FileScan` nodes of the plans; "
                      f"the one-row shift statements apart): {data}"]  # fmt: skip
    if "statements" in first:
        lines += ["", "Statements datavigil sent to Spark (round 1):", ""]
        lines += statement_table(first, names)
    return lines


def problems_of(rounds: list[dict]) -> list[str]:
    out = []
    for r in rounds:
        out += [f"DISAGREE round {r['round']} datavigil vs query: {d}" for d in r.get("diffs", [])]
        for key in ("query", "datavigil"):
            if "error" in r.get(key, {}):
                out.append(f"ERROR round {r['round']} {key}: {r[key]['error']}")
        if r.get("datavigil", {}).get("rows_out", {}).get("data"):
            out.append(f"DATA ROWS OUT round {r['round']}: {r['datavigil']['rows_out']['data']}")
    return out


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", default="1e6", help="rows of the current table (1e6, 5e6, 2e7)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--url", default=URL, help=f"PyHive URL of the Thrift server ({URL})")
    ap.add_argument("--data", type=Path, default=gen.DEFAULT_DATA)
    ap.add_argument("--out", type=Path, default=HERE / "results")
    ap.add_argument("--no-explain", action="store_true", help="skip the EXPLAIN of statements")
    args = ap.parse_args(argv)
    args.rows = gen.parse_n(args.rows)
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:2] == ["--child", "query"]:
        child_query(*argv[2:5])
        return 0
    if argv[:2] == ["--child", "validate"]:
        return child_validate(argv[2], argv[4:])
    args = parse_args(argv)
    paths, names = gen.ensure(args.rows, args.data), tables(args.rows)
    log(f"spark bench: {args.rows:,} rows as {names[0]}, {names[1]} at {args.url}")
    try:
        register(args.url, paths, names)
    except Exception as exc:  # noqa: BLE001 - any failure to reach Spark: one line
        print(
            f"spark bench: cannot register the tables at {args.url} (is a Spark Thrift server "
            f"running? scripts/start-spark.sh starts one): {str(exc).splitlines()[0][:300]}"
        )
        return 1
    warm = run_query(args, names)  # the first query on a server pays its planning warm-up
    log(f"  warm-up query: {warm.get('error') or format(warm['wall_s'], '.2f')} s")
    try:
        rounds = [one_round(i + 1, args, names) for i in range(args.rounds)]
    finally:  # leave the server's catalogue as found; the Parquet files stay
        cur = connect(args.url)
        for name in names:
            cur.execute(f"DROP TABLE IF EXISTS {name}")
    lines, problems = summary_lines(rounds, args, names), problems_of(rounds)
    print("\n".join(lines + [""] + problems))
    args.out.mkdir(parents=True, exist_ok=True)
    route = "connect_" if args.url.startswith("sc://") else ""
    stem = args.out / f"spark_{route}{gen.tag_of(args.rows)}"
    stem.with_suffix(".json").write_text(
        json.dumps({"rows": args.rows, "rounds": rounds}, indent=1)
    )
    stem.with_suffix(".md").write_text("\n".join(lines + [""] + problems) + "\n")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
