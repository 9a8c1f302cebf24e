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


def _session_start(tracker, domain) -> None:
    """Rasa's session check on a tracker (no model is needed for it)."""
    import asyncio

    from rasa.core.channels.channel import CollectingOutputChannel
    from rasa.core.nlg import TemplatedNaturalLanguageGenerator
    from rasa.core.processor import MessageProcessor

    processor = MessageProcessor.__new__(MessageProcessor)
    processor.domain, processor.nlg, processor.action_endpoint = domain, TemplatedNaturalLanguageGenerator(
        domain.responses), None
    asyncio.run(processor._update_tracker_session(tracker, CollectingOutputChannel()))
    return processor


def test_a_new_session_keeps_a_conversation_paused(monkeypatch):
    """The pause of a handoff outlives the idle timeout (SESSION_IDLE_MINUTES)."""
    import time

    from rasa.shared.core.events import ConversationPaused, SessionStarted, UserUttered

    tracker, domain = _long_tracker(1)
    tracker.update(ConversationPaused())
    tracker.update(UserUttered("人呢", {"name": "greet"}, timestamp=time.time() - 120))
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "1")
    processor = _session_start(tracker, domain)
    assert any(isinstance(e, SessionStarted) for e in tracker.events)  # expired after 1 minute...
    assert tracker.is_paused()  # ...and still waiting for the agent
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "5")
    assert not processor._has_session_expired(tracker)


def test_a_long_session_starts_anew_keeping_slots_form_and_pause():
    """Rasa reads the whole session every turn: a long one is cut, nothing else is."""
    from rasa.shared.core.events import ActiveLoop, ConversationPaused, SessionStarted, SlotSet

    from bot.nlu.server_guards import MAX_SESSION_EVENTS
    tracker, domain = _long_tracker(MAX_SESSION_EVENTS // 4 + 1)
    tracker.update_with_events([SlotSet("location", "3栋502"), ActiveLoop("repair_form"),
                                SlotSet("requested_slot", "visit_time"), ConversationPaused()], domain)
    _session_start(tracker, domain)
    assert any(isinstance(e, SessionStarted) for e in tracker.events)
    assert tracker.get_slot("location") == "3栋502" and tracker.get_slot("phone") == "13812345678"
    assert tracker.active_loop_name == "repair_form" and tracker.get_slot("requested_slot") == "visit_time"
    assert tracker.is_paused()


def test_a_sender_the_database_cannot_store_does_not_end_the_server(tmp_path):
    """Rasa's SQL store called sys.exit on a lone surrogate in a sender id."""
    import asyncio

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    store = SQLTrackerStore(Domain.load("domain.yml"), host=f"sqlite:///{tmp_path / 'c.db'}")
    with pytest.raises(ValueError):  # an error of this request, not SystemExit
        asyncio.run(store.retrieve("\ud800"))
    assert asyncio.run(store.retrieve("resident")) is None  # the store still works
