"""Issue 8 item 1: the results store failing while a check reads its inputs (the reference
snapshot, history) is an infrastructure error of the run — exit 3, retried, nothing saved as a
check result — never "reference unusable" rows and a passing exit code."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from datavigil.checks import MeanShift, Volume
from datavigil.core.errors import StoreUnavailable
from datavigil.declare.window import Window
from datavigil.runner import snapshot
from datavigil.runner.run import run_suite
from datavigil.store import Store
from tests import distdata
from tests.checks.test_distribution import DAY, FIRST, REF_LAST


def limited_role(pg_url: str, revoke: str) -> str:
    """A login role with every privilege on the store's tables except SELECT on ``revoke``."""
    role = f"dv_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(sa.text(f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"'))
        conn.execute(sa.text(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"'))
        conn.execute(sa.text(f'REVOKE SELECT ON {revoke} FROM "{role}"'))
    admin.dispose()
    return sa.make_url(pg_url).set(username=role).render_as_string(hide_password=False)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("checks", "revoke"),
    [([MeanShift("x")], "reference_snapshots"), ([Volume(runs=3, min_runs=3)], "run_metrics")],
    ids=["reference", "history"],
)
def test_a_store_that_refuses_a_read_is_exit_3_not_a_check_result(tmp_path, pg_url, checks, revoke):
    url = distdata.warehouse(tmp_path, n=200)
    suite = distdata.suite(url, checks)
    admin_store = distdata.store(pg_url)
    snapshot.capture(suite, FIRST, REF_LAST, admin_store)
    store = Store(limited_role(pg_url, revoke))
    with pytest.raises(StoreUnavailable) as info:
        run_suite(suite, Window.for_day(DAY, suite.timezone), store=store)
    assert info.value.exit_code == 3 and "permission denied" in str(info.value)
    assert admin_store.counts()[1] == 0  # no check row was written as a result of it
