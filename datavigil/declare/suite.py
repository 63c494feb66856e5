"""What a user declares: a Suite naming the source, the partition, the checks and the schedule.

A suite is validated when it is constructed, so a malformed one never reaches a run: every problem
raises ``SuiteError`` naming the suite and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from datavigil.core.errors import SuiteError
from datavigil.core.outcome import Severity
from datavigil.declare.drift import validate_drift
from datavigil.declare.gate import gate_problems
from datavigil.declare.schedule import valid_cron as _valid_cron
from datavigil.declare.window import UNITS, zone

NAME_RE = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def _real(value: Any) -> bool:
    """A finite real number (a bool, a string, NaN or inf is not)."""
    import math

    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


class CheckSpec(Protocol):
    """What every check in ``checks/`` provides (see datavigil/checks/base.py)."""

    severity: Severity

    @property
    def check_name(self) -> str: ...

    def problems(self, columns: frozenset[str] | None) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Partition:
    """How a SQL source selects the run's day: ``column`` within the day's [start, end).

    ``column_timezone`` is the zone a naive timestamp column is stored in (UTC by default); an
    aware column (PostgreSQL ``timestamptz``) is compared with aware bounds and ignores it.
    """

    column: str
    column_timezone: str = "UTC"


@dataclass(frozen=True)
class Suite:
    name: str
    source: Any  # SqlSource | FileSource (datavigil.engine.sources)
    checks: tuple[CheckSpec, ...] | list[CheckSpec] = ()
    model: Any = None  # a pandera DataFrameModel class, or None
    partition: Partition | None = None
    # the unit of a partition (docs/adr/0097): "day" (default), "hour" or "week" (ISO week);
    # windows, freshness and volume history follow it. Set `schedule` to match.
    partition_unit: str = "day"
    dataset: str = ""
    schedule: str = "0 0 * * *"
    timezone: str = "UTC"
    start_date: str = "2024-01-01"
    catchup: bool = False
    schema_severity: Severity | str = Severity.ERROR
    tags: tuple[str, ...] = ()
    description: str = ""
    # distribution checks (docs/adr/0010): the reference snapshot ("active" or a pinned id),
    # the family-wise level, the smallest standardized shift worth failing, the correction
    reference: Any = "active"  # or a datavigil.Rolling: the days before the window
    reference_window: tuple[str, str] | None = None  # (first, last) day for capture_reference
    alpha: float = 0.05
    min_effect: float = 0.2
    category_min_effect: float = 0.1  # Cramér's V gate of CategoryShift (docs/adr/0086)
    correction: str = "holm"
    # "fail": an inconclusive distribution test fails with its severity (docs/adr/0087)
    on_inconclusive: str = "pass"
    store_failures: bool = False  # keep row-level checks' failing rows (docs/adr/0135)
    # data dependencies (docs/adr/0020): Freshness checks of the dataset itself and of upstream
    # sources; `assets`: upstream Airflow Asset URIs that trigger the DAG instead of `schedule`
    dependencies: tuple[Any, ...] | list[Any] = ()  # checks.freshness.Freshness
    assets: tuple[str, ...] = ()
    # the gate (docs/adr/0128): True withholds `datavigil://validated/<dataset>` also when a
    # warn-severity check did not pass; `finish_within` ("3h"): a Deadline Alert to on_failure
    # when a run of the DAG has not finished that long after it was queued
    warnings_block_validated: bool = False
    finish_within: str | None = None
    # alerts (docs/adr/0091): airflow.sdk.BaseNotifier instances called when a task of the
    # suite finally fails (datavigil/airflow/notify.py); the CLI does not call them
    on_failure: tuple[Any, ...] | list[Any] = ()
    # a model's prediction log (docs/adr/0100): the columns the checks of
    # datavigil/checks/prediction/ read; a datavigil.declare.prediction_log.PredictionLog, or None
    prediction_log: Any = None
    # drift on every column no distribution check names (docs/adr/0136): "all" or a DriftAll
    drift: Any = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        set_(self, "checks", tuple(self.checks))
        set_(self, "dataset", self.dataset or self.name)
        set_(self, "tags", tuple(self.tags))
        self._validate_identity()
        self._validate_source()
        set_(self, "schema_severity", self._severity("schema_severity", self.schema_severity))
        self._validate_checks()
        self._validate_distribution()
        self._validate_dependencies()
        self._validate_notifiers()
        self._validate_prediction_log()
        validate_drift(self)
        from datavigil.stats import inconclusive

        inconclusive.warn_unreachable(self)  # logged, never an error (docs/adr/0088)

    def fail(self, fld: str, problem: str) -> SuiteError:
        return SuiteError(self.name if isinstance(self.name, str) else "?", fld, problem)

    def _validate_identity(self) -> None:
        if not isinstance(self.name, str) or not NAME_RE.match(self.name):
            raise self.fail(
                "name", "must match [a-z][a-z0-9_]* (it becomes dag_id validate_<name>)"
            )
        if not _valid_cron(self.schedule):
            raise self.fail("schedule", f"'{self.schedule}' is not a cron expression")
        try:
            zone(self.timezone)
        except ValueError as exc:
            raise self.fail("timezone", str(exc)) from None
        try:
            date.fromisoformat(self.start_date)
        except (TypeError, ValueError):
            raise self.fail("start_date", f"'{self.start_date}' is not YYYY-MM-DD") from None

    def _validate_source(self) -> None:
        if self.source is None:
            raise self.fail("source", "missing: name a SqlSource or FileSource")
        problems = getattr(self.source, "problems", None)
        if problems is None:
            raise self.fail("source", f"{type(self.source).__name__} is not a datavigil source")
        for problem in problems(self.partition):
            raise self.fail("source", problem)
        self._validate_unit()
        if self.partition is not None:
            try:
                zone(self.partition.column_timezone)
            except ValueError as exc:
                raise self.fail("partition.column_timezone", str(exc)) from None

    def _validate_unit(self) -> None:
        if self.partition_unit not in UNITS:
            problem = f"must be one of {', '.join(UNITS)}, got {self.partition_unit!r}"
            raise self.fail("partition_unit", problem)
        if self.partition_unit == "hour" and self.partition is None:
            if getattr(self.source, "templated", False):
                problem = "an hourly suite on a {date} file template needs partition=Partition(ts)"
                raise self.fail("partition_unit", problem)

    def _validate_reference(self) -> None:
        from datavigil.declare.rolling import Rolling

        ref = self.reference
        if isinstance(ref, Rolling):
            for problem in ref.problems():
                raise self.fail("reference", problem)
        elif ref != "active" and not (isinstance(ref, int) and ref > 0):
            problem = f"must be 'active', a snapshot id or a Rolling(...), got {ref!r}"
            raise self.fail("reference", problem)

    def _validate_distribution(self) -> None:
        self._validate_reference()
        if not (_real(self.alpha) and 0 < self.alpha < 1):
            raise self.fail("alpha", f"must be in (0, 1), got {self.alpha!r}")
        if not (_real(self.min_effect) and self.min_effect > 0):
            raise self.fail("min_effect", f"must be a finite number > 0, got {self.min_effect!r}")
        v = self.category_min_effect
        if not (_real(v) and 0 < v <= 1):
            raise self.fail("category_min_effect", f"must be in (0, 1], got {v!r}")
        if self.correction not in ("holm", "bh"):
            raise self.fail("correction", f"must be 'holm' or 'bh', got {self.correction!r}")
        if self.on_inconclusive not in ("pass", "fail"):
            got = self.on_inconclusive
            raise self.fail("on_inconclusive", f"must be 'pass' or 'fail', got {got!r}")
        win = self.reference_window
        if win is not None:
            try:
                first, last = (date.fromisoformat(d) for d in win)
            except (TypeError, ValueError):
                problem = f"must be two YYYY-MM-DD, got {win!r}"
                raise self.fail("reference_window", problem) from None
            if last < first:
                raise self.fail("reference_window", f"{last} is before {first}")
            object.__setattr__(self, "reference_window", tuple(win))

    def _validate_dependencies(self) -> None:
        object.__setattr__(self, "assets", tuple(self.assets))
        names = {c.check_name for c in self.checks}
        deps = tuple(self._dependency(i, dep, names) for i, dep in enumerate(self.dependencies))
        object.__setattr__(self, "dependencies", deps)
        for uri in self.assets:
            if not isinstance(uri, str) or not uri.strip():
                raise self.fail("assets", f"must be Asset URIs (strings), got {uri!r}")
        for fld, problem in gate_problems(self.warnings_block_validated, self.finish_within):
            raise self.fail(fld, problem)

    def _dependency(self, i: int, dep: Any, names: set[str]) -> Any:
        """A dependency checked, with what it inherits from the suite (its partition's column
        and zone for the dataset itself: datavigil/checks/freshness.py)."""
        if not hasattr(dep, "source_problems"):
            raise self.fail(
                f"dependencies[{i}]", f"{type(dep).__name__} is not a Freshness dependency"
            )
        label = f"dependency '{getattr(dep, 'dependency', i)}'"
        object.__setattr__(dep, "severity", self._severity(label, dep.severity))
        for problem in dep.problems(None):
            raise self.fail(label, problem)
        dep = dep.for_suite(self) if hasattr(dep, "for_suite") else dep
        for problem in dep.source_problems(dep.source or self.source):
            raise self.fail(label, problem)
        if dep.check_name in names:
            raise self.fail(label, f"duplicate check name {dep.check_name}")
        names.add(dep.check_name)
        return dep

    def _validate_notifiers(self) -> None:
        object.__setattr__(self, "on_failure", tuple(self.on_failure))
        if not self.on_failure:
            return
        from airflow.sdk import BaseNotifier  # only for suites that name notifiers

        for i, notifier in enumerate(self.on_failure):
            if not isinstance(notifier, BaseNotifier):
                problem = f"{type(notifier).__name__} is not an Airflow notifier (BaseNotifier)"
                raise self.fail(f"on_failure[{i}]", problem)

    def _validate_prediction_log(self) -> None:
        """The log's columns; each prediction check checked against it, then bound to it."""
        from datavigil.declare.prediction_log import PredictionLog

        log = self.prediction_log
        if log is not None and not isinstance(log, PredictionLog):
            problem = f"{type(log).__name__} is not a datavigil PredictionLog"
            raise self.fail("prediction_log", problem)
        if log is not None:
            for fld, problem in log.problems(self.model_columns()):
                raise self.fail(f"prediction_log.{fld}", problem)
        bound = []
        for i, check in enumerate(self.checks):
            bind: Any = check
            if hasattr(bind, "with_log"):  # datavigil/checks/prediction/ read the log's columns
                for problem in bind.log_problems(self):
                    raise self.fail(f"checks[{i}] ({check.check_name})", problem)
                check = bind.with_log(log)
            bound.append(check)
        object.__setattr__(self, "checks", tuple(bound))

    def _severity(self, fld: str, value: Any) -> Severity:
        try:
            return Severity(value)
        except ValueError:
            raise self.fail(fld, f"severity must be 'error' or 'warn', got {value!r}") from None

    def _validate_checks(self) -> None:
        columns = self.model_columns()
        seen: set[str] = set()
        for i, check in enumerate(self.checks):
            label = f"checks[{i}]"
            if not hasattr(check, "problems") or not hasattr(check, "check_name"):
                raise self.fail(label, f"{type(check).__name__} is not a datavigil check")
            label = f"checks[{i}] ({check.check_name})"
            object.__setattr__(check, "severity", self._severity(label, check.severity))
            for problem in check.problems(columns):
                raise self.fail(label, problem)
            if check.check_name in seen:
                raise self.fail(label, "duplicate check name; give one of them name=...")
            seen.add(check.check_name)

    def model_columns(self) -> frozenset[str] | None:
        """Column names the pandera model declares, or None without a model."""
        if self.model is None:
            return None
        from datavigil.core.lazy import pyspark_hidden_from_pandera

        try:
            with pyspark_hidden_from_pandera(schema_types=True):  # ADR 0150
                schema = self.model.to_schema()
        except Exception as exc:  # a broken model is a config error, named as such
            raise self.fail("model", f"cannot build the pandera schema: {exc}") from None
        return frozenset(schema.columns)
