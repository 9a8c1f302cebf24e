"""What the Rasa server does so that no resident meets silence or loses a
conversation, whatever else fails. Applied in the Rasa server process
(bot/nlu/__init__.py), around Rasa 3.6's MessageProcessor:

- One length cap: a resident's message is cut to `text.MAX_RESIDENT_CHARS`
  before anything reads it (NLU, FAQ, tickets, transcripts), and the resident
  is told so.
- When the action server cannot be reached or fails, the turn still gets an
  answer: at response level 1 or 2 the safety text and the duty phone,
  otherwise a short "please send that again" with the service phone. The turn
  is reverted (`UserUtteranceReverted`), so a form in progress stays exactly
  where it was and the resident's words stay in the transcript.
- While a conversation waits for a person (paused), Rasa answers nothing: a
  resident who writes gets a short notice with the expected wait or the
  call-back time (at most every few minutes, never once an agent has taken the
  conversation), and in an emergency the safety text, whatever else fails.
- A new session (after `SESSION_IDLE_MINUTES` of silence, default: the
  domain's session_config) keeps a conversation that waits for a person paused.
- A session longer than `MAX_SESSION_EVENTS` events starts a new one at the next
  message, keeping every slot, the form in progress and the pause: Rasa reads
  and replays the whole session on every turn, so a 300-turn chat was 6x slower.
"""
from __future__ import annotations

import asyncio
import logging
import os
import time
from typing import Any, Dict, List, Optional, Text

from rasa.core.actions import action as rasa_action
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.processor import MessageProcessor
from rasa.shared.core.constants import ACTION_LISTEN_NAME, SESSION_START_METADATA_SLOT
from rasa.shared.core.events import (ActionExecuted, ActiveLoop, BotUttered, ConversationPaused, Event,
                                     SessionStarted, SlotSet, UserUttered, UserUtteranceReverted)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException

from bot import clock, emergency, handoffs
from bot.text import MAX_RESIDENT_CHARS

logger = logging.getLogger(__name__)
ACTION_TIMEOUT = 30  # seconds; Rasa's default of 5 minutes would leave a resident waiting
MAX_SESSION_EVENTS = 400  # about 70 turns


class ActionServerDown(BaseException):
    """The action server did not run an action. A BaseException, so that Rasa's
    own `except Exception` (which would log it and answer nothing) lets it through
    to `handle_message` below."""


_run_remote = RemoteAction.run


async def _remote_run(self: RemoteAction, *args: Any, **kwargs: Any) -> List[Event]:
    try:
        return await _run_remote(self, *args, **kwargs)
    except ActionExecutionRejection:
        raise
    except RasaException as error:
        raise ActionServerDown(self.name()) from error


def _fallback_responses(tracker: DialogueStateTracker) -> List[tuple[str, Dict[str, Any]]]:
    """(response name, values) the resident gets when actions cannot run."""
    found = ((tracker.latest_message.parse_data or {}).get("urgency") or {}) if tracker.latest_message else {}
    # With no actions there is no safety question to ask: a possible emergency is treated as one.
    urgency = found.get("level") or (found.get("if_yes") if found.get("ask") else None)
    facts = emergency.facts()
    if urgency in (1, 2):
        return emergency.first_responses(urgency) + [
            ("utter_actions_down_emergency", {"phone": facts.get("duty_phone", "")})]
    return [("utter_actions_down", {"phone": facts.get("service_phone", "")})]


async def _utter(processor: MessageProcessor, tracker: DialogueStateTracker,
                 output_channel: OutputChannel, name: str, values: Dict[str, Any]) -> BotUttered:
    message = await processor.nlg.generate(name, tracker, output_channel.name(), **values) or {}
    return BotUttered(message.get("text"), {k: v for k, v in message.items() if k != "text"},
                      {"utter_action": name})


async def _answer_without_actions(processor: MessageProcessor, tracker: DialogueStateTracker,
                                  output_channel: OutputChannel) -> None:
    events: List[Event] = [await _utter(processor, tracker, output_channel, name, values)
                           for name, values in _fallback_responses(tracker)]
    # As after Rasa's own fallback: the revert also undoes the `action_listen`
    # before the message, so the conversation is put back to listening.
    events += [UserUtteranceReverted(), ActionExecuted(ACTION_LISTEN_NAME)]
    tracker.update_with_events(events, processor.domain)
    await processor.execute_side_effects(events, tracker, output_channel)


def _waiting_responses(tracker: DialogueStateTracker) -> List[tuple[str, Dict[str, Any]]]:
    """(response name, values) for a resident who wrote while waiting for a person."""
    found = ((tracker.latest_message.parse_data or {}).get("urgency") or {}) if tracker.latest_message else {}
    level = found.get("level")
    phone = emergency.facts().get("duty_phone", "")
    responses = []
    if level in (1, 2):
        responses = emergency.first_responses(level) + [("utter_waiting_emergency", {"phone": phone})]
    try:
        notice = handoffs.notice_while_waiting(tracker.sender_id, level)
    except Exception as error:  # the database is down: still say the message arrived
        logger.error("could not read the waiting handoff: %s", type(error).__name__)
        notice = handoffs.WaitingNotice(handoffs.wait_minutes(level))
    if notice and notice.callback_by:
        responses.append(("utter_waiting_callback",
                          {"callback_time": clock.local_time_text(notice.callback_by), "phone": phone}))
    elif notice and level not in (1, 2):
        responses.append(("utter_waiting_notice", {"minutes": notice.minutes}))
    return responses


async def _answer_while_waiting(processor: MessageProcessor, tracker: DialogueStateTracker,
                                output_channel: OutputChannel) -> None:
    responses = await asyncio.to_thread(_waiting_responses, tracker)
    events: List[Event] = [await _utter(processor, tracker, output_channel, name, values)
                           for name, values in responses]
    tracker.update_with_events(events, processor.domain)
    await processor.execute_side_effects(events, tracker, output_channel)


async def handle_message(self: MessageProcessor, message: UserMessage) -> Optional[List[Dict[Text, Any]]]:
    """Rasa's handle_message, with the length cap, the answer when actions
    fail, and a notice for a resident who waits for a person."""
    cut = message.text is not None and len(message.text) > MAX_RESIDENT_CHARS
    if cut:
        message.text = message.text[:MAX_RESIDENT_CHARS]
    tracker = await self.log_message(message, should_save_tracker=False)
    if cut:
        notice = await _utter(self, tracker, message.output_channel, "utter_message_cut",
                              {"limit": MAX_RESIDENT_CHARS})
        tracker.update(notice)
        await self.execute_side_effects([notice], tracker, message.output_channel)
    if not self._should_handle_message(tracker):  # paused: waiting for a person
        await _answer_while_waiting(self, tracker, message.output_channel)
    else:
        try:
            tracker = await self.run_action_extract_slots(message.output_channel, tracker)
            await self._run_prediction_loop(message.output_channel, tracker)
        except ActionServerDown as down:
            logger.error("action server failed on %s (%s); the resident got the fallback answer",
                         down, type(down.__cause__).__name__)
            await _answer_without_actions(self, tracker, message.output_channel)
    await self.save_tracker(tracker)
    if isinstance(message.output_channel, CollectingOutputChannel):
        return message.output_channel.messages
    return None


def idle_minutes(processor: MessageProcessor) -> float:
    """`SESSION_IDLE_MINUTES`, else the domain's session expiration time."""
    configured = os.environ.get("SESSION_IDLE_MINUTES")
    return float(configured) if configured else processor.domain.session_config.session_expiration_time


def _session_events(tracker: DialogueStateTracker) -> int:
    count = 0
    for event in reversed(tracker.events):
        if isinstance(event, SessionStarted):
            break
        count += 1
    return count


def _has_session_expired(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    minutes = idle_minutes(self)
    last = tracker.get_last_event_for(UserUttered)
    idle = minutes > 0 and last is not None and (time.time() - last.timestamp) / 60 > minutes
    return idle or _session_events(tracker) > MAX_SESSION_EVENTS


_update_session = MessageProcessor._update_tracker_session


async def _update_tracker_session(self: MessageProcessor, tracker: DialogueStateTracker,
                                  output_channel: OutputChannel, metadata: Optional[Dict] = None) -> None:
    """A new session clears Rasa's pause: a conversation waiting for a person
    stays paused. One started for length alone keeps slots and the form too."""
    paused = tracker.is_paused()
    carried: List[Event] = []
    if _session_events(tracker) > MAX_SESSION_EVENTS:
        carried = [SlotSet(name, value) for name, value in tracker.current_slot_values().items()
                   if value is not None and name != SESSION_START_METADATA_SLOT]
        if tracker.active_loop_name:
            carried.append(ActiveLoop(tracker.active_loop_name))
    await _update_session(self, tracker, output_channel, metadata)
    if carried and _session_events(tracker) <= MAX_SESSION_EVENTS:  # a new session began
        tracker.update_with_events(carried, self.domain)
    if paused and not tracker.is_paused():
        tracker.update(ConversationPaused())


def apply() -> None:
    rasa_action.DEFAULT_REQUEST_TIMEOUT = ACTION_TIMEOUT
    RemoteAction.run = _remote_run  # type: ignore[method-assign]
    MessageProcessor.handle_message = handle_message  # type: ignore[method-assign]
    MessageProcessor._has_session_expired = _has_session_expired  # type: ignore[method-assign]
    MessageProcessor._update_tracker_session = _update_tracker_session  # type: ignore[method-assign]
