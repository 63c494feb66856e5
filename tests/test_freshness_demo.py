"""The flights demo through the CLI: weather ends 2013-12-30 23:00 UTC, so 2013-12-31 fails
freshness on weather (exit 1, lag and threshold in the row); 2013-06-15 passes; a re-run (a
backfill of the same day) gives the same verdict."""

from __future__ import annotations

from datavigil.cli.main import main
from tests.helpers import query


def freshness_rows(url: str, day: str) -> dict[str, tuple]:
    rows = query(
        url,
        "SELECT c.check_name, c.severity, c.status, c.observed_value, c.threshold "
        "FROM check_results c JOIN validation_runs r USING (run_id) "
        "WHERE r.partition_date = :d AND c.check_type = 'freshness'",
        d=day,
    )
    return {r[0]: tuple(r[1:]) for r in rows}


def test_new_years_eve_fails_on_weather_and_reruns_agree(demo_warehouse, results_url, capsys):
    first = main(["-q", "validate", "flights", "--date", "2013-12-31"])
    out = capsys.readouterr().out
    assert first == 1
    assert "freshness.weather" in out and "> error_after 12h" in out
    rows = freshness_rows(results_url, "2013-12-31")
    assert rows["freshness.weather"] == (
        "error",
        "fail",
        108000.0,
        "lag <= warn_after 3h, error_after 12h",
    )
    again = main(["-q", "validate", "flights", "--date", "2013-12-31"])
    assert again == first and freshness_rows(results_url, "2013-12-31") == rows


def test_a_normal_day_passes_freshness(demo_warehouse, results_url):
    main(["-q", "validate", "flights", "--date", "2013-06-15"])
    rows = freshness_rows(results_url, "2013-06-15")
    assert {name: r[1] for name, r in rows.items()} == {
        "freshness.flights": "pass",
        "freshness.weather": "pass",
    }
