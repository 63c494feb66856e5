"""Whatever the engine writes is stored, on SQLite and on PostgreSQL (issue 8 item 2): long
check names and thresholds, NUL bytes, huge counts, duplicate names; a row the database refuses
becomes an error row and costs the run none of its other results. ``details`` and
``failure_sample`` are real nested JSON (issue 9 item 5)."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import sqlalchemy as sa

from datavigil.core.outcome import CheckResult, Outcome, Severity, Status
from datavigil.store import Store
from tests.store_worker import record

CARRIERS = [f"C{i:02d}x" for i in range(60)]
# what a pandera isin with 60 values made of a check name before names were shortened
LONG_NAME = ("schema.carrier.isin(" + ", ".join(f"'{c}_{c}'" for c in CARRIERS))[:434] + ")"
LONG_THRESHOLD = "in {" + ", ".join(repr(c) for c in CARRIERS) + "}"


def result(name: str, status: Status = Status.FAIL, **outcome: Any) -> CheckResult:
    message = outcome.pop("message", name)
    return CheckResult(
        name, "schema", "carrier", Severity.ERROR, Outcome(status, message, **outcome)
    )


def rows(store: Store, sql: str, **params: Any) -> list[Any]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text(sql), params))


def test_a_435_character_check_name_and_a_60_value_threshold_are_stored(store: Store) -> None:
    assert len(LONG_NAME) == 435 and len(LONG_THRESHOLD) > 250
    saved = store.save(record("r"), [result(LONG_NAME, threshold=LONG_THRESHOLD), result("a")])
    assert saved.status == "fail"
    got = rows(store, "SELECT check_name, threshold, status FROM check_results ORDER BY 1")
    assert [tuple(r) for r in got] == [("a", None, "fail"), (LONG_NAME, LONG_THRESHOLD, "fail")]


def test_a_name_beyond_the_index_limit_is_shortened_with_a_note(store: Store) -> None:
    name = "schema.x.isin(" + "é" * 3000 + ")"
    store.save(record("r"), [result(name), result(name + "!")])  # distinct after shortening
    got = rows(store, "SELECT check_name, details FROM check_results")
    assert len(got) == 2
    for stored_name, details in got:
        details = details if isinstance(details, dict) else json.loads(details)
        assert len(stored_name.encode()) <= 1000 and "#" in stored_name
        assert details["check_name_full"] in (name, name + "!")
        assert "check_name shortened" in details["store_notes"][0]


def test_nul_bytes_surrogates_and_huge_counts_are_stored_with_a_note(store: Store) -> None:
    bad = result(
        "nul\x00name",
        message="a\x00b",
        threshold="<= \udc80",
        failing_rows=2**70,
        details={"k\x00": "v\x00"},
        failure_sample=("x\x00",),
    )
    store.save(record("r"), [bad])
    ((name, message, threshold, failing, details),) = rows(
        store, "SELECT check_name, message, threshold, failing_rows, details FROM check_results"
    )
    assert (name, message, threshold, failing) == ("nul\ufffdname", "a\ufffdb", "<= ?", None)
    assert "failing_rows" in str(details) and "BIGINT" in str(details)


def test_duplicate_check_names_keep_the_first_and_say_so(store: Store) -> None:
    store.save(record("r"), [result("dup", Status.PASS), result("dup", Status.FAIL)])
    got = dict(rows(store, "SELECT check_name, status FROM check_results"))
    assert got == {"dup": "pass", "dup#2": "error"}


REFUSE = {
    "postgresql": [
        "ALTER TABLE check_results ADD CONSTRAINT no_refuse CHECK (threshold <> 'refuse me')"
    ],
    "sqlite": [
        "CREATE TRIGGER no_refuse BEFORE INSERT ON check_results WHEN NEW.threshold = 'refuse me'"
        " BEGIN SELECT RAISE(ABORT, 'no_refuse: this value is refused'); END"
    ],
}


def test_a_row_the_database_refuses_becomes_an_error_row_and_the_others_are_kept(
    store: Store,
) -> None:
    with store.engine.begin() as conn:
        for sql in REFUSE[conn.dialect.name]:
            conn.exec_driver_sql(sql)
    results = [result("a", Status.PASS), result("b", threshold="refuse me"), result("c")]
    saved = store.save(record("r"), results)
    got = {
        n: (st, m)
        for n, st, m in rows(store, "SELECT check_name, status, message FROM check_results")
    }
    assert set(got) == {"a", "b", "c"}
    assert got["a"][0] == "pass" and got["c"][0] == "fail"
    assert got["b"][0] == "error" and "refused this result" in got["b"][1]
    assert "no_refuse" in got["b"][1]  # the database's own reason
    assert saved.status == "error"


DETAILS = {
    "df": [1.0, np.float64(57.25)],
    "groups": {"ctrl": (10, np.float32(5.0)), "trt": [np.int64(12), 4.5]},
    "nan": float("nan"),
    "levels": np.array([1, 2, 3]),
    "nested": [{"a": [float("inf"), None, True]}],
}
NESTED_QUERIES = {
    "sqlite": [
        ("SELECT json_type(details, '$.df') FROM check_results", "array"),
        ("SELECT json_type(details, '$.groups') FROM check_results", "object"),
        ("SELECT json_extract(details, '$.groups.ctrl[1]') FROM check_results", 5.0),
        ("SELECT json_type(details, '$.groups.trt[0]') FROM check_results", "integer"),
        ("SELECT json_extract(details, '$.nan') FROM check_results", "nan"),
        ("SELECT json_type(details, '$.levels') FROM check_results", "array"),
        ("SELECT json_extract(details, '$.nested[0].a[0]') FROM check_results", "inf"),
        ("SELECT json_type(failure_sample, '$[1]') FROM check_results", "array"),
    ],
    "postgresql": [
        ("SELECT jsonb_typeof(details->'df') FROM check_results", "array"),
        ("SELECT jsonb_typeof(details->'groups') FROM check_results", "object"),
        ("SELECT (details->'groups'->'ctrl'->>1)::float FROM check_results", 5.0),
        ("SELECT jsonb_typeof(details->'groups'->'trt'->0) FROM check_results", "number"),
        ("SELECT details->>'nan' FROM check_results", "nan"),
        ("SELECT jsonb_typeof(details->'levels') FROM check_results", "array"),
        ("SELECT details->'nested'->0->'a'->>0 FROM check_results", "inf"),
        ("SELECT jsonb_typeof(failure_sample->1) FROM check_results", "array"),
    ],
}


def test_details_and_failure_sample_are_nested_json(store: Store) -> None:
    sample = (np.int64(3), (1, "a"), float("-inf"))
    store.save(record("r"), [result("t", details=DETAILS, failure_sample=sample)])
    for sql, expected in NESTED_QUERIES[store.engine.dialect.name]:
        assert rows(store, sql)[0][0] == expected, sql
    ((details,),) = rows(store, "SELECT details FROM check_results")
    loaded = details if isinstance(details, dict) else json.loads(details)
    assert loaded["groups"] == {"ctrl": [10, 5.0], "trt": [12, 4.5]}
    assert loaded["nested"] == [{"a": ["inf", None, True]}]
