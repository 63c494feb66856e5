#!/usr/bin/env bash
# Local Airflow for this project (docs/adr/0092). Subcommands:
#   setup                 write $AIRFLOW_HOME/airflow.cfg (+ connections.json), migrate the
#                         Airflow metadata DB (SQLite) and the results store
#   standalone (default)  setup, load the demo data, then `airflow standalone`: api-server,
#                         scheduler, dag-processor, triggerer on the LocalExecutor (make airflow)
#   dag-test SUITE DATE   setup, then `airflow dags test validate_SUITE` for partition day DATE
#                         (make dag-test SUITE=flights DATE=2013-02-08)
#   config                only write the two files
# The written airflow.cfg makes plain `airflow ...` commands work in any shell that exports
# AIRFLOW_HOME=<project>/.airflow: dags_folder is the project's dags/, no example DAGs, and the
# results connection datavigil_results points at the same store as the `datavigil` CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
export AIRFLOW_HOME="${AIRFLOW_HOME:-$ROOT/.airflow}"
HOME_DIR="${DATAVIGIL_HOME:-$ROOT}"
PORT="${DATAVIGIL_AIRFLOW_PORT:-8080}"
CFG="$AIRFLOW_HOME/airflow.cfg"
MARK="# written by scripts/airflow.sh"

write_config() {
  mkdir -p "$AIRFLOW_HOME"
  if [ -f "$CFG" ] && ! head -n 1 "$CFG" | grep -qF "$MARK"; then
    mv "$CFG" "$CFG.bak"
    echo "kept the earlier $CFG as $CFG.bak"
  fi
  [ -s "$AIRFLOW_HOME/jwt_secret" ] || python -c "import secrets; print(secrets.token_hex(32))" > "$AIRFLOW_HOME/jwt_secret"
  local results="${DATAVIGIL_RESULTS_URL:-sqlite:///$HOME_DIR/.datavigil/results.db}"
  python - "$AIRFLOW_HOME/connections.json" "$results" <<'PY'
import json, sys
conn = {"conn_type": "generic", "extra": {"sqlalchemy_url": sys.argv[2]}}
with open(sys.argv[1], "w") as f:
    json.dump({"datavigil_results": conn}, f, indent=1)
PY
  cat > "$CFG" <<CFG
$MARK (make airflow / make dag-test); rewritten on every run, edit the script instead.
[core]
dags_folder = $ROOT/dags
load_examples = False
executor = LocalExecutor
parallelism = ${AIRFLOW__CORE__PARALLELISM:-4}
execution_api_server_url = http://127.0.0.1:$PORT/execution/
simple_auth_manager_users = admin:admin

[database]
sql_alchemy_conn = sqlite:///$AIRFLOW_HOME/airflow.db

[api]
base_url = http://localhost:$PORT
port = $PORT

[api_auth]
jwt_secret = $(cat "$AIRFLOW_HOME/jwt_secret")

[dag_processor]
refresh_interval = 30

[secrets]
backend = airflow.secrets.local_filesystem.LocalFilesystemBackend
backend_kwargs = {"connections_file_path": "$AIRFLOW_HOME/connections.json"}
CFG
  echo "wrote $CFG (dags_folder $ROOT/dags, no examples, datavigil_results -> $results)"
}

setup() {
  write_config
  airflow db migrate > "$AIRFLOW_HOME/db-migrate.log" 2>&1 \
    || { tail -20 "$AIRFLOW_HOME/db-migrate.log"; exit 1; }
  # parse dags/ into the metadata DB now, so `airflow dags list` and the UI show every
  # validate_<suite> before the dag-processor's first pass
  airflow dags reserialize > "$AIRFLOW_HOME/dags-reserialize.log" 2>&1 \
    || { tail -20 "$AIRFLOW_HOME/dags-reserialize.log"; exit 1; }
  datavigil db upgrade
}

logical_date() {  # $1 suite, $2 partition day -> the next local midnight in the suite's zone
  python - "$1" "$2" <<'PY'
import datetime as d, sys
from zoneinfo import ZoneInfo
from datavigil.runner import registry
from datavigil.core.errors import DatavigilError
try:
    info = registry.find(sys.argv[1])
    day = d.date.fromisoformat(sys.argv[2])
except DatavigilError as exc:
    sys.exit(f"datavigil: {exc}")
except ValueError:
    sys.exit(f"datavigil: DATE: '{sys.argv[2]}' is not YYYY-MM-DD")
print(d.datetime.combine(day + d.timedelta(days=1), d.time(0), ZoneInfo(info.timezone)).isoformat())
PY
}

case "${1:-standalone}" in
  config) write_config ;;
  setup) setup ;;
  standalone)
    setup
    python -m datavigil.demo.warehouse
    echo "Airflow UI: http://localhost:$PORT  (user admin; password file:"
    echo "  $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
    echo "Data quality: Browse > Data quality (http://localhost:$PORT/plugin/data-quality), and a"
    echo "  'Data quality' tab on every validate_flights DAG run and task (plugin: datavigil.airflow)"
    echo "In another shell: export AIRFLOW_HOME=$AIRFLOW_HOME PATH=$(dirname "$(command -v airflow)"):\$PATH"
    exec airflow standalone ;;
  dag-test)
    suite="${2:?usage: scripts/airflow.sh dag-test SUITE DATE  (make dag-test SUITE=x DATE=YYYY-MM-DD)}"
    day="${3:?usage: scripts/airflow.sh dag-test SUITE DATE}"
    when=$(logical_date "$suite" "$day")
    setup
    extra=()
    [ -n "${USE_EXECUTOR:-}" ] && extra=(--use-executor)  # with `make airflow` running: logs in the UI
    echo "airflow dags test validate_$suite $when ${extra[*]}"
    exec airflow dags test "validate_$suite" "$when" "${extra[@]}" ;;
  *) echo "usage: scripts/airflow.sh [setup|standalone|dag-test SUITE DATE|config]" >&2; exit 2 ;;
esac
