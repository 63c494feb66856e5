"""datavigil: scheduled data-pipeline validation on Apache Airflow 3.

Import-light on purpose: ``from datavigil import Suite, SqlSource`` pulls in no pandas, pandera,
scipy or SQLAlchemy, so suites can be discovered cheaply. The public API (``validate``,
``load_suite``, ``results``, ``ValidationReport``, ``ValidationFailed``: ``datavigil.api``) is
imported on first use (PEP 562), and its calls import what they need.
"""

from __future__ import annotations

import importlib
import warnings
from typing import TYPE_CHECKING, Any

from datavigil.core.outcome import Severity, Status
from datavigil.declare.drift import DriftAll
from datavigil.declare.period import Period
from datavigil.declare.prediction_log import PredictionLog
from datavigil.declare.rolling import Rolling
from datavigil.declare.suite import Partition, Suite
from datavigil.engine.sources import FileSource, SparkSource, SqlSource

# pandera imports pyspark.pandas whenever pyspark is installed (datavigil[spark-connect]'s
# pyspark-client), and PySpark then warns that it does not support pandas 3: a FutureWarning on
# the stderr of every run of a suite with a pandera model, about a package not used there
warnings.filterwarnings(
    "ignore", message="PySpark does not yet fully support pandas", category=FutureWarning
)

if TYPE_CHECKING:
    from datavigil.api import ValidationFailed, ValidationReport, load_suite, results, validate

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

LAZY = ("ValidationFailed", "ValidationReport", "load_suite", "results", "validate")


def __getattr__(name: str) -> Any:
    """``datavigil.validate`` and the other names of ``datavigil.api``, imported on first use."""
    if name in LAZY:
        value = getattr(importlib.import_module("datavigil.api"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'datavigil' has no attribute '{name}'")


def __dir__() -> list[str]:
    return sorted({*globals(), *LAZY})
