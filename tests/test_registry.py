"""Suite discovery reads source without importing it; loading imports the right file."""

from __future__ import annotations

from pathlib import Path

import pytest

from datavigil import registry
from datavigil.errors import SuiteError, UnknownSuiteError

SUITE = """
from checks import NullRate
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


def test_a_suite_declared_twice_is_rejected(tmp_path: Path) -> None:
    folder = write(tmp_path / "one", "x")
    (folder / "b.py").write_text(SUITE.replace("{column}", "z"))
    with pytest.raises(SuiteError, match="suite 'a': name: declared twice"):
        registry.discover(folder)
