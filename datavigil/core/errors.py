"""Typed errors. Each maps to one exit code and one Airflow behaviour (docs/adr/0001)."""

from __future__ import annotations

from typing import Any

from datavigil.core.redact import redact_text


class DatavigilError(Exception):
    """Base class. ``exit_code`` is what the CLI returns; ``retryable`` what Airflow does."""

    exit_code = 2
    retryable = False

    def __init__(self, *args: Any) -> None:
        """Every message is redacted once, here: no credential reaches a screen, a log, an
        Airflow task state or a results row through an error (docs/adr/0062)."""
        super().__init__(*(redact_text(a) if isinstance(a, str) else a for a in args))

    def in_suite(self, suite: str) -> DatavigilError:
        """This error, its message prefixed with ``suite '<suite>': `` unless it names it."""
        text = str(self)
        if not text.startswith(f"suite '{suite}'"):
            self.args = (f"suite '{suite}': {text}",)
        return self


class SuiteError(DatavigilError):
    """A suite (or a setting) is malformed: bad usage or bad configuration. Exit 2, no retry."""

    def __init__(self, suite: str, field: str, problem: str) -> None:
        self.suite, self.field, self.problem = suite, field, redact_text(problem)
        super().__init__(f"suite '{suite}': {field}: {problem}")


class UnknownSuiteError(DatavigilError):
    """No suite has that name; the message lists the suites found. Exit 2, no retry."""

    def __init__(self, name: str, known: list[str]) -> None:
        listed = ", ".join(known) or "none found"
        super().__init__(f"unknown suite '{name}' (suites: {listed})")


class SettingError(DatavigilError):
    """An environment variable or connection is set to something unusable. Exit 2."""


class UsageError(DatavigilError):
    """A command-line argument is malformed. Exit 2."""


class SourceUnavailable(DatavigilError):
    """A source could not be reached or read (missing table/file, DB down). Exit 3, retryable."""

    exit_code = 3
    retryable = True


class StoreUnavailable(DatavigilError):
    """The results store could not be reached, migrated or written. Exit 3, retryable."""

    exit_code = 3
    retryable = True


class ValidationFailed(DatavigilError):
    """An error-severity check did not pass: the data broke a rule (exit 1, no retry). Raised by
    ``ValidationReport.raise_for_status()``, never by a run itself (a run returns its verdict);
    ``report`` is the report that failed."""

    exit_code = 1

    def __init__(self, message: str, report: Any = None) -> None:
        super().__init__(message)
        self.report = report


def first_line(exc: BaseException) -> str:
    """The first line of an error's text (a SQLAlchemy error's: of the driver's error under it),
    or the class's name when there is no text. PyHive raises with the server's Thrift response as
    the argument (hundreds of characters of repr): its ``status.errorMessage`` is the text."""
    orig = getattr(exc, "orig", None) or exc
    status = getattr(orig.args[0], "status", None) if orig.args else None
    text = str(getattr(status, "errorMessage", None) or orig).strip()
    return text.splitlines()[0] if text else type(exc).__name__
