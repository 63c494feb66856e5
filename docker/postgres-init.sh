#!/usr/bin/env bash
# PostgreSQL runs this once, when its data volume is first initialised (it is mounted into
# /docker-entrypoint-initdb.d by docker-compose.yml): the datavigil results store gets its own
# database and owner, apart from Airflow's metadata database. Owning the database lets the user
# create the tables in schema public (PostgreSQL 15+ no longer grants that to everyone).
# DATAVIGIL_DB_USER and DATAVIGIL_DB_NAME default to datavigil; the connection
# AIRFLOW_CONN_DATAVIGIL_RESULTS in docker-compose.yml must name the same.
set -e
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
  -v db="${DATAVIGIL_DB_NAME:-datavigil}" \
  -v user="${DATAVIGIL_DB_USER:-datavigil}" \
  -v password="${DATAVIGIL_DB_PASSWORD:?DATAVIGIL_DB_PASSWORD is not set}" <<'SQL'
CREATE ROLE :"user" LOGIN PASSWORD :'password';
CREATE DATABASE :"db" OWNER :"user";
REVOKE ALL ON DATABASE :"db" FROM PUBLIC;
SQL
echo "datavigil: results database ${DATAVIGIL_DB_NAME:-datavigil} owned by ${DATAVIGIL_DB_USER:-datavigil}"
