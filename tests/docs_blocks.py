"""The fenced code blocks of README.md and docs/**/*.md (the ADRs excluded: they are historical
records), and the markers that tell tests/test_docs.py how to run a ```python block.

The convention (docs/index.md#how-the-examples-are-tested says it for readers):

* a block whose first line is ``# schemas/NAME.py`` is a suite module: it is written to an empty
  schemas directory and loaded with ``datavigil suites --check`` (imports, then the suite is
  validated in full);
* a block whose first line is ``# dags/NAME.py`` is a DAG file: Airflow's DagBag parses it;
* any other block is a script, run as-is by ``python`` in a fresh process;
* ``<!-- docs-test: then COMMAND -> exit N -->`` on the lines just before a suite module runs
  COMMAND (a ``datavigil`` command line) after it is loaded and expects exit code N;
* ``<!-- docs-test: skip: REASON -->`` exempts a block; tests/test_docs.py lists every exempt
  block, so the list stays short and visible.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
MARKER = re.compile(r"<!--\s*docs-test:\s*(.*?)\s*-->")
THEN = re.compile(r"^then\s+(.+?)\s*->\s*exit\s+(\d+)$")
SKIP = re.compile(r"^skip:\s*(.+)$")


def doc_files() -> list[Path]:
    """README.md and every page of the site but the ADRs."""
    docs = sorted(p for p in (ROOT / "docs").rglob("*.md") if "adr" not in p.parts)
    return [ROOT / "README.md", *docs]


@dataclass(frozen=True)
class Block:
    path: Path
    index: int  # 1-based among the blocks of its language in the file
    language: str
    code: str
    markers: tuple[str, ...] = field(default=())

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT)}#{self.language}{self.index}"

    @property
    def kind(self) -> str:
        first = self.code.lstrip().splitlines()[0] if self.code.strip() else ""
        if re.match(r"# schemas/\w+\.py\b", first):
            return "suite"
        if re.match(r"# dags/\w+\.py\b", first):
            return "dag"
        return "script"

    @property
    def file_name(self) -> str:
        """The file a suite module or a DAG file names on its first line."""
        first = self.code.lstrip().splitlines()[0]
        return re.match(r"# \w+/(\w+\.py)", first).group(1)  # type: ignore[union-attr]

    @property
    def skip_reason(self) -> str | None:
        for marker in self.markers:
            found = SKIP.match(marker)
            if found:
                return found.group(1)
        return None

    @property
    def then(self) -> list[tuple[str, int]]:
        out = []
        for marker in self.markers:
            found = THEN.match(marker)
            if found:
                out.append((found.group(1), int(found.group(2))))
        return out


def _markers_before(text: str, start: int) -> tuple[str, ...]:
    """The docs-test markers on the lines right above a fence (blank lines between allowed)."""
    lines = text[:start].rstrip("\n").splitlines()
    found: list[str] = []
    for line in reversed(lines):
        if not line.strip():
            continue
        marker = MARKER.fullmatch(line.strip())
        if marker is None:
            break
        found.append(marker.group(1))
    return tuple(reversed(found))


def blocks(language: str, files: list[Path] | None = None) -> list[Block]:
    out = []
    for path in files or doc_files():
        text = path.read_text(encoding="utf-8")
        count = 0
        for match in FENCE.finditer(text):
            if match.group(1) != language:
                continue
            count += 1
            markers = _markers_before(text, match.start())
            out.append(Block(path, count, language, match.group(2), markers))
    return out


def unknown_markers(files: list[Path] | None = None) -> list[str]:
    """docs-test markers that are neither skip nor then (a typo would silently do nothing)."""
    bad = []
    for path in files or doc_files():
        for marker in MARKER.findall(path.read_text(encoding="utf-8")):
            if not (SKIP.match(marker) or THEN.match(marker)):
                bad.append(f"{path.relative_to(ROOT)}: {marker}")
    return bad
