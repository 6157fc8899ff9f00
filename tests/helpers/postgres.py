"""A throwaway PostgreSQL cluster for tests and benchmarks: initdb + pg_ctl in a temp dir.

PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres` user (via
runuser) in a directory chowned to it. Without the server binaries, `find_pg_bin()` is None
and callers skip with a clear reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
SKIP_REASON = (
    "PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or under /usr/lib/postgresql"
)


def find_pg_bin() -> Path | None:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).parent
    for d in PG_BIN_DIRS:
        if (d / "initdb").exists() and (d / "pg_ctl").exists():
            return d
    return None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PostgresCluster:
    base: Path
    port: int
    user: str

    def url(self, db: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{db}"

    def create_database(self, name: str) -> str:
        """A fresh, empty database in this cluster; returns its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres",
                             autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _as_pg_user(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """Starts a cluster on a random loopback port; stops it and removes its files after."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError(SKIP_REASON)
    base = Path(tempfile.mkdtemp(prefix="reviewer-pg-"))
    data = base / "data"
    user = "reviewer"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
        base.chmod(0o700)
    port = free_port()
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    subprocess.run(
        _as_pg_user([str(bin_dir / "initdb"), "-D", str(data), "-U", user, "-A", "trust",
                     "-E", "UTF8", "--no-sync"]),
        check=True, capture_output=True, env=env,
    )
    opts = (f"-k {base} -p {port} -h 127.0.0.1 -c fsync=off -c synchronous_commit=off "
            "-c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB")
    subprocess.run(
        _as_pg_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", opts, "-l",
                     str(base / "log"), "-w", "-t", "60", "start"]),
        check=True, capture_output=True, env=env,
    )
    try:
        cluster = PostgresCluster(base=base, port=port, user=user)
        _wait_ready(cluster)
        yield cluster
    finally:
        subprocess.run(
            _as_pg_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w",
                         "stop"]),
            capture_output=True, env=env, check=False,
        )
        shutil.rmtree(base, ignore_errors=True)


def _wait_ready(cluster: PostgresCluster, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(f"host=127.0.0.1 port={cluster.port} user={cluster.user} "
                                 "dbname=postgres", connect_timeout=2):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)
