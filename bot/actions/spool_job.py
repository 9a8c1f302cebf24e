"""The action server's background job: reports spooled while the database was
down become tickets within seconds of its return, and each resident is sent
the number of their ticket on the channel they wrote from."""
from __future__ import annotations

import asyncio
import logging

import aiohttp

from bot import tickets
from bot.models import Ticket
from bot.rasa_client import RasaClient

logger = logging.getLogger(__name__)
INTERVAL = 3.0  # seconds between looks at the spool


async def run_forever() -> None:
    while True:
        await asyncio.sleep(INTERVAL)
        try:
            await replay_once()
        except Exception:  # the job must outlive any one failure
            logger.exception("spool replay failed; trying again in %.0f s", INTERVAL)


async def replay_once() -> list[Ticket]:
    """Replay the spool (in a worker thread: the database may be slow) and tell
    each resident their ticket number."""
    if not tickets.spooled():
        return []
    created = await asyncio.to_thread(tickets.replay_spool)
    rasa = RasaClient.from_environment()
    for ticket in created:
        await announce(rasa, ticket)
    return created


async def announce(rasa: RasaClient, ticket: Ticket) -> None:
    """`utter_spooled_ticket` in the resident's conversation, through Rasa's API
    (the ticket number goes into the `ticket_no` slot the response reads)."""
    try:
        await rasa.say(tickets.sender_of(ticket), "utter_spooled_ticket", {"ticket_no": ticket.number})
    except aiohttp.ClientError as error:
        logger.warning("could not tell the resident about ticket %s: %s", ticket.number, type(error).__name__)
