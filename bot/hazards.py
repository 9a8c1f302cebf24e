"""Hazard concepts (险情): dangerous situations recognised by word classes, e.g.
{燃气, 煤气, 天然气} × {漏, 泄漏, 味}. A concept is present when the message has
an earnest word (not negated, not quoted) from every one of its classes. The
concepts are knowledge/hazards.yml; a trained model adds what words miss
(UrgencyModel in bot/understanding/models.py)."""
from __future__ import annotations

from dataclasses import dataclass

from bot import knowledge
from bot.knowledge import Hazard
from bot.text import find_words, normalize


@dataclass(frozen=True)
class HazardMatch:
    hazard: Hazard
    words: tuple[str, ...]  # one matched word per class, the explanation

    @property
    def reason(self) -> str:
        return f"{self.hazard.name}（{'+'.join(self.words)}）"


def _classes_hit(text: str | None) -> list[tuple[Hazard, list[str | None]]]:
    """Every concept with, for each of its classes, the first earnest word of
    that class in the message (None where the class has none)."""
    clean = normalize(text).lower()
    hazards = knowledge.hazards()
    return [(hazard, [next((w for w, _ in find_words(clean, words, hazards.negations)), None) for words in hazard.all_of])
            for hazard in hazards.concepts]


def match(text: str | None) -> HazardMatch | None:
    """The most urgent concept fully present in the message, or None. A
    question about what to do if something happened is no hazard by its words
    (the trained model still judges it)."""
    if find_words(normalize(text).lower(), knowledge.hazards().hypothetical, ()):
        return None
    found = [HazardMatch(hazard, tuple(hits)) for hazard, hits in _classes_hit(text) if all(hits)]
    return min(found, key=lambda m: m.hazard.level) if found else None


def question_for(text: str | None) -> str:
    """The safety question that fits a possibly dangerous message best: that of
    the concept most of whose classes it touches (longer words break ties),
    else the default."""
    best, best_score = knowledge.hazards().default_question, 0.0
    for hazard, hits in _classes_hit(text):
        words = [h for h in hits if h]
        # the share of classes touched; longer words are the more telling evidence
        score = len(words) / len(hazard.all_of) + 0.01 * sum(len(w) for w in words)
        if score > best_score:
            best, best_score = hazard.question, score
    return best
