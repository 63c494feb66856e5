"""The fault suite's own PostgreSQL server (session-scoped, private: stopped and restarted by
the tests). With CI=true it must run: missing binaries fail, never skip."""

from __future__ import annotations

import pytest

from tests.conftest import IN_CI
from tests.faults import ledger
from tests.faults.pgserver import PrivateServer, binaries


@pytest.fixture(scope="session")
def private_pg():
    bindir = binaries()
    if bindir is None:
        if IN_CI:
            pytest.fail("CI=true but no PostgreSQL binaries (initdb): install postgresql")
        pytest.skip("no PostgreSQL binaries (initdb) for the fault suite's private server")
    server = PrivateServer(bindir)
    server.init()
    server.start()
    yield server
    server.remove()


def pytest_terminal_summary(terminalreporter) -> None:
    if ledger.FAULTS:
        terminalreporter.write_line(ledger.summary())
        for anomaly in ledger.ANOMALIES:
            terminalreporter.write_line(f"  anomaly: {anomaly}")
