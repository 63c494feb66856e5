"""Make Airflow find the datavigil plugin through its ``airflow.plugins`` entry point, as after
``pip install``, even when the installed datavigil's metadata predates the entry point (an
editable install made before pyproject.toml declared it)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points
from pathlib import Path

from fastapi.testclient import TestClient

TARGET = "datavigil.airflow.plugin:DatavigilPlugin"
OURS = "datavigil-plugin-entry-point"


def declared() -> bool:
    """True when an installed distribution (not this helper's stand-in) declares the plugin."""
    return any(
        ep.value == TARGET and (ep.dist is None or ep.dist.name != OURS)
        for ep in entry_points(group="airflow.plugins")
    )


def entry_point_dir(root: Path) -> Path | None:
    """A directory holding a dist-info that declares the entry point (to put on sys.path or
    PYTHONPATH); None when the installed metadata declares it already."""
    if declared():
        return None
    info = root / "datavigil_plugin_entry_point-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {OURS}\nVersion: 0\n")
    (info / "entry_points.txt").write_text(f"[airflow.plugins]\ndatavigil = {TARGET}\n")
    return root


def register_in_process(root: Path) -> None:
    """Put the entry point on sys.path and forget what Airflow cached about plugins."""
    path = entry_point_dir(root)
    if path is not None and str(path) not in sys.path:
        sys.path.insert(0, str(path))
    from airflow import plugins_manager
    from airflow._shared import module_loading

    module_loading._get_grouped_entry_points.cache_clear()
    for value in vars(plugins_manager).values():
        if callable(getattr(value, "cache_clear", None)):
            value.cache_clear()


@contextmanager
def airflow_app(root: Path, env: dict[str, str]) -> Iterator[TestClient]:
    """Airflow's real API app (in process) with the datavigil plugin and ``env`` set, restored
    afterwards; the next app is built from the configuration again (auth manager, users)."""
    from airflow.api_fastapi.app import create_app, purge_cached_app

    from datavigil.airflow import plugin

    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    register_in_process(root / "entry-point")
    purge_cached_app()
    plugin._cached = None
    try:
        yield TestClient(create_app())
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        purge_cached_app()
        plugin._cached = None
