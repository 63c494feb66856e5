"""Which earlier runs' metrics a history-based check may take as the history of its data
(docs/adr/0141): runs of the same suite (the reads ask for it) whose source fingerprint
(``datavigil.engine.sources.fingerprint``) equals this run's. A run kept before fingerprints were
kept (none stored) is trusted, as it was then; a run of another source, database, file location
or partition rule is not: its days are read from the source again (DayAnova, rolling references)
or left out of the history (Volume).
"""

from __future__ import annotations

from typing import Any

from datavigil.engine.sources.fingerprint import FINGERPRINT, fingerprint


def _stored(store: Any, run_ids: list[str]) -> dict[str, str]:
    """run_id -> the fingerprint its run kept (runs that kept none are absent)."""
    import sqlalchemy as sa

    from datavigil.store import recall, recalled
    from datavigil.store.models import RunMetric

    if not run_ids:
        return {}
    mem = recall.active(store)  # a backfill's memory of the history (docs/adr/0151)
    if mem is not None and mem.knows(run_ids):
        return recalled.keys_of(mem, run_ids, FINGERPRINT)
    t = RunMetric
    out: dict[str, str] = {}
    try:
        with store.engine.connect() as conn:
            for start in range(0, len(run_ids), 500):  # bound parameters per statement
                chunk = run_ids[start : start + 500]
                stmt = sa.select(t.run_id, t.group_key).where(
                    t.metric == FINGERPRINT, t.run_id.in_(chunk)
                )
                out.update({run_id: key for run_id, key in conn.execute(stmt)})
    except sa.exc.SQLAlchemyError as exc:
        raise store._fail("read", exc) from None
    return out


def foreign_runs(env: Any, run_ids: list[str]) -> set[str]:
    """The runs of ``run_ids`` whose metrics describe another source (or partition rule)."""
    unique = sorted(set(run_ids))
    memo = getattr(env, "memo", {})
    mine = memo.setdefault("source_fingerprint", fingerprint(env.suite))
    return {r for r, key in _stored(env.store, unique).items() if key != mine}
