"""datavigil: scheduled data-pipeline validation on Apache Airflow 3.

Import-light on purpose: ``import datavigil`` imports none of its modules; every public name is
imported on first use (PEP 562), so ``from datavigil import Suite, SqlSource`` pulls in only
what those need: no pandas, pandera or scipy. The public API (``validate``, ``load_suite``,
``results``, ``ValidationReport``, ``ValidationFailed``: ``datavigil.api``) is among them, and
its calls import what they need.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

# pandera imports pyspark.pandas whenever pyspark is installed (datavigil[spark-connect]'s
# pyspark-client), and PySpark then warns that it does not support pandas 3: a FutureWarning on
# the stderr of every run of a suite with a pandera model, about a package not used there (a suite
# that does not import pyspark no longer imports it through pandera: ADR 0150)
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)

if TYPE_CHECKING:
    from datavigil.api import ValidationFailed, ValidationReport, load_suite, results, validate
    from datavigil.core.outcome import Severity, Status
    from datavigil.declare.drift import DriftAll
    from datavigil.declare.period import Period
    from datavigil.declare.prediction_log import PredictionLog
    from datavigil.declare.rolling import Rolling
    from datavigil.declare.suite import Partition, Suite
    from datavigil.engine.sources import FileSource, SparkSource, SqlSource

__version__ = "0.1.0"
__all__ = [
    "DriftAll",
    "FileSource",
    "Partition",
    "Period",
    "PredictionLog",
    "Rolling",
    "Severity",
    "SparkSource",
    "SqlSource",
    "Status",
    "Suite",
    "ValidationFailed",
    "ValidationReport",
    "__version__",
    "load_suite",
    "results",
    "validate",
]

# every public name: the module defining it, imported on first use (what a suite does not use
# costs nothing; ADR 0150)
MODULES = {
    "DriftAll": "datavigil.declare.drift",
    "FileSource": "datavigil.engine.sources",
    "Partition": "datavigil.declare.suite",
    "Period": "datavigil.declare.period",
    "PredictionLog": "datavigil.declare.prediction_log",
    "Rolling": "datavigil.declare.rolling",
    "Severity": "datavigil.core.outcome",
    "SparkSource": "datavigil.engine.sources",
    "SqlSource": "datavigil.engine.sources",
    "Status": "datavigil.core.outcome",
    "Suite": "datavigil.declare.suite",
    **dict.fromkeys(
        ("ValidationFailed", "ValidationReport", "load_suite", "results", "validate"),
        "datavigil.api",
    ),
}
LAZY = tuple(MODULES)


def __getattr__(name: str) -> Any:
    """``datavigil.Suite``, ``datavigil.validate`` and every other public name, imported on
    first use."""
    module = MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'datavigil' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY})
