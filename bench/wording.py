"""How well the agents' wording help works (issue 13): the forbidden-wording
check's recall and false alarms, and how often one of the top three
suggestions fits the situation. Figures on the frozen sets written by a helper
who never saw the phrase library or the training data (tests/data/wording_*),
and k-fold cross-validated on the training data. No test text is printed."""
from __future__ import annotations

import csv
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import numpy as np
import yaml
from sklearn.model_selection import StratifiedKFold

from bot import agent_models, clock, knowledge, suggestions, wording
from bot.models import Ticket
from bot.understanding.situations import Situation, SituationModel
from bot.understanding.wording import POLITE, WordingModel

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
DRAFTS, SITUATIONS = DATA / "wording_drafts.tsv", DATA / "wording_situations.yml"
TARGETS = {"check recall": ">= 0.95", "check false alarms": "<= 0.05", "a top-3 suggestion fits": ">= 0.95"}


def check_figures(drafts: list[str], kinds: list[str]) -> dict[str, float]:
    flagged = [bool(wording.check(d)[0]) for d in drafts]
    bad = [k != POLITE for k in kinds]
    named = [next((f.kind for f in wording.check(d)[0]), None) == k for d, k in zip(drafts, kinds) if k != POLITE]
    return {"check recall": sum(f for f, b in zip(flagged, bad) if b) / max(1, sum(bad)),
            "check false alarms": sum(f for f, b in zip(flagged, bad) if not b) / max(1, bad.count(False)),
            "kind named right": sum(named) / max(1, len(named))}


def stand_in_ticket(situation: Situation) -> Ticket | None:
    """The conversation's ticket as the console would pass it, for a situation that has one."""
    if not situation.ticket_kind:
        return None
    now = clock.utcnow()
    return Ticket(number="BX-20261125-0001", kind=situation.ticket_kind, status=situation.ticket_status or "open",
                  team_name="水电维修组", category_name="给排水", onsite_by=now + timedelta(hours=4),
                  resolve_by=now + timedelta(hours=24), followup_by=now + timedelta(hours=48))


def fit_figure(items: list[dict], rank) -> float:
    """Share of situations where one of the top three functions is acceptable."""
    return float(np.mean([bool(set(rank(Situation.from_dict(x))[:3]) & set(x["fits"])) for x in items]))


def kfold(folds: int) -> dict[str, float]:
    drafts, labels = agent_models.wording_examples()
    listed = [r.phrase for r in knowledge.phrase_library().forbidden]
    recall, alarms = [], []
    splitter = StratifiedKFold(folds, shuffle=True, random_state=42)
    for train, test in splitter.split(drafts, labels):
        model = WordingModel.train([drafts[i] for i in train], [labels[i] for i in train], agent_models.MAX_FALSE_ALARMS,
                                   listed)
        for i in test:
            hit = any(v.kind for v in model.sentences(drafts[i]))
            (alarms if labels[i] == POLITE else recall).append(hit)
    raw = [x for path in sorted(agent_models.DATA_DIR.glob("situations*.yml"))
           for x in yaml.safe_load(path.read_text(encoding="utf-8")) or []]
    fits = []
    order = np.random.default_rng(42).permutation(len(raw))
    for k in range(folds):
        held = set(order[k::folds].tolist())
        train = [raw[i] for i in range(len(raw)) if i not in held]
        model = SituationModel().fit([Situation.from_dict(x) for x in train], [x["fits"] for x in train])
        fits.append(fit_figure([raw[i] for i in sorted(held)], lambda s: [f for f, _ in model.rank(s)]))
    return {"check recall": float(np.mean(recall)), "check false alarms": float(np.mean(alarms)),
            "a top-3 suggestion fits": float(np.mean(fits))}


def run(folds: int = 5) -> None:
    rows = list(csv.DictReader(DRAFTS.open(encoding="utf-8"), delimiter="\t"))
    frozen = check_figures([r["draft"] for r in rows], [r["kind"] for r in rows])
    items = yaml.safe_load(SITUATIONS.read_text(encoding="utf-8"))
    frozen["a top-3 suggestion fits"] = fit_figure(
        items, lambda s: [x["scenario"] for x in suggestions.suggest(s, stand_in_ticket(s))])
    by_kind = Counter(x["fits"][0] for x in items)
    crossed = kfold(folds)
    print(f"\n== Wording help: frozen sets ({len(rows)} drafts, {len(items)} situations over "
          f"{len(by_kind)} reply functions) and {folds}-fold on the training data")
    print(f"{'measure':30} {'frozen':>8} {'k-fold':>8}   target")
    for name in ("check recall", "check false alarms", "kind named right", "a top-3 suggestion fits"):
        k = crossed.get(name)
        print(f"{name:30} {frozen[name]:8.3f} {'' if k is None else f'{k:8.3f}':>8}   {TARGETS.get(name, '')}")
    drafts = [r["draft"] for r in rows][:100]
    started = time.perf_counter()
    for d in drafts:
        wording.check(d)
    print(f"check: {(time.perf_counter() - started) / len(drafts) * 1000:.1f} ms a draft")
