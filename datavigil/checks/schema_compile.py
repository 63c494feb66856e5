"""pandera schema -> engine rules: each rule declares its metrics and judges their values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from datavigil.core.outcome import SAMPLE_LIMIT, CheckResult, Outcome, Status, clean_scalar
from datavigil.engine import metrics as m

# source family -> model families it satisfies (with coerce=True: the ones pandera coerces)
EXACT = {
    "int": {"int"},
    "float": {"float"},
    "str": {"str"},
    "bool": {"bool"},
    "date": {"date"},
    "datetime": {"datetime"},
    "datetime_tz": {"datetime"},
}
COERCE = {
    "int": {"int", "float", "str"},
    "float": {"float", "str"},
    "str": {"str", "datetime", "date"},
    "bool": {"bool", "int"},
    "date": {"date", "datetime"},
    "datetime": {"datetime", "date", "str"},
    "datetime_tz": {"datetime", "str"},
}


def model_family(dtype: Any) -> str:
    text = str(dtype).lower()
    if text.startswith(("int", "uint")):
        return "int"
    if text.startswith("float"):
        return "float"
    if text.startswith("datetime") or text.startswith("timestamp"):
        return "datetime"
    if text.startswith("date"):
        return "date"
    if text.startswith("bool"):
        return "bool"
    if text in ("str", "string", "object"):
        return "str"
    return "other"


def _param(value: Any) -> Any:
    """A check parameter as JSON (lists stay lists)."""
    if isinstance(value, list | tuple | set | frozenset):
        return [clean_scalar(x) for x in value]
    return clean_scalar(value)


def _fails(col: str, name: str, st: dict[str, Any]) -> Any:
    """The predicate of a failing value of a built-in pandera check (None: not compilable)."""
    simple = {
        "greater_than_or_equal_to": ("<", "min_value"),
        "greater_than": ("<=", "min_value"),
        "less_than_or_equal_to": (">", "max_value"),
        "less_than": (">=", "max_value"),
        "equal_to": ("!=", "value"),
        "not_equal_to": ("==", "value"),
    }
    if name in simple:
        op, key = simple[name]
        return m.Cmp(col, op, st[key])
    if name == "in_range":
        lo = m.Cmp(col, "<" if st.get("include_min", True) else "<=", st["min_value"])
        hi = m.Cmp(col, ">" if st.get("include_max", True) else ">=", st["max_value"])
        return m.Or((lo, hi))
    if name in ("isin", "notin"):
        values = st["allowed_values"] if name == "isin" else st["forbidden_values"]
        return m.IsIn(col, tuple(values), negate=name == "isin")
    return _text_fails(col, name, st)


def _text_fails(col: str, name: str, st: dict[str, Any]) -> Any:
    present = m.Not(m.IsNull(col))
    if name == "str_matches":
        return m.And((present, m.Not(m.Regex(col, str(st["pattern"]), anchored=True))))
    if name == "str_contains":
        return m.And((present, m.Not(m.Regex(col, str(st["pattern"])))))
    if name in ("str_startswith", "str_endswith"):
        kind = "startswith" if name == "str_startswith" else "endswith"
        return m.And((present, m.Not(m.TextTest(col, kind, str(st["string"])))))
    if name == "str_length":
        if st.get("exact_value") is not None:
            return m.And((present, m.Not(m.Length(col, "==", int(st["exact_value"])))))
        parts = []
        if st.get("min_value") is not None:
            parts.append(m.Length(col, "<", int(st["min_value"])))
        if st.get("max_value") is not None:
            parts.append(m.Length(col, ">", int(st["max_value"])))
        return m.Or(tuple(parts)) if parts else None
    return None


@dataclass
class Rule:
    """One compiled (column, check): its metric and how its value is judged."""

    name: str
    column: str | None
    check: str
    metric: Any = None
    sample: Any = None
    fixed: Outcome | None = None  # decided from the schema alone (presence, dtype)
    params: dict[str, Any] = field(default_factory=dict)

    def metrics(self) -> list[Any]:
        return [] if self.metric is None else [self.metric]

    def judge(self, values: Any, rows: int) -> Outcome | None:
        """None: the rule passed (only failing rules get a row, as pandera reports them)."""
        if self.fixed is not None:
            return self.fixed
        problem = values.error([self.metric])
        if problem is not None:
            return Outcome(Status.ERROR, f"{self.where} {self.check}: {problem}")
        got = values.get(self.metric)
        failing = got.rows_repeated if isinstance(self.metric, m.DuplicateKeys) else int(got)
        if failing == 0:
            return None
        return Outcome(
            Status.FAIL,
            f"{self.where} failed {self.check}: {failing} failing value(s)",
            observed_value=float(failing),
            threshold="0 failing values",
            rows_checked=rows,
            failing_rows=failing,
            details={"pandera_check": self.check, **self.params},
        )

    @property
    def where(self) -> str:
        return f"column '{self.column}'" if self.column else "the frame"


def _fixed(col: str | None, check: str, message: str, case: Any, **details: Any) -> Rule:
    """A rule decided from the schema alone; ``case`` is pandera's failure case (the column
    name for a missing column, the source's type for a wrong dtype)."""
    outcome = Outcome(
        Status.FAIL,
        message,
        observed_value=1.0,
        threshold="0 failing values",
        failing_rows=1,
        failure_sample=(case,),
        details={"pandera_check": check, **details},
    )
    return Rule(f"schema.{col or '<frame>'}.{check}", col, check, fixed=outcome)


@dataclass
class Compiled:
    rules: list[Rule]
    custom: list[tuple[str | None, Any]]  # (column or None for the frame, pandera Check)
    scope: str

    def metrics(self) -> list[Any]:
        out = [x for r in self.rules for x in r.metrics()]
        union = self.union_metric()
        return out + ([union] if union is not None else [])

    def union_metric(self) -> Any:
        preds = [r.metric.predicate for r in self.rules if isinstance(r.metric, m.CountWhere)]
        return (
            m.CountWhere(m.Or(tuple(preds)), label="schema: rows failing any check")
            if preds
            else None
        )

    def union_failing(self, values: Any) -> int | None:
        union = self.union_metric()
        if union is None or values.error([union]):
            return None
        return int(values.get(union))

    def row_path(self, model: Any, ctx: Any, limit: int) -> list[CheckResult]:
        from datavigil.checks.schema_rows import run_custom

        return run_custom(self.custom, model, ctx, limit) if self.custom else []


def _column_rules(name: str, col: Any, source: Any, coerce: bool) -> tuple[list[Rule], list[Any]]:
    """The rules of one model column: its dtype against the source's type (a mismatch is the
    only rule), then not-nullable, unique and each pandera check that compiles to a predicate;
    the checks that do not are returned to run on rows (``custom``)."""
    mismatch = _dtype_rule(name, col, source, coerce)
    if mismatch is not None:
        return [mismatch], []
    rules: list[Rule] = []
    if not col.nullable:
        pred = m.Or((m.IsNull(name), m.IsNan(name)))
        rules.append(
            Rule(
                f"schema.{name}.not_nullable",
                name,
                "not_nullable",
                m.CountWhere(pred, label=f"{name} is null"),
                m.Sample((name,), SAMPLE_LIMIT, where=pred, distinct=True),
            )
        )
    if col.unique:
        rules.append(
            Rule(
                f"schema.{name}.field_uniqueness",
                name,
                "field_uniqueness",
                m.DuplicateKeys((name,)),
                m.RepeatedKeys((name,), SAMPLE_LIMIT),
            )
        )
    checks, custom = _check_rules(name, col.checks)
    return rules + checks, custom


def _dtype_rule(name: str, col: Any, source: Any, coerce: bool) -> Rule | None:
    """A rule that fails when the source's type cannot hold the model's dtype, or None."""
    want = model_family(col.dtype)
    accepted = (COERCE if coerce else EXACT).get(source.family, {want})
    if source.family == "other" or want == "other" or want in accepted:
        return None
    return _fixed(
        name,
        "dtype",
        f"column '{name}' is {source.type_name}, the model expects {col.dtype}",
        source.type_name,
        expected=str(col.dtype),
        actual=source.type_name,
    )


def _check_rules(name: str, checks: Any) -> tuple[list[Rule], list[Any]]:
    """A rule per pandera check that compiles to a predicate (a repeated check's name gets
    ``_2``, ``_3``...); the others are returned to run on rows."""
    rules: list[Rule] = []
    custom: list[Any] = []
    seen: dict[str, int] = {}
    for check in checks:
        pred = _fails(name, check.name, dict(check.statistics or {}))
        if pred is None:
            custom.append(check)
            continue
        seen[check.name] = seen.get(check.name, 0) + 1
        suffix = "" if seen[check.name] == 1 else f"_{seen[check.name]}"
        params = {
            k: clean_scalar(v) if not isinstance(v, list | tuple) else [clean_scalar(x) for x in v]
            for k, v in (check.statistics or {}).items()
        }
        rules.append(
            Rule(
                f"schema.{name}.{check.name}{suffix}",
                name,
                check.name,
                m.CountWhere(pred, label=f"{name} fails {check.name}"),
                m.Sample((name,), SAMPLE_LIMIT, where=pred, distinct=True),
                params=params,
            )
        )
    return rules, custom


def compile_model(schema: Any, columns: dict[str, Any]) -> Compiled:
    rules: list[Rule] = []
    custom: list[tuple[str | None, Any]] = []
    for name, col in schema.columns.items():
        if name not in columns:
            if col.required:
                rules.append(
                    _fixed(
                        name, "column_in_dataframe", f"column '{name}' is not in the source", name
                    )
                )
            continue
        col_rules, col_custom = _column_rules(
            name, col, columns[name], bool(schema.coerce or col.coerce)
        )
        rules += col_rules
        custom += [(name, c) for c in col_custom]
    if schema.strict is True:
        for extra in sorted(set(columns) - set(schema.columns)):
            rules.append(
                _fixed(extra, "column_in_schema", f"column '{extra}' is not in the model", extra)
            )
    if schema.unique:
        keys = tuple(schema.unique) if not isinstance(schema.unique, str) else (schema.unique,)
        rules.append(
            Rule(
                "schema.<frame>.multiple_fields_uniqueness",
                None,
                "multiple_fields_uniqueness",
                m.DuplicateKeys(keys),
            )
        )
    custom += [(None, c) for c in schema.checks]
    scope = "compiled; custom checks on a sample" if custom else "compiled"
    return Compiled(rules, custom, scope)
