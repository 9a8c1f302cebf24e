"""The faster action-response validation judges exactly as Rasa's own."""
import pytest
from jsonschema import ValidationError, validate
from rasa.core.actions.action import RemoteAction

import bot.nlu  # noqa: F401  (applies the fix)

GOOD = {"events": [{"event": "slot", "name": "location", "value": "3栋502"}],
        "responses": [{"text": "好的", "buttons": []}]}
BAD = [{"events": "not a list"}, {"events": [{"no_event_key": 1}]}, {"responses": "x"}]


def test_the_fix_is_in_place():
    assert RemoteAction._validate_action_result.__module__ == "bot.nlu.rasa_fixes"


def test_valid_responses_pass():
    assert RemoteAction("a", None)._validate_action_result(GOOD) is True


@pytest.mark.parametrize("response", BAD)
def test_invalid_responses_fail_as_with_plain_jsonschema(response):
    with pytest.raises(ValidationError):
        validate(response, RemoteAction.action_response_format_spec())
    with pytest.raises(ValidationError, match="Failed to validate Action server response"):
        RemoteAction("a", None)._validate_action_result(response)


def _long_tracker(turns: int):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, SlotSet, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.load("domain.yml")
    events = [SlotSet("phone", "13812345678")]
    for i in range(turns):
        events += [ActionExecuted("action_listen"), UserUttered(f"第{i}条", {"name": "faq"}),
                   ActionExecuted("action_answer_faq"), BotUttered(f"回答{i}")]
    return DialogueStateTracker.from_events("long", events, domain.slots), domain


def test_the_action_server_gets_the_last_events_only():
    from bot.nlu.rasa_fixes import ACTION_EVENTS
    tracker, domain = _long_tracker(300)
    call = RemoteAction("action_answer_faq", None)._action_call_format(tracker, domain)
    sent = call["tracker"]["events"]
    assert len(tracker.events) > 1000 and len(sent) == ACTION_EVENTS
    assert sent[-1]["text"] == "回答299" and sent[-3]["text"] == "第299条"  # the latest, in order
    assert call["tracker"]["slots"]["phone"] == "13812345678"  # slots from the whole conversation
    assert call["next_action"] == "action_answer_faq" and call["sender_id"] == "long" and "domain" in call


def test_a_new_session_keeps_a_conversation_paused(monkeypatch):
    """The pause of a handoff outlives the idle timeout (SESSION_IDLE_MINUTES)."""
    import asyncio
    import time

    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.core.processor import MessageProcessor
    from rasa.shared.core.events import ConversationPaused, SessionStarted, UserUttered

    tracker, domain = _long_tracker(1)
    tracker.update(ConversationPaused())
    tracker.update(UserUttered("人呢", {"name": "greet"}, timestamp=time.time() - 120))
    processor = MessageProcessor.__new__(MessageProcessor)  # no model needed for a session start
    processor.domain, processor.nlg, processor.action_endpoint = domain, TemplatedNaturalLanguageGenerator(
        domain.responses), None
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "1")
    asyncio.run(processor._update_tracker_session(tracker, CollectingOutputChannel()))
    assert any(isinstance(e, SessionStarted) for e in tracker.events)  # expired after 1 minute...
    assert tracker.is_paused()  # ...and still waiting for the agent
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    assert not processor._has_session_expired(tracker)


def test_a_sender_the_database_cannot_store_does_not_end_the_server(tmp_path):
    """Rasa's SQL store called sys.exit on a lone surrogate in a sender id."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.load("domain.yml"), host=f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(ValueError):  # an error of this request, not SystemExit
        asyncio.run(store.retrieve("\ud800"))
    assert asyncio.run(store.retrieve("resident")) is None  # the store still works
