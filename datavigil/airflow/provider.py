"""Airflow's provider metadata for datavigil (docs/adr/0130).

``pyproject.toml`` declares ``[project.entry-points.apache_airflow_provider] provider_info``,
so an installed datavigil is a provider: ``airflow providers list`` and the UI's Providers page
show it, ``airflow providers plugins`` lists its plugin and ``airflow providers behaviours`` /
the docs tooling find its operator module. The dictionary follows Airflow's runtime schema
(``airflow/provider_info.schema.json``, tests/test_wheel_provider.py). Airflow reads it when it
discovers providers, so this module imports nothing of datavigil or Airflow.

The plugin is declared twice, here and as an ``airflow.plugins`` entry point, as Airflow's own
providers (OpenLineage) do: Airflow loads providers' plugins only when
``[core] lazy_discover_providers`` is False, entry-point plugins always (docs/adr/0130).

Not declared, because datavigil has none: connection types (the results store is an ordinary
``postgres`` connection, ``datavigil_results``) and notifiers (a suite's alerts go through
Airflow's own notifiers, docs/adr/0091).
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Any

PACKAGE = "datavigil"
DESCRIPTION = (
    "Scheduled data validation on Apache Airflow 3: one DAG per suite, the results in SQL "
    "and a data-quality UI."
)


def installed_version() -> str:
    """The installed distribution's version ("0+unknown" when only the source tree is on the
    path, e.g. PYTHONPATH without an install)."""
    try:
        return version(PACKAGE)
    except PackageNotFoundError:
        return "0+unknown"


def get_provider_info() -> dict[str, Any]:
    """What Airflow's ProvidersManager reads from the ``apache_airflow_provider`` entry point."""
    return {
        "package-name": PACKAGE,
        "name": "datavigil",
        "description": DESCRIPTION,
        "versions": [installed_version()],
        "integrations": [{"integration-name": "datavigil", "tags": ["software"]}],
        "operators": [
            {"integration-name": "datavigil", "python-modules": ["datavigil.airflow.operator"]}
        ],
        "plugins": [
            {"name": "datavigil", "plugin-class": "datavigil.airflow.plugin.DatavigilPlugin"},
        ],
    }
