"""The check library: one module per family. Each check is declared in a suite and computed as an
aggregate over the partition's chunks; none of them does I/O or reads a clock."""

from checks.nulls import NullRate
from checks.ranges import Range
from checks.row_count import RowCount
from checks.schema import SchemaCheck
from checks.uniqueness import Unique

__all__ = ["NullRate", "Range", "RowCount", "SchemaCheck", "Unique"]
