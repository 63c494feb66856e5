"""The check library: one module per family. Each check is declared in a suite and computed as an
aggregate over the partition's chunks; none of them does I/O or reads a clock."""

from checks.anova import DayAnova, GroupAnova
from checks.categorical_shift import CategoryShift
from checks.coverage import Coverage
from checks.distribution import MeanShift
from checks.freshness import Freshness
from checks.nulls import NullRate
from checks.prediction import (
    ClassShift,
    DecisionThreshold,
    LabelQuality,
    Latency,
    ModelVersion,
    PositiveRate,
    ScoreShift,
)
from checks.ranges import Range
from checks.row_count import RowCount
from checks.schema import SchemaCheck
from checks.schema_change import SchemaChange
from checks.uniqueness import Unique
from checks.volume import Volume

__all__ = [
    "CategoryShift",
    "ClassShift",
    "Coverage",
    "DayAnova",
    "DecisionThreshold",
    "Freshness",
    "GroupAnova",
    "LabelQuality",
    "Latency",
    "MeanShift",
    "ModelVersion",
    "NullRate",
    "PositiveRate",
    "Range",
    "RowCount",
    "SchemaCheck",
    "SchemaChange",
    "ScoreShift",
    "Unique",
    "Volume",
]
