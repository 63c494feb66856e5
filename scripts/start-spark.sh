#!/usr/bin/env bash
# Start ONE throwaway Spark Thrift server (HiveServer2 protocol) for the tests, on 127.0.0.1.
# Spark runs from its own virtualenv outside the project's (pyspark's pins clash with pandas 3):
# ${XDG_CACHE_HOME:-$HOME/.cache}/datavigil/spark/venv, built once (pip's cache keeps the wheel
# it builds from pyspark's sdist, so a second install takes seconds). Java 17 is installed with
# apt-get when missing. Reuses a server this script already started. Prints the SQLAlchemy URL to
# use as DATAVIGIL_TEST_SPARK_URL on its last line. `scripts/start-spark.sh connect` starts a
# Spark Connect server instead (the same venv and state folder) and prints its `sc://127.0.0.1:PORT`
# (DATAVIGIL_TEST_SPARK_CONNECT_URL) last. `scripts/start-spark.sh stop` stops both.
set -euo pipefail
PYSPARK_VERSION=${DATAVIGIL_PYSPARK_VERSION:-4.3.0}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/datavigil/spark
VENV=$CACHE/venv-$PYSPARK_VERSION
STATE=${DATAVIGIL_SPARK_STATE:-/tmp/datavigil-spark}
CLASS=org.apache.spark.sql.hive.thriftserver.HiveThriftServer2
CONNECT=org.apache.spark.sql.connect.service.SparkConnectServer
mkdir -p "$STATE"
if ! command -v java > /dev/null; then
  echo "installing Java 17 (apt-get openjdk-17-jre-headless)" >&2
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openjdk-17-jre-headless >&2
fi
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import pyspark" 2> /dev/null; then
  echo "installing pyspark $PYSPARK_VERSION into $VENV (first time without pip's cache: ~4 min)" >&2
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "pyspark==$PYSPARK_VERSION" >&2
fi
export SPARK_HOME
SPARK_HOME=$("$VENV/bin/python" -c "import os, pyspark; print(os.path.dirname(pyspark.__file__))")
export JAVA_HOME=${JAVA_HOME:-$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")}
export SPARK_LOCAL_IP=127.0.0.1 SPARK_PID_DIR=$STATE/pids SPARK_LOG_DIR=$STATE/logs
daemon() { "$SPARK_HOME/sbin/spark-daemon.sh" "$@"; }
listening() { (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null; }
if [ "${1:-}" = stop ]; then
  daemon stop "$CLASS" 1 >&2 || true
  daemon stop "$CONNECT" 1 >&2 || true
  exit 0
fi
free_port() { python3 -c "import socket; s = socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])"; }
wait_for() { # the port, the daemon's class, the server's name
  for _ in $(seq 1 "${DATAVIGIL_SPARK_WAIT:-300}"); do
    listening "$1" && break
    daemon status "$2" 1 > /dev/null 2>&1 || { tail -n 20 "$STATE"/logs/*"$2"*.out >&2; exit 1; }
    sleep 1
  done
  listening "$1" || { echo "the Spark $3 server did not listen on port $1" >&2; exit 1; }
}
if [ "${1:-}" = connect ]; then
  if [ -f "$STATE/connect-port" ] && daemon status "$CONNECT" 1 > /dev/null 2>&1; then
    PORT=$(cat "$STATE/connect-port")
  else
    PORT=${DATAVIGIL_SPARK_CONNECT_PORT:-15002}
    if listening "$PORT"; then PORT=$(free_port); fi
    echo "$PORT" > "$STATE/connect-port"
    echo "starting the Spark Connect server on 127.0.0.1:$PORT (logs: $STATE/logs)" >&2
    (cd "$STATE" && SPARK_CONNECT_MODE=0 daemon submit "$CONNECT" 1 --name datavigil-connect \
      --master 'local[2]' --driver-memory "${DATAVIGIL_SPARK_MEMORY:-1g}" \
      --conf spark.ui.enabled=false --conf spark.sql.shuffle.partitions=2 \
      --conf spark.sql.warehouse.dir="$STATE/connect-warehouse" \
      --conf spark.sql.session.timeZone=UTC \
      --conf spark.driver.extraJavaOptions=-Dderby.system.home="$STATE/connect-derby" \
      --conf spark.connect.grpc.binding.address=127.0.0.1 \
      --conf spark.connect.grpc.binding.port="$PORT" >&2)
  fi
  wait_for "$PORT" "$CONNECT" Connect
  echo "sc://127.0.0.1:$PORT"
  exit 0
fi
if [ -f "$STATE/port" ] && daemon status "$CLASS" 1 > /dev/null 2>&1; then
  PORT=$(cat "$STATE/port")
else
  PORT=${DATAVIGIL_SPARK_PORT:-10000}
  if listening "$PORT"; then PORT=$(free_port); fi
  echo "$PORT" > "$STATE/port"
  echo "starting the Spark Thrift server on 127.0.0.1:$PORT (logs: $STATE/logs)" >&2
  # the embedded Derby metastore (metastore_db/) is created in the current directory
  (cd "$STATE" && daemon submit "$CLASS" 1 --name datavigil-thrift --master 'local[2]' \
    --driver-memory "${DATAVIGIL_SPARK_MEMORY:-1g}" --conf spark.ui.enabled=false \
    --conf spark.sql.shuffle.partitions=2 --conf spark.sql.warehouse.dir="$STATE/warehouse" \
    --conf spark.sql.session.timeZone=UTC \
    --conf spark.driver.extraJavaOptions=-Dderby.system.home="$STATE" \
    --hiveconf hive.server2.thrift.bind.host=127.0.0.1 --hiveconf hive.server2.thrift.port="$PORT" >&2)
fi
wait_for "$PORT" "$CLASS" Thrift
echo "hive://127.0.0.1:$PORT/default"
