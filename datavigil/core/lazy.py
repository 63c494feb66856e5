"""Heavy third-party modules imported when first used, not when datavigil is imported (ADR 0138).

``from datavigil.core.lazy import numpy as np`` gives a stand-in whose first attribute access
imports numpy; until then ``"numpy" in sys.modules`` stays false, so a run that never computes
with it never pays for it. Put the real import under ``typing.TYPE_CHECKING`` for the type checker.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType, ModuleType
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


# pandera asks for pyspark in two places that a suite not using PySpark does not need (ADR 0150):
# at its import, to set PySpark's environment (``external_config``), and when a model builds its
# schema, to list pyspark.pandas' annotation types besides pandas' (``pandera.typing``)
PANDERA_IMPORT = frozenset({("pandera.external_config", "_set_pyspark_environment_variables")})
PANDERA_TYPES = frozenset(
    ("pandera.typing", f"get_{kind}_types") for kind in ("dataframe", "series", "index")
)
PYSPARK_TYPING = ("pandera.typing.pyspark", "pandera.typing.pyspark_sql")


class _HidePyspark:
    """A finder before the others: ``import pyspark`` fails when one of ``callers`` (module
    name, function name) is on the stack, and is left to the other finders otherwise."""

    def __init__(self, callers: frozenset[tuple[str, str]]) -> None:
        self.callers = callers
        self.hidden = False

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name != "pyspark":
            return None
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            if (frame.f_globals.get("__name__"), frame.f_code.co_name) in self.callers:
                self.hidden = True
                raise ModuleNotFoundError("pyspark is not imported for pandera", name=name)
            frame = frame.f_back
        return None


@contextmanager
def pyspark_hidden_from_pandera(*, schema_types: bool = False) -> Iterator[None]:
    """Within: pandera's import (or, with ``schema_types``, a model building its schema) does
    not import pyspark (about 0.1 s, and a FutureWarning under pandas 3), unless pyspark is
    imported already. Nothing else is affected: the suite's own ``import pyspark``, and
    pandera's when a model or the data uses pyspark.pandas, import it as usual. What pandera
    learnt about pyspark.pandas' types meanwhile is forgotten at the end (its typing modules
    and cached type lists), so a later use of pyspark.pandas with pandera finds them."""
    if "pyspark" in sys.modules:
        yield
        return
    finder = _HidePyspark(PANDERA_TYPES if schema_types else PANDERA_IMPORT)
    fresh = [name for name in PYSPARK_TYPING if name not in sys.modules]
    sys.meta_path.insert(0, finder)  # type: ignore[arg-type]
    try:
        yield
    finally:
        sys.meta_path.remove(finder)  # type: ignore[arg-type]
        if finder.hidden and schema_types:
            _forget_pyspark_types(fresh)


def _forget_pyspark_types(fresh: list[str]) -> None:
    typing = sys.modules.get("pandera.typing")
    for name in fresh:
        sys.modules.pop(name, None)
        if typing is not None:
            typing.__dict__.pop(name.rpartition(".")[2], None)
    for kind in ("dataframe", "series", "index"):
        listed = getattr(typing, f"get_{kind}_types", None)
        getattr(listed, "cache_clear", lambda: None)()
