"""Conversations, read from Rasa's SQL tracker store (its `events` table, in
the database of settings.conversations_url()): who wrote in a period."""
from __future__ import annotations

from sqlalchemy import column, inspect, select, table

from bot import db, settings
from bot.figures.period import Period, epoch

EVENTS = table("events", column("sender_id"), column("type_name"), column("timestamp"))


def residents_writing(period: Period) -> set[str]:
    """The conversations (Rasa sender ids) with a resident's message in the
    period; none before Rasa has stored any."""
    engine = db.engine(settings.conversations_url())
    if not inspect(engine).has_table("events"):
        return set()
    query = select(EVENTS.c.sender_id).distinct().where(
        EVENTS.c.type_name == "user", EVENTS.c.timestamp >= epoch(period.start),
        EVENTS.c.timestamp < epoch(period.end))
    with engine.connect() as connection:
        return set(connection.execute(query).scalars())
