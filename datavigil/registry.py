"""Finding suites. Discovery reads ``schemas/*.py`` with ``ast`` (no import), so the DAG file can
build one DAG per suite without importing pandas, pandera or scipy; loading imports the module
inside the task or the CLI, where the suite is validated in full (docs/adr/0002)."""

from __future__ import annotations

import ast
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datavigil import config
from datavigil.errors import DatavigilError, SuiteError, UnknownSuiteError

LIGHT_FIELDS = (
    "name",
    "dataset",
    "schedule",
    "timezone",
    "start_date",
    "catchup",
    "tags",
    "description",
    "assets",
    "partition_unit",
)
DEFAULTS: dict[str, Any] = {
    "schedule": "0 0 * * *",
    "timezone": "UTC",
    "start_date": "2024-01-01",
    "catchup": False,
    "tags": (),
    "description": "",
    "assets": (),
    "partition_unit": "day",
}


@dataclass(frozen=True, slots=True)
class SuiteInfo:
    """What the DAG factory needs, read without importing the suite's module."""

    name: str
    path: Path
    dataset: str
    schedule: str
    timezone: str
    start_date: str
    catchup: bool
    tags: tuple[str, ...]
    description: str
    assets: tuple[str, ...] = ()  # upstream Asset URIs that schedule the DAG instead of cron
    partition_unit: str = "day"  # hour | day | week: the DAG's data interval (docs/adr/0097)


def _suite_calls(tree: ast.Module) -> list[ast.Call]:
    calls = []
    for node in tree.body:
        value = getattr(node, "value", None)
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(value, ast.Call):
            func = value.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "Suite":
                calls.append(value)
    return calls


def _info(call: ast.Call, path: Path) -> SuiteInfo:
    fields = dict(DEFAULTS)
    for kw in call.keywords:
        if kw.arg in LIGHT_FIELDS:
            try:
                fields[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                suite = fields.get("name", path.stem)
                raise SuiteError(
                    str(suite),
                    kw.arg,
                    f"must be a literal in {path.name} (it is read without importing the module)",
                ) from None
    if "name" not in fields or not isinstance(fields["name"], str):
        raise SuiteError(path.stem, "name", f"Suite(...) in {path.name} needs name='...' literal")
    fields["dataset"] = fields.get("dataset") or fields["name"]
    fields["tags"] = tuple(fields["tags"])
    fields["assets"] = tuple(fields["assets"])
    return SuiteInfo(path=path, **fields)


def discover(directory: Path | None = None) -> list[SuiteInfo]:
    """Every suite declared in the schemas directory, sorted by name."""
    directory = directory or config.schemas_dir()
    found: dict[str, SuiteInfo] = {}
    for path in sorted(directory.glob("*.py")):
        if path.name.startswith("_"):
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        except SyntaxError as exc:
            raise SuiteError(
                path.stem, "module", f"{path.name} line {exc.lineno}: {exc.msg}"
            ) from None
        for call in _suite_calls(tree):
            info = _info(call, path)
            if info.name in found:
                raise SuiteError(
                    info.name, "name", f"declared twice ({found[info.name].path.name}, {path.name})"
                )
            found[info.name] = info
    return sorted(found.values(), key=lambda i: i.name)


def find(name: str, directory: Path | None = None) -> SuiteInfo:
    suites = discover(directory)
    for info in suites:
        if info.name == name:
            return info
    raise UnknownSuiteError(name, [i.name for i in suites])


def load(name: str, directory: Path | None = None) -> Any:
    """Import the module that declares suite ``name`` and return the validated Suite."""
    from datavigil.suite import Suite

    info = find(name, directory)
    module_name = f"datavigil_suites.{info.path.stem}"
    module = sys.modules.get(module_name)
    if module is not None and Path(str(module.__file__)).resolve() != info.path.resolve():
        module = None  # same file name in another schemas folder: load that one
    if module is None:
        spec = importlib.util.spec_from_file_location(module_name, info.path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        try:
            spec.loader.exec_module(module)
        except DatavigilError:
            raise
        except Exception as exc:
            raise SuiteError(
                name, "module", f"{info.path.name} failed to import: {type(exc).__name__}: {exc}"
            ) from None
        sys.modules[module_name] = module
    for value in vars(module).values():
        if isinstance(value, Suite) and value.name == name:
            return value
    raise SuiteError(name, "module", f"{info.path.name} does not define Suite(name='{name}')")
