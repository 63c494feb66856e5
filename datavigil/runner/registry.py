"""Finding suites. Discovery reads ``schemas/*.py`` with ``ast`` (no import), so the DAG file can
build one DAG per suite without importing pandas, pandera or scipy; loading imports the module
inside the task or the CLI, where the suite is validated in full (docs/adr/0002)."""

from __future__ import annotations

import ast
import importlib.util
import re
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from datavigil.core import config
from datavigil.core.errors import DatavigilError, SuiteError, UnknownSuiteError
from datavigil.core.lazy import pyspark_hidden_from_pandera
from datavigil.declare.gate import gate_problems
from datavigil.declare.schedule import valid_cron as _valid_cron
from datavigil.declare.suite import NAME_RE
from datavigil.declare.window import zone

if TYPE_CHECKING:
    from datavigil.runner.discovery_cache import DiscoveryCache

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
    "warnings_block_validated",
    "finish_within",
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
    "warnings_block_validated": False,
    "finish_within": None,
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
    warnings_block_validated: bool = False  # the Asset gate and the deadline (docs/adr/0128)
    finish_within: str | None = None


@dataclass(frozen=True, slots=True)
class BrokenSuite:
    """A suite that cannot be discovered: its name (the file stem when the file does not say),
    its file and the one-line error. It affects only itself (docs/adr/0060)."""

    name: str
    path: Path
    error: SuiteError


@dataclass(frozen=True, slots=True)
class Scan:
    suites: list[SuiteInfo]
    broken: list[BrokenSuite]


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


def stem_name(path: Path) -> str:
    """A suite name (and so a dag_id) from a file name, for a file that does not say its own."""
    name = re.sub(r"[^a-z0-9_]", "_", path.stem.lower())
    return name if NAME_RE.match(name) else f"s_{name}"[:63]


def _literal_name(call: ast.Call, path: Path) -> str:
    for kw in call.keywords:
        if kw.arg == "name":
            try:
                value = ast.literal_eval(kw.value)
            except ValueError:
                break
            return value if isinstance(value, str) and NAME_RE.match(value) else stem_name(path)
    return stem_name(path)


def _info(call: ast.Call, path: Path) -> SuiteInfo:
    fields = dict(DEFAULTS)
    suite = _literal_name(call, path)
    for kw in call.keywords:
        if kw.arg in LIGHT_FIELDS:
            try:
                fields[kw.arg] = ast.literal_eval(kw.value)
            except ValueError:
                raise SuiteError(
                    suite,
                    kw.arg,
                    f"must be a literal in {path.name} (it is read without importing the module)",
                ) from None
    if "name" not in fields or not isinstance(fields["name"], str):
        raise SuiteError(suite, "name", f"Suite(...) in {path.name} needs name='...' literal")
    fields["dataset"] = fields.get("dataset") or fields["name"]
    for problem in _light_problems(fields):
        raise SuiteError(suite, problem[0], f"{problem[1]} (in {path.name})")
    fields["tags"] = tuple(fields["tags"])
    fields["assets"] = tuple(fields["assets"])
    return SuiteInfo(path=path, **fields)


def _strings(value: Any) -> bool:
    return isinstance(value, list | tuple) and all(isinstance(v, str) and v for v in value)


def _light_problems(f: dict[str, Any]) -> list[tuple[str, str]]:
    """What the DAG needs must be right before a DAG is built from it (the Suite validates the
    rest when it is imported)."""
    out: list[tuple[str, str]] = []
    if not NAME_RE.match(f["name"]):
        problem = f"{f['name']!r} must match [a-z][a-z0-9_]* (it becomes dag_id validate_<name>)"
        out.append(("name", problem))
    if not _valid_cron(f["schedule"]):
        out.append(("schedule", f"{f['schedule']!r} is not a cron expression"))
    try:
        zone(f["timezone"] if isinstance(f["timezone"], str) else "")
    except ValueError:
        out.append(("timezone", f"unknown time zone {f['timezone']!r}"))
    if not _iso_day(f["start_date"]):
        out.append(("start_date", f"{f['start_date']!r} is not YYYY-MM-DD"))
    if not isinstance(f["catchup"], bool):
        out.append(("catchup", f"must be True or False, got {f['catchup']!r}"))
    for fld in ("dataset", "description"):
        if not isinstance(f[fld], str):
            out.append((fld, f"must be a string, got {f[fld]!r}"))
    for fld in ("tags", "assets"):
        if not _strings(f[fld]):
            out.append((fld, f"must be a list of non-empty strings, got {f[fld]!r}"))
    return out + gate_problems(f["warnings_block_validated"], f["finish_within"])


def _iso_day(value: Any) -> bool:
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class _Scanner:
    """Collects the good suites, the broken ones, and names declared in more than one file."""

    def __init__(self) -> None:
        self.found: dict[str, SuiteInfo] = {}
        self.broken: list[BrokenSuite] = []
        self.files: dict[str, list[Path]] = {}

    def file(self, path: Path, cache: DiscoveryCache | None = None) -> None:
        """The suites of one file: from ``cache`` when its bytes are the ones seen before."""
        try:
            data = path.read_bytes()
            known = cache.get(path, data) if cache is not None else None
            if known is not None:
                self.add(known)
                return
            tree = ast.parse(data.decode("utf-8"), filename=str(path))
        except (SyntaxError, ValueError, UnicodeDecodeError, OSError) as exc:
            where = f" line {exc.lineno}" if isinstance(exc, SyntaxError) else ""
            problem = f"{path.name}{where}: {getattr(exc, 'msg', None) or exc}"
            self.broken.append(BrokenSuite(stem_name(path), path, _error(path, "module", problem)))
            return
        infos, broken = [], []
        for call in _suite_calls(tree):
            try:
                infos.append(_info(call, path))
            except SuiteError as exc:
                broken.append(BrokenSuite(exc.suite, path, exc))
        self.broken += broken
        self.add(infos)
        if cache is not None and not broken:  # a broken file is parsed again: its error exact
            cache.put(path, data, infos)

    def add(self, infos: list[SuiteInfo]) -> None:
        for info in infos:
            self.files.setdefault(info.name, []).append(info.path)
            self.found[info.name] = info

    def result(self) -> Scan:
        for name, paths in self.files.items():
            if len(paths) > 1:
                del self.found[name]
                times = "twice" if len(paths) == 2 else f"{len(paths)} times"
                problem = f"declared {times} ({', '.join(p.name for p in paths)})"
                self.broken.append(BrokenSuite(name, paths[-1], SuiteError(name, "name", problem)))
        return Scan(
            suites=sorted(self.found.values(), key=lambda i: i.name),
            broken=sorted(self.broken, key=lambda b: (b.name, b.path.name)),
        )


def _error(path: Path, field: str, problem: str) -> SuiteError:
    return SuiteError(stem_name(path), field, problem)


def scan(directory: Path | None = None) -> Scan:
    """Every suite declared in the schemas directory, and the ones that cannot be discovered
    (a syntax error, a non-literal or malformed field, a name declared twice), sorted by name.
    A broken file costs only its own suites."""
    from datavigil.runner.discovery_cache import DiscoveryCache

    directory = directory or config.schemas_dir()
    scanner, cache = _Scanner(), DiscoveryCache(directory, SuiteInfo)
    for path in sorted(directory.glob("*.py")):
        if not path.name.startswith("_"):
            scanner.file(path, cache)
    cache.save()
    return scanner.result()


def discover(directory: Path | None = None) -> list[SuiteInfo]:
    """The suites that can be discovered, sorted by name (``scan`` also lists the broken)."""
    return scan(directory).suites


def find(name: str, directory: Path | None = None) -> SuiteInfo:
    """Suite ``name``; its own error if it is broken, UnknownSuiteError if it does not exist."""
    result = scan(directory)
    for info in result.suites:
        if info.name == name:
            return info
    for bad in result.broken:
        if bad.name == name:
            raise bad.error
    raise UnknownSuiteError(name, [i.name for i in result.suites])


def load(name: str, directory: Path | None = None) -> Any:
    """Import the module that declares suite ``name`` and return the validated Suite."""
    from datavigil.declare.suite import Suite

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
            with pyspark_hidden_from_pandera():  # pandera's import: no pyspark unless used
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
