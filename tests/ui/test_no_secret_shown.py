"""No credential in any page or report file (item 1 of issue 17): the store's URL in the header
of every page and of `datavigil report` files, with its userinfo password AND its secret query
options masked by the one redactor; a URL that reached a stored row is masked too."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from datavigil.cli.main import main
from datavigil.store import Store
from datavigil.store.models import ReferenceSnapshot
from datavigil.ui.app import create_app
from tests.ui import builders as b

RUN = "cli:flights:2013-02-08"
PAGES = ("/", "/suite?name=flights", f"/run?run_id={RUN}", "/snapshot?id=1")
SECRETS = ("hunter2", "hunter3", "hunter4")


@pytest.fixture
def secret_url(pg_url: str) -> str:
    """The test server trusts local connections: the passwords are accepted and ignored."""
    url = (
        sa.make_url(pg_url)
        .set(password="hunter2")
        .update_query_dict({"sslmode": "disable", "sslpassword": "hunter3"})
        .render_as_string(hide_password=False)
    )
    store = Store(url)
    store.upgrade()
    b.blizzard(store)
    source = "postgresql://bob@warehouse/db?password=hunter4&application_name=dq"
    with store.transaction() as conn:  # a row written before sources were redacted
        conn.execute(sa.update(ReferenceSnapshot).values(source=source))
    store.engine.dispose()
    return url


def test_no_page_shows_a_password_of_the_store_or_of_a_stored_url(secret_url: str) -> None:
    client = TestClient(create_app(url=lambda: secret_url))
    for page in PAGES:
        response = client.get(page)
        assert response.status_code == 200, page
        assert not [s for s in SECRETS if s in response.text], page
    header = client.get("/").text.split("</header>")[0]
    assert ":***@" in header and "sslpassword=***" in header
    snapshot = client.get("/snapshot?id=1").text
    assert "postgresql://bob@warehouse/db?password=***&amp;application_name=dq" in snapshot


def test_a_report_file_shows_no_password(
    secret_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAVIGIL_RESULTS_URL", secret_url)
    out = tmp_path / "report.html"
    assert main(["report", RUN, "--out", str(out)]) == 0
    html = out.read_text()
    assert "nulls.dep_time" in html and not [s for s in SECRETS if s in html]
    assert ":***@" in html and "sslpassword=***" in html


def test_the_store_label_masks_secret_query_options() -> None:
    store = Store("postgresql+psycopg://dq:pw1@db/r?sslpassword=pw2&api_token=pw3&sslmode=require")
    assert store.label == (
        "results store postgresql+psycopg://dq:***@db/r"
        "?api_token=***&sslmode=require&sslpassword=***"
    )
