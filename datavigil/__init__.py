"""datavigil: scheduled data-pipeline validation on Apache Airflow 3.

Import-light on purpose: ``from datavigil import Suite, SqlSource`` pulls in no pandas, pandera,
scipy or SQLAlchemy, so suites can be discovered cheaply.
"""

from datavigil.core.outcome import Severity, Status
from datavigil.declare.prediction_log import PredictionLog
from datavigil.declare.rolling import Rolling
from datavigil.declare.suite import Partition, Suite
from datavigil.engine.sources import FileSource, SqlSource

__version__ = "0.1.0"
__all__ = [
    "FileSource",
    "Partition",
    "PredictionLog",
    "Rolling",
    "Severity",
    "SqlSource",
    "Status",
    "Suite",
    "__version__",
]
