"""Bad-input catalogue, part 2: command-line arguments and settings. Bad usage is exit 2 with
one line naming the argument (or the setting), before anything is read or written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.badinput.harness import CLEAN, Case, Project, params, play


def argv(*args: str, suite: bool = True) -> object:
    """A setup that writes the good orders suite (``suite``) and returns ``args``."""

    def setup(p: Project) -> list[str]:
        if suite:
            p.suite()
        return list(args)

    return setup


def stored(*args: str) -> object:
    """A setup with one clean run already stored; then ``args``."""

    def setup(p: Project) -> list[str]:
        p.suite()
        assert p.seed("validate", "orders", "--date", CLEAN) == 0
        return list(args)

    return setup


V = ("validate", "orders", "--date")
CASES = [
    Case("no-command", 2, ("required: command",), argv()),
    Case("unknown-command", 2, ("invalid choice: 'check'",), argv("check")),
    Case("validate-no-suite", 2, ("validate: ", "required: suite"), argv("validate")),
    Case("unknown-flag", 2, ("unrecognized arguments: --day",), argv(*V[:2], "--day")),
    Case("date-empty", 2, ("--date: '' is not YYYY-MM-DD",), argv(*V, "")),
    Case("date-compact", 2, ("--date: '20240101'",), argv(*V, "20240101")),
    Case("date-iso-week", 2, ("--date: '2024-W01-1'",), argv(*V, "2024-W01-1")),
    Case("date-month-13", 2, ("--date: '2024-13-01'", "calendar day"), argv(*V, "2024-13-01")),
    Case("date-feb-30", 2, ("--date: '2024-02-30'",), argv(*V, "2024-02-30")),
    Case("date-with-time", 2, ("--date: '2024-05-01T00:00'",), argv(*V, "2024-05-01T00:00")),
    Case("date-padded", 2, ("--date: ' 2024-05-01'",), argv(*V, " 2024-05-01")),
    Case("since-overflow", 2, ("--since: '99999999d'",), stored("results", "--since", "99999999d")),
    Case("since-too-many-digits", 2, ("--since",), stored("results", "--since", "9" * 30 + "d")),
    Case("since-words", 2, ("--since: 'last week'",), stored("results", "--since", "last week")),
    Case("since-empty", 2, ("--since: ''",), stored("results", "--since", "")),
    Case("since-negative", 2, ("--since",), stored("results", "--since=-1d")),
    Case("since-compact-day", 2, ("--since: '20240101'",), stored("results", "--since=20240101")),
    Case("limit-negative", 2, ("--limit", "'-1'"), stored("results", "--limit", "-1")),
    Case("limit-zero", 2, ("--limit", "'0'"), stored("results", "--limit", "0")),
    Case("limit-not-a-number", 2, ("--limit", "'ten'"), stored("results", "--limit", "ten")),
    Case("format-unknown", 2, ("--format", "'xml'"), stored("results", "--format", "xml")),
    Case("status-unknown", 2, ("--status", "'broken'"), stored("results", "--status", "broken")),
    Case("unknown-suite", 2, ("unknown suite 'nope'", "orders"), argv(*V[:1], "nope")),
    Case("suite-path", 2, ("unknown suite '../orders'",), argv("validate", "../orders")),
    Case("snapshot-id-text", 2, ("activate: argument id",), argv("snapshot", "activate", "one")),
    Case(
        "home-relative",
        2,
        ("suite 'orders'", "DATAVIGIL_HOME must be an absolute path"),
        argv(*V, CLEAN),
        env={"DATAVIGIL_HOME": "relative/home", "DATAVIGIL_RESULTS_URL": ""},
    ),
    Case(
        "schemas-dir-missing",
        2,
        ("DATAVIGIL_SCHEMAS_DIR", "is not a directory"),
        argv(*V, CLEAN),
        env={"DATAVIGIL_SCHEMAS_DIR": "{root}/no-such-dir"},
    ),
    Case(
        "schemas-dir-a-file",
        2,
        ("DATAVIGIL_SCHEMAS_DIR",),
        argv(*V, CLEAN),
        env={"DATAVIGIL_SCHEMAS_DIR": "{root}/warehouse.db"},
    ),
    Case("schemas-dir-empty", 2, ("unknown suite 'orders'",), argv(*V, CLEAN, suite=False)),
]


@pytest.mark.parametrize("case", params(CASES))
def test_bad_argument(case: Case, tmp_path: Path) -> None:
    play(case, Project(tmp_path))


def test_limit_minus_one_is_exit_2_on_postgres_too(tmp_path: Path, pg_url: str) -> None:
    """Item 8: `results --limit -1` exited 3 on PostgreSQL and 0 on SQLite."""
    project = Project(tmp_path)
    project.env["DATAVIGIL_RESULTS_URL"] = pg_url
    assert project.run("db", "upgrade").code == 0
    result = project.run("results", "--limit", "-1")
    assert result.code == 2 and "Traceback" not in result.err, str(result)
    (line,) = result.err.strip().splitlines()
    assert "--limit" in line and "positive integer" in line
