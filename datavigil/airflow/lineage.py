"""OpenLineage data-quality facets of a validation task (docs/how-to/openlineage.md, ADR 0129).

Airflow's OpenLineage provider asks each finished task for its lineage through
``get_openlineage_facets_on_complete`` (also on failure: the provider falls back to it). A
validation task answers with one input dataset, the suite's source, carrying two input facets:

* ``dataQualityMetrics`` (DataQualityMetricsInputDatasetFacet): the rows checked, and per column
  what the run measured: NULL count, distinct count (a single-column ``Unique``), min, max and
  the non-NULL count. Read from the run's ``run_metrics`` rows: never a new scan of the source.
* ``dataQualityAssertions`` (DataQualityAssertionsDatasetFacet): one assertion per check result
  of the task: its name, type, column, severity, success, threshold and observed value.

``openlineage`` is imported only here and only when the provider calls: the package works
without the ``openlineage`` extra. Building the facets never fails the task: any error is one
warning line and the task's lineage event goes out without them.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

log = logging.getLogger("datavigil")

FALLBACK_NAMESPACE = "datavigil"  # a query, a DataFrame: the suite's dataset name in this namespace
SCHEMES = {"postgresql": "postgres", "mssql": "sqlserver", "s3a": "s3", "s3n": "s3", "gcs": "gs"}
PORTS = {"postgres": 5432, "mysql": 3306, "sqlserver": 1433}
DEFAULT_SCHEMA = {"postgres": "public"}
# run_metrics (metric name) -> ColumnMetrics field; ungrouped rows only
FIELDS = {
    "null_count": "nullCount",
    "min": "min",
    "max": "max",
    "moments.min": "min",
    "moments.max": "max",
    "moments.n": "count",
    "distinct_keys": "distinctCount",
}
INTEGERS = {"nullCount", "distinctCount"}
FAILED = {"fail", "error"}


class LineageMixin:
    """``get_openlineage_facets_on_complete`` for a task that ran a suite: the task keeps the
    loaded suite and the run's report (``keep_for_lineage``, before deciding its state), the
    provider asks for the facets once the task has succeeded or failed."""

    def keep_for_lineage(self, suite: Any, report: Any) -> None:
        self._datavigil_lineage = (suite, report)

    def get_openlineage_facets_on_complete(self, task_instance: Any) -> Any:
        kept = getattr(self, "_datavigil_lineage", None)
        if kept is None:  # the task ended before a run (nothing to validate, a broken suite)
            return _nothing()
        suite, report = kept
        try:
            return operator_lineage(suite, report)
        except Exception as exc:  # lineage never fails a task
            log.warning("datavigil: no OpenLineage facets for suite %s: %s", suite.name, _line(exc))
            return _nothing()


def _nothing() -> Any:
    """An empty OperatorLineage (the provider then reads the task's outlets), or None without
    the provider."""
    try:
        from airflow.providers.openlineage.extractors import OperatorLineage
    except ImportError:
        return None
    return OperatorLineage()


def operator_lineage(suite: Any, report: Any) -> Any:
    """The provider's ``OperatorLineage``: the suite's source as the one input dataset, with the
    run's metrics and assertions as input facets."""
    from airflow.providers.openlineage.extractors import OperatorLineage
    from openlineage.client.event_v2 import InputDataset

    namespace, name = dataset_of(suite)
    facets: dict[str, Any] = {"dataQualityAssertions": assertions_facet(report.results)}
    metrics = metrics_facet(report)
    if metrics is not None:
        facets["dataQualityMetrics"] = metrics
    return OperatorLineage(
        inputs=[InputDataset(namespace=namespace, name=name, inputFacets=facets)]
    )


def assertions_facet(results: Any) -> Any:
    """One assertion per check result. ``success`` is false when the check failed or could not
    run (``fail``, ``error``), whatever its severity; ``params.status`` keeps the exact status."""
    from openlineage.client.facet_v2 import data_quality_assertions_dataset as dqa

    return dqa.DataQualityAssertionsDatasetFacet(
        assertions=[
            dqa.Assertion(
                assertion=r.check_type,
                success=r.status.value not in FAILED,
                column=r.column_name,
                severity=r.severity.value,
                name=r.check_name,
                expected=r.outcome.threshold,
                actual=None if r.outcome.observed_value is None else str(r.outcome.observed_value),
                params=_params(r),
            )
            for r in results
        ]
    )


def _params(result: Any) -> dict[str, Any]:
    o = result.outcome
    given = {"status": result.status.value, "phase": result.phase}
    given |= {"rows_checked": o.rows_checked, "failing_rows": o.failing_rows}
    return {k: v for k, v in given.items() if v is not None}


def metrics_facet(report: Any) -> Any:
    """The run's measured metrics of this task's phases, or None when it measured nothing (a
    freshness task reads no rows). A results store that cannot be read leaves them out."""
    from openlineage.client.facet_v2 import data_quality_metrics_input_dataset as dqm

    try:
        rows = stored_metrics(report.run_id, report.phases)
    except Exception as exc:
        log.warning(
            "datavigil: OpenLineage metrics of run %s left out: %s", report.run_id, _line(exc)
        )
        rows = []
    columns = column_metrics(rows)
    if report.rows_checked is None and not columns:
        return None
    return dqm.DataQualityMetricsInputDatasetFacet(
        rowCount=report.rows_checked,
        columnMetrics={c: dqm.ColumnMetrics(**fields) for c, fields in columns.items()},
    )


def stored_metrics(run_id: str, phases: tuple[str, ...]) -> list[tuple[Any, ...]]:
    """The run's ``run_metrics`` rows saved by a run of ``phases`` (labelled as the store's
    writer labels them: one phase, "a+b", or "all"): (metric, column, group, value)."""
    import sqlalchemy as sa

    from datavigil.api.report import PHASES
    from datavigil.store import Store
    from datavigil.store.models import RunMetric as M
    from datavigil.store.write import metric_phase

    label = metric_phase(None if set(phases) >= set(PHASES) else tuple(phases))
    stmt = sa.select(M.metric, M.column_name, M.group_key, M.value).where(
        M.run_id == run_id, M.phase.in_([*phases, label])
    )
    with Store().engine.connect() as conn:
        return [tuple(row) for row in conn.execute(stmt)]


def column_metrics(rows: list[tuple[Any, ...]]) -> dict[str, dict[str, Any]]:
    """Per column, the ColumnMetrics fields the rows measured (ungrouped, numeric values;
    a distinct count only of a single-column key)."""
    columns: dict[str, dict[str, Any]] = {}
    for metric, column, group, value in rows:
        field = FIELDS.get(metric)
        if field is None or column is None or group is not None or value is None:
            continue
        if metric == "distinct_keys" and "," in column:
            continue
        columns.setdefault(column, {})[field] = int(value) if field in INTEGERS else float(value)
    return columns


def dataset_of(suite: Any) -> tuple[str, str]:
    """(namespace, name) of the suite's source by OpenLineage's naming conventions: a table by
    its database (``postgres://host:5432``, ``database.schema.table``), a file by its path
    (``file``, ``s3://bucket``); a query or a DataFrame as ``datavigil`` / the suite's dataset.
    Never a user name or password."""
    from datavigil.engine.sources.files import FileSource
    from datavigil.engine.sources.sql import SqlSource

    source = suite.source
    if isinstance(source, SqlSource) and source.table:
        return _table(source)
    if isinstance(source, FileSource):
        return _path(source.path)
    return FALLBACK_NAMESPACE, suite.dataset


def _table(source: Any) -> tuple[str, str]:
    import sqlalchemy as sa

    url = sa.make_url(source.resolved_url())
    scheme = SCHEMES.get(url.get_backend_name(), url.get_backend_name())
    if not url.host:  # an embedded database (SQLite, DuckDB): the file is the namespace
        where = str(Path(url.database).resolve()) if url.database else ""
        return f"{scheme}://{where}", ".".join(p for p in (source.db_schema, source.table) if p)
    port = url.port or PORTS.get(scheme)
    namespace = f"{scheme}://{url.host}" + (f":{port}" if port else "")
    schema = source.db_schema or DEFAULT_SCHEMA.get(scheme)
    return namespace, ".".join(p for p in (url.database, schema, source.table) if p)


def _path(path: str) -> tuple[str, str]:
    from datavigil.core import config

    path = config.expand(path)
    if "://" in path:
        scheme, rest = path.split("://", 1)
        bucket, _, key = rest.partition("/")
        return f"{SCHEMES.get(scheme, scheme)}://{bucket}", key
    return "file", str(Path(path).resolve())


def _line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__
