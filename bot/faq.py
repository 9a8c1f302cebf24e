"""FAQ answers. Which entry a question asks about is decided by the trained
classifier in the NLU pipeline (the parse result's "faq_entry", see
bot/understanding/models.py); the answer is that entry's text as it is in
knowledge/faq.yml now, so trainers' answer edits are live without retraining.
A guess below the calibrated confidence, or an entry since retired or
removed, gets no answer: the caller passes the question on honestly."""
from __future__ import annotations

from typing import Any

from bot import knowledge
from bot.knowledge import FaqEntry


def entry(entry_id: str | None) -> FaqEntry | None:
    return next((e for e in knowledge.faq_entries() if e.id == entry_id), None)


def answer(guess: dict[str, Any] | None) -> str | None:
    """The rendered answer for a "faq_entry" guess, or None to pass the question on."""
    if not guess or not guess.get("answerable"):
        return None
    found = entry(guess.get("id"))
    return knowledge.render(found.answer) if found else None
