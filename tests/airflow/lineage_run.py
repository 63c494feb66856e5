"""Run DAGs with dag.test() in a process of their own, so Airflow's OpenLineage provider reads
the transport given in this process's environment (its configuration is read once per process).

    python tests/airflow/lineage_run.py DAGS_FOLDER '[["dag_id", day], ...]'

Prints one line ``RESULT {json}``: per run, the DAG run's state and each task's state.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime


def main(folder: str, runs: list[tuple[str, int]]) -> dict[str, object]:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=folder)
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
    out: dict[str, object] = {}
    for dag_id, day in runs:
        run = bag.get_dag(dag_id).test(logical_date=datetime(2024, 5, day, tzinfo=UTC))
        tasks = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
        out[f"{dag_id}/{day}"] = {"state": str(run.state), "run_id": run.run_id, "tasks": tasks}
    return out


if __name__ == "__main__":
    print("RESULT " + json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))), flush=True)
