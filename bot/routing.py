"""Routing (派单): which category a repair or complaint falls in, which crew gets
it, and at what response level. The table is knowledge/routing.yml."""
from __future__ import annotations

from dataclasses import dataclass

from bot import hazards, knowledge
from bot.knowledge import Category
from bot.text import normalize


@dataclass(frozen=True)
class Route:
    category: str
    category_name: str
    team: str
    team_name: str
    urgency: int


def _first_hit(text: str, categories: tuple[Category, ...]) -> tuple[Category, int, int] | None:
    """The first category with a keyword in `text` (English in any case), and
    where its earliest keyword is."""
    text = text.lower()
    for cat in categories:
        hits = [(text.find(k), k) for k in cat.keywords if k in text]
        if hits:
            start, keyword = min(hits)
            return cat, start, start + len(keyword)
    return None


def urgency_of(text: str, base: int = 3) -> int:
    """The response level a message's hazard concepts call for (1 most urgent)."""
    found = hazards.match(text)
    return min(found.hazard.level, base) if found else base


def _route(text: str, categories: tuple[Category, ...]) -> Route:
    text = normalize(text)
    hit = _first_hit(text, categories)
    cat = hit[0] if hit else categories[-1]  # the last category is the catch-all
    teams = knowledge.routing().teams
    return Route(cat.id, cat.name, cat.team, teams[cat.team], urgency_of(text, cat.urgency))


def route_repair(text: str) -> Route:
    return _route(text, knowledge.routing().repair)


def route_complaint(text: str) -> Route:
    return _route(text, knowledge.routing().complaint)


def category_of(text: str) -> tuple[str, int, int] | None:
    """(category id, start, end of the keyword that names it) for NLU entities;
    `text` is already normalised."""
    routing = knowledge.routing()
    hit = _first_hit(text, routing.repair + routing.complaint)
    return (hit[0].id, hit[1], hit[2]) if hit else None
