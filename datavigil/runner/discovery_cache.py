"""What discovery found in each suite file, kept between parses (docs/adr/0131).

Airflow parses the DAG file again and again, each time in a fresh process, and discovery read
every suite file with ``ast`` each time. The cache is one JSON file beside Python's own bytecode
cache, ``<schemas>/__pycache__/datavigil-discovery.json`` (for a read-only schemas folder, in a
private folder of the user under the temporary directory): for each file, the BLAKE2 digest of
its bytes and the ``SuiteInfo`` fields read from them. A file whose bytes are unchanged is not
parsed again, whatever its modification time says; an edited, added or removed file is (its
entry replaced or dropped). A file with a broken suite is never cached, so its error is always
the fresh one. A cache that cannot be read is ignored, one that cannot be written is not written:
discovery never fails because of it. The datavigil version is part of the cache, so an upgrade
that reads suites differently starts afresh.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from datavigil import __version__

NAME = "datavigil-discovery.json"
FORMAT = 1


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class DiscoveryCache:
    """The entries of one schemas directory; ``save`` writes them back when they changed.
    ``build`` makes a SuiteInfo (a dataclass with ``path``) of its fields."""

    def __init__(self, directory: Path, build: Callable[..., Any]) -> None:
        self.build = build
        self.places = places(directory)
        found = (_read(p) for p in self.places if _ours(p))
        self.entries: dict[str, dict[str, Any]] = next((e for e in found if e is not None), {})
        self.seen: set[str] = set()
        self.changed = False

    def get(self, path: Path, data: bytes) -> list[Any] | None:
        """The suites of ``path`` when its bytes are the cached ones, else None."""
        self.seen.add(path.name)
        entry = self.entries.get(path.name)
        if entry is None or entry.get("digest") != digest(data):
            return None
        try:  # JSON has lists where the SuiteInfo has tuples (tags, assets)
            return [
                self.build(path=path, **{k: tuple(v) if isinstance(v, list) else v for k, v in f})
                for f in (suite.items() for suite in entry["suites"])
            ]
        except (KeyError, TypeError, ValueError, AttributeError):
            return None

    def put(self, path: Path, data: bytes, infos: list[Any]) -> None:
        self.seen.add(path.name)
        suites = [
            {f.name: getattr(i, f.name) for f in dataclasses.fields(i) if f.name != "path"}
            for i in infos
        ]
        self.entries[path.name] = {"digest": digest(data), "suites": suites}
        self.changed = True

    def save(self) -> None:
        """Write the entries of the files seen in this scan (a removed file's entry goes)."""
        if set(self.entries) - self.seen:
            self.entries = {k: v for k, v in self.entries.items() if k in self.seen}
            self.changed = True
        if not self.changed:
            return
        text = json.dumps({"format": FORMAT, "version": __version__, "files": self.entries})
        for path in self.places:
            if _write(path, text):
                return


def places(directory: Path) -> list[Path]:
    """Where the cache of ``directory`` may be: beside the suites; for a read-only folder (a
    volume mounted read-only), a private folder of this user in the temporary directory."""
    key = digest(str(directory.resolve()).encode())
    private = Path(tempfile.gettempdir()) / f"datavigil-{os.getuid()}"
    return [directory / "__pycache__" / NAME, private / f"discovery-{key}.json"]


def _ours(path: Path) -> bool:
    """The private folder is read only when this user made it (no one else's entries)."""
    if path.parent.name == "__pycache__":
        return True
    try:
        return path.parent.stat().st_uid == os.getuid()
    except OSError:
        return False


def _write(path: Path, text: str) -> bool:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        if not _ours(path):
            return False
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)  # atomic: a parse running beside this one reads a whole file
    except OSError:  # not writable here: the next place, or parse every time as before
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        return False
    return True


def _read(path: Path) -> dict[str, dict[str, Any]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    ok = isinstance(data, dict) and data.get("format") == FORMAT
    if not ok or data.get("version") != __version__ or not isinstance(data.get("files"), dict):
        return None
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}
