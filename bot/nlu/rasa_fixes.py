"""A fix to Rasa 3.6 itself, applied in the Rasa server process.

`RemoteAction._validate_action_result` calls `jsonschema.validate()`, which
re-checks the (constant) response schema against the JSON-Schema metaschema on
every action call: about two thirds of a REST turn's CPU time in our profile
(py-spy, Rasa server, FAQ turns). The replacement compiles the validator once
and validates exactly as before, with the same error.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, Text

from jsonschema import ValidationError, validators
from jsonschema.exceptions import best_match
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL


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


def apply() -> None:
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]


__all__ = ["apply", "ValidationError"]
