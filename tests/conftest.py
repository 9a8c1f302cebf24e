"""Shared fixtures: a migrated SQLite database and an editable knowledge copy."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot import db, settings, training  # noqa: E402
from bot.serve import Servers  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT / "tests" / "data" / "dev.tsv"  # a copy of the shared dev set: a second opinion, never trained on


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database built by the migrations; var/ in tmp_path."""
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path / "var")
    db.migrate(url)
    return url


def set_office_hours(knowledge_dir: Path, opens: str, closes: str) -> None:
    """Rewrite sla.yml's office hours in a knowledge copy."""
    import re
    sla = knowledge_dir / "sla.yml"
    text = re.sub(r'opens: "[0-9:]+"', f'opens: "{opens}"', sla.read_text(encoding="utf-8"))
    sla.write_text(re.sub(r'closes: "[0-9:]+"', f'closes: "{closes}"', text), encoding="utf-8")


@pytest.fixture
def knowledge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """knowledge/ copied to tmp_path, and used instead of the real one."""
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    monkeypatch.setattr(settings, "KNOWLEDGE_DIR", target)
    return target


@pytest.fixture(scope="session")
def fake_telegram():
    """A fake Telegram Bot API server on 127.0.0.1 (see tests/fake_telegram.py)."""
    from fake_telegram import FakeTelegram
    fake = FakeTelegram().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, fake_telegram):
    """The real action server, Rasa server and agent API on their own database,
    logging at DEBUG (so the log-masking test sees every message), with the
    Telegram channel pointed at the fake Bot API server."""
    from http_helpers import AGENT_TOKEN, TELEGRAM_SECRET, TOKEN
    model = training.model_path()
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `python -m bot.training` first")
    var = tmp_path_factory.mktemp("var")
    url = f"sqlite:///{var / 'tickets.db'}"
    db.migrate(url)
    knowledge_dir = var / "knowledge"  # the workbench tests edit it
    shutil.copytree(ROOT / "knowledge", knowledge_dir)
    # A desk open all day, so that no handoff turns into a call-back at night
    # (tests/test_waiting_http.py closes it where that is the point).
    set_office_hours(knowledge_dir, "00:00", "24:00")
    env = {"DATABASE_URL": url, "VAR_DIR": str(var), "LOG_LEVEL": "DEBUG", "KNOWLEDGE_DIR": str(knowledge_dir),
           "TELEGRAM_BOT_TOKEN": "123456:TEST", "TELEGRAM_WEBHOOK_SECRET": TELEGRAM_SECRET,
           "TELEGRAM_API_URL": fake_telegram.url,
           "SAFETY_ANSWER_WAIT_SECONDS": "3",  # silence after a safety question counts as yes
           "WORKER_POLL_SECONDS": "0.5"}
    # WUYE_TEST_PORT lets two checkouts run their suites side by side; each
    # pytest-xdist worker (gw0, gw1, ...) runs its own servers 200 ports further on.
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    port = int(os.environ.get("WUYE_TEST_PORT", "15005")) + 200 * worker
    with Servers(model, rasa_port=port, action_port=port + 50, auth_token=TOKEN, env=env,
                 agent_port=port + 51, agent_token=AGENT_TOKEN) as servers:
        servers.db_url = url
        servers.knowledge_dir = knowledge_dir
        yield servers


@pytest.fixture
def staff(server, monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple[str, str]]:
    """One new account per role in the servers' database: role → (username, password)."""
    import uuid
    from bot.console import accounts
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    people = {}
    for role in accounts.ROLES:
        name, password = f"{role}-{uuid.uuid4().hex[:6]}", f"{role} password"
        accounts.create_account(name, password, role)
        people[role] = (name, password)
    return people


@pytest.fixture(scope="session")
def nlu():
    """parse(text) → the trained pipeline's parse result (intent, faq_entry,
    emotion, urgency), in process."""
    import asyncio
    from rasa.core.agent import Agent
    model = training.model_path()
    if not model.exists():
        pytest.fail(f"no trained model at {model}: run `python -m bot.training` first")
    agent = Agent.load(str(model))
    return lambda text: asyncio.run(agent.parse_message(text))


@pytest.fixture(scope="module")
def console_models(tmp_path_factory):
    """The console's wording and suggestion models (bot/agent_models.py) under a
    temporary VAR_DIR, trained once for the test module."""
    from bot import agent_models
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(settings, "VAR_DIR", tmp_path_factory.mktemp("var"))
        patch.setattr(agent_models, "_loaded", {})
        yield
