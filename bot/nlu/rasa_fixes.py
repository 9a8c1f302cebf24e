"""Fixes to Rasa 3.6 itself, applied in the Rasa server process.

- `RemoteAction._validate_action_result` calls `jsonschema.validate()`, which
  re-checks the (constant) response schema against the JSON-Schema metaschema on
  every action call: about two thirds of a REST turn's CPU time in our profile
  (py-spy, Rasa server, FAQ turns). The replacement compiles the validator once
  and validates exactly as before, with the same error.
- `RemoteAction._action_call_format` sends the action server every event of
  the conversation on every call (RasaHQ/rasa#6334): 300 turns made 773 KiB per
  call and an 8x slower turn. Our actions read slots, the active form and the
  last few turns, so only the last `ACTION_EVENTS` events are sent.
"""
from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from itertools import islice
from typing import Any, Dict, Iterator, Text

import rasa
from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.core.tracker_store import SQLTrackerStore, ensure_schema_exists
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity
from sqlalchemy.orm import Session

ACTION_EVENTS = 100


@lru_cache(maxsize=1)
def _validator() -> Any:
    schema = RemoteAction.action_response_format_spec()
    cls = validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self: RemoteAction, result: Dict[Text, Any]) -> bool:
    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions")
        raise error
    return True


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> Dict[Text, Any]:
    """Rasa's request to the action server, with the last ACTION_EVENTS events only."""
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in reversed(list(islice(reversed(tracker.events), ACTION_EVENTS)))]
    result = {"next_action": self.name(), "sender_id": tracker.sender_id, "tracker": state,
              "version": rasa.__version__}
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(self.name()):
        result["domain"] = domain.as_dict()
    return result


@contextmanager
def _session_scope(self: SQLTrackerStore) -> Iterator[Session]:
    session = self.sessionmaker()
    try:
        ensure_schema_exists(session)
        yield session
    finally:
        session.close()


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    RemoteAction._action_call_format = _action_call_format  # type: ignore[method-assign]
    SQLTrackerStore.session_scope = _session_scope  # type: ignore[method-assign]


__all__ = ["apply", "ValidationError"]
