"""The same ticket code on a real PostgreSQL server (a throwaway cluster in tmp)."""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest

from bot import db, tickets

PORT = 55432


def _as_postgres(args: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root; CI and developers here are root.
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


def _server_binary(name: str) -> str | None:
    """A PostgreSQL server program: on PATH, or where Debian keeps it."""
    found = shutil.which(name) or sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found if isinstance(found, str) else (found[-1] if found else None)


@pytest.fixture(scope="module")
def postgres_url():
    initdb, pg_ctl = _server_binary("initdb"), _server_binary("pg_ctl")
    if not (initdb and pg_ctl):
        if os.environ.get("WUYE_SKIP_POSTGRES"):
            pytest.skip("WUYE_SKIP_POSTGRES is set")
        pytest.fail("PostgreSQL server binaries are missing: scripts/test.sh installs the Debian package "
                    "postgresql (set WUYE_SKIP_POSTGRES=1 to skip this test knowingly)")
    data = Path(tempfile.mkdtemp(prefix="wuye-pg-"))  # pytest's tmp root is private to root
    if os.geteuid() == 0:
        shutil.chown(data, "postgres", "postgres")
    subprocess.run(_as_postgres([initdb, "-D", str(data), "-A", "trust", "-U", "postgres"]),
                   check=True, capture_output=True)
    subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-w", "-l", str(data / "log"), "-o",
                                 f"-p {PORT} -k {data} -c listen_addresses=127.0.0.1", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://postgres@127.0.0.1:{PORT}/postgres"
    finally:
        subprocess.run(_as_postgres([pg_ctl, "-D", str(data), "-m", "fast", "stop"]), capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_migrations_and_tickets_on_postgresql(postgres_url, monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    db.migrate(postgres_url)
    at = datetime(2026, 11, 22, 3, 0)
    report = tickets.Report(kind="repair", description="9栋电梯按键失灵", channel="rest",
                            reporter_id="rest:pg", phone="13812345678", location="9栋", building="9")
    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(lambda _: tickets.open_ticket(report, at=at).number, range(12)))
    assert sorted(numbers) == [f"BX-20261122-{i:04d}" for i in range(1, 13)]
    [latest] = tickets.tickets_of("rest:pg", limit=1)
    assert latest.team_name == "特种设备组" and latest.contact_phone == "13812345678"
    assert tickets.ticket_of("rest:someone-else", numbers[0]) is None


def test_conversations_are_kept_in_postgresql(postgres_url, tmp_path, monkeypatch):
    """The tracker store that bot.serve configures for Rasa, on PostgreSQL."""
    import asyncio

    from rasa.core.tracker_store import TrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ConversationPaused, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import read_endpoint_config

    from bot import settings
    from bot.serve import endpoints_yaml

    monkeypatch.setenv("CONVERSATIONS_DATABASE_URL", settings.conversations_url({"DATABASE_URL": postgres_url}))
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "x" * 10)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(endpoints_yaml(5055))
    domain = Domain.load("domain.yml")
    store = TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"), domain)
    assert store.engine.url.drivername.startswith("postgresql")
    tracker = DialogueStateTracker.from_events("pg-resident", [
        UserUttered("转人工", {"name": "request_human"}), SlotSet("phone", "13812345678"), ConversationPaused()],
        domain.slots)
    asyncio.run(store.save(tracker))
    again = asyncio.run(TrackerStore.create(read_endpoint_config(str(endpoints), "tracker_store"),
                                            domain).retrieve("pg-resident"))
    assert again.is_paused() and again.get_slot("phone") == "13812345678"
