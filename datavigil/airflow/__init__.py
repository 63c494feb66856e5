"""Everything that runs inside Airflow: the DAG factory (``dags``), the Assets a run publishes
(``assets``: ``validated`` / ``failed``, exported here), the operator (``operator``), notifiers
(``notify``), the late-run Deadline Alert (``deadline``) and the API server's plugin that serves
the data-quality pages (``plugin``). Only this package imports Airflow, and ``dags`` only
``airflow.sdk`` at module top (a DAG file's parse stays light).

May import: ``datavigil.ui``, the runner and everything below it. Never the CLI.
"""

from typing import Any

__all__ = ["failed", "validated"]


def __getattr__(name: str) -> Any:
    """``from datavigil.airflow import validated, failed``: the Assets a run's verdict updates
    (docs/how-to/gated-assets.md), imported on first use so this package stays import-light."""
    if name in __all__:
        from datavigil.airflow import assets

        return getattr(assets, name)
    raise AttributeError(f"module 'datavigil.airflow' has no attribute {name!r}")
