"""The checks of a model's prediction log (issue 12, docs/prediction.md): serving facts
(ModelVersion, DecisionThreshold, Latency), output drift (ScoreShift, PositiveRate, ClassShift)
and the quality of the predictions once their labels arrived (LabelQuality). Each lives in its
own module; this one is where a suite imports them from (or from ``checks``)."""

from checks.prediction_classes import ClassShift
from checks.prediction_labels import LabelQuality
from checks.prediction_output import PositiveRate, ScoreShift
from checks.prediction_serving import DecisionThreshold, Latency, ModelVersion

__all__ = [
    "ClassShift",
    "DecisionThreshold",
    "LabelQuality",
    "Latency",
    "ModelVersion",
    "PositiveRate",
    "ScoreShift",
]
