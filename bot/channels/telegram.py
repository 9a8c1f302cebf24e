"""Telegram as a Rasa channel, built on python-telegram-bot 22.

Configured from the environment only (never from files in the repo):
TELEGRAM_BOT_TOKEN, TELEGRAM_WEBHOOK_SECRET and, for tests or a self-hosted
Bot API server, TELEGRAM_API_URL. Without a token and a secret the channel is
off: its webhook answers 404.

POST /webhooks/telegram/webhook takes Telegram's updates. The secret-token
header Telegram sends (set with setWebhook's `secret_token`) is compared in
constant time; a request without it is refused with 403. Telegram sends an
update again when the webhook was slow to answer: an update id already accepted
is answered 200 and nothing else happens.
"""
from __future__ import annotations

import asyncio
import hmac
import logging
import os
import time
from collections import defaultdict, deque
from typing import Any, Awaitable, Callable, Deque, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot import attachments, tickets
from bot.privacy import mask_phones

logger = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_MESSAGE = 4096          # Telegram's own limit per message
SEND_ATTEMPTS = 3
FLOOD_LIMIT, FLOOD_WINDOW = 20, 60.0  # messages per chat per window (seconds)
REMEMBERED_UPDATES = 10_000  # update ids kept to recognise Telegram's redeliveries

NOT_TEXT = "目前我只能看懂文字和照片。请用文字描述一下您的问题，比如\"3栋502厨房漏水\"。"
EDITED = "看到您修改了刚才的消息。如需更正，请直接发一条新消息，我按新内容处理。"
FLOODED = "您发送得太快了，请稍等一分钟再发，之前的消息我都收到了。"


def make_bot(token: str) -> Bot:
    api = os.environ.get("TELEGRAM_API_URL", "https://api.telegram.org").rstrip("/")
    return Bot(token, base_url=f"{api}/bot", base_file_url=f"{api}/file/bot")


class TelegramOutput(OutputChannel):
    """Sends replies with retries; a message that still fails is logged, not dropped silently."""

    def __init__(self, bot: Bot) -> None:
        self.bot = bot
        self._ready = asyncio.Lock()
        self._initialized = False

    @classmethod
    def name(cls) -> Text:
        return "telegram"

    async def _call(self, method: str, **kwargs: Any) -> Any:
        async with self._ready:
            if not self._initialized:  # initialize() asks getMe once
                await self.bot.initialize()
                self._initialized = True
        for attempt in range(1, SEND_ATTEMPTS + 1):
            try:
                return await getattr(self.bot, method)(**kwargs)
            except (BadRequest, Forbidden) as error:  # retrying cannot help
                logger.error("Telegram refused %s to chat %s: %s", method, kwargs.get("chat_id"), error)
                return None
            except RetryAfter as error:  # retry_after is seconds or a timedelta, by PTB version
                wait = error.retry_after
                delay = min(wait.total_seconds() if hasattr(wait, "total_seconds") else float(wait), 5.0)
            except NetworkError as error:
                delay = 0.5 * attempt
                logger.warning("Telegram %s failed (attempt %d): %s", method, attempt, error)
            if attempt < SEND_ATTEMPTS:
                await asyncio.sleep(delay)
        logger.error("gave up on Telegram %s to chat %s after %d attempts: %s", method,
                     kwargs.get("chat_id"), SEND_ATTEMPTS, mask_phones(str(kwargs.get("text", ""))[:80]))
        return None

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for start in range(0, len(text), MAX_MESSAGE):
            await self._call("send_message", chat_id=int(recipient_id), text=text[start:start + MAX_MESSAGE])

    async def send_text_with_buttons(self, recipient_id: Text, text: Text,
                                     buttons: List[Dict[Text, Any]], **kwargs: Any) -> None:
        keyboard = InlineKeyboardMarkup(
            [[InlineKeyboardButton(b["title"], callback_data=str(b["payload"])[:64])] for b in buttons])
        await self._call("send_message", chat_id=int(recipient_id), text=text, reply_markup=keyboard)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._call("send_photo", chat_id=int(recipient_id), photo=image)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        # Rasa's default would send the JSON as text; a resident must never see that.
        logger.info("dropped a custom JSON message for Telegram chat %s", recipient_id)


class _FloodGuard:
    """At most FLOOD_LIMIT messages per chat per FLOOD_WINDOW seconds."""

    def __init__(self) -> None:
        self.seen: Dict[int, Deque[float]] = defaultdict(deque)

    def allow(self, chat_id: int) -> tuple[bool, bool]:
        """(allowed, first refusal in this window)."""
        now, times = time.monotonic(), self.seen[chat_id]
        while times and now - times[0] > FLOOD_WINDOW:
            times.popleft()
        times.append(now)
        return len(times) <= FLOOD_LIMIT, len(times) == FLOOD_LIMIT + 1


class _SeenUpdates:
    """The ids of the last REMEMBERED_UPDATES accepted updates."""

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self.size = size
        self.ids: set[int] = set()
        self.order: Deque[int] = deque()

    def first_time(self, update_id: int) -> bool:
        """Record the id; False if it was recorded already. No await in here, so
        two deliveries handled concurrently cannot both be the first."""
        if update_id in self.ids:
            return False
        self.ids.add(update_id)
        self.order.append(update_id)
        if len(self.order) > self.size:
            self.ids.discard(self.order.popleft())
        return True


class TelegramInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "TelegramInput":
        return cls(os.environ.get("TELEGRAM_BOT_TOKEN") or None,
                   os.environ.get("TELEGRAM_WEBHOOK_SECRET") or None)

    def __init__(self, token: Optional[str], secret: Optional[str]) -> None:
        self.enabled = bool(token and secret)
        self.secret = secret or ""
        self.bot = make_bot(token) if self.enabled else None
        self.output = TelegramOutput(self.bot) if self.bot else None
        self.flood = _FloodGuard()
        self.seen = _SeenUpdates()

    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output  # no network here: Rasa calls this synchronously

    async def handle(self, update: Update, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Turn one update into a conversation turn, a stored photo, or a short answer."""
        out = self.output
        if update.callback_query and update.callback_query.message:
            query = update.callback_query
            await out._call("answer_callback_query", callback_query_id=query.id)
            await self._to_rasa(on_new_message, query.message.chat.id, query.data or "", update)
            return
        if update.edited_message:
            await out.send_text_message(str(update.edited_message.chat.id), EDITED)
            return
        message = update.message
        if message is None:
            logger.info("ignored a Telegram update with nothing to answer (id %s)", update.update_id)
            return
        chat_id = message.chat.id
        allowed, first_refusal = self.flood.allow(chat_id)
        if not allowed:
            if first_refusal:
                await out.send_text_message(str(chat_id), FLOODED)
            return
        if message.photo:
            await out.send_text_message(str(chat_id), await self._store_photo(message))
            if message.caption:
                await self._to_rasa(on_new_message, chat_id, message.caption, update)
        elif message.text:
            await self._to_rasa(on_new_message, chat_id, message.text, update)
        else:  # stickers, voice, video, files, locations ...
            await out.send_text_message(str(chat_id), NOT_TEXT)

    async def _store_photo(self, message: Any) -> str:
        photo = message.photo[-1]  # the largest size Telegram offers
        reporter_id = tickets.reporter_id(self.name(), str(message.chat.id))
        try:
            if (photo.file_size or 0) > attachments.MAX_BYTES:
                raise attachments.AttachmentRefused("照片太大了，请压缩后再发。")
            file = await self.output._call("get_file", file_id=photo.file_id)
            if file is None:
                return "照片没能收到，请稍后再发一次。"
            data = bytes(await file.download_as_bytearray())
            # In a worker thread: a slow database must not stall Rasa's event loop.
            number = await asyncio.to_thread(attachments.attach_photo, reporter_id, data, self.name())
        except attachments.AttachmentRefused as refusal:
            return str(refusal)
        except TelegramError:
            logger.exception("could not download a photo from chat %s", message.chat.id)
            return "照片没能收到，请稍后再发一次。"
        return f"照片已添加到工单 {number}，维修师傅上门前会先看。"

    async def _to_rasa(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], chat_id: int,
                       text: str, update: Update) -> None:
        await on_new_message(UserMessage(
            text, self.output, str(chat_id), input_channel=self.name(),
            metadata={"telegram_update_id": update.update_id}))

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        hook = Blueprint("telegram_webhook", __name__)

        @hook.route("/", methods=["GET"])
        async def health(request: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "off"})

        @hook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.json({"error": "the Telegram channel is off"}, status=404)
            given = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(given.encode(), self.secret.encode()):
                return response.json({"error": "wrong or missing secret token"}, status=403)
            try:
                update = Update.de_json(request.json, self.bot)
            except Exception:  # malformed JSON or not an update at all
                return response.json({"error": "not a Telegram update"}, status=400)
            if update is None:
                return response.json({"error": "not a Telegram update"}, status=400)
            if not self.seen.first_time(update.update_id):
                logger.info("ignored Telegram update %s: delivered again", update.update_id)
                return response.json({"ok": True})
            try:
                await self.handle(update, on_new_message)
            except Exception:  # never let one update take the webhook down
                logger.exception("failed to handle Telegram update %s", update.update_id)
            return response.json({"ok": True})

        return hook
