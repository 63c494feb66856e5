"""Four processes at once: saving one run (PostgreSQL and SQLite), and using a new store for
the first time (SQLite: it migrates itself; PostgreSQL: `db upgrade`, then a save). Every
process gets its verdict (no exit 3); the store holds one whole save; attempts are numbered
without gaps."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from datavigil.store import Store
from tests import store_checks
from tests.faults import ledger
from tests.faults.inject import worker

EPISODES = 3  # per database and kind
ROUNDS = 4  # saves per process per episode
PROCESSES = 4


@pytest.fixture(params=["sqlite", "postgres"])
def stores(request, tmp_path: Path) -> tuple[str, list[str]]:
    """A URL template (``{i}``: the episode) and EPISODES new, empty stores of one kind."""
    if request.param == "sqlite":
        template = f"sqlite:///{tmp_path}/store-{{i}}.db"
        return template, [template.format(i=i) for i in range(EPISODES)]
    server = request.getfixturevalue("private_pg")
    base = f"faults_{uuid.uuid4().hex[:8]}_"
    urls = [server.new_database(f"{base}{i}") for i in range(EPISODES)]
    return urls[0].replace(f"{base}0", base + "{i}"), urls


def run_episodes(stores: tuple[str, list[str]], tmp_path: Path, action: list[str], kind: str):
    """One set of PROCESSES workers serves every episode; each starts on its go file."""
    template, urls = stores
    go = tmp_path / "go"
    procs = [
        worker(template, "episodes", str(EPISODES), *[a.format(w=w) for a in action], go=go)
        for w in range(PROCESSES)
    ]
    try:
        for i, url in enumerate(urls):
            with ledger.fault(kind, f"episode {i}"):
                Path(f"{go}.{i}").touch()
                lines = [_episode_line(p) for p in procs]
                assert lines == [f"EPISODE {i} 0"] * PROCESSES, lines
                check_episode(url, action)
    finally:
        for p in procs:
            p.kill9() if p.returncode is None else None


def _episode_line(proc) -> str:
    while True:
        line = proc.readline()
        if not line or line.startswith("EPISODE"):
            return line.strip()
        print(line, end="")  # a worker's error line, shown with the failure


def check_episode(url: str, action: list[str]) -> None:
    if action[0] == "save":
        run_id = action[1]
        tag = store_checks.stored(url, run_id)
        assert tag in {f"w{w}.{ROUNDS - 1}" for w in range(PROCESSES)}, tag
        numbers = [n for n, *_ in store_checks.attempts(url, run_id)]
        assert numbers == list(range(1, PROCESSES * ROUNDS + 1))
    else:
        assert Store(url).revision() == Store(url).head()
        assert store_checks.stored(url, "cli:faults:first-use").startswith("first.")
        assert len(store_checks.attempts(url, "cli:faults:first-use")) == PROCESSES


def test_four_concurrent_saves_of_one_run(stores, tmp_path: Path) -> None:
    for url in stores[1]:
        Store(url).upgrade()
    action = ["save", "cli:faults:2024-05-01", "w{w}", str(ROUNDS)]
    run_episodes(stores, tmp_path, action, "4 concurrent saves of one run")


def test_four_concurrent_first_uses_of_a_new_store(stores, tmp_path: Path) -> None:
    run_episodes(stores, tmp_path, ["first-use"], "4 concurrent first uses")
