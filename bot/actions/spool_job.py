"""The action server's background job: reports spooled while the database was
down become tickets within seconds of its return, and each resident is sent
the number of their ticket on the channel they wrote from."""
from __future__ import annotations

import asyncio
import logging
import os
from urllib.parse import quote

import aiohttp

from bot import tickets
from bot.models import Ticket

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
    for ticket in created:
        await announce(ticket)
    return created


async def announce(ticket: Ticket) -> None:
    """`utter_spooled_ticket` in the resident's conversation, through Rasa's API
    (the ticket number goes into the `ticket_no` slot the response reads)."""
    sender = ticket.reporter_id.split(":", 1)[1]
    base = f"{os.environ.get('RASA_URL', 'http://127.0.0.1:5005')}/conversations/{quote(sender, safe='')}"
    params = {"token": os.environ.get("RASA_AUTH_TOKEN", ""), "output_channel": "latest"}
    slot = [{"event": "slot", "name": "ticket_no", "value": ticket.number}]
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
            async with http.post(f"{base}/tracker/events", params=params, json=slot) as r:
                r.raise_for_status()
            async with http.post(f"{base}/execute", params=params, json={"name": "utter_spooled_ticket"}) as r:
                r.raise_for_status()
    except aiohttp.ClientError as error:
        logger.warning("could not tell the resident about ticket %s: %s", ticket.number, type(error).__name__)
