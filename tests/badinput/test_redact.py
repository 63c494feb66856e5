"""Credentials are masked in every form a URL (or a libpq conninfo) carries them, in free text,
in errors, in log records and in what the CLI writes (item 10 of issue 8)."""

from __future__ import annotations

import io
import logging

import pytest

from datavigil.core import redact
from datavigil.core.errors import SourceUnavailable, StoreUnavailable, SuiteError

URLS = {
    "user-password": (
        "postgresql+psycopg://alice:hunter2@db:5432/results",
        "postgresql+psycopg://alice:***@db:5432/results",
    ),
    "percent-encoded-at": (
        "postgresql+psycopg://alice:s3cr%40t@db/results",
        "postgresql+psycopg://alice:***@db/results",
    ),
    "raw-at-in-password": (
        "postgresql+psycopg://alice:s3cr@t@127.0.0.1:1/results",
        "postgresql+psycopg://alice:***@127.0.0.1:1/results",
    ),
    "many-at-and-colons": ("mysql://u:a@b:c@d@host/db", "mysql://u:***@host/db"),
    "slash-in-password": ("postgresql://u:pa/ss@host/db", "postgresql://u:***@host/db"),
    "question-mark-in-password": ("postgresql://u:p?w@host/db", "postgresql://u:***@host/db"),
    "query-password": (
        "postgresql://alice@db/results?password=hunter2",
        "postgresql://alice@db/results?password=***",
    ),
    "sslpassword-after-others": (
        "postgresql://db/r?sslmode=require&sslpassword=hunter2&application_name=x",
        "postgresql://db/r?sslmode=require&sslpassword=***&application_name=x",
    ),
    "token-secret-key": (
        "snowflake://acct/db?api_token=t0k&client_secret=s3c&private_key=k3y&monkey=1",
        "snowflake://acct/db?api_token=***&client_secret=***&private_key=***&monkey=1",
    ),
    "at-in-query-is-not-userinfo": (
        "postgresql://u:pw@host/db?options=a@b",
        "postgresql://u:***@host/db?options=a@b",
    ),
    "user-only": ("postgresql://alice@db/results", "postgresql://alice@db/results"),
    "sqlite-path-with-at": ("sqlite:////data/a@b/results.db", "sqlite:////data/a@b/results.db"),
    "no-credentials": ("sqlite:///results.db?mode=ro", "sqlite:///results.db?mode=ro"),
}


@pytest.mark.parametrize("case", sorted(URLS), ids=sorted(URLS))
def test_redact_url(case: str) -> None:
    url, expected = URLS[case]
    assert redact.redact_url(url) == expected


TEXTS = {
    "url-in-a-message": (
        "results store postgresql://a:hunter2@h/r: connect failed (see sqlite:///x.db).",
        "results store postgresql://a:***@h/r: connect failed (see sqlite:///x.db).",
    ),
    "quoted-url": ("url='postgresql://a:hunter2@h/r'", "url='postgresql://a:***@h/r'"),
    "conninfo": (
        "host=db user=alice password=hunter2 sslpassword='p w' dbname=r",
        "host=db user=alice password=*** sslpassword=*** dbname=r",
    ),
    "words-are-not-keys": (
        "duplicate key value violates unique constraint; Key (run_id)=(x) exists; monkey=1",
        "duplicate key value violates unique constraint; Key (run_id)=(x) exists; monkey=1",
    ),
    "two-urls": ("a://u:p1@h and b://v:p2@k", "a://u:***@h and b://v:***@k"),
}


@pytest.mark.parametrize("case", sorted(TEXTS), ids=sorted(TEXTS))
def test_redact_text(case: str) -> None:
    text, expected = TEXTS[case]
    assert redact.redact_text(text) == expected


@pytest.mark.parametrize(
    "make",
    [
        lambda m: SourceUnavailable(m),
        lambda m: StoreUnavailable(m),
        lambda m: SuiteError("orders", "source", m),
    ],
    ids=["source", "store", "suite"],
)
def test_errors_are_redacted_when_raised(make) -> None:
    exc = make("cannot reach postgresql://bob:hunter2@h/wh?password=hunter3")
    for text in (str(exc), repr(exc), *map(str, exc.args)):
        assert "hunter" not in text, text
    assert "bob:***@h" in str(exc)


def test_in_suite_prefixes_once() -> None:
    exc = StoreUnavailable("results store x: write failed")
    assert str(exc.in_suite("orders")) == "suite 'orders': results store x: write failed"
    assert str(exc.in_suite("orders")) == "suite 'orders': results store x: write failed"
    assert exc.exit_code == 3


def test_log_filter_on_the_datavigil_logger_and_the_handlers() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger = logging.getLogger("datavigil.test_redact")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        redact.install(logger)
        logger.warning("store %s down", "postgresql://a:hunter2@h/r?sslpassword=hunter3")
        logger.warning("conninfo password=%s", "hunter4")
    finally:
        logger.removeHandler(handler)
    assert "hunter" not in stream.getvalue(), stream.getvalue()
    assert "postgresql://a:***@h/r?sslpassword=***" in stream.getvalue()


def test_the_dag_module_installs_the_filter_for_task_logs() -> None:
    import datavigil.airflow.dags  # noqa: F401  (installs the filter at import)

    logger = logging.getLogger("datavigil")
    assert any(isinstance(f, redact.RedactingFilter) for f in logger.filters)
    record = logger.makeRecord("datavigil", logging.INFO, "x", 1, "url %s", ("a://u:pw@h",), None)
    assert all(f.filter(record) for f in logger.filters)
    assert record.getMessage() == "url a://u:***@h"


# item 13 of issue 17: option names that merely contain "key" (or "token", "pass") are not secrets
NOT_SECRETS = {
    "partition-key-then-file": (
        "suite 'orders': orders.py: dependencies: partition_key= orders.py checks presence"
    ),
    "partition-key-value": "Freshness(partition_key=ds) in schemas/orders.py: no column 'ds'",
    "keys-of-data": "primary_key=run_id sort_key=day group_key=2013-02-08 cache_key=orders.py",
    "words-containing-secret-words": "token_count=3 bypass=orders.py passes=2 keyboard=1",
    "free-text-bare-key": "sort key = orders.py",
}


@pytest.mark.parametrize("case", sorted(NOT_SECRETS), ids=sorted(NOT_SECRETS))
def test_names_that_hold_no_secret_are_kept(case: str) -> None:
    text = NOT_SECRETS[case]
    assert redact.redact_text(text) == text
    assert (
        str(SuiteError("orders", "dependencies", text)) == f"suite 'orders': dependencies: {text}"
    )


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("sslpassword", True),
        ("db_pass", True),
        ("api_token", True),
        ("client_secret", True),
        ("aws_secret_access_key", True),
        ("x-api-key", True),
        ("private_key", True),
        ("X-Amz-Signature", True),
        ("X-Amz-Credential", True),
        ("sig", True),
        ("partition_key", False),
        ("primary_key", False),
        ("group_key", False),
        ("monkey", False),
        ("token_count", False),
        ("bypass", False),
        ("keyboard", False),
    ],
)
def test_secret_option_names(name: str, secret: bool) -> None:
    assert redact.secret_key(name, in_url=True) is secret


def test_a_bare_key_is_a_secret_in_a_url_query_only() -> None:
    text = "sort key = day; see https://maps.example/api?key=AIzaSy&partition_key=ds"
    assert redact.redact_text(text) == (
        "sort key = day; see https://maps.example/api?key=***&partition_key=ds"
    )
