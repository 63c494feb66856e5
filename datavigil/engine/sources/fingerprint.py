"""A suite's source fingerprint: what decides which rows a partition holds (docs/adr/0141).

A run keeps it among its metrics (``FINGERPRINT``: the fingerprint in ``group_key``); a later
run trusts an earlier run's metrics as the history of the same data only when the fingerprints
are equal. It covers the source (the kind; a table or query, its schema, the database's URL
without its password or the Airflow connection id; a file path or template as written, its
format and partitioning, the object store's endpoint and region, never its keys), and how the
partition is selected (the partition column and its time zone, the unit, the suite's time zone).
It never covers a password, an access key or the data itself: a secret rotated leaves the
history trusted, a new table, database host, file location or partition rule does not.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

FINGERPRINT = "source_fingerprint"  # the metric name of the run_metrics row that holds it
PUBLIC_OPTIONS = ("endpoint_override", "region", "scheme")  # storage_options that name a place


def _url(url: str | None) -> str | None:
    """The URL as written, without its password (``{home}`` left unexpanded)."""
    if url is None:
        return None
    import sqlalchemy as sa

    try:
        return sa.make_url(url).set(password=None).render_as_string(hide_password=False)
    except (sa.exc.ArgumentError, ValueError):
        return url


def describe(source: Any) -> dict[str, Any]:
    """What identifies ``source``'s data: plain JSON values, no secret."""
    kind = type(source).__name__
    if kind == "SqlSource":
        query = source.query_text if source.query else None
        return {
            "kind": "sql", "table": source.table, "query": query, "schema": source.db_schema,
            "url": _url(source.url), "conn_id": source.conn_id,
        }  # fmt: skip
    if kind == "FileSource":
        options = dict(source.storage_options)
        return {
            "kind": "file", "path": source.path, "format": source.format,
            "partitioning": source.partitioning,
            "place": {k: str(options[k]) for k in PUBLIC_OPTIONS if k in options},
        }  # fmt: skip
    return {"kind": kind, "label": str(getattr(source, "label", ""))}


def fingerprint(suite: Any) -> str:
    """16 hex digits of the SHA-256 of the suite's source and partition rule."""
    part = suite.partition
    what = {
        "source": describe(suite.source),
        "partition": None if part is None else [part.column, part.column_timezone],
        "unit": suite.partition_unit,
        "timezone": suite.timezone,
    }
    text = json.dumps(what, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def row(suite: Any) -> tuple[str, None, str, None]:
    """The run_metrics row (metric, column, group, value) that keeps the fingerprint."""
    return (FINGERPRINT, None, fingerprint(suite), None)
