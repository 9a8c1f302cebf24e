"""Conversations, read from Rasa's SQL tracker store (its `events` table, in
the database of settings.conversations_url()): who wrote in a period.

Rasa indexes that table by sender only; the first time it is read here, an
index on (type_name, timestamp, sender_id) is added (IF NOT EXISTS), so a
year's residents are read from the index alone."""
from __future__ import annotations

from threading import Lock

from sqlalchemy import column, inspect, select, table, text

from bot import db, settings
from bot.figures.period import Period, epoch
from bot.figures.sql import plain_rows

EVENTS = table("events", column("sender_id"), column("type_name"), column("timestamp"))
INDEX = "CREATE INDEX IF NOT EXISTS ix_events_user_time ON events (type_name, timestamp, sender_id)"
_indexed: set[str] = set()
_lock = Lock()


def _ready(url: str) -> bool:
    """Has Rasa made its table yet? Index it the first time it has."""
    with _lock:
        if url not in _indexed:
            engine = db.engine(url)
            if not inspect(engine).has_table("events"):
                return False
            with engine.begin() as connection:
                connection.execute(text(INDEX))
            _indexed.add(url)
    return True


def residents_writing(period: Period) -> set[str]:
    """The conversations (Rasa sender ids) with a resident's message in the
    period; none before Rasa has stored any."""
    url = settings.conversations_url()
    if not _ready(url):
        return set()
    query = select(EVENTS.c.sender_id).distinct().where(
        EVENTS.c.type_name == "user", EVENTS.c.timestamp >= epoch(period.start),
        EVENTS.c.timestamp < epoch(period.end))
    with db.engine(url).connect() as connection:
        return {sender for sender, in plain_rows(connection, query)}  # a year: some 10^5
