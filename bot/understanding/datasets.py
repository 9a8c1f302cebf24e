"""Labelled examples the trained models learn from, beside Rasa's NLU data:
FAQ question variants (knowledge/faq.yml), emotion (data/emotion/) and
response levels (data/urgency/). Each file is a YAML mapping of label → list
of messages."""
from __future__ import annotations

from pathlib import Path

import yaml

from bot import knowledge
from bot.settings import ROOT

EMOTION_DIR = ROOT / "data" / "emotion"
URGENCY_DIR = ROOT / "data" / "urgency"
EMOTION_LABELS = {"high": "high", "ordinary": "normal"}
URGENCY_LABELS = {"level1": "1", "level2": "2", "ordinary": "none"}

Examples = tuple[list[str], list[str]]


def _labelled(folder: Path, labels: dict[str, str]) -> Examples:
    texts, gold = [], []
    for path in sorted(folder.glob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for key, messages in data.items():
            if key not in labels:
                raise ValueError(f"{path.relative_to(ROOT)}: unknown label {key!r} (use {', '.join(labels)})")
            for message in messages or ():
                texts.append(str(message))
                gold.append(labels[key])
    return texts, gold


def emotion_examples() -> Examples:
    """(messages, "high" | "normal")."""
    return _labelled(EMOTION_DIR, EMOTION_LABELS)


def urgency_examples() -> Examples:
    """(messages, "1" | "2" | "none")."""
    return _labelled(URGENCY_DIR, URGENCY_LABELS)


def faq_examples() -> Examples:
    """(question variants, entry id) of every entry in the knowledge base."""
    entries = knowledge.faq_entries()
    return [q for e in entries for q in e.questions], [e.id for e in entries for q in e.questions]


def files() -> list[Path]:
    """Every data file read here (they feed the model hash)."""
    return sorted(EMOTION_DIR.glob("*.yml")) + sorted(URGENCY_DIR.glob("*.yml"))
