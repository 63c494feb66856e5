"""Sources say where the data is; the engine (datavigil.engine) computes every metric there.

A source never judges data; it only turns "not reachable / not readable" into SourceUnavailable
(exit 3, retryable) and a misconfiguration it can only see at run time into SuiteError (exit 2).

One module per kind: ``sql`` (SqlSource: a table or a SELECT through SQLAlchemy), ``files``
(FileSource: Parquet or CSV files scanned by DuckDB), ``objects`` (FileSource's object storage:
s3:// and other pyarrow filesystems), ``layout`` (a file dataset's days, format and Hive keys),
``frame`` (FrameSource: an Arrow table or a pandas frame in memory), ``fingerprint`` (what
identifies a source's data for the history of later runs), ``spark`` (SparkSource: a table,
path or DataFrame in Spark Connect or a live SparkSession; ``spark_dialect`` and ``spark_dbapi``
carry its statements).
"""

from datavigil.engine.sources.files import FileSource
from datavigil.engine.sources.frame import FrameSource
from datavigil.engine.sources.layout import replace_day
from datavigil.engine.sources.spark import SparkSource
from datavigil.engine.sources.sql import SqlSource

__all__ = ["FileSource", "FrameSource", "SparkSource", "SqlSource", "replace_day"]
