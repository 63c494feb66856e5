"""Upstream schema changes: a fingerprint of every source's columns and types, compared with
the last ACCEPTED schema of that source (docs/adr/0020, docs/adr/0096).

One result per source: ``schema_change.<suite>`` for the validated source and
``schema_change.<dependency>`` for each upstream source with its own ``source``. The fingerprint
is stored in the row's ``details`` (``columns`` as JSON text, ``fingerprint`` a short hash). The
baseline is the newest ``datavigil schema accept SUITE`` of the source (table ``schema_accepts``),
else the fingerprint first recorded: nothing recorded yet gives ``skipped``, fingerprint recorded.
So a change fails every run until it is reverted (then it passes again) or accepted. Warn by
default; ``severity="error"`` stops the run's later tasks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from datavigil.checks.base import Check, CheckContext, Gathered
from datavigil.core.errors import DatavigilError
from datavigil.core.outcome import CheckResult, Outcome, Severity, Status


def diff(old: dict[str, str], new: dict[str, str]) -> dict[str, list[str]]:
    """Added, removed and retyped columns (``name: OLD -> NEW``), each sorted."""
    return {
        "added": sorted(f"{c} {new[c]}" for c in new.keys() - old.keys()),
        "removed": sorted(f"{c} {old[c]}" for c in old.keys() - new.keys()),
        "retyped": sorted(
            f"{c}: {old[c]} -> {new[c]}" for c in new.keys() & old.keys() if old[c] != new[c]
        ),
    }


def sources_of(suite: Any) -> list[tuple[str, Any]]:
    """(name, source) of the suite's own source and of each dependency with its own source."""
    out = [(suite.name, suite.source)]
    out += [(d.dependency, d.source) for d in suite.dependencies if d.source is not None]
    return out


@dataclass(frozen=True, slots=True)
class _Seen:
    name: str
    columns: dict[str, str] | None  # None: the source could not be read
    error: str | None = None
    baseline: Any = None  # datavigil.schema_accepts.Baseline, None: nothing recorded yet


class _Schemas(Gathered):
    def __init__(self, check: SchemaChange) -> None:
        self.check = check
        self.seen: list[_Seen] = []

    def prepare(self, env: Any) -> None:
        from datavigil.engine import probes
        from datavigil.store import schema_accepts

        for name, source in sources_of(env.suite):
            where = probes.Where(env.suite.name, name)
            try:
                columns = probes.column_types(source, where, env.window)
            except DatavigilError as exc:
                self.seen.append(_Seen(name, None, str(exc)))
                continue
            check_name = f"{self.check.check_name}.{name}"
            base = schema_accepts.baseline(env.store, env.suite.name, check_name)
            self.seen.append(_Seen(name, columns, None, base))

    def finish(self, ctx: CheckContext) -> Outcome:  # one outcome per source: see results()
        raise NotImplementedError


@dataclass(frozen=True)
class SchemaChange(Check):
    """Compare every source's columns and types with its last accepted schema. ``severity``: warn
    (default) or error."""

    severity: Severity | str = Severity.WARN

    check_type = "schema_change"
    phase = "freshness"  # a dependency check: runs before the partition is read
    needs_scan = False
    needs_rows = False

    def gatherer(self) -> Gathered:
        return _Schemas(self)

    def results(self, values: Any, ctx: CheckContext) -> list[CheckResult]:
        acc = ctx.prepared
        assert isinstance(acc, _Schemas)
        return [
            self.result(self.verdict(seen, ctx.suite), name=f"{self.check_name}.{seen.name}")
            for seen in acc.seen
        ]

    def verdict(self, seen: _Seen, suite: str) -> Outcome:
        from datavigil.store.schema_accepts import fingerprint

        if seen.columns is None:
            return Outcome(Status.ERROR, str(seen.error))
        details: dict[str, Any] = {
            "fingerprint": fingerprint(seen.columns),
            "columns": json.dumps(seen.columns, sort_keys=True),
        }
        base = seen.baseline
        if base is None:
            return Outcome(
                Status.SKIPPED,
                f"{seen.name}: no earlier run to compare with; fingerprint "
                f"{details['fingerprint']} of {len(seen.columns)} columns recorded "
                "(the baseline until `datavigil schema accept` records another)",
                details=details,
            )
        changes = diff(base.columns, seen.columns)
        n = sum(len(v) for v in changes.values())
        details |= {k: "; ".join(v) for k, v in changes.items()}
        details |= {"accepted_fingerprint": base.fingerprint, "baseline": base.label}
        details |= {"accept_id": base.accept_id}
        return Outcome(
            Status.FAIL if n else Status.PASS,
            f"{seen.name}: " + _describe(changes, base, suite),
            observed_value=float(n),
            threshold="0 changes",
            details=details,
        )


def _describe(changes: dict[str, list[str]], base: Any, suite: str) -> str:
    parts = [f"{k} {', '.join(v)}" for k, v in changes.items() if v]
    since = f"{base.fingerprint} ({base.label})"
    if not parts:
        return f"columns and types match the accepted fingerprint {since}"
    return (
        f"schema changed since the accepted fingerprint {since}: "
        + "; ".join(parts)
        + f"; if intended: datavigil schema accept {suite}"
    )
