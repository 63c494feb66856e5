"""Inconclusive checks are shown apart from failures (item 17 of issue 17, the UI part): a
neutral count in run lists, not a badge next to the red ones, and their own section on the
run page with each one's reason; "What did not pass" lists only fail and error."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import Store
from datavigil.ui.app import create_app
from datavigil.ui.render import stylesheet
from tests.ui import builders as b

RUN = "cli:flights:2013-02-08"
REASON = "power 0.31 at n=165 for a 5% shift: a window of 30 days (about 4950 rows) would decide"


def undecided(i: int) -> CheckResult:
    return CheckResult(
        check_name=f"distribution.c{i}",
        check_type="distribution.ttest",
        column_name=f"c{i}",
        severity=Severity.ERROR,
        phase="distribution",
        outcome=Outcome(status=Status.INCONCLUSIVE, message=f"c{i}: {REASON}"),
    )


def a_night(store: Store) -> TestClient:
    """The 165-row daily suite: 1 failing check, 6 inconclusive, 3 passing."""
    checks = [b.nulls("dep_time", 0.5), *(b.nulls(f"p{i}", 0.0) for i in range(3))]
    checks += [undecided(i) for i in range(6)]
    store.save(b.record(date(2013, 2, 8), status="fail", rows_checked=165), checks)
    return TestClient(create_app(url=lambda: store.url))


def test_run_lists_show_inconclusive_as_a_neutral_count(store: Store) -> None:
    client = a_night(store)
    for page in ("/", "/suite?name=flights"):
        html = client.get(page).text
        row = re.search(r'<tr class="row-fail">.*?</tr>', html[html.index("<h2>Runs") :], re.S)
        assert row, page
        cells = row.group(0)
        assert '<span class="cnt st-fail" title="1 fail">1 fail</span>' in cells
        assert re.search(r'<span class="cnt-neutral cnt-inconclusive"[^>]*>6 inconclusive<', cells)
        assert "st-inconclusive" not in cells  # not a status badge like the failures


def test_the_run_page_has_a_section_for_inconclusive_checks(store: Store) -> None:
    html = a_night(store).get("/run", params={"run_id": RUN}).text
    section = re.search(r'<section class="inconclusive">(.*?)</section>', html, re.S)
    assert section and "(6)" in section.group(1)
    assert section.group(1).count("<li>") == 6 and REASON in section.group(1)
    failed = re.search(r'<ul class="failed">(.*?)</ul>', html, re.S)
    assert failed and "nulls.dep_time" in failed.group(1)
    assert "distribution.c" not in failed.group(1)  # inconclusive is not "did not pass"


def test_inconclusive_is_not_drawn_in_the_colours_of_failure_or_warning() -> None:
    css = str(stylesheet())
    rule = re.search(r"\.st-inconclusive \{ background: ([^;]+);", css)
    assert rule and rule.group(1) not in ("var(--fail)", "var(--warn)", "var(--error)")
    assert ".cnt-neutral {" in css
