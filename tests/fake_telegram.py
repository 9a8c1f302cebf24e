"""A fake Telegram Bot API server on 127.0.0.1 for the tests: it answers the
methods python-telegram-bot calls, records every call, serves photo files,
queues updates for getUpdates, and can fail on purpose."""
from __future__ import annotations

import asyncio
import itertools
import json
import threading
import time
from typing import Any

from aiohttp import web

BOT_USER = {"id": 4242, "is_bot": True, "first_name": "物业助手", "username": "wuye_test_bot"}


def _chat(chat_id: int) -> dict:
    return {"id": chat_id, "type": "private", "first_name": "业主"}


class FakeTelegram:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict]] = []
        self.files: dict[str, bytes] = {}
        self.updates: list[dict] = []
        self.failures: dict[str, int] = {}  # method -> how many more calls fail with 502
        self._ids = itertools.count(1)
        self._loop = asyncio.new_event_loop()
        self.port = 0

    # --- what tests look at -------------------------------------------------
    def sent(self, chat_id: int, method: str = "sendMessage") -> list[dict]:
        return [p for m, p in self.calls if m == method and int(p.get("chat_id", 0)) == chat_id]

    def texts(self, chat_id: int) -> list[str]:
        return [p["text"] for p in self.sent(chat_id)]

    # --- the server ---------------------------------------------------------
    async def _method(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params = await request.json()
        else:
            params = {}
            for key, value in (await request.post()).items():
                try:
                    params[key] = json.loads(value)
                except (TypeError, ValueError):
                    params[key] = value
        self.calls.append((method, params))
        if self.failures.get(method, 0) > 0:
            self.failures[method] -= 1
            return web.json_response({"ok": False, "error_code": 502, "description": "Bad Gateway"},
                                     status=502)
        return web.json_response({"ok": True, "result": self._result(method, params)})

    def _result(self, method: str, params: dict) -> Any:
        if method == "getMe":
            return BOT_USER
        if method in ("sendMessage", "sendPhoto"):
            return {"message_id": next(self._ids), "date": int(time.time()),
                    "chat": _chat(int(params["chat_id"])), "text": params.get("text", "")}
        if method == "getFile":
            file_id = params["file_id"]
            return {"file_id": file_id, "file_unique_id": f"u-{file_id}",
                    "file_size": len(self.files.get(file_id, b"")), "file_path": f"photos/{file_id}.jpg"}
        if method == "getUpdates":
            pending, self.updates = self.updates, []
            return pending
        return True  # answerCallbackQuery, deleteWebhook, setWebhook ...

    async def _file(self, request: web.Request) -> web.Response:
        file_id = request.match_info["path"].rsplit("/", 1)[-1].removesuffix(".jpg")
        return web.Response(body=self.files.get(file_id, b""), content_type="image/jpeg")

    def start(self) -> "FakeTelegram":
        ready = threading.Event()

        async def serve() -> None:
            app = web.Application()
            app.router.add_route("*", "/bot{token}/{method}", self._method)
            app.router.add_get("/file/bot{token}/{path:.*}", self._file)
            self._runner = web.AppRunner(app)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]
            ready.set()

        def run() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        ready.wait(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


# --- updates as Telegram sends them ----------------------------------------------

_update_ids = itertools.count(1000)


def message(chat_id: int, **content: Any) -> dict:
    uid = next(_update_ids)
    return {"update_id": uid, "message": {"message_id": uid, "date": int(time.time()), "chat": _chat(chat_id),
                                          "from": {"id": chat_id, "is_bot": False, "first_name": "业主"},
                                          **content}}


def edited(chat_id: int, text: str) -> dict:
    update = message(chat_id, text=text, edit_date=int(time.time()))
    update["edited_message"] = update.pop("message")
    return update


def button_press(chat_id: int, data: str) -> dict:
    uid = next(_update_ids)
    return {"update_id": uid, "callback_query": {
        "id": f"cb{uid}", "from": {"id": chat_id, "is_bot": False, "first_name": "业主"},
        "chat_instance": "ci", "data": data,
        "message": {"message_id": uid, "date": int(time.time()), "chat": _chat(chat_id), "text": "请核对"}}}
