"""Counts of the fault suite: faults injected and anomalies found (an anomaly is any broken
invariant or wrong exit class; the test that meets one fails after recording it)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

FAULTS: Counter[str] = Counter()
ANOMALIES: list[str] = []


@contextmanager
def fault(kind: str, detail: str) -> Iterator[None]:
    """One injected fault: counted; a failed check inside is recorded as an anomaly."""
    FAULTS[kind] += 1
    try:
        yield
    except AssertionError as exc:
        ANOMALIES.append(f"{kind} [{detail}]: {str(exc).splitlines()[0] if str(exc) else exc!r}")
        raise


def summary() -> str:
    kinds = ", ".join(f"{k} {n}" for k, n in sorted(FAULTS.items()))
    return f"fault suite: {sum(FAULTS.values())} faults ({kinds}); {len(ANOMALIES)} anomalies"
