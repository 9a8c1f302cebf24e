"""Telegram in polling mode, for development without a public HTTPS address.

    python -m bot.channels.telegram_polling [--rasa http://127.0.0.1:5005]

Long-polls getUpdates and hands each update to the running Rasa server's
Telegram webhook with the secret header, so both modes share one code path.
Needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_SECRET (any value you choose).
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os

import aiohttp
from telegram.error import NetworkError

from bot.channels.telegram import SECRET_HEADER, make_bot
from bot.privacy import install_log_masking

logger = logging.getLogger(__name__)


async def poll(rasa_url: str, stop_after: int | None = None) -> int:
    """Forward updates until stopped (or until `stop_after` updates); returns how many."""
    bot = make_bot(os.environ["TELEGRAM_BOT_TOKEN"])
    headers = {SECRET_HEADER: os.environ["TELEGRAM_WEBHOOK_SECRET"]}
    forwarded, offset = 0, None
    async with bot, aiohttp.ClientSession() as http:
        await bot.delete_webhook()  # getUpdates does not work while a webhook is set
        while stop_after is None or forwarded < stop_after:
            try:
                updates = await bot.get_updates(offset=offset, timeout=25)
            except NetworkError as error:
                logger.warning("getUpdates failed: %s; retrying", error)
                await asyncio.sleep(2)
                continue
            for update in updates:
                offset = update.update_id + 1
                async with http.post(f"{rasa_url}/webhooks/telegram/webhook", headers=headers,
                                     json=update.to_dict()) as reply:
                    if reply.status != 200:
                        logger.error("the webhook answered %s for update %s", reply.status, update.update_id)
                forwarded += 1
    return forwarded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa", default="http://127.0.0.1:5005")
    args = parser.parse_args()
    install_log_masking()
    logging.basicConfig(level=logging.INFO)
    asyncio.run(poll(args.rasa))


if __name__ == "__main__":
    main()
