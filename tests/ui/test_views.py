"""The data-quality pages against real SQLite and PostgreSQL stores (rows written by
Store.save), without Airflow: the plugin's authentication is tested in test_plugin.py."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import Store
from datavigil.ui.app import create_app
from tests.ui import builders as b

RUN = "cli:flights:2013-02-08"


@pytest.fixture
def store(store_url: str) -> Store:
    store = Store(store_url)
    store.upgrade()
    return store


def client(url: str) -> TestClient:
    return TestClient(create_app(url=lambda: url))


def row_of(html: str, check: str) -> str:
    found = re.search(rf'<tr[^>]*data-check="{re.escape(check)}".*?</tr>', html, re.S)
    assert found, f"no row for {check}"
    return found.group(0)


def test_index_lists_suites_and_runs(store: Store) -> None:
    b.blizzard(store)
    html = client(store.url).get("/").text
    assert "flights" in html and "2013-02-08" in html and "2013-02-07" in html
    assert 'href="/run?run_id=cli%3Aflights%3A2013-02-08"' in html


def test_run_page_shows_the_failing_check_observed_value_and_threshold(store: Store) -> None:
    b.blizzard(store)
    response = client(store.url).get("/run", params={"run_id": RUN})
    assert response.status_code == 200
    row = row_of(response.text, "nulls.dep_time")
    assert "st-fail" in row and "0.5075" in row and "&lt;= 0.1" in row and ">472<" in row
    assert row.count('<li class="mono"><span class="v">null</span></li>') == 2  # the sample


def test_run_page_shows_statistics_and_the_reference(store: Store) -> None:
    b.blizzard(store)
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    stats = re.sub(r"<[^>]+>", "", html[html.index("Distribution tests") :])
    for text in ("welch_t", "805.8", "1.2e-89", "hedges_g 1.88 [1.81, 1.954]", "shift"):
        assert text in stats
    assert "snapshot 1</a>: 2013-01-01 .. 2013-01-31" in html
    assert "dep_delay: reference vs current (cumulative)" in html  # the ECDF plot
    assert "current (normal from mean, sd)" in html  # sd read from the headline


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"status": "fail"}, "2013-02-08", "2013-02-07"),
        ({"status": "pass"}, "2013-02-07", "2013-02-08"),
        ({"since": "2013-02-08"}, "2013-02-08", "2013-02-07"),
        ({"until": "2013-02-07"}, "2013-02-07", "2013-02-08"),
        ({"suite": "flights", "until": "2013-02-07"}, "2013-02-07", "2013-02-08"),
    ],
    ids=["status-fail", "status-pass", "since", "until", "suite+until"],
)
def test_run_list_filters(store: Store, params: dict, shown: str, hidden: str) -> None:
    b.blizzard(store)
    html = client(store.url).get("/", params=params).text
    runs = html[html.index("<h2>Runs</h2>") :]
    assert f">{shown}</a>" in runs and f">{hidden}</a>" not in runs


@pytest.mark.parametrize("params", [{"since": "yesterday"}, {"status": "bogus"}])
def test_bad_filter_is_400_with_a_message(store: Store, params: dict) -> None:
    b.blizzard(store)
    response = client(store.url).get("/", params=params)
    assert response.status_code == 400
    assert "since" in response.text or "status" in response.text


def test_data_is_escaped(store: Store) -> None:
    evil = "<script>alert(1)</script>"
    result = CheckResult(
        check_name=f"nulls.{evil}",
        check_type="nulls",
        column_name=evil,
        severity=Severity.ERROR,
        outcome=Outcome(
            status=Status.FAIL,
            message=f"value {evil} broke it",
            observed_value=1.0,
            threshold=f"<= {evil}",
            failure_sample=(evil, '"><img src=x onerror=alert(2)>'),
            details={"why": evil},
        ),
    )
    store.save(b.record(date(2013, 2, 8), status="fail"), [result])
    c = client(store.url)
    for url in ("/", "/suite?name=flights", f"/run?run_id={RUN}"):
        html = c.get(url).text
        assert "<script" not in html and "<img" not in html, url
    html = c.get("/run", params={"run_id": RUN}).text
    assert "nulls.&lt;script&gt;alert(1)&lt;/script&gt;" in html
    row = row_of(html, "nulls.&lt;script&gt;alert(1)&lt;/script&gt;")
    assert "&lt;img src=x" in row and "value &lt;script&gt;alert(1)&lt;/script&gt; broke" in row


def test_unknown_run_is_404_with_a_clear_message(store: Store) -> None:
    b.blizzard(store)
    response = client(store.url).get("/run", params={"run_id": "cli:flights:1999-01-01"})
    assert response.status_code == 404
    assert "no run &#39;cli:flights:1999-01-01&#39; in the results store" in response.text


def test_unreachable_store_is_503_naming_it_without_credentials() -> None:
    url = "postgresql+psycopg://dq:s3cretPassw0rd@127.0.0.1:1/results"
    response = client(url).get("/")
    assert response.status_code == 503
    assert "postgresql+psycopg://dq:***@127.0.0.1:1/results" in response.text
    assert "s3cretPassw0rd" not in response.text


def test_the_store_password_is_never_shown(pg_url: str) -> None:
    url = sa.make_url(pg_url).set(password="s3cretPassw0rd").render_as_string(False)
    store = Store(url)  # the test server trusts local connections: any password works
    store.upgrade()
    b.blizzard(store)
    c = client(url)
    for page in ("/", "/suite?name=flights", f"/run?run_id={RUN}", "/snapshot?id=1"):
        response = c.get(page)
        assert response.status_code == 200 and "s3cretPassw0rd" not in response.text, page
    assert ":***@" in c.get("/").text


def test_a_run_without_distribution_checks_draws_no_empty_plot(store: Store) -> None:
    store.save(b.record(date(2013, 2, 8)), [b.nulls("dep_time", 0.01)])
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    assert "Distribution tests" not in html and "Reference vs current" not in html
    assert "cumulative" not in html and "<svg" in html  # only the trend of nulls.dep_time


def test_an_empty_store_says_so(store: Store) -> None:
    store.ensure_ready()
    html = client(store.url).get("/").text
    assert "no runs recorded yet" in html and "<svg" not in html


def test_long_names_are_truncated_with_the_full_text_on_hover(store: Store) -> None:
    name = "nulls." + "very_long_column_name_" * 10
    store.save(b.record(date(2013, 2, 8)), [b.nulls("x", 0.01, name=name)])
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    assert f'title="{name}"' in html
    shown = re.search(r'<span class="v trunc" title="nulls\.very[^"]*">([^<]*)</span>', html)
    assert shown and shown.group(1).endswith("…") and len(shown.group(1)) < len(name)


def test_trends_fall_back_to_observed_values_when_run_metrics_is_empty(store: Store) -> None:
    for i in range(5):
        rate = 0.5 if i == 4 else 0.01 * (i + 1)
        store.save(b.record(date(2013, 2, 4) + timedelta(days=i)), [b.nulls("dep_time", rate)])
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    plot = html[html.index("nulls.dep_time: observed") :]
    plot = plot[: plot.index("</svg>")]
    assert plot.count("<circle") == 5 and plot.count('class="dot fail current"') == 1
    assert 'class="threshold"' in plot  # the 0.1 limit drawn
    assert "null rate" not in html  # no run_metrics: no metric trends


def test_metric_trends_come_from_run_metrics(store: Store) -> None:
    for i in range(3):
        day = date(2013, 2, 6) + timedelta(days=i)
        run = store.save(b.record(day), [b.nulls("dep_time", 0.01)])
        b.metrics(store, run.run_id, {("row_count", None): 900 + i, ("null_count", "dep_time"): 9})
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    assert "row count" in html and "dep_time: null rate" in html


def test_delayed_label_quality_is_plotted_by_judged_day(store: Store) -> None:
    for i in range(3):
        day = date(2013, 2, 6) + timedelta(days=i)
        run = store.save(b.record(day), [b.nulls("dep_time", 0.01)])
        judged = (day - timedelta(days=3)).isoformat()
        values = {("labels.accuracy", None): 0.8 - i / 10, ("labels.accuracy.ci_low", None): 0.5}
        b.metrics(store, run.run_id, values, group=judged)
    html = client(store.url).get("/run", params={"run_id": RUN}).text
    plot = html[html.index("labels.accuracy by judged day") :]
    plot = plot[: plot.index("</svg>")]
    assert plot.count("<circle") == 3 and "judged day 2013-02-05: 0.6" in plot
    assert "ci_low by judged day" not in html  # the headline metric only


def test_suite_page_marks_failed_runs(store: Store) -> None:
    b.blizzard(store)
    html = client(store.url).get("/suite", params={"name": "flights"}).text
    assert "Trends over the last 2 runs" in html and 'class="dot fail"' in html
    assert client(store.url).get("/suite", params={"name": "nope"}).status_code == 404


def test_airflow_dag_run_tab_finds_its_run(store: Store) -> None:
    b.snapshot(store)
    dag_run = "scheduled__2013-02-09T05:00:00+00:00"
    rec = b.record(
        date(2013, 2, 8),
        run_id=f"airflow:validate_flights:{dag_run}",
        origin="airflow",
        dag_id="validate_flights",
        dag_run_id=dag_run,
        try_number=1,
    )
    store.save(rec, [b.nulls("dep_time", 0.5)])
    c = client(store.url)
    found = c.get("/report", params={"dag_id": "validate_flights", "run_id": dag_run})
    assert found.status_code == 200 and "nulls.dep_time" in found.text
    back = "/dags/validate_flights/runs/scheduled__2013-02-09T05%3A00%3A00%2B00%3A00"
    assert f'target="_top" href="{back}"' in found.text  # back to the DAG run in Airflow
    other = c.get("/report", params={"dag_id": "etl", "run_id": dag_run})
    assert other.status_code == 404 and "no data-quality results for DAG etl" in other.text
    capture = c.get("/report", params={"dag_id": "capture_reference_flights", "run_id": "m"})
    assert capture.status_code == 200 and "Reference snapshot 1" in capture.text


def test_snapshot_page_draws_numeric_and_categorical_columns(store: Store) -> None:
    b.snapshot(store)
    html = client(store.url).get("/snapshot", params={"id": 1}).text
    assert "dep_delay: reference (cumulative)" in html and "carrier: category shares" in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script" not in html
    assert client(store.url).get("/snapshot", params={"id": 99}).status_code == 404


def test_pages_cost_the_same_queries_for_3_and_30_runs(store: Store) -> None:
    """No N+1: the number of statements does not grow with runs or checks."""

    def statements(days: int) -> dict[str, int]:
        for i in range(days):
            day = date(2013, 3, 1) + timedelta(days=i)
            store.save(b.record(day), [b.nulls(f"c{j}", 0.01) for j in range(5)])
        counted: list[str] = []
        listen = lambda *a: counted.append(a[2])  # noqa: E731
        sa.event.listen(sa.Engine, "before_cursor_execute", listen)
        try:
            out = {}
            c = client(store.url)
            for page in ("/", "/suite?name=flights", "/run?run_id=cli:flights:2013-03-01"):
                counted.clear()
                assert c.get(page).status_code == 200
                out[page] = len(counted)
            return out
        finally:
            sa.event.remove(sa.Engine, "before_cursor_execute", listen)

    few = statements(3)
    assert statements(30) == few


def test_trend_plots_put_runs_on_a_time_axis(store: Store) -> None:
    """Runs on Jan 1-3 and May 3: the four-month pause shows as a gap (item 16, issue 17)."""
    days = [date(2013, 1, 1), date(2013, 1, 2), date(2013, 1, 3), date(2013, 5, 3)]
    for i, day in enumerate(days):
        store.save(b.record(day), [b.nulls("dep_time", 0.01 * (i + 1))])
    html = client(store.url).get("/suite", params={"name": "flights"}).text
    plot = html[html.index("nulls.dep_time: observed") :]
    x = [float(v) for v in re.findall(r'<circle[^>]* cx="([\d.]+)"', plot[: plot.index("</svg>")])]
    assert len(x) == 4 and (x[3] - x[2]) > 50 * (x[1] - x[0])
