#!/usr/bin/env bash
# `make airflow`: api-server, scheduler, dag-processor and triggerer on LocalExecutor with SQLite
# metadata (airflow standalone), the same topology as docker-compose.yml.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${AIRFLOW_HOME:?run through make airflow}"
export AIRFLOW__API_AUTH__JWT_SECRET="${AIRFLOW__API_AUTH__JWT_SECRET:-datavigil-local-jwt-secret-$(id -u)-not-for-production}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin}"
python -m datavigil.demo
datavigil db upgrade
echo "Airflow UI: http://localhost:8080  (user admin; password file:"
echo "  $AIRFLOW_HOME/simple_auth_manager_passwords.json.generated)"
echo "Data quality: Browse > Data quality (http://localhost:8080/plugin/data-quality), and a"
echo "  'Data quality' tab on every validate_flights DAG run and task (plugin: datavigil.airflow)"
exec airflow standalone
