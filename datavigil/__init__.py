"""datavigil: scheduled data-pipeline validation on Apache Airflow 3.

Import-light on purpose: ``from datavigil import Suite, SqlSource`` pulls in no pandas, pandera,
scipy or SQLAlchemy, so suites can be discovered cheaply.
"""

from datavigil.outcome import Severity, Status
from datavigil.prediction_log import PredictionLog
from datavigil.sources import FileSource, SqlSource
from datavigil.suite import Partition, Suite

__version__ = "0.1.0"
__all__ = [
    "FileSource",
    "Partition",
    "PredictionLog",
    "Severity",
    "SqlSource",
    "Status",
    "Suite",
    "__version__",
]
