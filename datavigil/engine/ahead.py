"""Modules a run needs after a long statement, imported by a thread while the statement runs
(docs/adr/0152): DuckDB and the database drivers release the GIL while they execute, so the
import (scipy.special for the tests of moments: about 0.15-0.3 s) costs the run no wall time.

The thread only imports; whoever uses the module imports it as usual (Python's import lock makes
it wait for the thread, or re-raise the module's own error).
"""

from __future__ import annotations

import importlib
import sys
import threading

STARTED: dict[str, threading.Thread] = {}  # tests join them


def import_ahead(name: str) -> None:
    """Import ``name`` in a daemon thread, once per process, unless it is imported already."""
    if name in sys.modules or name in STARTED:
        return
    thread = threading.Thread(target=_import, args=(name,), name=f"import {name}", daemon=True)
    STARTED[name] = thread
    thread.start()


def _import(name: str) -> None:
    try:
        importlib.import_module(name)
    except Exception:  # noqa: S110  (its user imports it again and meets the error there)
        pass
