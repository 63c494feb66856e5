"""Issue 19 item 3, the UI: the run page shows how many failing rows were stored and where, and
a table of the first 20 read back from where they are (the failures table of the source's
database, or the Parquet file beside the results store)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from datavigil import FileSource
from datavigil.checks import Range
from datavigil.ui.app import create_app
from tests import failing_rows_data as d

SUITE = """
from datavigil import Partition, SqlSource, Suite
from datavigil.checks import Range

suite = Suite(
    name="m",
    source=SqlSource(table="m", url={url!r}),
    partition=Partition("ts"),
    checks=[Range("id", max=10)],
    store_failures=True,
)
"""


def _page(results: str, run_id: str) -> str:
    response = TestClient(create_app(url=lambda: results)).get("/run", params={"run_id": run_id})
    assert response.status_code == 200
    return response.text


def _shown_rows(html: str) -> list[str]:
    table = html.split('<details class="failing-rows">', 1)[1].split("</details>", 1)[0]
    return re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]  # the header row left out


def test_the_run_page_shows_the_first_rows_of_a_failures_table(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    d.write_sql(url)
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "m.py").write_text(SUITE.format(url=url))
    monkeypatch.setenv("DATAVIGIL_SCHEMAS_DIR", str(schemas))
    from datavigil.runner import registry

    results = f"sqlite:///{tmp_path / 'results.db'}"
    d.run(registry.load("m"), d.DAYS[0], results)
    html = _page(results, "cli:m:2024-03-01")
    assert "89 failing rows stored in" in html and "datavigil_failures_m" in html
    rows = _shown_rows(html)
    assert len(rows) == 20
    assert all("dv_run_id" not in r for r in rows)


def test_the_run_page_shows_the_first_rows_of_a_parquet_file(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_DIR", str(tmp_path / "failures"))
    results = f"sqlite:///{tmp_path / 'results.db'}"
    source = FileSource(d.write_parquet(tmp_path / "data"))
    d.run(d.suite(source, [Range("x", max=89, store_failures=True)]), d.DAYS[0], results)
    html = _page(results, "cli:m:2024-03-01")
    assert "9 failing rows stored in" in html and "ranges.x.parquet" in html
    rows = _shown_rows(html)
    assert len(rows) == 9 and ">91.0<" in rows[0]


def test_rows_that_cannot_be_read_back_are_a_note_not_a_broken_page(tmp_path, monkeypatch):
    monkeypatch.setenv("DATAVIGIL_FAILURES_DIR", str(tmp_path / "failures"))
    results = f"sqlite:///{tmp_path / 'results.db'}"
    source = FileSource(d.write_parquet(tmp_path / "data"))
    d.run(d.suite(source, [Range("x", max=89, store_failures=True)]), d.DAYS[0], results)
    for f in (tmp_path / "failures").rglob("*.parquet"):
        f.unlink()
    html = _page(results, "cli:m:2024-03-01")
    assert "the first failing rows could not be read" in html
