"""Suite discovery reads source without importing it; loading imports the right file."""

from __future__ import annotations

from pathlib import Path

import pytest

from datavigil.core.errors import SuiteError, UnknownSuiteError
from datavigil.runner import registry

SUITE = """
from datavigil.checks import NullRate
from datavigil import FileSource, Suite
suite = Suite(name="a", source=FileSource("x/{ds}.parquet"),
              checks=[NullRate("{column}", max_fraction=0.1)])
"""


def write(directory: Path, column: str) -> Path:
    directory.mkdir()
    (directory / "a.py").write_text(SUITE.replace("{column}", column))
    return directory


def test_same_file_name_in_another_folder_loads_that_folder(tmp_path: Path) -> None:
    first = registry.load("a", write(tmp_path / "one", "x"))
    second = registry.load("a", write(tmp_path / "two", "y"))
    assert [c.check_name for c in first.checks] == ["nulls.x"]
    assert [c.check_name for c in second.checks] == ["nulls.y"]


def test_unknown_suite_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(UnknownSuiteError, match=r"unknown suite 'b' \(suites: a\)"):
        registry.load("b", write(tmp_path / "one", "x"))


def test_a_suite_declared_twice_is_rejected_by_name_only(tmp_path: Path) -> None:
    folder = write(tmp_path / "one", "x")
    (folder / "b.py").write_text(SUITE.replace("{column}", "z"))
    (folder / "c.py").write_text(SUITE.replace('name="a"', 'name="c"').replace("{column}", "z"))
    found = registry.scan(folder)
    assert [i.name for i in found.suites] == ["c"]
    assert [(b.name, str(b.error)) for b in found.broken] == [
        ("a", "suite 'a': name: declared twice (a.py, b.py)")
    ]
    with pytest.raises(SuiteError, match=r"suite 'a': name: declared twice \(a.py, b.py\)"):
        registry.load("a", folder)
    assert registry.load("c", folder).name == "c"


GOOD = """from datavigil import FileSource, Suite
suite = Suite(name="good", source=FileSource("x/{ds}"))
"""
BROKEN = {
    "syntax": ("this is not python(", "suite 'syntax': module: syntax.py line 1: "),
    "nonliteral-name": (
        "from datavigil import Suite\nN = 'x'\nsuite = Suite(name=N)",
        "suite 'nonliteral_name': name: must be a literal in nonliteral-name.py",
    ),
    "no-name": (
        "from datavigil import Suite\nsuite = Suite()",
        "suite 'no_name': name: Suite(...)",
    ),
    "bad-name": ("suite = Suite(name='Bad-Name')", "suite 'bad_name': name: 'Bad-Name' must match"),
    "name-int": ("suite = Suite(name=3)", "suite 'name_int': name: Suite(...) in name-int.py"),
    "schedule": ("suite = Suite(name='s', schedule='every day')", "suite 's': schedule: 'every"),
    "timezone": ("suite = Suite(name='t', timezone='Mars/Base')", "suite 't': timezone: unknown"),
    "start_date": ("suite = Suite(name='d', start_date='20240101')", "suite 'd': start_date:"),
    "catchup": ("suite = Suite(name='c', catchup='yes')", "suite 'c': catchup: must be True"),
    "tags": ("suite = Suite(name='g', tags='demo')", "suite 'g': tags: must be a list"),
    "assets": ("suite = Suite(name='a', assets=[''])", "suite 'a': assets: must be a list"),
    "dataset": ("suite = Suite(name='e', dataset=7)", "suite 'e': dataset: must be a string"),
    "not-utf8": (b"\xff\xfe name = 1".decode("latin-1"), "suite 'not_utf8': module: not-utf8.py"),
}


@pytest.mark.parametrize("case", sorted(BROKEN), ids=sorted(BROKEN))
def test_a_broken_file_costs_only_its_own_suite(tmp_path: Path, case: str) -> None:
    text, message = BROKEN[case]
    (tmp_path / "good.py").write_text(GOOD)
    path = tmp_path / f"{case}.py"
    if case == "not-utf8":
        path.write_bytes(b"\xff\xfe name = 1")
    else:
        path.write_text(text)
    found = registry.scan(tmp_path)
    assert [i.name for i in found.suites] == ["good"]
    (bad,) = found.broken
    assert str(bad.error).startswith(message), str(bad.error)
    assert bad.path == path
    assert registry.load("good", tmp_path).name == "good"
    with pytest.raises(SuiteError) as info:
        registry.find(bad.name, tmp_path)
    assert str(info.value) == str(bad.error)
