"""What discovery found in each suite file, kept between parses (docs/adr/0131).

Airflow parses the DAG file again and again, each time in a fresh process; reading 200 suite
files with ``ast`` took most of that parse. The cache is one JSON file,
``<schemas>/__pycache__/datavigil-discovery.json`` (beside Python's own bytecode cache), mapping
each file to the BLAKE2 digest of its bytes and the ``SuiteInfo`` read from them: a file whose
bytes are unchanged is not parsed again, whatever its modification time says; an edited,
added or removed file is (its entry replaced or dropped). A file with a broken suite is never
cached, so its error is always the fresh one. A cache that cannot be read is ignored and one that
cannot be written is not written: discovery never fails because of it. The datavigil version
is part of the cache, so an upgrade that reads suites differently starts afresh.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from datavigil import __version__
from datavigil.runner.registry import SuiteInfo

NAME = "datavigil-discovery.json"
FORMAT = 1


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class DiscoveryCache:
    """The entries of one schemas directory; ``save`` writes them back when they changed."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "__pycache__" / NAME
        self.entries: dict[str, dict[str, Any]] = _read(self.path)
        self.seen: set[str] = set()
        self.changed = False

    def get(self, path: Path, data: bytes) -> list[SuiteInfo] | None:
        """The suites of ``path`` when its bytes are the cached ones, else None."""
        self.seen.add(path.name)
        entry = self.entries.get(path.name)
        if entry is None or entry.get("digest") != digest(data):
            return None
        try:
            return [_info(fields, path) for fields in entry["suites"]]
        except (KeyError, TypeError, ValueError):
            return None

    def put(self, path: Path, data: bytes, infos: list[SuiteInfo]) -> None:
        self.seen.add(path.name)
        self.entries[path.name] = {"digest": digest(data), "suites": [_fields(i) for i in infos]}
        self.changed = True

    def save(self) -> None:
        """Write the entries of the files seen in this scan (a removed file's entry goes)."""
        if set(self.entries) - self.seen:
            self.entries = {k: v for k, v in self.entries.items() if k in self.seen}
            self.changed = True
        if not self.changed:
            return
        text = json.dumps({"format": FORMAT, "version": __version__, "files": self.entries})
        tmp = self.path.with_name(f"{NAME}.{os.getpid()}.tmp")
        try:
            self.path.parent.mkdir(exist_ok=True)
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, self.path)  # atomic: a parse running beside this one reads a whole file
        except OSError:  # a read-only schemas folder (an image): parse every time, as before
            tmp.unlink(missing_ok=True)


def _read(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    ok = isinstance(data, dict) and data.get("format") == FORMAT
    if not ok or data.get("version") != __version__ or not isinstance(data.get("files"), dict):
        return {}
    return {k: v for k, v in data["files"].items() if isinstance(v, dict)}


def _fields(info: SuiteInfo) -> dict[str, Any]:
    names = [f for f in SuiteInfo.__slots__ if f != "path"]  # type: ignore[attr-defined]
    return {name: getattr(info, name) for name in names}


def _info(fields: dict[str, Any], path: Path) -> SuiteInfo:
    tuples = {"tags": tuple(fields["tags"]), "assets": tuple(fields["assets"])}
    return SuiteInfo(path=path, **{**fields, **tuples})
