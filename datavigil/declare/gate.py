"""The two settings of a suite that shape its DAG's ending (docs/adr/0128), checked alike when the
suite is imported (``Suite``) and when it is discovered without importing it (the registry)."""

from __future__ import annotations

from typing import Any

from datavigil.core.durations import parse_duration


def gate_problems(warnings_block: Any, finish_within: Any) -> list[tuple[str, str]]:
    """(field, problem) for ``warnings_block_validated`` and ``finish_within``."""
    out: list[tuple[str, str]] = []
    if not isinstance(warnings_block, bool):
        out.append(("warnings_block_validated", f"must be True or False, got {warnings_block!r}"))
    if finish_within is not None:
        try:
            parse_duration(finish_within)
        except ValueError as exc:
            out.append(("finish_within", str(exc)))
    return out
