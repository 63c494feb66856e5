"""Heavy third-party modules imported when first used, not when datavigil is imported (ADR 0138).

``from datavigil.core.lazy import numpy as np`` gives a stand-in whose first attribute access
imports numpy; until then ``"numpy" in sys.modules`` stays false, so a run that never computes
with it never pays for it. Put the real import under ``typing.TYPE_CHECKING`` for the type checker.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """A module imported on the first attribute access, then used directly."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if attr in ("_name", "_module"):  # not set yet (a copy made without __init__)
            raise AttributeError(attr)
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


numpy = LazyModule("numpy")
