"""Shared fixtures: a migrated SQLite database and an editable knowledge copy."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")

from bot import db, settings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEV_SET = ROOT.parent / "shared" / "eval" / "dev.tsv"


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh SQLite database built by the migrations; var/ in tmp_path."""
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path / "var")
    db.migrate(url)
    return url


@pytest.fixture
def knowledge_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """knowledge/ copied to tmp_path, and used instead of the real one."""
    target = tmp_path / "knowledge"
    shutil.copytree(ROOT / "knowledge", target)
    monkeypatch.setattr(settings, "KNOWLEDGE_DIR", target)
    return target
