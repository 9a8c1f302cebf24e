"""Routing (派单): which category a repair or complaint falls in, which crew gets
it, and at what response level. The table is knowledge/routing.yml."""
from __future__ import annotations

from dataclasses import dataclass

from bot import knowledge
from bot.knowledge import Category
from bot.text import normalize


@dataclass(frozen=True)
class Route:
    category: str
    category_name: str
    team: str
    team_name: str
    urgency: int


def _first_match(text: str, categories: tuple[Category, ...]) -> Category:
    for cat in categories:
        if any(k in text for k in cat.keywords):
            return cat
    return categories[-1]  # the last category is the catch-all


def urgency_of(text: str, base: int = 3) -> int:
    """The response level the words of a message call for (1 most urgent)."""
    text = normalize(text)
    levels = knowledge.routing().level_keywords
    for level in sorted(levels):
        if any(word in text for word in levels[level]):
            return min(level, base)
    return base


def _route(text: str, categories: tuple[Category, ...]) -> Route:
    text = normalize(text)
    cat = _first_match(text, categories)
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
    for cat in routing.repair + routing.complaint:
        hits = [(text.find(k), k) for k in cat.keywords if k in text]
        if hits:
            start, keyword = min(hits)
            return cat.id, start, start + len(keyword)
    return None
