"""FrameSource: an Arrow table or a pandas frame in memory (tests, operators), scanned by DuckDB."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from datavigil.declare.suite import Partition
from datavigil.declare.window import Window


@dataclass(frozen=True)
class FrameSource:
    """An in-memory Arrow table or pandas frame (tests, operators): scanned by DuckDB."""

    data: Any
    name: str = "frame"

    def problems(self, partition: Partition | None) -> list[str]:
        return (
            []
            if hasattr(self.data, "schema") or hasattr(self.data, "columns")
            else ["FrameSource needs a pyarrow Table or a pandas DataFrame"]
        )

    @property
    def label(self) -> str:
        return f"in-memory {self.name}"

    def relation(self, con: Any, suite: str, window: Window | None, partition: Any) -> Any:
        import pyarrow as pa

        table = self.data if isinstance(self.data, pa.Table) else pa.Table.from_pandas(self.data)
        return con.from_arrow(table)

    def column_types(self, suite: str, window: Window | None = None) -> dict[str, str]:
        import pyarrow as pa

        table = self.data if isinstance(self.data, pa.Table) else pa.Table.from_pandas(self.data)
        return {f.name: str(f.type) for f in table.schema}
