"""The check library: one module per family (``checks/prediction/`` for a model's prediction log).
Each check declares the metrics it needs and judges their values; the engine computes them where
the data is. A check that needs what the scan does not give (history, a snapshot, a probe of an
upstream source) gathers it through the engine and the store, never through its own connection.
Users import every check from here: ``from datavigil.checks import NullRate, Range``.

May import: ``datavigil.engine``, ``datavigil.store``, ``datavigil.declare``, ``datavigil.stats``
and ``datavigil.core``. Never the runner, Airflow, the CLI or the UI.

Importing this package imports none of the families: ``from datavigil.checks import NullRate``
imports ``checks.nulls`` only (PEP 562; ADR 0150), so a run pays for the checks its suite uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from datavigil.checks.anova import DayAnova, GroupAnova
    from datavigil.checks.categorical_shift import CategoryShift
    from datavigil.checks.coverage import Coverage
    from datavigil.checks.distribution import MeanShift
    from datavigil.checks.freshness import Freshness
    from datavigil.checks.nulls import NullRate
    from datavigil.checks.prediction import (
        Challenger,
        ClassShift,
        DecisionThreshold,
        EstimatedQuality,
        LabelQuality,
        Latency,
        ModelVersion,
        OutputContract,
        PositiveRate,
        ScoreShift,
    )
    from datavigil.checks.ranges import Range
    from datavigil.checks.row_count import RowCount
    from datavigil.checks.schema import SchemaCheck
    from datavigil.checks.schema_change import SchemaChange
    from datavigil.checks.uniqueness import Unique
    from datavigil.checks.volume import Volume

# each public check: the module defining it, imported on first use
MODULES = {
    "CategoryShift": "categorical_shift",
    "Challenger": "prediction",
    "ClassShift": "prediction",
    "Coverage": "coverage",
    "DayAnova": "anova",
    "DecisionThreshold": "prediction",
    "EstimatedQuality": "prediction",
    "Freshness": "freshness",
    "GroupAnova": "anova",
    "LabelQuality": "prediction",
    "Latency": "prediction",
    "MeanShift": "distribution",
    "ModelVersion": "prediction",
    "NullRate": "nulls",
    "OutputContract": "prediction",
    "PositiveRate": "prediction",
    "Range": "ranges",
    "RowCount": "row_count",
    "SchemaCheck": "schema",
    "SchemaChange": "schema_change",
    "ScoreShift": "prediction",
    "Unique": "uniqueness",
    "Volume": "volume",
}

__all__ = [
    "CategoryShift",
    "Challenger",
    "ClassShift",
    "Coverage",
    "DayAnova",
    "DecisionThreshold",
    "EstimatedQuality",
    "Freshness",
    "GroupAnova",
    "LabelQuality",
    "Latency",
    "MeanShift",
    "ModelVersion",
    "NullRate",
    "OutputContract",
    "PositiveRate",
    "Range",
    "RowCount",
    "SchemaCheck",
    "SchemaChange",
    "ScoreShift",
    "Unique",
    "Volume",
]


def __getattr__(name: str) -> Any:
    """``datavigil.checks.NullRate`` and the other checks, imported on first use."""
    module = MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'datavigil.checks' has no attribute '{name}'")
    value = getattr(importlib.import_module(f"datavigil.checks.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *MODULES})
