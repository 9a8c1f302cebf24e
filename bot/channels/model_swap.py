"""Swapping a newly trained model into the running Rasa server without
dropping conversations (the workbench's "retrain" button ends here).

POST /webhooks/model_swap/?token=$RASA_AUTH_TOKEN   {"model_file": "models/<hash>.tar.gz"}

Rasa's own `PUT /model` builds a new agent with a new tracker store, which
empties the default in-memory store. Here the running agent keeps its tracker,
lock store and action endpoint and only gets a new message processor; the
model loads in a worker thread, so conversations carry on meanwhile and the
next message is handled by the new model.
It is registered as an input channel because that is how Rasa 3.6 lets a
project add a route; it receives no resident messages.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot.training import MODELS_DIR

logger = logging.getLogger(__name__)


class ModelSwapInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "model_swap"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ModelSwapInput":
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        swap = Blueprint("model_swap", __name__)

        @swap.route("/", methods=["POST"])
        async def load(request: Request) -> HTTPResponse:
            token = os.environ.get("RASA_AUTH_TOKEN") or ""
            given = request.args.get("token") or ""
            if not token or not hmac.compare_digest(given.encode(), token.encode()):
                return json({"error": "a valid token is required"}, status=401)
            data = request.json if request.body else None
            path = Path(str((data or {}).get("model_file") or "")).resolve()
            if path.parent != MODELS_DIR.resolve() or not path.is_file():
                return json({"error": f"no model file {path.name} in models/"}, status=400)
            agent = request.app.ctx.agent
            processor = await asyncio.get_running_loop().run_in_executor(None, lambda: MessageProcessor(
                model_path=path, tracker_store=agent.tracker_store, lock_store=agent.lock_store,
                action_endpoint=agent.action_endpoint, generator=agent.nlg,
                http_interpreter=agent.http_interpreter))
            # No await from here on: the event loop sees the old model or the new one.
            agent.processor = processor
            agent.domain = processor.domain
            agent.tracker_store.domain = processor.domain
            if hasattr(agent.nlg, "responses"):
                agent.nlg.responses = processor.domain.responses
            logger.info("swapped in model %s", path.name)
            return json({"model": path.name})

        return swap
