"""A chunk of a partition as the checks see it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Chunk:
    """``frame`` for the checks; ``nulls`` holds exact SQL-NULL counts per column, which a
    float64 frame cannot tell apart from NaN (NULL arrives as NaN in pandas)."""

    frame: pd.DataFrame
    nulls: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_arrow(cls, table: pa.Table | pa.RecordBatch) -> Chunk:
        import pyarrow as pa
        import pyarrow.compute as pc

        if isinstance(table, pa.RecordBatch):
            table = pa.Table.from_batches([table])
        columns = []
        for col in table.columns:
            if pa.types.is_decimal(col.type):
                col = pc.cast(col, pa.float64())
            columns.append(col)
        table = pa.Table.from_arrays(columns, names=table.column_names)
        nulls = {name: table.column(name).null_count for name in table.column_names}
        return cls(frame=table.to_pandas(), nulls=nulls)

    def __len__(self) -> int:
        return len(self.frame)
