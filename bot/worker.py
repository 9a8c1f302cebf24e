"""The worker process: runs the durable jobs (bot/jobs.py) as they fall due,
today the satisfaction follow-up (bot/surveys.py). Started and supervised by
bot/serve.py; any number may run, on one server or several, and each job
still runs once.

    python -m bot.worker [--name NAME] [--once]
"""
from __future__ import annotations

import argparse
import asyncio
import logging
import os
import socket

from bot import jobs, surveys
from bot.privacy import install_log_masking
from bot.rasa_client import RasaClient

logger = logging.getLogger("bot.worker")
POSTPONE_MINUTES = 10  # a survey for a conversation that is busy (with a person, in a form) waits this long


def poll_seconds() -> float:
    """How often due jobs are looked for (`WORKER_POLL_SECONDS`, default 2)."""
    return float(os.environ.get("WORKER_POLL_SECONDS", "2"))


async def run_due(worker: str, messenger: surveys.Messenger) -> int:
    """Run every job due now; returns how many ran (or were put back for later)."""
    claimed = await asyncio.to_thread(jobs.claim_due, worker)
    for job in claimed:
        handler = surveys.HANDLERS.get(job.kind)
        try:
            if handler is None:
                raise LookupError(f"no handler for jobs of kind {job.kind!r}")
            await handler(job.payload, messenger)
        except surveys.NotNow as busy:
            await asyncio.to_thread(jobs.postpone, job, POSTPONE_MINUTES, str(busy))
            logger.info("job %s postponed %d minutes: %s", job.key, POSTPONE_MINUTES, busy)
        except Exception as error:  # one job's failure must not stop the others
            status = await asyncio.to_thread(jobs.retry_later, job, f"{type(error).__name__}: {error}")
            logger.exception("job %s failed (attempt %d); now %s", job.key, job.attempts, status)
        else:
            await asyncio.to_thread(jobs.finish, job)
            logger.info("job %s done", job.key)
    return len(claimed)


async def run_forever(worker: str, messenger: surveys.Messenger) -> None:
    logger.info("worker %s started; looking for due jobs every %.1f s", worker, poll_seconds())
    while True:
        try:
            await run_due(worker, messenger)
        except Exception:  # e.g. the database is down: try again at the next poll
            logger.exception("could not look for due jobs")
        await asyncio.sleep(poll_seconds())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--name", default=f"{socket.gethostname()}-{os.getpid()}")
    parser.add_argument("--once", action="store_true", help="run the jobs due now, then stop")
    args = parser.parse_args()
    install_log_masking()
    logging.basicConfig(level=os.environ.get("LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    messenger = RasaClient.from_environment()
    if args.once:
        asyncio.run(run_due(args.name, messenger))
    else:
        asyncio.run(run_forever(args.name, messenger))


if __name__ == "__main__":
    main()
