"""How well the assistant understands messages: every figure of issue 11 on
the dev set (a second opinion), on the frozen held-out split (written without
seeing the training data; nobody trains or tunes on it), and k-fold
cross-validated on the training data. Figures only: no test message is ever
printed, so nobody tunes on them."""
from __future__ import annotations

import asyncio
import csv
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np
import yaml
from rasa.core.agent import Agent
from sklearn.model_selection import StratifiedKFold

from bot import knowledge, training
from bot.understanding import datasets
from bot.understanding.classifier import TextClassifier
from bot.understanding.models import SEED, EmotionModel, FaqModel, UrgencyModel

MAIN = ["faq", "repair", "complaint", "other"]
LEVELS = ["1", "2", "ask", "none"]
TARGETS = {"intent accuracy": ">= 0.96", "FAQ right entry": ">= 0.92", "FAQ wrong entry": "<= 0.03",
           "high emotion min(P, R)": ">= 0.92", "level 1 given level 1": "1.00",
           "level 2 given level 1-2": ">= 0.97", "ordinary raised to 1-2": "<= 0.03"}


def main_class(intent: str | None) -> str:
    intent = {"repair": "repair_request"}.get(intent or "", intent or "")
    return {"faq": "faq", "repair_request": "repair", "complaint": "complaint"}.get(intent, "other")


@dataclass(frozen=True)
class Gold:
    intent: str  # one of MAIN
    faq_entry: str | None  # an entry id, "none", or None when not labelled
    high: bool
    level: str  # "1", "2" or "none"


@dataclass(frozen=True)
class Guess:
    intent: str
    answered: str | None  # the FAQ entry the assistant answers with, if it does
    high: bool
    level: str  # "1", "2", "ask" (a safety question) or "none"


def read_split(path: Path) -> tuple[list[str], list[Gold]]:
    rows = list(csv.DictReader(path.open(encoding="utf-8"), delimiter="\t"))
    return [r["text"] for r in rows], [
        Gold(main_class(r["intent"]), r.get("faq_entry") or None, r["emotion"] == "high",
             r["urgency"] if r["urgency"] in ("1", "2") else "none") for r in rows]


def guess_from_parse(parsed: dict) -> Guess:
    urgency = parsed.get("urgency") or {}
    intent = urgency.get("intent") or parsed["intent"]["name"]
    faq = parsed.get("faq_entry") or {}
    answered = faq.get("id") if intent == "faq" and faq.get("answerable") else None
    level = str(urgency["level"]) if urgency.get("level") in (1, 2) else "ask" if urgency.get("ask") else "none"
    return Guess(main_class(intent), answered, (parsed.get("emotion") or {}).get("level") == "high", level)


def parse_all(agent: Agent, texts: Sequence[str]) -> list[Guess]:
    async def parse() -> list[Guess]:
        return [guess_from_parse(await agent.parse_message(t)) for t in texts]
    return asyncio.run(parse())


# ---- figures ---------------------------------------------------------------------

def _share(hits: int, total: int) -> float | None:
    return hits / total if total else None


def figures(gold: Sequence[Gold], guess: Sequence[Guess]) -> dict[str, float | None]:
    pairs = list(zip(gold, guess))
    faq = [(g, p) for g, p in pairs if g.intent == "faq" and g.faq_entry]
    tp = sum(g.high and p.high for g, p in pairs)
    precision, recall = _share(tp, sum(p.high for _, p in pairs)), _share(tp, sum(g.high for g, _ in pairs))
    level1 = [p for g, p in pairs if g.level == "1"]
    level2 = [p for g, p in pairs if g.level == "2"]
    ordinary = [p for g, p in pairs if g.level == "none"]
    return {
        "intent accuracy": _share(sum(g.intent == p.intent for g, p in pairs), len(pairs)),
        "FAQ right entry": _share(sum(p.answered == g.faq_entry for g, p in faq), len(faq)),
        "FAQ wrong entry": _share(sum(p.answered not in (None, g.faq_entry) for g, p in faq), len(faq)),
        "FAQ passed on": _share(sum(p.answered is None for _, p in faq), len(faq)),
        "high emotion precision": precision,
        "high emotion recall": recall,
        "high emotion min(P, R)": None if precision is None or recall is None else min(precision, recall),
        "level 1 given level 1": _share(sum(p.level == "1" for p in level1), len(level1)),
        "level 1 given 1 or asked": _share(sum(p.level in ("1", "ask") for p in level1), len(level1)),
        "level 2 given level 1-2": _share(sum(p.level in ("1", "2") for p in level2), len(level2)),
        "level 2 given 1-2 or asked": _share(sum(p.level != "none" for p in level2), len(level2)),
        "ordinary raised to 1-2": _share(sum(p.level in ("1", "2") for p in ordinary), len(ordinary)),
        "ordinary asked": _share(sum(p.level == "ask" for p in ordinary), len(ordinary)),
    }


def confusion(title: str, pairs: Sequence[tuple[str, str]], rows: Sequence[str], columns: Sequence[str]) -> None:
    counts = Counter(pairs)
    print(f"\n{title} (rows gold, columns predicted):")
    print(" " * 11 + "".join(f"{c:>10}" for c in columns))
    for gold in rows:
        print(f"{gold:<11}" + "".join(f"{counts[(gold, p)]:>10}" for p in columns))


def show_split(name: str, gold: Sequence[Gold], guess: Sequence[Guess]) -> dict[str, float | None]:
    print(f"\n== {name}: {len(gold)} messages "
          f"({sum(g.intent == 'faq' and bool(g.faq_entry) for g in gold)} FAQ with an entry label, "
          f"{sum(g.high for g in gold)} high emotion, {sum(g.level == '1' for g in gold)} level 1, "
          f"{sum(g.level == '2' for g in gold)} level 2)")
    confusion("Intent", [(g.intent, p.intent) for g, p in zip(gold, guess)], MAIN, MAIN)
    confusion("Response level", [(g.level, p.level) for g, p in zip(gold, guess)], ["1", "2", "none"], LEVELS)
    return figures(gold, guess)


# ---- k-fold on the training data -------------------------------------------------

def _folds(labels: Sequence[str], k: int):
    smallest = min(Counter(labels).values())
    return StratifiedKFold(n_splits=min(k, smallest), shuffle=True, random_state=SEED).split(
        np.zeros(len(labels)), labels)


def intent_examples() -> tuple[list[str], list[str]]:
    """Rasa's NLU training data as the pipeline sees it: data/nlu/ and the FAQ variants."""
    from rasa.shared.nlu.training_data.loading import load_data
    data = load_data(str(training.ROOT / "data" / "nlu"))
    texts = [e.get("text") for e in data.intent_examples]
    labels = [e.get("intent") for e in data.intent_examples]
    questions, _ = datasets.faq_examples()
    return texts + questions, labels + ["faq"] * len(questions)


def cross_validate(k: int = 5) -> dict[str, float | None]:
    """Every figure, each model trained on k-1 folds and judged on the fold it did not see."""
    print(f"\n== k-fold cross-validation on the training data ({k} folds; thresholds calibrated "
          "inside each training fold)")
    texts, labels = intent_examples()
    intent_guess = [""] * len(texts)
    for train, test in _folds(labels, k):
        model = TextClassifier().fit([texts[i] for i in train], [labels[i] for i in train])
        for i, ranking in zip(test, model.rank_many([texts[i] for i in test], top=1)):
            intent_guess[i] = ranking[0][0]
    exact = sum(g == p for g, p in zip(labels, intent_guess)) / len(labels)
    print(f"intent: {len(texts)} examples, {len(set(labels))} intents, accuracy {exact:.3f} over all intents")
    gold = [Gold(main_class(label), None, False, "none") for label in labels]
    guess = [Guess(main_class(p), None, False, "none") for p in intent_guess]
    confusion("Intent (k-fold)", [(g.intent, p.intent) for g, p in zip(gold, guess)], MAIN, MAIN)
    result = {"intent accuracy": figures(gold, guess)["intent accuracy"]}

    questions, entries = datasets.faq_examples()
    answered: list[str | None] = [None] * len(questions)
    for train, test in _folds(entries, min(k, 3)):
        model = FaqModel.train([questions[i] for i in train], [entries[i] for i in train], max_wrong=_config(
            "FaqEntryClassifier", "max_wrong_answers"))
        for i in test:
            found = model.guess(questions[i])
            answered[i] = found.entry_id if found.answerable else None
    faq_gold = [Gold("faq", e, False, "none") for e in entries]
    faq_guess = [Guess("faq", a, False, "none") for a in answered]
    print(f"FAQ entries: {len(questions)} question variants of {len(set(entries))} entries")
    result.update({k_: v for k_, v in figures(faq_gold, faq_guess).items() if k_.startswith("FAQ")})

    result.update(_cross_validate_binary(k))
    return result


@lru_cache(maxsize=None)
def _config(component: str, key: str) -> float:
    """A setting of one of the pipeline's components in config.yml."""
    config = yaml.safe_load((training.ROOT / "config.yml").read_text(encoding="utf-8"))
    return next(c[key] for c in config["pipeline"] if c["name"].endswith(component))


def _cross_validate_binary(k: int) -> dict[str, float | None]:
    texts, labels = datasets.emotion_examples()
    high: list[bool] = [False] * len(texts)
    for train, test in _folds(labels, k):
        model = EmotionModel.train([texts[i] for i in train], [labels[i] for i in train])
        for i, p in zip(test, model.probability([texts[i] for i in test])):
            high[i] = p >= model.threshold
    gold = [Gold("other", None, label == "high", "none") for label in labels]
    guess = [Guess("other", None, h, "none") for h in high]
    print(f"emotion: {len(texts)} examples ({labels.count('high')} high)")
    result = {k_: v for k_, v in figures(gold, guess).items() if k_.startswith("high")}

    texts, labels = datasets.urgency_examples()
    levels = ["none"] * len(texts)
    for train, test in _folds(labels, k):
        model = UrgencyModel.train([texts[i] for i in train], [labels[i] for i in train],
                                   max_raised=_config("UrgencyClassifier", "max_ordinary_raised"),
                                   max_asked=_config("UrgencyClassifier", "max_ordinary_asked"))
        for i in test:
            found = model.assess(texts[i])
            levels[i] = str(found.level) if found.level else "ask" if found.ask else "none"
    gold = [Gold("other", None, False, label) for label in labels]
    guess = [Guess("other", None, False, level) for level in levels]
    print(f"response level: {len(texts)} examples ({labels.count('1')} level 1, {labels.count('2')} level 2); "
          f"{len(knowledge.hazards().concepts)} hazard concepts")
    confusion("Response level (k-fold)", [(g.level, p.level) for g, p in zip(gold, guess)],
              ["1", "2", "none"], LEVELS)
    result.update({k_: v for k_, v in figures(gold, guess).items() if k_.startswith(("level", "ordinary"))})
    return result


def summary(columns: dict[str, dict[str, float | None]]) -> None:
    names = list(figures([], []).keys())
    print("\n== Understanding: summary")
    print(f"{'measure':<28}" + "".join(f"{c:>12}" for c in columns) + f"{'target':>10}")
    for name in names:
        cells = "".join(f"{'-' if cols.get(name) is None else format(cols[name], '.3f'):>12}"
                        for cols in columns.values())
        print(f"{name:<28}{cells}{TARGETS.get(name, ''):>10}")


def run(agent: Agent, splits: dict[str, Path], folds: int = 5) -> None:
    """Every figure on each labelled split (parsed by the trained model in
    `agent`) and k-fold on the training data, then the summary table."""
    columns = {}
    for name, path in splits.items():
        texts, gold = read_split(path)
        columns[name] = show_split(f"{name} ({path.name})", gold, parse_all(agent, texts))
    columns[f"{folds}-fold"] = cross_validate(folds)
    summary(columns)
