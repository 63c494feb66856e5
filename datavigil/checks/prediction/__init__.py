"""The checks of a model's prediction log (issue 12, docs/how-to/model-monitoring.md): serving facts
(ModelVersion, DecisionThreshold, Latency), the output contract (OutputContract), output drift
(ScoreShift, PositiveRate, ClassShift) and the quality of the predictions once their labels
arrived (LabelQuality). Each lives in its own module; this one is where a suite imports them
from (or from ``checks``)."""

from datavigil.checks.prediction.challenger import Challenger
from datavigil.checks.prediction.classes import ClassShift
from datavigil.checks.prediction.estimated import EstimatedQuality
from datavigil.checks.prediction.labels import LabelQuality
from datavigil.checks.prediction.output import PositiveRate, ScoreShift
from datavigil.checks.prediction.serving import DecisionThreshold, Latency, ModelVersion
from datavigil.checks.prediction.valid import OutputContract

__all__ = [
    "Challenger",
    "ClassShift",
    "DecisionThreshold",
    "EstimatedQuality",
    "LabelQuality",
    "Latency",
    "ModelVersion",
    "OutputContract",
    "PositiveRate",
    "ScoreShift",
]
