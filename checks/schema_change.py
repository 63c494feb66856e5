"""Upstream schema changes: a fingerprint of every source's columns and types, compared with
the previous run of the same suite (docs/adr/0020).

One result per source: ``schema_change.<suite>`` for the validated source and
``schema_change.<dependency>`` for each upstream source with its own ``source``. The fingerprint
is stored in the row's ``details`` (``columns`` as JSON text, ``fingerprint`` a short hash), so
the next run reads it back from the results store. No earlier run: ``skipped``, fingerprint
recorded. Warn by default; ``severity="error"`` stops the run's later tasks.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from checks.base import Check, CheckContext, Gathered
from datavigil.errors import DatavigilError
from datavigil.outcome import CheckResult, Outcome, Severity, Status


def fingerprint(columns: dict[str, str]) -> str:
    text = json.dumps(columns, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


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
    previous: dict[str, Any] | None = None  # details of the previous run's row
    previous_day: str | None = None


class _Schemas(Gathered):
    def __init__(self, check: SchemaChange) -> None:
        self.check = check
        self.seen: list[_Seen] = []

    def prepare(self, env: Any) -> None:
        from datavigil import history, probes

        for name, source in sources_of(env.suite):
            where = probes.Where(env.suite.name, name)
            try:
                columns = probes.column_types(source, where, env.window)
            except DatavigilError as exc:
                self.seen.append(_Seen(name, None, str(exc)))
                continue
            check_name = f"{self.check.check_name}.{name}"
            past = history.earlier(env.store, env.suite.name, check_name, env.window.day, 50)
            prev = next((p for p in past if "columns" in p.details), None)
            if prev is None:
                self.seen.append(_Seen(name, columns))
            else:
                self.seen.append(_Seen(name, columns, None, prev.details, prev.day.isoformat()))

    def finish(self, ctx: CheckContext) -> Outcome:  # one outcome per source: see results()
        raise NotImplementedError


@dataclass(frozen=True)
class SchemaChange(Check):
    """Compare every source's columns and types with the previous run. ``severity``: warn
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
            self.result(self.verdict(seen), name=f"{self.check_name}.{seen.name}")
            for seen in acc.seen
        ]

    def verdict(self, seen: _Seen) -> Outcome:
        if seen.columns is None:
            return Outcome(Status.ERROR, str(seen.error))
        details: dict[str, Any] = {
            "fingerprint": fingerprint(seen.columns),
            "columns": json.dumps(seen.columns, sort_keys=True),
        }
        if seen.previous is None:
            return Outcome(
                Status.SKIPPED,
                f"{seen.name}: no earlier run to compare with; fingerprint "
                f"{details['fingerprint']} of {len(seen.columns)} columns recorded",
                details=details,
            )
        old = json.loads(seen.previous["columns"])
        changes = diff(old, seen.columns)
        n = sum(len(v) for v in changes.values())
        details |= {k: "; ".join(v) for k, v in changes.items()}
        details |= {"previous_fingerprint": seen.previous.get("fingerprint")}
        details |= {"previous_partition": seen.previous_day}
        return Outcome(
            Status.FAIL if n else Status.PASS,
            f"{seen.name}: " + _describe(changes, seen.previous_day),
            observed_value=float(n),
            threshold="0 changes",
            details=details,
        )


def _describe(changes: dict[str, list[str]], since: str | None) -> str:
    parts = [f"{k} {', '.join(v)}" for k, v in changes.items() if v]
    if not parts:
        return f"columns and types unchanged since partition {since}"
    return f"schema changed since partition {since}: " + "; ".join(parts)
