"""The one loader for everything trainers edit in `knowledge/`.

Files are re-read when they change on disk, so an edited FAQ answer is live at
once. A file that fails to parse or validate is reported (logged, and raised by
`check_all`) while the last good version stays in use: a trainer's typo never
takes the assistant down.
"""
from __future__ import annotations

import html
import logging
import re
import string
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from threading import Lock
from typing import Any, Callable, Generic, TypeVar

import yaml

from bot import settings
from bot.text import normalize

logger = logging.getLogger(__name__)

T = TypeVar("T")


class KnowledgeError(ValueError):
    """A knowledge file is missing, malformed or inconsistent."""


@dataclass(frozen=True)
class FaqEntry:
    id: str
    topic: str
    questions: tuple[str, ...]
    answer: str


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    team: str
    keywords: tuple[str, ...]
    urgency: int = 3


@dataclass(frozen=True)
class Routing:
    teams: dict[str, str]
    repair: tuple[Category, ...]
    complaint: tuple[Category, ...]
    fillers: tuple[str, ...] = ()  # words that say "I want to report something" without saying what


@dataclass(frozen=True)
class Hazard:
    """A dangerous situation, recognised when the message has a word of every class."""
    id: str
    name: str
    level: int  # response level, 1 or 2
    question: str  # the safety question to ask when the assistant is unsure
    all_of: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Hazards:
    concepts: tuple[Hazard, ...]
    default_question: str
    hypothetical: tuple[str, ...] = ()  # words that make a message ask "what if" (如果, 万一)
    negations: tuple[str, ...] = ()  # a hazard word right after one does not count (没有着火)


@dataclass(frozen=True)
class Level:
    level: int
    name: str
    respond_minutes: int
    resolve_minutes: int
    onsite_minutes: int | None = None


@dataclass(frozen=True)
class Sla:
    levels: dict[int, Level]
    complaint_followup_hours: int
    at_risk_share: float
    office_opens: time
    office_closes: time
    waiting_notice_minutes: int
    survey_reminder_hours: float
    survey_call_hours: float
    survey_low_score: int


@dataclass(frozen=True)
class CueGroup:
    name: str
    emotion: str
    weight: float
    words: tuple[str, ...]


@dataclass(frozen=True)
class EmotionLexicon:
    threshold: float
    extra_cue: float
    negations: tuple[str, ...]
    groups: tuple[CueGroup, ...]
    rules: dict[str, float]


@dataclass(frozen=True)
class Scenario:
    id: str
    name: str
    triggers: tuple[str, ...]
    replies: tuple[str, ...]
    intents: tuple[str, ...] = ()
    emotion: str | None = None
    urgency: tuple[int, ...] = ()


@dataclass(frozen=True)
class WordingKind:
    """A kind of forbidden wording (推诿, 搪塞, ...) and the compliant sentence
    offered in place of a draft's sentence of that kind."""
    id: str
    name: str
    rewrite: str


@dataclass(frozen=True)
class Forbidden:
    phrase: str
    alternative: str
    kind: str


@dataclass(frozen=True)
class WordingExample:
    """A draft a trainer labelled in the workbench: a kind id, or "polite"."""
    draft: str
    kind: str


POLITE = "polite"


@dataclass(frozen=True)
class PhraseLibrary:
    scenarios: tuple[Scenario, ...]
    forbidden: tuple[Forbidden, ...]
    kinds: tuple[WordingKind, ...] = ()
    examples: tuple[WordingExample, ...] = ()

    def kind(self, kind_id: str) -> WordingKind:
        return next(k for k in self.kinds if k.id == kind_id)


_KIND_NAMES = {str: "文字", list: "列表", dict: "映射", int: "整数", float: "数字"}
# How the workbench names a file's fields in error messages (the YAML key follows).
_FIELD_NAMES = {"alternative": "建议改为", "draft": "草稿", "emotion": "情绪", "entries": "问答", "forbidden": "禁忌用语",
                "kind": "类型", "kinds": "禁忌类型", "rewrite": "改写",
                "groups": "情绪词组", "id": "编号", "name": "名称", "phrase": "禁忌用语", "questions": "问法",
                "replies": "回复", "scenarios": "话术场景", "threshold": "阈值", "weight": "权重",
                "words": "情绪词"}


def _require(data: Any, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    field = f"{_FIELD_NAMES[key]}（{key}）" if key in _FIELD_NAMES else key
    if not isinstance(data, dict) or key not in data:
        raise KnowledgeError(f"{where}：缺少“{field}”")
    value = data[key]
    if not isinstance(value, kind) or (isinstance(value, (str, list, dict)) and not value):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        raise KnowledgeError(f"{where}：“{field}”必须是非空的{'或'.join(_KIND_NAMES[k] for k in kinds)}")
    return value


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# The web chat renders answers as Markdown (and other clients may render HTML), so
# an answer holds no HTML tag and no link a browser would run outside these schemes.
SAFE_SCHEMES = ("http", "https", "tel", "mailto")
_RUNNABLE_SCHEMES = ("javascript", "vbscript", "livescript", "data", "file")
_HTML_TAG = re.compile(r"</?[a-z][a-z0-9-]*(?=[\s/>]|$)|<[!?]")  # on lower-cased text
_SCHEME = re.compile(r"(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]*):")
_LINK_TARGET = ("](", "]:", "<")  # [text](target), [ref]: target, <target>


def _as_browser_reads(text: str) -> str:
    """Entities decoded (twice, for &amp;#106;), Markdown escapes and invisible
    characters dropped, every whitespace a plain space, lower case."""
    text = html.unescape(html.unescape(text)).replace("\\", "")
    return "".join(" " if ch.isspace() else ch for ch in text
                   if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf")).lower()


def _unsafe_scheme(text: str) -> str | None:
    """A link scheme other than SAFE_SCHEMES, looked for with the spaces kept
    and with every space removed (browsers drop tabs and newlines in URLs)."""
    for flat in (text, text.replace(" ", "")):
        for m in _SCHEME.finditer(flat):
            scheme = m.group(1)
            if scheme in SAFE_SCHEMES:
                continue
            if (scheme in _RUNNABLE_SCHEMES or flat.startswith("//", m.end())
                    or flat[:m.start()].rstrip().endswith(_LINK_TARGET)):
                return f"{scheme}:"
    return None


def _refuse_markup(text: str, where: str) -> None:
    readable = _as_browser_reads(text)
    tag = _HTML_TAG.search(readable)
    if tag:
        raise KnowledgeError(f"{where}：含有网页标签“{tag.group(0)}”，网页聊天会把它当作网页代码，请只写文字")
    scheme = _unsafe_scheme(readable)
    if scheme:
        raise KnowledgeError(f"{where}：含有不安全的链接“{scheme}”，链接只能以 {'、'.join(SAFE_SCHEMES)} 开头")


def parse_community(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not data:
        raise KnowledgeError("community.yml：必须是“名称: 内容”的映射")
    for name, value in data.items():
        for text in value if isinstance(value, list) else [value]:
            _refuse_markup(str(text), f"community.yml 小区信息“{name}”")
    return data


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MAX_QUESTION = 100
MAX_ANSWER = 1000


def question_key(question: str) -> str:
    """What makes two question variants the same question: case, spaces,
    punctuation, full/half width and Traditional/Simplified do not count."""
    return "".join(ch for ch in normalize(question).lower() if ch.isalnum())


def _clean_text(value: Any, where: str, limit: int) -> str:
    text = str(value).strip()
    if _CONTROL.search(text):
        raise KnowledgeError(f"{where}：含有不可见的控制字符")
    if len(text) > limit:
        raise KnowledgeError(f"{where}：超过 {limit} 个字")
    _refuse_markup(text, where)
    return text


def _unique_id(raw: Any, seen: set[str], where: str, label: str) -> tuple[str, str]:
    """An item's id, refused when an earlier item has it; and `label“id”`, how
    messages name the item."""
    item_id = str(_require(raw, "id", str, where))
    named = f"{label}“{item_id}”"
    if item_id in seen:
        raise KnowledgeError(f"{named}：编号重复")
    seen.add(item_id)
    return item_id, named


def parse_faq(data: Any) -> tuple[FaqEntry, ...]:
    """The entries in use. Retired entries (`retired: true`) stay in the file
    but neither answer nor train, and their questions may be reused."""
    entries = _require(data, "entries", list, "faq.yml")
    community = community_facts()
    seen_ids: set[str] = set()
    seen_questions: dict[str, tuple[str, str]] = {}
    result = []
    for i, raw in enumerate(entries, 1):
        entry_id, where = _unique_id(raw, seen_ids, f"faq.yml 第{i}条问答", "faq.yml 问答")
        if raw.get("retired"):
            continue
        questions = _require(raw, "questions", list, where)
        if not isinstance(raw.get("answer"), str) or not raw["answer"].strip():
            raise KnowledgeError(f"{where}：答案为空")
        answer = _clean_text(raw["answer"], f"{where} 的答案", MAX_ANSWER)
        try:
            unknown = _placeholders(answer) - community.keys()
        except ValueError as exc:
            raise KnowledgeError(f"{where}：答案里的占位符不完整（{{ 和 }} 要成对，{exc}）") from None
        if unknown:
            raise KnowledgeError(f"{where}：答案引用了不存在的小区信息 {sorted(unknown)}（见 community.yml）")
        _refuse_markup(fill(answer, community) or answer, f"{where} 的答案（填入小区信息后）")
        cleaned = []
        for q in questions:
            if not isinstance(q, str) or not question_key(q):
                raise KnowledgeError(f"{where}：有一个问法是空的")
            q = _clean_text(q, f"{where} 的问法“{q[:20]}”", MAX_QUESTION)
            key = question_key(q)
            if key in seen_questions:
                other_id, other_q = seen_questions[key]
                same = "" if other_q == q else f"（写作“{other_q}”）"
                raise KnowledgeError(f"{where}：问法“{q}”与问答“{other_id}”重复{same}")
            seen_questions[key] = (entry_id, q)
            cleaned.append(q)
        result.append(FaqEntry(entry_id, str(raw.get("topic", "")), tuple(cleaned), answer))
    return tuple(result)


def _categories(raw_list: Any, teams: dict[str, str], where: str) -> tuple[Category, ...]:
    if not isinstance(raw_list, list) or not raw_list:
        raise KnowledgeError(f"{where}：必须是非空的列表")
    cats = []
    for raw in raw_list:
        cat_id = str(_require(raw, "id", str, where))
        team = str(_require(raw, "team", str, f"{where} '{cat_id}'"))
        if team not in teams:
            raise KnowledgeError(f"{where}“{cat_id}”：没有名为“{team}”的班组")
        urgency = int(raw.get("urgency", 3))
        if urgency not in (1, 2, 3):
            raise KnowledgeError(f"{where}“{cat_id}”：紧急程度只能是 1、2 或 3")
        cats.append(
            Category(cat_id, str(raw.get("name", cat_id)), team,
                     tuple(str(k) for k in raw.get("keywords") or ()), urgency)
        )
    return tuple(cats)


def parse_routing(data: Any) -> Routing:
    teams = {str(k): str(v) for k, v in _require(data, "teams", dict, "routing.yml").items()}
    return Routing(
        teams=teams,
        repair=_categories(data.get("repair_categories"), teams, "routing.yml repair_categories"),
        complaint=_categories(data.get("complaint_categories"), teams, "routing.yml complaint_categories"),
        fillers=tuple(str(w) for w in data.get("report_fillers") or () if str(w).strip()),
    )


def parse_hazards(data: Any) -> Hazards:
    questions = {str(k): str(v).strip() for k, v in
                 _require(data, "questions", dict, "hazards.yml").items()}
    default = str(_require(data, "default_question", str, "hazards.yml"))
    if default not in questions:
        raise KnowledgeError(f"hazards.yml：default_question“{default}”不在 questions 里")
    concepts, seen = [], set()
    for raw in _require(data, "concepts", list, "hazards.yml"):
        cid, where = _unique_id(raw, seen, "hazards.yml 险情", "hazards.yml 险情")
        level = _require(raw, "level", int, where)
        if level not in (1, 2):
            raise KnowledgeError(f"{where}：响应级别只能是 1 或 2")
        question = str(_require(raw, "question", str, where))
        if question not in questions:
            raise KnowledgeError(f"{where}：没有名为“{question}”的安全问题")
        classes = _require(raw, "all_of", list, where)
        if not classes or any(not isinstance(c, list) or not c for c in classes):
            raise KnowledgeError(f"{where}：all_of 必须是非空的词类列表")
        if any(not str(w).strip() for c in classes for w in c):
            raise KnowledgeError(f"{where}：有一个词是空的")
        concepts.append(Hazard(cid, str(raw.get("name", cid)), level, questions[question],
                               tuple(tuple(str(w).lower() for w in c) for c in classes)))
    hypothetical = tuple(str(w).lower() for w in data.get("hypothetical") or () if str(w).strip())
    negations = tuple(str(w) for w in data.get("negations") or () if str(w).strip())
    return Hazards(tuple(concepts), questions[default], hypothetical, negations)


def parse_sla(data: Any) -> Sla:
    raw_levels = _require(data, "levels", dict, "sla.yml")
    levels = {}
    for key, raw in raw_levels.items():
        where = f"sla.yml level {key}"
        levels[int(key)] = Level(
            level=int(key),
            name=str(_require(raw, "name", str, where)),
            respond_minutes=int(_require(raw, "respond_minutes", int, where)),
            resolve_minutes=int(_require(raw, "resolve_minutes", int, where)),
            onsite_minutes=raw.get("onsite_minutes"),
        )
    if set(levels) != {1, 2, 3}:
        raise KnowledgeError("sla.yml：一、二、三级都必须定义")
    share = float(_require(data, "at_risk_share", (int, float), "sla.yml"))
    if not 0 < share < 1:
        raise KnowledgeError("sla.yml：at_risk_share 必须在 0 和 1 之间")
    hours = _require(data, "office_hours", dict, "sla.yml")
    opens, closes = (_clock_time(_require(hours, key, str, "sla.yml office_hours"), key)
                     for key in ("opens", "closes"))
    if opens >= closes:
        raise KnowledgeError("sla.yml：office_hours 的 opens 必须早于 closes")
    survey = _require(data, "survey", dict, "sla.yml")
    reminder = float(_require(survey, "reminder_after_hours", (int, float), "sla.yml survey"))
    call = float(_require(survey, "call_after_hours", (int, float), "sla.yml survey"))
    if not 0 < reminder < call:
        raise KnowledgeError("sla.yml：survey 的 reminder_after_hours 必须大于 0 且小于 call_after_hours")
    low = int(_require(survey, "low_score", int, "sla.yml survey"))
    if not 1 <= low <= 4:
        raise KnowledgeError("sla.yml：survey.low_score 必须在 1 到 4 之间")
    return Sla(levels, int(_require(data, "complaint_followup_hours", int, "sla.yml")), share, opens, closes,
               int(_require(data, "waiting_notice_minutes", int, "sla.yml")), reminder, call, low)


def _clock_time(text: str, key: str) -> time:
    """"08:30" → 08:30; "24:00" (a desk that never closes) → the end of the day."""
    if text.strip() == "24:00":
        return time.max
    try:
        return datetime.strptime(text.strip(), "%H:%M").time()
    except ValueError:
        raise KnowledgeError(f"sla.yml：office_hours.{key} 应写成 HH:MM，例如 08:30") from None


def parse_emotion(data: Any) -> EmotionLexicon:
    groups = []
    for name, raw in _require(data, "groups", dict, "emotion.yml").items():
        where = f"emotion.yml 词组“{name}”"
        words = _require(raw, "words", list, where)
        if any(not str(w).strip() for w in words):
            raise KnowledgeError(f"{where}：有一个情绪词是空的")
        groups.append(CueGroup(str(name), str(_require(raw, "emotion", str, where)),
                               float(_require(raw, "weight", (int, float), where)),
                               tuple(str(w) for w in words)))
    rules = {str(k): float(v) for k, v in (data.get("rules") or {}).items()}
    return EmotionLexicon(float(_require(data, "threshold", (int, float), "emotion.yml")),
                          float(data.get("extra_cue", 0)),
                          tuple(str(n) for n in data.get("negations") or ()), tuple(groups), rules)


def parse_phrases(data: Any) -> PhraseLibrary:
    scenarios, seen = [], set()
    for raw in _require(data, "scenarios", list, "phrases.yml"):
        sid, where = _unique_id(raw, seen, "phrases.yml 场景", "phrases.yml 场景")
        replies = tuple(str(r).strip() for r in _require(raw, "replies", list, where))
        for reply in replies:
            if not reply:
                raise KnowledgeError(f"{where}：有一条话术是空的")
            try:
                _placeholders(reply)
            except ValueError as exc:
                raise KnowledgeError(f"{where}：话术“{reply}”里的占位符不完整（{exc}）") from None
        scenarios.append(Scenario(sid, str(raw.get("name", sid)),
                                  tuple(str(t) for t in raw.get("triggers") or ()), replies,
                                  tuple(str(i) for i in raw.get("intents") or ()), raw.get("emotion"),
                                  tuple(int(u) for u in raw.get("urgency") or ())))
    kinds, seen_kinds = [], set()
    for raw in _require(data, "kinds", list, "phrases.yml"):
        kid, where = _unique_id(raw, seen_kinds, "phrases.yml 禁忌类型", "phrases.yml 禁忌类型")
        kinds.append(WordingKind(kid, str(_require(raw, "name", str, where)), str(_require(raw, "rewrite", str, where))))

    def known_kind(raw: Any, where: str, allowed: set[str]) -> str:
        kind = str(_require(raw, "kind", str, where))
        if kind not in allowed:
            raise KnowledgeError(f"{where}：类型“{kind}”不存在（可选：{'、'.join(sorted(allowed))}）")
        return kind

    forbidden = []
    for raw in _require(data, "forbidden", list, "phrases.yml"):
        phrase = str(_require(raw, "phrase", str, "phrases.yml 禁忌用语"))
        where = f"phrases.yml 禁忌用语“{phrase}”"
        forbidden.append(Forbidden(phrase, str(_require(raw, "alternative", str, where)),
                                   known_kind(raw, where, seen_kinds)))
    examples = [WordingExample(str(_require(raw, "draft", str, "phrases.yml 标注示例")),
                               known_kind(raw, "phrases.yml 标注示例", seen_kinds | {POLITE}))
                for raw in data.get("examples") or ()]
    return PhraseLibrary(tuple(scenarios), tuple(forbidden), tuple(kinds), tuple(examples))


class _KnowledgeFile(Generic[T]):
    """One YAML file, parsed and cached until its modification time changes."""

    def __init__(self, name: str, parse: Callable[[Any], T]) -> None:
        self.name = name
        self.parse = parse
        self._lock = Lock()
        self._stamp: tuple[int, int] | None = None
        self._value: T | None = None

    @property
    def path(self) -> Path:
        return settings.KNOWLEDGE_DIR / self.name

    def _read(self) -> T:
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise KnowledgeError(f"{self.name}：不是有效的 YAML（格式错误）：{exc}") from None
        return self.parse(data)

    def get(self) -> T:
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        with self._lock:
            if stamp == self._stamp and self._value is not None:
                return self._value
            try:
                self._value = self._read()
                self._stamp = stamp
            except KnowledgeError:
                if self._value is None:
                    raise
                logger.error("keeping the last good %s", self.name, exc_info=True)
                self._stamp = stamp  # report once per change, not on every call
            return self._value

    def check(self) -> None:
        """Parse the file as it is on disk now, raising KnowledgeError if it is bad."""
        self._read()


_community = _KnowledgeFile("community.yml", parse_community)
_faq = _KnowledgeFile("faq.yml", parse_faq)
_routing = _KnowledgeFile("routing.yml", parse_routing)
_sla = _KnowledgeFile("sla.yml", parse_sla)
_hazards = _KnowledgeFile("hazards.yml", parse_hazards)
_emotion = _KnowledgeFile("emotion.yml", parse_emotion)
_phrases = _KnowledgeFile("phrases.yml", parse_phrases)
_FILES = (_community, _faq, _routing, _hazards, _sla, _emotion, _phrases)
# How each file is read; the workbench validates a trainer's edit with the same parser.
PARSERS: dict[str, Callable[[Any], Any]] = {f.name: f.parse for f in _FILES}


def community_facts() -> dict[str, Any]:
    return _community.get()


def faq_entries() -> tuple[FaqEntry, ...]:
    return _faq.get()


def routing() -> Routing:
    return _routing.get()


def hazards() -> Hazards:
    return _hazards.get()


def sla() -> Sla:
    return _sla.get()


def emotion_lexicon() -> EmotionLexicon:
    return _emotion.get()


def phrase_library() -> PhraseLibrary:
    return _phrases.get()


def dictionary_dir() -> Path:
    """The folder of jieba user dictionaries (every file in it is loaded)."""
    return settings.KNOWLEDGE_DIR / "dictionary"


def check_all() -> None:
    """Validate every knowledge file as it is on disk; raise on the first problem."""
    for f in _FILES:
        f.check()


def fill(template: str, values: dict[str, Any]) -> str | None:
    """The template with its {placeholders} filled, or None when one has no value."""
    names = _placeholders(template)
    if any(values.get(n) in (None, "") for n in names):
        return None
    return template.format(**{n: values[n] for n in names})


def render(template: str) -> str:
    """Fill {placeholders} in a template with the community facts (validation
    has made sure every placeholder names one)."""
    return fill(template, community_facts()) or template
