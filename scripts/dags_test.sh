#!/usr/bin/env bash
# Sourced by scripts/demo.sh (and tests/test_dags_test_guard.py).
# `airflow dags test` with a guard. Once, on a fresh clone, the LocalExecutor hung at shutdown
# after the DAG run had already finished ("waiting for running tasks to finish", defunct workers;
# apache/airflow#67870). The run's final state is in the log ("DagRun Finished: ... state=..."):
# DATAVIGIL_DEMO_DAG_GRACE (60) seconds after it appears, a process still running is stopped and
# that state decides, as the exit code would have. No final state within
# DATAVIGIL_DEMO_DAG_TIMEOUT (900 s): a failure.
dags_test() {  # $1 = log file, then the `airflow dags test` arguments
  local log=$1 waited=0 grace=0 rc=0; shift
  setsid airflow dags test "$@" > "$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1; waited=$((waited + 1))
    if grep -q "DagRun Finished:" "$log"; then
      grace=$((grace + 1))
      if [ "$grace" -ge "${DATAVIGIL_DEMO_DAG_GRACE:-60}" ]; then
        echo "(airflow dags test had not exited ${grace} s after its run finished: stopped; the run's state decides)"
        kill -TERM -- "-$pid" 2>/dev/null || true; sleep 2; kill -KILL -- "-$pid" 2>/dev/null || true
        break
      fi
    elif [ "$waited" -ge "${DATAVIGIL_DEMO_DAG_TIMEOUT:-900}" ]; then
      echo "airflow dags test $1: no final state after ${waited} s: stopped (log: $log)"
      kill -TERM -- "-$pid" 2>/dev/null || true; sleep 2; kill -KILL -- "-$pid" 2>/dev/null || true
      return 1
    fi
  done
  wait "$pid" 2>/dev/null || rc=$?
  if grep -q "DagRun Finished:.* state=success" "$log"; then return 0; fi
  if grep -q "DagRun Finished:" "$log"; then return 1; fi
  return "$rc"
}
