"""The models the agents' console trains for itself: the wording check and the
reply suggestions. They learn from data/wording/ and knowledge/phrases.yml
(the trainers' listed phrases and labelled examples, the scenarios' trigger
words), train in seconds at first use, and are kept under VAR_DIR by a hash of
those inputs, so a trainer's edit retrains them and a restart does not."""
from __future__ import annotations

import hashlib
import logging
import pickle
from pathlib import Path
from threading import Lock
from typing import Any, Callable

import yaml

from bot import knowledge, settings
from bot.knowledge import POLITE
from bot.understanding.situations import Situation, SituationModel
from bot.understanding.wording import WordingModel

logger = logging.getLogger(__name__)

DATA_DIR = settings.ROOT / "data" / "wording"
MAX_FALSE_ALARMS = 0.03  # polite drafts flagged, in cross-validation on the training drafts
_CODE = [settings.ROOT / "bot" / "understanding" / name for name in ("classifier.py", "wording.py", "situations.py")]
_lock = Lock()
_loaded: dict[str, tuple[str, Any]] = {}
_hashes: dict[tuple, str] = {}


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else None


def _draft_files() -> list[Path]:
    return sorted((DATA_DIR / "drafts").glob("*.yml"))


def _situation_files() -> list[Path]:
    return sorted(DATA_DIR.glob("situations*.yml"))


def wording_examples() -> tuple[list[str], list[str]]:
    """(drafts, kind or "polite"): data/wording/drafts/*.yml, the trainers' labelled
    examples, every listed phrase as its kind and every alternative as polite."""
    library = knowledge.phrase_library()
    drafts, labels = [], []
    for path in _draft_files():
        for kind, items in (_yaml(path) or {}).items():
            drafts += [str(d) for d in items]
            labels += [kind] * len(items)
    for example in library.examples:
        drafts.append(example.draft)
        labels.append(example.kind)
    for rule in library.forbidden:
        drafts += [rule.phrase, rule.alternative]
        labels += [rule.kind, POLITE]
    return drafts, labels


def situation_examples() -> tuple[list[Situation], list[list[str]]]:
    """(situations, the reply functions that fit, best first): data/wording/situations*.yml,
    plus each scenario's trigger words as a resident's message."""
    situations, fits = [], []
    for raw in [item for path in _situation_files() for item in _yaml(path) or []]:
        situations.append(Situation.from_dict(raw))
        fits.append(list(raw["fits"]))
    for scenario in knowledge.phrase_library().scenarios:
        for trigger in scenario.triggers:
            situations.append(Situation((trigger,), intent=(scenario.intents or (None,))[0],
                                        urgency=(scenario.urgency or (None,))[0]))
            fits.append([scenario.id])
    return situations, fits


def _inputs_hash() -> str:
    """A hash of the models' inputs, recomputed only when a file changed (every
    check and suggestion asks; the phrase library is itself cached by mtime)."""
    paths = [*_draft_files(), *_situation_files(), *_CODE]
    library = knowledge.phrase_library()
    stamp = (tuple((p, p.stat().st_mtime_ns) for p in paths if p.exists()), id(library))
    if stamp not in _hashes:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.read_bytes() if path.exists() else b"-")
        digest.update(repr((library.examples, library.forbidden, [(s.id, s.triggers, s.intents, s.urgency)
                                                                   for s in library.scenarios])).encode())
        _hashes.clear()
        _hashes[stamp] = digest.hexdigest()[:16]
    return _hashes[stamp]


def _get(name: str, train: Callable[[], Any]) -> Any:
    """The model `name` for the current inputs: in memory, on disk, or trained now."""
    key = _inputs_hash()
    with _lock:
        cached = _loaded.get(name)
        if cached and cached[0] == key:
            return cached[1]
        path = settings.VAR_DIR / "models" / f"{name}-{key}.pkl"
        if path.exists():
            model = pickle.loads(path.read_bytes())
        else:
            logger.info("training the %s model", name)
            model = train()
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(pickle.dumps(model))
        _loaded[name] = (key, model)
        return model


def wording_model() -> WordingModel:
    listed = [rule.phrase for rule in knowledge.phrase_library().forbidden]
    return _get("wording", lambda: WordingModel.train(*wording_examples(), max_false_alarms=MAX_FALSE_ALARMS,
                                                      listed=listed))


def situation_model() -> SituationModel:
    return _get("situations", lambda: SituationModel().fit(*situation_examples()))
