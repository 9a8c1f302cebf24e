"""The few calls of Rasa's HTTP API that other processes make: the console
(transcripts, agents' replies, try-it, model swap), the action server's spool
job (telling a resident the number of a ticket made late) and the worker
(satisfaction surveys, bot/surveys.py)."""
from __future__ import annotations

import json as jsonlib
import os
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlencode

import aiohttp


class RasaClient:
    """Rasa's HTTP API with the server's auth token."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url = url.rstrip("/")
        self.params = {"token": token} if token else {}

    @classmethod
    def from_environment(cls) -> "RasaClient":
        """The Rasa server of `$RASA_URL` with `$RASA_AUTH_TOKEN` (bot.serve sets both)."""
        return cls(os.environ.get("RASA_URL", "http://127.0.0.1:5005"), os.environ.get("RASA_AUTH_TOKEN") or None)

    def _conversation_url(self, conversation_id: str) -> str:
        return f"{self.url}/conversations/{quote(conversation_id, safe='')}"

    async def tracker(self, conversation_id: str) -> dict:
        async with aiohttp.ClientSession() as session:
            async with session.get(self._conversation_url(conversation_id) + "/tracker", params=self.params) as r:
                r.raise_for_status()
                return await r.json()

    async def status(self) -> dict:
        """Rasa's /status: among others, the model file in use."""
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{self.url}/status", params=self.params) as r:
                r.raise_for_status()
                return await r.json()

    async def parse(self, text: str) -> dict:
        """What the loaded model makes of a message (nothing is added to a conversation)."""
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{self.url}/model/parse", params=self.params,
                                    json={"text": text}) as r:
                r.raise_for_status()
                return await r.json()

    def swap_model(self, model: Path) -> None:
        """Load a model into the running server, conversations kept
        (bot/channels/model_swap.py). Blocking: the retraining thread calls it."""
        request = urllib.request.Request(
            f"{self.url}/webhooks/model_swap/?{urlencode(self.params)}",
            data=jsonlib.dumps({"model_file": str(model)}).encode(),
            headers={"Content-Type": "application/json"}, method="POST")
        with urllib.request.urlopen(request, timeout=300):
            pass

    async def append(self, conversation_id: str, events: list[dict]) -> None:
        """Add events; side effects run, so bot messages reach the resident."""
        params = {**self.params, "execute_side_effects": "true", "output_channel": "latest"}
        async with aiohttp.ClientSession() as session:
            async with session.post(self._conversation_url(conversation_id) + "/tracker/events",
                                    params=params, json=events) as r:
                r.raise_for_status()

    async def execute(self, conversation_id: str, action: str) -> None:
        """Run one action (e.g. an `utter_` response filled from the slots) in a
        conversation; its messages go to the resident's latest channel."""
        params = {**self.params, "output_channel": "latest"}
        async with aiohttp.ClientSession() as session:
            async with session.post(self._conversation_url(conversation_id) + "/execute",
                                    params=params, json={"name": action}) as r:
                r.raise_for_status()

    async def say(self, conversation_id: str, response: str, slots: dict) -> None:
        """Send a domain.yml response, filled from `slots`, to the resident on the
        channel they last used; the conversation then listens for their answer."""
        await self.append(conversation_id, [{"event": "slot", "name": name, "value": value}
                                            for name, value in slots.items()])
        await self.execute(conversation_id, response)
        await self.append(conversation_id, [{"event": "action", "name": "action_listen"}])

    async def busy(self, conversation_id: str) -> bool:
        """Is a person handling the conversation, or a form in the middle of its questions?"""
        tracker = await self.tracker(conversation_id)
        return bool(tracker.get("paused") or (tracker.get("active_loop") or {}).get("name"))
