"""datavigil's provider metadata, in process (fast; tests/test_wheel.py checks it from the
installed wheel): it follows Airflow's provider-info schema, every class and module it names
imports, and pyproject.toml declares the entry points Airflow reads (docs/adr/0130)."""

from __future__ import annotations

import importlib
import json
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def entry_points() -> dict[str, dict[str, str]]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return pyproject["project"]["entry-points"]


def test_the_provider_info_follows_airflows_schema():
    import airflow
    import jsonschema

    from datavigil.airflow.provider import get_provider_info

    schema_file = Path(airflow.__file__).parent / "provider_info.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    info = get_provider_info()
    jsonschema.validate(info, schema)
    assert info["package-name"] == "datavigil" and info["versions"]
    assert "connection-types" not in info  # the results store is a plain postgres connection


def test_every_class_and_module_it_names_imports():
    from airflow.plugins_manager import AirflowPlugin

    from datavigil.airflow.provider import get_provider_info

    info = get_provider_info()
    (plugin,) = info["plugins"]
    module, _, name = plugin["plugin-class"].rpartition(".")
    assert issubclass(getattr(importlib.import_module(module), name), AirflowPlugin)
    (operators,) = info["operators"]
    (operator_module,) = operators["python-modules"]
    assert hasattr(importlib.import_module(operator_module), "DatavigilOperator")
    assert operators["integration-name"] in {i["integration-name"] for i in info["integrations"]}


def test_pyproject_declares_the_provider_and_the_same_plugin():
    from datavigil.airflow.provider import get_provider_info

    declared = entry_points()
    provider = declared["apache_airflow_provider"]["provider_info"]
    assert provider == "datavigil.airflow.provider:get_provider_info"
    (plugin,) = get_provider_info()["plugins"]
    assert declared["airflow.plugins"]["datavigil"].replace(":", ".") == plugin["plugin-class"]
