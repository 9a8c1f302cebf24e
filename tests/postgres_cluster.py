"""A throwaway PostgreSQL cluster in a temporary folder, for tests/test_postgres.py
and the dashboard bench (bench/dashboard.py). Debian keeps the server programs
off PATH, under /usr/lib/postgresql/*/bin."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI and developers here are root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def server_binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian keeps it."""
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


def installed() -> bool:
    return bool(server_binary("initdb") and server_binary("pg_ctl"))


@contextmanager
def throwaway_cluster(port: int) -> Iterator[str]:
    """A fresh cluster listening on 127.0.0.1:`port`, removed afterwards; yields its URL."""
    initdb, pg_ctl = server_binary("initdb"), server_binary("pg_ctl")
    data = Path(tempfile.mkdtemp(prefix="wuye-pg-"))  # pytest's tmp root is private to root
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-w", "-l", str(data / "log"), "-o",
                                 f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)
