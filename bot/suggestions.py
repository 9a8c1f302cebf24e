"""Reply suggestions for agents (标准话术) that fit the situation: the phrase
library's scenarios (knowledge/phrases.yml) ranked by a trained model over the
conversation (bot/understanding/situations.py), emergencies first, greetings
only before the agent has spoken, each filled with the ticket's facts."""
from __future__ import annotations

from typing import Any

from bot import agent_models, clock, knowledge, tickets
from bot.models import Ticket
from bot.understanding.situations import Situation

__all__ = ["Situation", "ranked_functions", "situation_of", "suggest"]

EMERGENCY_LEVELS = (1, 2)
OPENERS = ("greeting", "handoff")  # said once, before anything else


def _ticket_values(ticket: Ticket | None) -> dict[str, Any]:
    if ticket is None:
        return {}
    return {"ticket_no": ticket.number, "team": ticket.team_name, "category": ticket.category_name,
            "eta": tickets.promised_time_text(ticket),
            "followup": clock.local_time_text(ticket.followup_by) if ticket.followup_by else None}


def ranked_functions(situation: Situation) -> list[str]:
    """Every scenario id, best fit first."""
    scenarios = {s.id: s for s in knowledge.phrase_library().scenarios}
    ranking = [f for f, _ in agent_models.situation_model().rank(situation) if f in scenarios]
    ranking += [s for s in scenarios if s not in ranking]
    if situation.agent_said:
        ranking = [f for f in ranking if f not in OPENERS]
    if situation.urgency in EMERGENCY_LEVELS:
        urgent = [f for f in ranking if situation.urgency in scenarios[f].urgency]
        ranking = urgent + [f for f in ranking if f not in urgent]
    return ranking


def suggest(situation: Situation, ticket: Ticket | None = None, top: int = 3) -> list[dict[str, str]]:
    """The `top` replies, one from each of the best-fitting scenarios whose
    placeholders the ticket and the community's facts can fill."""
    scenarios = {s.id: s for s in knowledge.phrase_library().scenarios}
    values = {**knowledge.community_facts(), **_ticket_values(ticket)}
    result: list[dict[str, str]] = []
    for function in ranked_functions(situation):
        scenario = scenarios[function]
        filled = next((text for text in (knowledge.fill(r, values) for r in scenario.replies) if text), None)
        if filled:
            result.append({"scenario": scenario.id, "name": scenario.name, "text": filled})
        if len(result) == top:
            break
    return result


def situation_of(events: list[dict[str, Any]], ticket: Ticket | None) -> Situation:
    """A conversation's situation from its Rasa tracker events: the resident's
    last messages and what the NLU read in the latest, what agents said, the ticket."""
    said = [e for e in events if e.get("event") in ("user", "bot")]
    resident = [e for e in said if e["event"] == "user"][-3:]
    parse = (resident[-1].get("parse_data") or {}) if resident else {}
    urgency = (parse.get("urgency") or {}).get("level")
    category = next((e.get("value") for e in parse.get("entities") or () if e.get("entity") == "category"), None)
    agent_said = [e.get("text") or "" for e in said if e["event"] == "bot" and (e.get("metadata") or {}).get("agent")]
    return Situation(
        resident=tuple(e.get("text") or "" for e in resident),
        intent=(parse.get("urgency") or {}).get("intent") or (parse.get("intent") or {}).get("name"),
        category=category or (ticket.category if ticket else None),
        emotion=(parse.get("emotion") or {}).get("level"), urgency=urgency if urgency in (1, 2, 3) else None,
        ticket_kind=ticket.kind if ticket else None, ticket_status=ticket.status if ticket else None,
        overdue=bool(ticket and tickets.is_overdue(ticket)), agent_said=tuple(agent_said[-2:]))
