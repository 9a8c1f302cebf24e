"""Where things are, and what the environment may override."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE_DIR = Path(os.environ.get("KNOWLEDGE_DIR", ROOT / "knowledge"))
VAR_DIR = Path(os.environ.get("VAR_DIR", ROOT / "var"))


def database_url() -> str:
    """`DATABASE_URL` (e.g. postgresql://user:pw@host/db) or a SQLite file in var/."""
    url = os.environ.get("DATABASE_URL")
    if url:
        return url
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{VAR_DIR / 'wuye.db'}"


def conversations_url(env: dict[str, str] | None = None) -> str:
    """Where Rasa keeps conversations (its SQL tracker store, table `events`):
    `CONVERSATIONS_DATABASE_URL` if set; else the server database of
    `DATABASE_URL` (PostgreSQL); else a SQLite file of its own, so that a busy
    ticket file never stalls a chat."""
    env = os.environ if env is None else env
    if env.get("CONVERSATIONS_DATABASE_URL"):
        return env["CONVERSATIONS_DATABASE_URL"]
    if env.get("DATABASE_URL") and not env["DATABASE_URL"].startswith("sqlite"):
        return env["DATABASE_URL"]
    var = Path(env.get("VAR_DIR") or VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{var / 'conversations.db'}"


def safety_answer_wait_seconds() -> int:
    """How long the assistant waits for the answer to a safety question before
    it treats silence as yes (SAFETY_ANSWER_WAIT_SECONDS, default 90)."""
    return int(os.environ.get("SAFETY_ANSWER_WAIT_SECONDS", "90"))
