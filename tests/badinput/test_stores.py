"""Bad-input catalogue, part 4: results stores that are malformed (configuration: exit 2,
before anything is read), unreachable, corrupt or read-only (infrastructure: exit 3). During
`validate SUITE` every store error names the suite too (item 13)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.badinput.harness import CLEAN, CLEAN_ROWS, VIOLATING, Case, Project, params, play
from tests.badinput.harness import stored_rows as pg_rows

DOWN = "postgresql+psycopg://dv@127.0.0.1:1/results?connect_timeout=3"
COMMANDS = {
    "validate": (["validate", "orders", "--date", CLEAN], ("suite 'orders'",)),
    "results": (["results"], ()),
    "db-upgrade": (["db", "upgrade"], ()),
}


def command(name: str) -> object:
    def setup(p: Project) -> list[str]:
        p.suite()
        return list(COMMANDS[name][0])

    return setup


def store_cases(case_id: str, url: str, code: int, *words: str) -> list[Case]:
    """The same store URL through validate, results and db upgrade."""
    return [
        Case(
            f"{case_id}-{cmd}",
            code,
            (*COMMANDS[cmd][1], *words),
            command(cmd),
            env={"DATAVIGIL_RESULTS_URL": url},
        )
        for cmd in COMMANDS
    ]


def stored_then(url: str, *argv: str) -> object:
    """One clean run in the embedded store; then ``argv`` with DATAVIGIL_RESULTS_URL=url."""

    def setup(p: Project) -> list[str]:
        p.suite()
        assert p.seed("validate", "orders", "--date", CLEAN) == 0
        p.env["DATAVIGIL_RESULTS_URL"] = url.replace("{root}", str(p.root))
        return list(argv)

    return setup


def corrupt_store(p: Project) -> list[str]:
    p.suite()
    (p.root / "results.db").write_bytes(b"not a database " * 300)
    return ["validate", "orders", "--date", CLEAN]


def unchanged_and_no_stray_folder(p: Project) -> None:
    assert p.rows() == CLEAN_ROWS
    assert not (p.root / "file:").exists(), "a 'file:' folder was created"


NOT_URL = ("DATAVIGIL_RESULTS_URL", "is not a SQLAlchemy URL")
CASES = [
    *store_cases("store-url-garbage", "not a url", 2, *NOT_URL),
    *store_cases("store-unknown-driver", "foo+bar://h/db", 2, "unknown database dialect")[:1],
    *store_cases("store-driver-missing", "mysql://h/db", 2, "not installed")[::2],
    *store_cases("store-unreachable", DOWN, 3, "results store", "127.0.0.1:1"),
    Case(
        "store-port-not-a-number",
        2,
        NOT_URL,
        command("results"),
        env={"DATAVIGIL_RESULTS_URL": "postgresql+psycopg://dv@h:port/db"},
    ),
    # issue 17 item 10: a port no server can listen on is configuration, never a retry
    *store_cases("store-port-99999", "postgresql+psycopg://dv@127.0.0.1:99999/db", 2, "port 99999"),
    *[
        Case(
            f"store-port-{name}",
            2,
            ("DATAVIGIL_RESULTS_URL", f"port {port}", "1 to 65535"),
            command("validate"),
            env={"DATAVIGIL_RESULTS_URL": f"postgresql+psycopg://dv@127.0.0.1:{port}/db"},
        )
        for name, port in (("zero", 0), ("negative", -1), ("65536", 65536))
    ],
    Case(
        "store-port-negative-not-a-number",
        2,
        NOT_URL,
        command("validate"),
        env={"DATAVIGIL_RESULTS_URL": "postgresql+psycopg://dv@127.0.0.1:-x/db"},
    ),
    Case(
        "store-unknown-pg-option",
        2,
        ("DATAVIGIL_RESULTS_URL", "options that PostgreSQL does not know: colour"),
        command("results"),
        env={"DATAVIGIL_RESULTS_URL": "postgresql+psycopg://dv@127.0.0.1:1/db?colour=blue"},
    ),
    Case(
        "store-under-a-file",
        3,
        ("suite 'orders'", "results store", "connect failed"),
        command("validate"),
        env={"DATAVIGIL_RESULTS_URL": "sqlite:///{root}/warehouse.db/results.db"},
    ),
    Case(
        "store-is-a-directory",
        3,
        ("suite 'orders'", "results store", "failed"),
        command("validate"),
        env={"DATAVIGIL_RESULTS_URL": "sqlite:///{root}/schemas"},
    ),
    Case("store-corrupt", 3, ("suite 'orders'", "results store", "not a database"), corrupt_store),
    Case(
        "store-read-only-sqlite",
        3,
        ("suite 'orders'", "results store", "readonly"),
        stored_then(
            "sqlite:///file:{root}/results.db?mode=ro&uri=true",
            *("validate", "orders", "--date", VIOLATING),
        ),
        written=unchanged_and_no_stray_folder,
    ),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_store(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))


def read_only(url: str) -> str:
    """The same database through a session whose transactions are read-only."""
    return (
        sa.make_url(url)
        .update_query_dict({"options": "-c default_transaction_read_only=on"})
        .render_as_string(hide_password=False)
    )


PG_CASES = {
    # id: (migrate first, url of the failing command, argv, words)
    "pg-not-migrated": (False, lambda u: u, ["validate", "orders", "--date", CLEAN], "db upgrade"),
    "pg-read-only": (True, read_only, ["validate", "orders", "--date", CLEAN], "read-only"),
    "pg-no-such-database": (
        False,
        lambda u: sa.make_url(u).set(database="datavigil_no_such_db").render_as_string(False),
        ["results"],
        "does not exist",
    ),
}


@pytest.mark.parametrize("case_id", sorted(PG_CASES), ids=sorted(PG_CASES))
def test_bad_postgres_store(case_id: str, tmp_path: Path, pg_url: str) -> None:
    migrate, url_of, argv, word = PG_CASES[case_id]
    project = Project(tmp_path)
    project.suite()
    project.env["DATAVIGIL_RESULTS_URL"] = pg_url
    if migrate:
        assert project.run("db", "upgrade").code == 0
    words = ("results store", word, *(("suite 'orders'",) if argv[0] == "validate" else ()))
    case = Case(case_id, 3, words, lambda p: argv, env={"DATAVIGIL_RESULTS_URL": url_of(pg_url)})
    play(case, project)
    if migrate:
        assert pg_rows(pg_url) == set()  # nothing half-written
