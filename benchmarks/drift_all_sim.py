"""False alarms of ``Suite(drift=DriftAll())`` on unchanged data, through the product's own run.

    python benchmarks/drift_all_sim.py [--days 45] [--seeds 20 21 22 23 24]

Per seed: a generated warehouse (250 rows a day, tests/distdata.py), a snapshot of its first five
days, then one run per later day; a day counts as a false alarm when any generated ``drift.*``
test fails. The effect gates are set near zero, so the Holm-adjusted p-value alone decides.
Measured (docs/adr/0136): 10 of 200 days, 5.0% at alpha 0.05.
"""

from __future__ import annotations

import argparse
import pathlib
import sys
import tempfile
from datetime import timedelta

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

REFERENCE_DAYS = 5


def one_seed(days: int, seed: int) -> tuple[int, int]:
    """(days with a false alarm, days judged) for one generated warehouse."""
    from tests.test_drift_all import FIRST, DriftAll, Status, distdata, snapshot, warehouse

    tmp = pathlib.Path(tempfile.mkdtemp())
    url = warehouse(tmp, days=days, n=250, seed=seed)
    suite = distdata.suite(url, [], drift=DriftAll(min_effect=1e-6, category_min_effect=1e-6))
    store = distdata.store(f"sqlite:///{tmp / 'results.db'}")
    last_reference = FIRST + timedelta(days=REFERENCE_DAYS - 1)
    snapshot.capture(suite, FIRST, last_reference, store)
    alarms = 0
    for i in range(REFERENCE_DAYS, days):
        got = distdata.run(suite, store, FIRST + timedelta(days=i))
        family = [r for name, r in got.items() if name.startswith("drift.")]
        alarms += any(r.status is Status.FAIL for r in family)
    return alarms, days - REFERENCE_DAYS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=45)
    parser.add_argument("--seeds", type=int, nargs="+", default=[20, 21, 22, 23, 24])
    args = parser.parse_args()
    total_alarms = total_days = 0
    for seed in args.seeds:
        alarms, judged = one_seed(args.days, seed)
        total_alarms, total_days = total_alarms + alarms, total_days + judged
        print(f"seed {seed}: {alarms} of {judged} days with a false alarm", flush=True)
    print(f"all: {total_alarms} of {total_days} days ({total_alarms / total_days:.1%})")


if __name__ == "__main__":
    main()
