"""Small parts (issue 16, item 5; STYLE.md habit 11): every module of the package is at most 300
lines and every function at most 40, measured on the source (migrations excluded: Alembic writes
them). What could not be split yet is listed below with its reason; the list only shrinks."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "datavigil"
MAX_MODULE_LINES = 300
MAX_FUNCTION_LINES = 40

# module (relative to datavigil/) -> why it may be longer, for now
LONG_MODULES: dict[str, str] = {}
# "module:function" -> why it may be longer, for now
LONG_FUNCTIONS: dict[str, str] = {}


def modules(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if "migrations" not in p.parts)


def module_lines(root: Path) -> dict[str, int]:
    """Module (relative to ``root``) -> its number of lines."""
    return {
        p.relative_to(root).as_posix(): len(p.read_text(encoding="utf-8").splitlines())
        for p in modules(root)
    }


def code_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from ``def`` to the end of the body, without the docstring (a public function's
    documentation, examples included, is not what makes it long)."""
    assert node.end_lineno is not None
    first = node.body[0]
    doc = isinstance(first, ast.Expr) and isinstance(getattr(first, "value", None), ast.Constant)
    doc = doc and isinstance(first.value.value, str) and len(node.body) > 1
    skipped = (first.end_lineno or first.lineno) - first.lineno + 1 if doc else 0
    return node.end_lineno - node.lineno + 1 - skipped


def function_lines(root: Path) -> dict[str, int]:
    """``module:function`` -> its lines of code (``code_lines``; methods and nested functions by
    their own name; the longest of a name that repeats in a module)."""
    out: dict[str, int] = {}
    for path in modules(root):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                key = f"{path.relative_to(root).as_posix()}:{node.name}"
                out[key] = max(out.get(key, 0), code_lines(node))
    return out


def too_long(root: Path) -> tuple[dict[str, int], dict[str, int]]:
    """The modules and the functions over the limits that no allow-list entry explains."""
    mods = {
        k: n
        for k, n in module_lines(root).items()
        if n > MAX_MODULE_LINES and k not in LONG_MODULES
    }
    funcs = {
        k: n
        for k, n in function_lines(root).items()
        if n > MAX_FUNCTION_LINES and k not in LONG_FUNCTIONS
    }
    return mods, funcs


def test_every_module_is_at_most_300_lines() -> None:
    mods, _ = too_long(PACKAGE)
    assert not mods, f"modules over {MAX_MODULE_LINES} lines, split them: {mods}"


def test_every_function_is_at_most_40_lines() -> None:
    _, funcs = too_long(PACKAGE)
    assert not funcs, f"functions over {MAX_FUNCTION_LINES} lines, shorten them: {funcs}"


def test_the_allow_lists_only_shrink() -> None:
    """An entry whose module or function is now short enough (or gone) must be removed."""
    mods, funcs = module_lines(PACKAGE), function_lines(PACKAGE)
    stale = [k for k in LONG_MODULES if mods.get(k, 0) <= MAX_MODULE_LINES]
    stale += [k for k in LONG_FUNCTIONS if funcs.get(k, 0) <= MAX_FUNCTION_LINES]
    assert not stale, f"remove from the allow-lists: {stale}"


def test_a_301_line_module_and_a_41_line_function_are_caught(tmp_path: Path) -> None:
    (tmp_path / "big.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES))
    (tmp_path / "long.py").write_text(f"def f():\n{body}", encoding="utf-8")
    doc = '    """A docstring\n\n    of many lines\n    """\n'
    short = "".join(f"    x{i} = {i}\n" for i in range(MAX_FUNCTION_LINES - 1))
    (tmp_path / "documented.py").write_text(f"def g():\n{doc}{short}", encoding="utf-8")
    (tmp_path / "fine.py").write_text("x = 1\n" * MAX_MODULE_LINES, encoding="utf-8")
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "0001.py").write_text("x = 1\n" * 999, encoding="utf-8")
    assert too_long(tmp_path) == ({"big.py": 301}, {"long.py:f": 41})
