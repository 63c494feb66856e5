"""The run's hook for failing rows kept in full (docs/adr/0135): a check that stores its
failures (``store_failures=True``, or the suite's default) hands its failing predicate here
after judging; the rows are written where the data is (datavigil.engine.failures for a SQL
source, datavigil.engine.failure_files for files and object storage) and the check's result
records ``details["failures"]``: ``{rows, table | path, capped}``, or ``{error}``, a one-line
message. Storing failures never changes a check's status.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

from datavigil.core import config
from datavigil.core.errors import SuiteError, first_line
from datavigil.core.outcome import Outcome, Status
from datavigil.core.redact import redact_text
from datavigil.engine.failure_files import keep_parquet
from datavigil.engine.failures import Settings, Target, keep_sql

log = logging.getLogger("datavigil")


def context(ctx: Any, scan: Any, env: Any, rows: int) -> Any:
    """The check context of a scan: its rows, columns, sample fetcher and failures keeper."""
    keep = Keeper(scan, env) if env is not None and _wanted(env.suite) else None
    return replace(ctx, rows=rows, columns=scan.columns, fetch=scan.compute, keep=keep)


def _wanted(suite: Any) -> bool:
    """Whether a check of ``suite`` stores its failing rows; a flag that is not True, False
    (or None on a check: the suite's) is the suite's error, named."""
    checks = [*getattr(suite, "checks", ()), *getattr(suite, "dependencies", ())]
    flags = {"store_failures": getattr(suite, "store_failures", False)}
    flags |= {f"{ch.check_name}: store_failures": ch.store_failures for ch in checks}
    for where, flag in flags.items():
        if not isinstance(flag, bool) and (flag is not None or where == "store_failures"):
            raise SuiteError(suite.name, where, f"must be True or False, got {flag!r}")
    return any(flags.values())


class Keeper:
    """Stores a check's failing rows; reads the settings once per run."""

    def __init__(self, scan: Any, env: Any) -> None:
        self.scan, self.env = scan, env
        self.settings = Settings.read()

    def __call__(self, check: Any, outcome: Outcome) -> Outcome:
        if outcome.status not in (Status.FAIL, Status.PASS):
            return outcome
        where = check.failing_predicate()
        if where is None and getattr(check, "store_failures", None) is not True:
            return outcome  # the suite's default applies to row-level checks only
        if where is None:
            info: dict[str, Any] = {
                "error": f"check '{check.check_name}' cannot store failing rows "
                "(row-level checks only: docs/how-to/failing-rows.md)"
            }
        else:
            info = self._store(check.check_name, where if outcome.status is Status.FAIL else None)
            if "rows" in info:
                info["capped"] = (outcome.failing_rows or 0) > info["rows"]
        if outcome.status is Status.PASS and "error" not in info:
            return outcome  # a passing re-run removed the run's old rows: nothing to record
        return replace(outcome, details={**outcome.details, "failures": info})

    def _store(self, check: str, where: Any) -> dict[str, Any]:
        target = Target(self.env.suite.name, self.env.run_id, check, self.settings)
        source, scope = self.env.suite.source, self.scan.scope
        place = f"table {target.table}" if self.scan.kind == "sql" else "Parquet"
        try:
            if self.scan.kind == "sql":
                return keep_sql(source.resolved_url(), source.db_schema, scope, target, where)
            return keep_parquet(self.scan.conn, scope, self._directory(), target, where)
        except Exception as exc:  # any failure to store: one line, the verdict unchanged
            reason = first_line(exc)
            message = redact_text(f"failing rows of check '{check}' not stored ({place}): {reason}")
            log.warning("suite '%s': %s", target.suite, message)
            return {"error": message}

    def _directory(self) -> Path:
        given = self.settings.directory
        return Path(config.expand(given)) if given else config.home() / "failures"
