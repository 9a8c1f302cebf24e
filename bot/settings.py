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
