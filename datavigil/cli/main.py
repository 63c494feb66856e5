"""The `datavigil` command: the parser and the dispatch. Each command group is its own module
(``validate``, ``results``, ``suites``, ``db``, ``snapshot``, ``report``, ``schema``,
``init_suite``); ``validate`` and ``results`` go through ``datavigil.api``.

Exit codes: 0 no error-severity failure · 1 error-severity data violation · 2 bad usage or bad
suite/config · 3 a source or the results store unreachable · 4 internal error (a bug: please
report it)."""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import NoReturn

from datavigil.cli import console, init_suite
from datavigil.cli import db as db_cli
from datavigil.cli import results as results_cli
from datavigil.cli import schema as schema_cli
from datavigil.cli import snapshot as snapshot_cli
from datavigil.cli import suites as suites_cli
from datavigil.cli import validate as validate_cli
from datavigil.cli.args import parse_date, parse_since
from datavigil.core.errors import DatavigilError, UsageError

__all__ = ["build_parser", "leave", "main", "parse_date", "parse_since", "run"]

INTERNAL_ERROR = 4  # an exception datavigil did not classify: a bug (docs/adr/0061)

DESCRIPTION = """Scheduled data validation: run a suite's checks for one partition, record
every result in the results store, read them back."""
EPILOG = """exit codes:
  0  no error-severity failure (warnings allowed)
  1  an error-severity check failed or could not be evaluated (a data violation)
  2  bad usage, or a bad suite or setting
  3  a source or the results store could not be reached or read (retryable)
  4  an internal error: a bug in datavigil (please report it)

`datavigil COMMAND --help` describes each command."""


class Parser(argparse.ArgumentParser):
    """Bad usage is one line on stderr and exit 2, like every other error (not argparse's
    usage block)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.removeprefix("datavigil").strip()
        where = f"{command}: " if command else ""
        hint = f"see `{self.prog} --help`"
        raise UsageError(f"{where}{message} ({hint})")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="datavigil",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("-q", "--quiet", action="store_true", help="no progress output")
    sub = p.add_subparsers(dest="command", required=True)
    validate_cli.add_parser(sub)  # validate SUITE [SUITE ...] [--date D] [--hour H]
    results_cli.add_parser(sub)  # results [--suite S] [--status fail] [--since 7d] ...
    db_cli.add_parser(sub)  # db upgrade
    suites_cli.add_parser(sub)  # suites [--check]
    snapshot_cli.add_parser(sub)  # snapshot capture | list | activate
    init_suite.add_parser(sub)  # init SUITE --from-table URL TABLE | --from-file PATH
    from datavigil.cli import report as report_cli  # report RUN_ID | --suite S --date D

    report_cli.add_parser(sub)
    schema_cli.add_parser(sub)  # schema accept SUITE | schema list
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command. Never a traceback: a DatavigilError is one line and its class's exit
    code; anything else is a bug, one line "internal error" and exit 4; a closed stdout ends
    the output quietly and the command keeps its own exit code (docs/adr/0061)."""
    with console.guarded():
        args: argparse.Namespace | None = None
        try:
            args = build_parser().parse_args(argv)
            logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
            logging.getLogger("datavigil").setLevel(logging.WARNING if args.quiet else logging.INFO)
            console.install_log_redaction()
            func: Callable[[argparse.Namespace], int] = args.func
            return func(args)
        except DatavigilError as exc:
            print(f"datavigil: {console.first_line(exc)}", file=sys.stderr)
            return exc.exit_code
        except KeyboardInterrupt:
            return 130
        except Exception as exc:  # the top-level guard: a bug is named, never a traceback
            print(f"datavigil: {_internal_error(args, exc)}", file=sys.stderr)
            return INTERNAL_ERROR


def _internal_error(args: argparse.Namespace | None, exc: Exception) -> str:
    suite = getattr(args, "suite", None)
    suite = " ".join(suite) if isinstance(suite, list) else suite
    where = f"suite '{suite}': " if suite else ""
    return f"{where}internal error: {type(exc).__name__}: {console.first_line(exc)} (please report)"


def run() -> NoReturn:
    """The ``datavigil`` command (console script and ``python -m datavigil.cli``): ``main``,
    then ``leave`` with its exit code."""
    leave(main())


def leave(code: int) -> NoReturn:
    """End the process with ``code`` without the interpreter's teardown (ADR 0150).

    Freeing every imported module and object at exit costs a run that imported pandas, pandera,
    scipy and DuckDB about 0.4 s, after its work is done and committed. What the teardown
    does that matters is done first: the standard streams are flushed and the ``atexit``
    handlers run (logging's flush, ``weakref.finalize`` clean-ups such as temporary
    directories, a coverage tool's save). With another thread still running, or with
    ``DATAVIGIL_FULL_EXIT`` set, the interpreter exits as usual."""
    run_exitfuncs = getattr(atexit, "_run_exitfuncs", None)
    if threading.active_count() > 1 or os.environ.get("DATAVIGIL_FULL_EXIT") or not run_exitfuncs:
        sys.exit(code)
    run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # closed, or a reader gone: nothing left to write
            pass
    os._exit(code)
