"""Bad-input catalogue, part 6: credentials in URLs, in every form a URL can carry them, through
`validate`, `results` and `db upgrade` (item 10 of issue 8). The secret appears nowhere: not in
stdout, not in stderr, not in the rows the run stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.badinput.harness import CLEAN, Case, Project, params, play

HOST = "127.0.0.1:1"
FORMS = {
    # id: (DATAVIGIL_RESULTS_URL, exit code, secrets that must not appear)
    "encoded-at-and-query-password": (
        f"postgresql+psycopg://alice:s3cr%40t@{HOST}/results?password=hunter2&connect_timeout=3",
        3,
        ("s3cr", "hunter2"),
    ),
    "raw-at-in-password": (f"postgresql+psycopg://alice:s3cr@t@{HOST}/results", 2, ("s3cr", "t@1")),
    "colons-in-password": (
        f"postgresql+psycopg://alice:pa:ss:wd@{HOST}/results?connect_timeout=3",
        3,
        ("pa:ss", "ss:wd"),
    ),
    "sslpassword": (
        f"postgresql+psycopg://alice@{HOST}/results?sslmode=disable&sslpassword=hunter2",
        3,
        ("hunter2",),
    ),
    "token-in-unknown-option": (
        f"postgresql+psycopg://alice@{HOST}/results?api_token=tok3n&client_secret=sh4h",
        2,
        ("tok3n", "sh4h"),
    ),
    "no-scheme": ("alice:hunter2@127.0.0.1/results", 2, ("hunter2",)),
    "unknown-driver": ("foo+bar://alice:hunter2@127.0.0.1/results", 2, ("hunter2",)),
}
EVERY_COMMAND = ("encoded-at-and-query-password", "raw-at-in-password", "sslpassword")
COMMANDS = {
    "validate": (["validate", "orders", "--date", CLEAN], ("suite 'orders'",)),
    "results": (["results"], ()),
    "db-upgrade": (["db", "upgrade"], ()),
}


def command(argv: list[str]) -> object:
    def setup(p: Project) -> list[str]:
        p.suite()
        return list(argv)

    return setup


CASES = [
    Case(
        f"{form}-{cmd}",
        code,
        (*COMMANDS[cmd][1], "alice" if code == 3 else "DATAVIGIL_RESULTS_URL"),
        command(COMMANDS[cmd][0]),
        env={"DATAVIGIL_RESULTS_URL": url},
        secrets=secrets,
    )
    for form, (url, code, secrets) in FORMS.items()
    for cmd in COMMANDS
    if cmd == "validate" or form in EVERY_COMMAND
]


@pytest.mark.parametrize("case", params(CASES))
def test_secret_in_results_url(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))


def secret_free_rows(p: Project) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(p.results_url)
    with engine.connect() as conn:
        text = " ".join(
            str(v) for row in conn.execute(sa.text("SELECT * FROM check_results")) for v in row
        )
    engine.dispose()
    assert "source.read" in text
    assert "hunter2" not in text and "hunter3" not in text, text


SOURCE_URL = "postgresql+psycopg://bob:hunter2@127.0.0.1:1/wh?password=hunter3&connect_timeout=3"
SOURCE_CASES = [
    Case(
        "source-url-password",
        3,
        ("suite 'orders'", "source table 'orders'"),
        lambda p: p.suite(**{'url="{db}"': f'url="{SOURCE_URL}"'}) and None,
        written=secret_free_rows,
        secrets=("hunter2", "hunter3"),
    ),
    Case(
        "airflow-connection-password",
        3,
        ("suite 'orders'", "results store"),
        command(COMMANDS["validate"][0]),
        env={
            "DATAVIGIL_RESULTS_URL": "",
            "AIRFLOW_CONN_DATAVIGIL_RESULTS": f"postgres://alice:hunter2@{HOST}/results",
        },
        secrets=("hunter2",),
    ),
]


@pytest.mark.parametrize("case", params(SOURCE_CASES))
def test_secret_elsewhere(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))


def test_progress_log_lines_are_redacted_too(tmp_path: Path) -> None:
    """Without -q the progress lines go to stderr through the redacting log filter."""
    project = Project(tmp_path)
    project.suite(**{'url="{db}"': f'url="{SOURCE_URL}"'})
    result = project.run("validate", "orders", "--date", CLEAN, quiet=False)
    assert result.code == 3, str(result)
    assert "Traceback" not in result.err and "hunter" not in result.out + result.err
    assert result.err.strip().splitlines()[-1].startswith("datavigil: suite 'orders': ")


def test_a_working_store_url_with_passwords_is_never_echoed(tmp_path: Path, pg_url: str) -> None:
    """The success paths too: the test server trusts local connections and ignores the
    password, so db upgrade, validate and results succeed with it in the URL."""
    import sqlalchemy as sa

    url = (
        sa.make_url(pg_url)
        .set(password="hunter2")
        .update_query_dict({"sslmode": "disable", "sslpassword": "hunter3"})
    )
    project = Project(tmp_path)
    project.suite()
    project.env["DATAVIGIL_RESULTS_URL"] = url.render_as_string(hide_password=False)
    for argv in (["db", "upgrade"], ["validate", "orders", "--date", CLEAN], ["results"]):
        result = project.run(*argv, quiet=False)
        assert result.code == 0, str(result)
        assert "hunter" not in result.out + result.err, str(result)
    assert "sslpassword=***" in project.run("db", "upgrade").out
