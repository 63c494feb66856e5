"""What the store writes, made writable before it reaches the database: JSON-safe nested values,
text without NUL or lone surrogates, integers within BIGINT, names within the index limit, and
the error row that stands in for a result the database refused (ADR 0050)."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from datavigil.core.outcome import CheckResult, Status


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run's row of ``validation_runs`` as the runner hands it to ``Store.save``."""

    run_id: str
    suite: str
    dataset: str
    partition_date: date
    data_interval_start: datetime
    data_interval_end: datetime
    started_at: datetime
    finished_at: datetime
    status: str
    rows_checked: int | None
    origin: str
    datavigil_version: str
    logical_date: datetime | None = None
    reference_snapshot_id: int | None = None
    dag_id: str | None = None
    dag_run_id: str | None = None
    try_number: int | None = None


NAME_BYTES = 1000  # run_id + check_name stay within PostgreSQL's b-tree entry limit (2704 bytes)
MESSAGE_CHARS = 4000
SAMPLE_ITEMS = 100
MAX_DEPTH = 32
BIGINT = 2**63 - 1
SEVERITIES = ("error", "warn")
STATUSES = tuple(s.value for s in Status)


def clean_text(text: str) -> str:
    """``text`` as every database accepts it: NUL becomes U+FFFD, lone surrogates become '?'."""
    if "\x00" in text:
        text = text.replace("\x00", "\ufffd")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def json_safe(value: Any, depth: int = 0) -> Any:
    """Real nested JSON at every level: dicts (string keys), lists, numbers, strings, booleans,
    null. Tuples and sets become lists; NumPy values their Python equals; NaN and ±inf the
    strings "nan", "inf", "-inf"; dates ISO strings; anything else its ``str``."""
    if value is None or isinstance(value, bool | str | int | float):
        return _scalar(value)
    if depth >= MAX_DEPTH:
        return clean_text(str(value))
    if isinstance(value, dict):
        return {clean_text(str(k)): json_safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, depth + 1) for v in value]
    if isinstance(value, set | frozenset):
        return [json_safe(v, depth + 1) for v in sorted(value, key=repr)]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _scalar(float(value)) if value.is_finite() else str(value).lower()
    if hasattr(value, "tolist") and not isinstance(value, bytes):  # NumPy arrays and scalars
        try:
            return json_safe(value.tolist(), depth + 1)
        except (TypeError, ValueError):
            pass
    return clean_text(str(value))


def _scalar(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # "nan", "inf", "-inf": the same spelling everywhere
    return value


def bounded_name(name: str, limit: int = NAME_BYTES) -> str:
    """``name`` if it fits in ``limit`` UTF-8 bytes, else a deterministic shortening (prefix and
    a hash of the whole), so a retry shortens it the same way and stays unique."""
    name = clean_text(name)
    encoded = name.encode("utf-8")
    if len(encoded) <= limit:
        return name
    digest = hashlib.sha256(encoded).hexdigest()[:16]
    head = encoded[: limit - 24].decode("utf-8", "ignore")
    return f"{head}...#{digest}"


def finite(value: Any) -> float | None:
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if math.isfinite(value) else None


def bigint(value: Any) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        value = int(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if -BIGINT <= value <= BIGINT else None


def result_row(run_id: str, r: CheckResult) -> dict[str, Any]:
    """One check_results row. Whatever had to change to be writable is said in
    ``details.store_notes``, never silently."""
    o, notes = r.outcome, []
    name = bounded_name(r.check_name)
    details = json_safe(dict(o.details))
    if name != r.check_name:
        notes.append(f"check_name shortened from {len(r.check_name)} characters")
        details["check_name_full"] = clean_text(r.check_name)
    sample = json_safe(list(o.failure_sample))
    if len(sample) > SAMPLE_ITEMS:
        notes.append(f"failure_sample cut to {SAMPLE_ITEMS} of {len(sample)} values")
        sample = sample[:SAMPLE_ITEMS]
    counts = {k: (getattr(o, k), bigint(getattr(o, k))) for k in ("rows_checked", "failing_rows")}
    notes += [f"{k} {v} is beyond BIGINT" for k, (v, kept) in counts.items() if v and kept is None]
    message = clean_text(o.message)
    if len(message) > MESSAGE_CHARS:
        message = message[: MESSAGE_CHARS - 12] + " [truncated]"
    row = {
        "run_id": run_id,
        "check_name": name,
        "phase": clean_text(r.phase),
        "check_type": clean_text(r.check_type),
        "column_name": None if r.column_name is None else clean_text(str(r.column_name)),
        "severity": str(getattr(r.severity, "value", r.severity)),
        "status": str(getattr(o.status, "value", o.status)),
        "observed_value": finite(o.observed_value),
        "threshold": None if o.threshold is None else clean_text(str(o.threshold)),
        "statistic": finite(o.statistic),
        "p_value": finite(o.p_value),
        "p_adjusted": finite(o.p_adjusted),
        "effect_size": finite(o.effect_size),
        "rows_checked": counts["rows_checked"][1],
        "failing_rows": counts["failing_rows"][1],
        "failure_sample": sample,
        "message": message,
        "details": details,
    }
    return _closed_sets(row, details, notes)


def _closed_sets(row: dict[str, Any], details: dict[str, Any], notes: list[str]) -> dict:
    if row["severity"] not in SEVERITIES:
        notes.append(f"unknown severity {row['severity']!r} stored as 'error'")
        row["severity"] = "error"
    if row["status"] not in STATUSES:
        notes.append(f"unknown status {row['status']!r} stored as 'error'")
        row["status"] = "error"
    if notes:
        details["store_notes"] = notes
    return row


def refused_row(row: dict[str, Any], reason: str, name: str | None = None) -> dict[str, Any]:
    """The row that stands in for a result the database refused: status ``error``, the reason
    in the message, only plain values (so it is writable where the original was not)."""
    return {
        "run_id": row["run_id"],
        "check_name": name or row["check_name"],
        "phase": row["phase"],
        "check_type": "store",
        "column_name": None,
        "severity": row["severity"],
        "status": "error",
        "observed_value": None,
        "threshold": None,
        "statistic": None,
        "p_value": None,
        "p_adjusted": None,
        "effect_size": None,
        "rows_checked": None,
        "failing_rows": None,
        "failure_sample": [],
        "message": clean_text(f"the results store refused this result: {reason}")[:MESSAGE_CHARS],
        "details": {"refused_status": row["status"], "refused_check_type": row["check_type"]},
    }


def deduplicated(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two results of one run with the same check name: the first is kept as it is, each later
    one becomes an error row named ``<name>#<n>`` saying so (nothing is silently dropped)."""
    seen: dict[str, int] = {}
    out = []
    for row in rows:
        name = row["check_name"]
        seen[name] = seen.get(name, 0) + 1
        if seen[name] == 1:
            out.append(row)
            continue
        reason = f"another result of this run is also named {name!r}"
        out.append(refused_row(row, reason, bounded_name(f"{name}#{seen[name]}")))
    return out


def metric_rows(
    run_id: str, phase: str, metrics: list[tuple[str, str | None, str | None, float | None]]
) -> list[dict[str, Any]]:
    def text(v: Any) -> str | None:
        return None if v is None else clean_text(str(v))

    return [
        {
            "run_id": run_id,
            "phase": phase,
            "metric": clean_text(str(metric)),
            "column_name": text(column),
            "group_key": text(group),
            "value": finite(value),
        }
        for metric, column, group, value in metrics
    ]
