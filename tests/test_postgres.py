"""The same ticket code on a real PostgreSQL server (a throwaway cluster in tmp)."""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest

from bot import db, tickets
from postgres_cluster import installed, throwaway_cluster

PORT = 55432


@pytest.fixture(scope="module")
def postgres_url():
    if not installed():
        if os.environ.get("WUYE_SKIP_POSTGRES"):
            pytest.skip("WUYE_SKIP_POSTGRES is set")
        pytest.fail("PostgreSQL server binaries are missing: scripts/test.sh installs the Debian package "
                    "postgresql (set WUYE_SKIP_POSTGRES=1 to skip this test knowingly)")
    with throwaway_cluster(PORT) as url:
        yield url


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
