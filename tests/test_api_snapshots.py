"""Reference snapshots and migrations through the public API (datavigil.api.admin, ADR 0121):
the same snapshot the runner captures, listed and activated; one-line errors that name the
API's arguments; an unreachable store raises and writes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from datavigil import api
from datavigil.core.errors import StoreUnavailable, UsageError
from datavigil.store import revision
from tests import distdata
from tests.distdata import FIRST

LAST = FIRST + timedelta(days=2)
DOWN = "postgresql+psycopg://dv@127.0.0.1:1/results?connect_timeout=3"


@pytest.fixture
def wh(tmp_path):
    return distdata.warehouse(tmp_path, days=4, n=300)


def test_capture_list_and_activate(wh, store_url):
    api.upgrade(store_url)  # PostgreSQL is migrated by `db upgrade`, never implicitly
    suite = distdata.suite(wh)
    first = api.capture_snapshot(suite, FIRST, LAST, sample_rows=50, results_url=store_url)
    assert first.row_count == 900 and first.sample_rows == 50 and first.active
    assert first.columns["x"]["moments"]["n"] == 900
    # days as text, the other window, kept inactive
    second = api.capture_snapshot(
        suite, str(LAST), str(LAST), activate=False, results_url=store_url
    )
    assert second.row_count == 300 and not second.active
    listed = api.snapshots("m", results_url=store_url)
    assert [(s["id"], s["active"]) for s in listed] == [(second.id, False), (first.id, True)]
    assert api.activate_snapshot(second.id, results_url=store_url).active
    active = [s["id"] for s in api.snapshots(results_url=store_url) if s["active"]]
    assert active == [second.id]


def test_the_suites_reference_window_is_the_default(wh, store_url):
    api.upgrade(store_url)
    suite = distdata.suite(wh, reference_window=(str(FIRST), str(FIRST)))
    ref = api.capture_snapshot(suite, results_url=store_url)
    assert (ref.window_start, ref.window_end, ref.row_count) == (FIRST, FIRST, 300)


@pytest.mark.parametrize(
    ("first", "last", "words"),
    [
        (None, None, "declares no reference_window: give first and last"),
        ("2024-13-01", str(LAST), "first: '2024-13-01' is not YYYY-MM-DD"),
        (str(FIRST), "soon", "last: 'soon' is not YYYY-MM-DD"),
    ],
    ids=["no-window", "bad-first", "bad-last"],
)
def test_a_bad_window_is_one_line_naming_the_argument(wh, tmp_path, first, last, words):
    url = f"sqlite:///{tmp_path / 'results.db'}"
    with pytest.raises(UsageError) as raised:
        api.capture_snapshot(distdata.suite(wh), first, last, results_url=url)
    assert words in str(raised.value) and "\n" not in str(raised.value)
    assert raised.value.exit_code == 2
    assert api.snapshots(results_url=url) == []  # nothing stored


def test_an_unreachable_store_raises_and_nothing_is_captured(wh):
    with pytest.raises(StoreUnavailable) as raised:
        api.capture_snapshot(distdata.suite(wh), FIRST, LAST, results_url=DOWN)
    assert raised.value.exit_code == 3 and raised.value.retryable


def test_upgrade_returns_the_head_revision(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert api.upgrade(url) == revision.head()
    assert api.snapshots(results_url=url) == []
