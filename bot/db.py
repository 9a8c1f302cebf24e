"""Engine, one session per unit of work, and schema migrations (Alembic)."""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot import settings

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


@lru_cache(maxsize=4)
def engine(url: str | None = None) -> Engine:
    url = url or settings.database_url()
    if url.startswith("sqlite"):
        return create_engine(url, future=True, connect_args={"timeout": 15})
    return create_engine(url, future=True, pool_pre_ping=True)


@lru_cache(maxsize=4)
def _session_factory(url: str) -> sessionmaker:
    return sessionmaker(bind=engine(url), future=True, expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A transaction: committed when the block ends, rolled back on error."""
    session: Session = _session_factory(settings.database_url())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url or settings.database_url())
    return cfg


def migrate(url: str | None = None) -> None:
    """Bring the schema up to date (alembic upgrade head)."""
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    migrate()
    print("database schema is up to date")
