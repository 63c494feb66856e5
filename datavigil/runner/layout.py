"""Which Airflow DAG holds which suite (docs/adr/0147, 0156): one rule for the DAG file, which
builds the DAGs (datavigil/airflow/fleet.py, dags.py), and for the Data Quality view, which asks
Airflow whether a user may read a suite's DAG (datavigil/ui/access.py). Nothing here imports
Airflow.

``DATAVIGIL_DAG_LAYOUT=suite`` (the default): every suite has its own DAG ``validate_<suite>``.
``fleet``: the suites sharing a cron schedule, time zone, partition unit and catch-up (and, with
catch-up, a start date) share ``validate_fleet_<unit>_<cron>_<zone>`` (at most ``size`` suites
each: more go to ``..._part2``, ...); a suite scheduled by upstream Assets or with a deadline,
and a broken suite, keep their own ``validate_<suite>``."""

from __future__ import annotations

import os
import re
import zlib

from datavigil.core.errors import SettingError
from datavigil.runner.registry import Scan, SuiteInfo

LAYOUTS = ("suite", "fleet")
MAX_MAP_LENGTH = 1024  # Airflow's default [core] max_map_length
Key = tuple[str, str, str, bool, str]  # schedule, timezone, partition unit, catchup, start


def layout() -> str:
    """DATAVIGIL_DAG_LAYOUT: ``suite`` (default, one DAG per suite) or ``fleet`` (one DAG per
    schedule, its validation task mapped over the suites: docs/reference/airflow.md)."""
    value = os.environ.get("DATAVIGIL_DAG_LAYOUT", "").strip() or "suite"
    if value not in LAYOUTS:
        raise SettingError(
            f"DATAVIGIL_DAG_LAYOUT must be 'suite' (one DAG per suite) or 'fleet' (one DAG per "
            f"schedule), got '{value}'"
        )
    return value


def own_dag_id(suite: str) -> str:
    """The DAG of a suite that has its own: ``validate_<suite>``."""
    return f"validate_{suite}"


def own_dag(info: SuiteInfo) -> bool:
    """A suite that keeps its own DAG in the fleet layout: scheduled by upstream Assets, or with
    a deadline (``finish_within``: a DAG run's deadline, not one suite's)."""
    return bool(info.assets or info.finish_within)


def key_of(info: SuiteInfo) -> Key:
    """Suites with equal keys share a fleet DAG; a catch-up suite also needs its start date."""
    start = info.start_date if info.catchup else ""
    return (info.schedule, info.timezone, info.partition_unit, info.catchup, start)


def dag_id_of(key: Key, part: int = 0) -> str:
    """``validate_fleet_<unit>_<cron>_<zone>``, e.g. ``validate_fleet_day_0_3_x_x_x_utc``: stable
    while the key is; a key spelled with other characters gets a short checksum instead."""
    schedule, timezone, unit, catchup, start = key
    cron = schedule.replace("*", "x").replace(",", "c").replace("/", "s").replace("-", "t")
    zone = timezone.lower().replace("/", "_").replace("+", "p").replace("-", "m")
    name = f"validate_fleet_{unit}_{cron.replace(' ', '_')}_{zone}"
    if catchup:
        name += "_catchup_" + start.replace("-", "")
    if not re.fullmatch(r"[A-Za-z0-9_]+", name):
        name = re.sub(r"[^A-Za-z0-9_]", "_", name) + f"_{zlib.crc32(repr(key).encode()):08x}"
    return name if part == 0 else f"{name}_part{part + 1}"


def groups(suites: list[SuiteInfo], size: int) -> dict[str, list[SuiteInfo]]:
    """The fleet DAGs' ids and their suites (sorted by name), at most ``size`` each."""
    by_key: dict[Key, list[SuiteInfo]] = {}
    for info in suites:
        by_key.setdefault(key_of(info), []).append(info)
    out = {}
    for key, members in by_key.items():
        members.sort(key=lambda i: i.name)
        for part, first in enumerate(range(0, len(members), size)):
            out[dag_id_of(key, part)] = members[first : first + size]
    return out


def pooled(found: Scan, chosen: str) -> list[SuiteInfo]:
    """The suites that go into fleet DAGs under layout ``chosen`` (none under ``suite``)."""
    return [i for i in found.suites if chosen == "fleet" and not own_dag(i)]


def suite_dags(found: Scan, chosen: str, size: int = MAX_MAP_LENGTH) -> dict[str, str]:
    """Suite name -> the id of the DAG that validates it under layout ``chosen``: the fleet DAG
    it lands in, else its own ``validate_<suite>`` (a broken suite's failing DAG included)."""
    out = {i.name: own_dag_id(i.name) for i in found.suites}
    for dag_id, members in groups(pooled(found, chosen), size).items():
        out.update((i.name, dag_id) for i in members)
    for bad in found.broken:
        out.setdefault(bad.name, own_dag_id(bad.name))
    return out
