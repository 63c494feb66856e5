"""A private PostgreSQL server for benchmarks/pg_bench.py: its own initdb directory and port,
pg_stat_statements preloaded, durability off (a benchmark table is rebuilt, never recovered).
Only this server is ever stopped (``pg_ctl -D <its directory> stop``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "shared_preload_libraries": "pg_stat_statements",
    "pg_stat_statements.track": "all",
    "pg_stat_statements.max": "10000",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_wal_size": "4GB",
    "shared_buffers": "512MB",
    "work_mem": "256MB",
    "maintenance_work_mem": "512MB",
}


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        sys.exit("pg_bench: PostgreSQL's binaries (initdb) are not installed")
    return found[-1].parent


def as_postgres(*cmd: str) -> subprocess.CompletedProcess:
    """Run a server binary; as root, as the postgres user (initdb refuses root)."""
    if os.getuid() == 0:
        line = " ".join(f"'{c}'" for c in cmd)
        return subprocess.run(
            ["su", "postgres", "-s", "/bin/bash", "-c", line],
            capture_output=True,
            text=True,
        )
    return subprocess.run(list(cmd), capture_output=True, text=True)


@dataclass
class Server:
    directory: Path
    port: int

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def running(self) -> bool:
        return (
            as_postgres(str(pg_bin() / "pg_ctl"), "-D", str(self.directory), "status").returncode
            == 0
        )

    def start(self) -> None:
        if self.running():
            return
        if not (self.directory / "PG_VERSION").exists():
            shutil.rmtree(self.directory, ignore_errors=True)
            self.directory.mkdir(parents=True)
            if os.getuid() == 0:
                shutil.chown(self.directory, "postgres", "postgres")
            init = as_postgres(
                str(pg_bin() / "initdb"), "-D", str(self.directory), "-A", "trust", "-U", "postgres"
            )
            if init.returncode:
                sys.exit(f"pg_bench: initdb failed: {init.stderr.strip().splitlines()[-1]}")
        opts = f"-p {self.port} -k /tmp " + " ".join(f"-c {k}={v}" for k, v in SETTINGS.items())
        log = self.directory / "server.log"
        ctl = str(pg_bin() / "pg_ctl")
        res = as_postgres(ctl, "-D", str(self.directory), "-l", str(log), "-w", "-o", opts, "start")
        if res.returncode:
            sys.exit(f"pg_bench: the server did not start on port {self.port}: see {log}")

    def stop(self) -> None:
        as_postgres(str(pg_bin() / "pg_ctl"), "-D", str(self.directory), "-m", "fast", "-w", "stop")
