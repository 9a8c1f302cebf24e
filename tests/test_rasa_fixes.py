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
