"""benchmarks/targets.py (issue 21): the targets table read from the benchmarks' results files.
No benchmark runs here: small results files written by hand, the verdicts read back."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.targets import best_peer_ratios, markdown, rows, verdict


def engine_runs(n: int, walls: list[dict[str, float]]) -> list[dict]:
    return [
        {"tool": tool, "n": n, "round": i + 1, "wall_s": wall, "maxrss_mib": 900.0 + i}
        for i, round_walls in enumerate(walls)
        for tool, wall in round_walls.items()
    ]


def write_results(root: Path) -> None:
    runs = engine_runs(1_000_000, [{"floor": 2.0, "duckdb": 1.0, "datavigil": 1.1}] * 3)
    runs += engine_runs(20_000_000, [{"floor": 5.0, "duckdb": 4.0, "datavigil": 8.0}])
    env = {"date": "2026-12-07 15:00 UTC", "load": "1.00 2.00 3.00"}
    (root / "engine_1e6-2e7.json").write_text(json.dumps({"environment": env, "runs": runs}))
    older = engine_runs(1_000_000, [{"floor": 1.0, "datavigil": 9.0}])
    (root / "engine_old.json").write_text(
        json.dumps({"environment": {"date": "2026-01-01 00:00 UTC"}, "runs": older})
    )
    pg_round = {"ratio": 1.5, "datavigil": {"rows_out": {"data_rows": 0}}}
    (root / "pg_5e6.json").write_text(json.dumps({"rounds": [pg_round], "load": "0.5"}))
    wide = {"median_ratio": 1.8, "rounds": [{"ratio": 1.8}], "problems": ["DISAGREE x"]}
    (root / "wide_1e6.json").write_text(json.dumps(wide))
    (root / "backfill.txt").write_text(
        "backfill of 365 days in one process: 80.0 s\n"
        "backfill / one day: 9.5x (target <= 10x for 365 days): met\nload average: 4.00 3.00 2.00\n"
    )
    suite = [{"suites": 1, "warm": 0.5}, {"suites": 200, "warm": 7.5}]
    fleet = [{"suites": 1, "warm": 0.5}, {"suites": 200, "warm": 0.75}]
    dag = {"rows": fleet, "by_layout": {"suite": suite, "fleet": fleet}, "load": "1"}
    (root / "dag_parse.json").write_text(json.dumps(dag))


def test_verdicts_say_by_how_much() -> None:
    assert verdict(1.1, 1.2) == "met (8% under)"
    assert verdict(2.4, 1.2) == "MISSED by 100%"
    assert verdict(None, 1.2) == "not measured"


def test_best_peer_is_the_faster_of_floor_and_duckdb_in_each_round() -> None:
    runs = engine_runs(5, [{"floor": 2.0, "duckdb": 4.0, "datavigil": 3.0}, {"floor": 1.0}])
    assert best_peer_ratios(runs, 5) == [1.5]  # round 2 has no datavigil: left out


def test_targets_from_results_files(tmp_path: Path) -> None:
    write_results(tmp_path)
    got = {r.target: r for r in rows(tmp_path)}
    one_m = got["whole process <= 1.2x best of (numpy floor, raw DuckDB) at 1M rows"]
    assert one_m.measured.startswith("1.10x") and one_m.verdict == "met (8% under)"
    assert one_m.load == "1.00 2.00 3.00" and "--sizes 1e6,2e7 --rounds 3" in one_m.command
    assert got["whole process <= 1.2x best of (numpy floor, raw DuckDB) at 20M rows"].verdict == (
        "MISSED by 67%"
    )
    assert got["datavigil's peak RSS <= 1 GiB at 20M rows"].verdict == "met (12% under)"
    assert got["whole process <= 1.2x best of (numpy floor, raw DuckDB) at 5M rows"].verdict == (
        "not measured"
    )
    pg = got["PostgreSQL <= 1.3x the hand-written query at 5M rows, 0 data rows out"]
    assert pg.verdict == "MISSED by 15%" and pg.load == "0.5"
    wide = got["500 checks on one table <= 2x raw DuckDB with the same counts"]
    assert wide.verdict == "MISSED: counts disagree"
    backfill = got["365-day backfill of the demo's flights suite <= 10x one day"]
    assert backfill.verdict == "met (5% under)" and backfill.load == "4.00 3.00 2.00"
    parse = "200 suites parse in <= 2x one suite (warm)"
    assert got[f"{parse}, suite layout"].verdict == "MISSED by 650%"
    assert got[f"{parse}, fleet layout"].measured.startswith("1.50x")
    startup = [r for r in rows(tmp_path) if r.target.startswith("start-up")]
    assert startup[0].verdict == "not measured"
    assert markdown(rows(tmp_path)).count("\n| ") == 11  # the header row and 10 targets
