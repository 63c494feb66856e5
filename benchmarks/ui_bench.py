"""Page render time of the data-quality UI on an embedded SQLite store holding 365 runs x 30
checks of one suite (target: the suite page under 1 s). Rows are written through Store.save;
pages are requested through the FastAPI app (query + render + HTTP), median of 7 requests.

    python benchmarks/ui_bench.py [--runs 365] [--checks 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status  # noqa: E402
from datavigil.store import RunRecord, Store  # noqa: E402

START = date(2013, 1, 1)


def results(day: int, checks: int) -> list[CheckResult]:
    out = []
    for j in range(checks):
        rate = 0.01 + 0.001 * ((day * 7 + j) % 13) + (0.3 if day % 40 == 0 and j == 0 else 0)
        out.append(
            CheckResult(
                check_name=f"nulls.column_{j:02d}",
                check_type="nulls",
                column_name=f"column_{j:02d}",
                severity=Severity.ERROR,
                outcome=Outcome(
                    status=Status.FAIL if rate > 0.1 else Status.PASS,
                    message=f"column_{j:02d}: missing rate {rate:.4f}",
                    observed_value=rate,
                    threshold="<= 0.1",
                    rows_checked=1000,
                    failing_rows=int(rate * 1000),
                    details={"null": int(rate * 1000)},
                ),
            )
        )
    return out


def fill(store: Store, runs: int, checks: int) -> None:
    from datetime import UTC, datetime

    for i in range(runs):
        day = START + timedelta(days=i)
        at = datetime(day.year, day.month, day.day, 5, tzinfo=UTC)
        rec = RunRecord(
            run_id=f"cli:bench:{day}",
            suite="bench",
            dataset="bench.table",
            partition_date=day,
            data_interval_start=at,
            data_interval_end=at + timedelta(days=1),
            started_at=at + timedelta(days=1),
            finished_at=at + timedelta(days=1, minutes=1),
            status="pass",
            rows_checked=1000,
            origin="cli",
            datavigil_version="bench",
        )
        store.save(rec, results(i, checks))


def timed(client, url: str, repeat: int = 7) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    client.get(url)  # warm: engine, templates
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t)
        assert response.status_code == 200, response.text[:300]
    return statistics.median(times), len(response.content)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=365)
    parser.add_argument("--checks", type=int, default=30)
    args = parser.parse_args()
    from fastapi.testclient import TestClient

    from datavigil.ui.app import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'results.db'}"
        t = time.perf_counter()
        fill(Store(url), args.runs, args.checks)
        print(
            f"store: {args.runs} runs x {args.checks} checks written in "
            f"{time.perf_counter() - t:.1f} s ({url})"
        )
        client = TestClient(create_app(url=lambda: url))
        last = START + timedelta(days=args.runs - 1)
        pages = {
            "suite page (60-run trends, 200 runs listed)": "/suite?name=bench",
            "suite page, all runs listed (limit 2000)": "/suite?name=bench&limit=2000",
            "index (suites + 200 runs)": "/",
            "run report (30 checks, 30-run trends)": f"/run?run_id=cli:bench:{last}",
        }
        worst = 0.0
        for name, page in pages.items():
            seconds, size = timed(client, page)
            worst = max(worst, seconds) if "suite" in name else worst
            print(f"{name:<46} {seconds * 1000:7.1f} ms median  {size / 1024:6.0f} KiB")
    verdict = "OK" if worst < 1.0 else "SLOW"
    print(f"suite page worst median {worst * 1000:.0f} ms: {verdict} (target < 1000 ms)")
    return 0 if worst < 1.0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
