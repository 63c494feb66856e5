"""Fixtures of the backend-conformance suite: the Spark Thrift server (scripts/start-spark.sh;
its URL in DATAVIGIL_TEST_SPARK_URL) and the Spark Connect server (`scripts/start-spark.sh
connect`; DATAVIGIL_TEST_SPARK_CONNECT_URL). Outside CI a missing Spark server skips the Spark
tests; in CI (CI=true) it fails them, never skips. The S3 server is the session's
(tests/conftest.py)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import IN_CI


@pytest.fixture(scope="session")
def spark_url() -> str:
    url = os.environ.get("DATAVIGIL_TEST_SPARK_URL")
    if not url:
        if IN_CI:
            pytest.fail(
                "CI=true but DATAVIGIL_TEST_SPARK_URL is not set: .ci/run must start Spark "
                "(scripts/start-spark.sh)"
            )
        pytest.skip("no Spark: run scripts/start-spark.sh and set DATAVIGIL_TEST_SPARK_URL")
    if not IN_CI:  # in CI the client extra is installed (make test): a missing PyHive fails
        pytest.importorskip("pyhive", reason="the client extra: pip install 'datavigil[spark]'")
    return url


@pytest.fixture(scope="session")
def spark_connect_url() -> str:
    url = os.environ.get("DATAVIGIL_TEST_SPARK_CONNECT_URL")
    if not url:
        if IN_CI:
            pytest.fail(
                "CI=true but DATAVIGIL_TEST_SPARK_CONNECT_URL is not set: .ci/run must start "
                "Spark Connect (scripts/start-spark.sh connect)"
            )
        pytest.skip(
            "no Spark Connect: run scripts/start-spark.sh connect and set "
            "DATAVIGIL_TEST_SPARK_CONNECT_URL"
        )
    if not IN_CI:  # in CI the client extra is installed (make test): a missing client fails
        pytest.importorskip("pyspark.sql.connect", reason="pip install 'datavigil[spark]'")
    return url
