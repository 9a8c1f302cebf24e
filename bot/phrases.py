"""Reply wording for agents (标准话术): suggestions that fit a resident's message,
and a check of an agent's draft for forbidden wording (禁忌用语).
The library is knowledge/phrases.yml."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot import emotion, hazards, knowledge, sla, tickets
from bot.models import Ticket
from bot.text import normalize, to_simplified


def _ticket_values(ticket: Ticket | None) -> dict[str, Any]:
    if ticket is None:
        return {}
    return {"ticket_no": ticket.number, "team": ticket.team_name, "category": ticket.category_name,
            "eta": tickets.local_time_text(sla.promised(ticket.onsite_by, ticket.resolve_by)),
            "followup": tickets.local_time_text(ticket.followup_by) if ticket.followup_by else None}


def suggest(message: str, ticket: Ticket | None = None, intent: str | None = None,
            top: int = 3) -> list[dict[str, str]]:
    """The `top` replies that fit a message best: scenarios ranked by trigger
    words, intent, emotion and urgency; replies whose placeholders can be filled."""
    text = normalize(message)
    mood = emotion.assess(text)
    urgent = hazards.match(text)
    values = {**knowledge.community_facts(), **_ticket_values(ticket)}
    ranked = []
    for order, scenario in enumerate(knowledge.phrase_library().scenarios):
        score = sum(1.0 for t in scenario.triggers if t in text)
        score += 2.0 if intent and intent in scenario.intents else 0.0
        score += 2.0 if scenario.emotion and scenario.emotion == mood.level else 0.0
        score += 3.0 if urgent and urgent.hazard.level in scenario.urgency else 0.0
        if ticket is not None and ticket.kind == "complaint" and "complaint" in scenario.intents:
            score += 1.0
        ranked.append((score, -order, scenario))
    ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
    result: list[dict[str, str]] = []
    for score, _, scenario in ranked:
        if score <= 0 and result:
            break
        for reply in scenario.replies:
            filled = knowledge.fill(reply, values)
            if filled:
                result.append({"scenario": scenario.id, "name": scenario.name, "text": filled})
            if len(result) == top:
                return result
    return result


@dataclass(frozen=True)
class Finding:
    phrase: str
    start: int
    end: int
    alternative: str


def check(draft: str) -> tuple[list[Finding], str]:
    """Every forbidden expression in a draft (longest match first, no overlaps),
    with positions in the draft, and the draft rewritten with the alternatives."""
    simplified = to_simplified(draft)
    text = simplified if len(simplified) == len(draft) else draft
    taken: list[tuple[int, int]] = []
    findings: list[Finding] = []
    for rule in sorted(knowledge.phrase_library().forbidden, key=lambda r: len(r.phrase), reverse=True):
        start = text.find(rule.phrase)
        while start != -1:
            end = start + len(rule.phrase)
            if all(end <= s or start >= e for s, e in taken):
                findings.append(Finding(rule.phrase, start, end, rule.alternative))
                taken.append((start, end))
            start = text.find(rule.phrase, end)
    findings.sort(key=lambda f: f.start)
    rewrite, cursor = [], 0
    for f in findings:
        rewrite += [draft[cursor:f.start], f.alternative]
        cursor = f.end
    rewrite.append(draft[cursor:])
    return findings, "".join(rewrite)
