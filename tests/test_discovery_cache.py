"""Discovery's cache (datavigil.runner.discovery_cache): a suite file whose bytes are unchanged
is not parsed again; an edited, added, removed or broken file is read afresh (docs/adr/0131)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from datavigil.runner import registry

SUITE = 'from datavigil import Suite\nsuite = Suite(name="{name}", schedule="{cron}")\n'


def write(directory: Path, name: str, cron: str = "0 0 * * *") -> Path:
    path = directory / f"{name}.py"
    path.write_text(SUITE.format(name=name, cron=cron), encoding="utf-8")
    return path


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files ``ast.parse`` read, in order."""
    seen: list[str] = []
    real = ast.parse

    def counting(source, filename="<unknown>", *args, **kw):
        seen.append(Path(filename).name)
        return real(source, filename, *args, **kw)

    monkeypatch.setattr(registry.ast, "parse", counting)
    return seen


def test_unchanged_files_are_not_parsed_again(tmp_path: Path, parses: list[str]):
    for name in ("a", "b", "c"):
        write(tmp_path, name)
    first = registry.scan(tmp_path)
    assert sorted(parses) == ["a.py", "b.py", "c.py"]
    parses.clear()
    again = registry.scan(tmp_path)
    assert parses == [] and again == first
    assert (tmp_path / "__pycache__" / "datavigil-discovery.json").is_file()


def test_an_edit_is_seen_even_with_the_same_modification_time(tmp_path: Path, parses):
    path = write(tmp_path, "a")
    registry.scan(tmp_path)
    stat = path.stat()
    write(tmp_path, "a", cron="0 3 * * *")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    parses.clear()
    (info,) = registry.scan(tmp_path).suites
    assert parses == ["a.py"] and info.schedule == "0 3 * * *"


def test_added_removed_and_broken_files(tmp_path: Path, parses):
    write(tmp_path, "a")
    registry.scan(tmp_path)
    write(tmp_path, "b")
    (tmp_path / "bad.py").write_text(
        'from datavigil import Suite\ns = Suite(name="bad", schedule=X)'
    )
    found = registry.scan(tmp_path)
    assert [i.name for i in found.suites] == ["a", "b"] and [b.name for b in found.broken] == [
        "bad"
    ]
    (tmp_path / "b.py").unlink()
    parses.clear()
    found = registry.scan(tmp_path)
    assert [i.name for i in found.suites] == ["a"] and found.broken[0].name == "bad"
    assert parses == ["bad.py"]  # a broken file is never cached: its error is the fresh one
    assert registry.scan(tmp_path).broken[0].error.field == "schedule"


def test_a_corrupt_or_unwritable_cache_is_ignored(tmp_path: Path, parses):
    write(tmp_path, "a")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "datavigil-discovery.json").write_text("{not json")
    assert [i.name for i in registry.scan(tmp_path).suites] == ["a"]
    (tmp_path / "__pycache__" / "datavigil-discovery.json").unlink()
    (tmp_path / "__pycache__").chmod(0o500)
    try:
        assert [i.name for i in registry.scan(tmp_path).suites] == ["a"]
    finally:
        (tmp_path / "__pycache__").chmod(0o700)


def test_a_read_only_schemas_folder_caches_in_a_private_temporary_folder(
    tmp_path: Path, parses, monkeypatch: pytest.MonkeyPatch
):
    import tempfile

    from datavigil.runner import discovery_cache

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    schemas = tmp_path / "schemas"
    write(schemas.mkdir() or schemas, "a")
    (schemas / "__pycache__").write_text("a file where the folder would be: cannot write there")
    registry.scan(schemas)
    parses.clear()
    assert [i.name for i in registry.scan(schemas).suites] == ["a"] and parses == []
    private = discovery_cache.places(schemas)[1]
    assert private.is_file() and private.parent.stat().st_mode & 0o077 == 0
