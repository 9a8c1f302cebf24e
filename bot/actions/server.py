"""The action server: rasa_sdk's app with the actions of `bot.actions`, bound to
127.0.0.1, answering only the Rasa server, plus the job that turns spooled
reports into tickets once the database is back.

    python -m bot.actions.server [--host 127.0.0.1] [--port 5055]

Every call but `/health` must carry the header `X-Action-Token:
$ACTION_SERVER_TOKEN` (Rasa sends it: see `bot.serve.endpoints_yaml`). A failing
action is answered with a short error, never with the tracker it was sent.
"""
from __future__ import annotations

import argparse
import asyncio
import hmac
import logging
import os

from rasa_sdk import utils
from rasa_sdk.endpoint import create_app
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.actions import spool_job

logger = logging.getLogger(__name__)
TOKEN_HEADER = "X-Action-Token"


def build_app(token: str) -> Sanic:
    app = create_app("bot.actions", cors_origins=None)

    @app.middleware("request")
    async def only_rasa(request: Request) -> HTTPResponse | None:
        if request.path == "/health":
            return None
        given = request.headers.get(TOKEN_HEADER, "")
        if not hmac.compare_digest(given.encode(), token.encode()):
            return response.json({"error": "only the Rasa server may call actions"}, status=401)
        return None

    @app.exception(Exception)
    async def failed(request: Request, exception: Exception) -> HTTPResponse:
        # rasa_sdk's own handler echoes the request (the whole conversation) back.
        logger.error("action call failed: %s", exception, exc_info=exception)
        return response.json({"error": f"{type(exception).__name__} in the action server"}, status=500)

    @app.after_server_start
    async def start_jobs(app: Sanic, loop: asyncio.AbstractEventLoop) -> None:
        app.add_task(spool_job.run_forever())

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("BIND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args()
    token = os.environ.get("ACTION_SERVER_TOKEN")
    if not token:
        raise SystemExit("ACTION_SERVER_TOKEN must be set (bot.serve generates one)")
    utils.configure_colored_logging(os.environ.get("LOG_LEVEL", "INFO"))
    utils.update_sanic_log_level()
    build_app(token).run(args.host, args.port, access_log=False)


if __name__ == "__main__":
    main()
