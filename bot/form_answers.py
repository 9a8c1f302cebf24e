"""What a resident's message answers while a report form waits for a fact.

Facts are recognised by what the words are (a place, a phone number, a time, a
yes or no), not by the intent the classifier gave the whole message: "下午" is a
visit time even when it reads like a greeting. Facts other than the one asked
are taken too, and at the read-back a message that names a fact corrects
exactly that fact. Only a genuine interruption (an emergency, a cancellation, a
request for a person, a question with no answer in it) is left to the dialogue
rules, after which the form resumes.
"""
from __future__ import annotations

import re
from typing import Any, Mapping, Sequence

from bot import extraction, reports
from bot.text import normalize

# Intents the dialogue handles itself, whatever the form is waiting for. A message
# that only might be dangerous interrupts too, unless it plainly answers the question
# ("下午都在" when asked for a time): its safety question would only get in the way.
INTERRUPTIONS = frozenset({"emergency", "stop", "request_human"})
MAYBE_DANGEROUS = "possible_emergency"

READ_BACK = "repair_confirmed"
# What each fact is called when a resident or an agent is told about it.
FACT_NAMES = {"problem": "故障情况", "location": "位置", "phone": "联系电话", "visit_time": "上门时间",
              "complaint_text": "投诉的情况", "repair_confirmed": "信息核对"}
MAX_ASKS = 2  # a question is asked at most twice in a row (bot/actions/report_form.py)
ANY_TIME = "随时"
FREE_TEXT = ("problem", "complaint_text")  # described in the resident's own words

# A time a resident might give for the visit (Chinese and English): a specific one, or any time.
_SPECIFIC_TIME = (
    r"今天|明天|后天|今晚|明早|明晚|今早|早上|早晨|上午|中午|下午|傍晚|晚上|晚间|白天|今儿|明儿|后儿|晌午|后晌|下晌|"
    r"周[一二三四五六日天末]|星期[一二三四五六日天]|礼拜[一二三四五六日天]|工作日|周末|双休|"
    r"\d{1,2}\s*[:：点]|[一二三四五六七八九十两]{1,3}点|现在|马上|尽快|越快越好|立刻|"
    r"morning|afternoon|evening|tonight|tomorrow|today|now|asap|weekend|\d{1,2}\s*(?:am|pm)")
_ANY_TIME = re.compile(r"随时|都行|都可以|任何时间|什么时候都|无所谓|有空|不限|都在家|都有人|any ?time|whenever",
                       re.IGNORECASE)
_TIME = re.compile(rf"{_SPECIFIC_TIME}|{_ANY_TIME.pattern}", re.IGNORECASE)
# Words that say a time in a report is meant for the visit, not for when the fault began.
_VISIT_CUE = re.compile(r"上门|过来|来修|来看|在家|有人|随时|都行|都可以|come|visit|home|anytime|any time",
                        re.IGNORECASE)
_CHANGE = re.compile(r"^(?:不对|不是|错了)?(?:上门)?(?:时间)?(?:改成|改到|改为|换成|换到|调到|应该是|是)?")
_CLAUSE = re.compile(r"[，,。.!！？?；;\n]+|(?<=[\u4e00-\u9fff])\s+(?=[\u4e00-\u9fff])")  # spaces part Chinese phrases

# A yes is a message made only of yes words and fillers: 对 / 對，沒錯 / 好的提交吧 / yes that's right.
_YES = re.compile(r"对|是|没错|没问题|正确|好|可以|行|提交|确认|确定|嗯|恩|中|成|ok|okay|yes|yep|yeah|correct|right|"
                  r"sure|confirm|good|fine|go ahead|please|that's|that is|it's|all|的|了|吧|啊|呀|呢|嘛|哈|都|就|这样|信息",
                  re.IGNORECASE)
_NO = re.compile(r"^(?:不对|不是|错了|有误|不正确|要改|改一下|修改|需要修改|no|nope|wrong|incorrect)|"
                 r"^(?:不对|不是|错了)", re.IGNORECASE)
_QUESTION = re.compile(r"[?？]|吗|怎么|怎样|如何|多少|哪里|哪儿|什么|啥|能不能|可不可以|是否|要不要|"
                       r"\b(?:how|what|when|where|can|do|does|is|are)\b", re.IGNORECASE)
# Naming a fact without giving its new value ("电话不对"): ask what it should be.
_WRONG = re.compile(r"不对|错了|有误|不正确|wrong|incorrect", re.IGNORECASE)
_FACT_NAMES = re.compile(r"电话|手机|号码|房号|地址|位置|门牌|楼号|单元|时间|上门|phone|number|address|room|time",
                         re.IGNORECASE)
_ROOM_ONLY = re.compile(r"(?:房号|房间号|门牌号?|room|flat|apt\.?)\s*(?:是|改成|改为|应该是|为|is|:)?\s*(\d{3,4})",
                        re.IGNORECASE)


def time_phrase(text: str) -> str | None:
    """The part of a message that names a visit time ("明天下午3点后"), '随时'
    for any time, or None when there is no time in it."""
    clauses = [_CHANGE.sub("", c) for c in _CLAUSE.split(normalize(text)) if _TIME.search(c)]
    if not clauses:
        return None
    phrase = " ".join(clauses).lower()
    specific = any(not _ANY_TIME.fullmatch(m.group(0)) for m in _TIME.finditer(phrase))
    return phrase[:64] if specific else ANY_TIME  # "周末都行" stays; "都行" is any time


def visit_time_in(text: str) -> str | None:
    """A visit time in a message that says, in the same clause, that it is meant
    for the visit ("明天上午家里有人", "随时可以来"), wherever it comes in the
    conversation; "今天一看…派师傅来看看" names when the fault was seen, not a visit."""
    meant = [c for c in _CLAUSE.split(normalize(text)) if _TIME.search(c) and _VISIT_CUE.search(c)]
    return time_phrase(" ".join(meant)) if meant else None


def phone(text: str) -> str | None:
    """A valid phone number in the message, digits or spoken Chinese digits."""
    for candidate in extraction.find_phone_candidates(extraction.spoken_digits(normalize(text))):
        number = extraction.normalize_phone(candidate.text)
        if number:
            return number
    return None


def location(text: str, current: str | None, correcting: bool = False) -> str | None:
    """A usable place in the message. When `correcting` (at the read-back), the
    parts named replace those of the `current` place and the rest are kept:
    "房号是602" and "是12栋" change only the room or the building."""
    text = normalize(text)
    found = extraction.parse_location(text)
    room = _ROOM_ONLY.search(text)
    known = extraction.parse_location(current or "") if correcting else None
    if known and known.building and not (found and found.landmark):
        named = {"building": found.building if found else None, "unit": found.unit if found else None,
                 "room": (found.room if found else None) or (room.group(1) if room else None)}
        if any(named.values()):
            return extraction.compose_location(named["building"] or known.building, named["unit"] or known.unit,
                                               named["room"] or known.room)
    return found.value if extraction.is_usable_location(found) else None


def is_question(text: str) -> bool:
    return bool(_QUESTION.search(text))


def _typed_facts(text: str, slots: Sequence[str], asked: str | None,
                 current: Mapping[str, Any]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    if "location" in slots:
        place = location(text, current.get("location"), correcting=asked == READ_BACK)
        if place and place != current.get("location"):
            facts["location"] = place
    if "phone" in slots:
        number = phone(text)
        if number and number != current.get("phone"):
            facts["phone"] = number
    if "visit_time" in slots:
        when = time_phrase(text) if asked in ("visit_time", READ_BACK) else visit_time_in(text)
        if when and when != current.get("visit_time"):
            facts["visit_time"] = when
    return facts


def _read_back_answer(text: str, intent: str | None, facts: dict[str, Any]) -> dict[str, Any]:
    """At the read-back: named facts correct exactly those facts (and the facts
    are read back again); else yes, no, or a corrected description of the fault."""
    if facts:
        return {**facts, READ_BACK: None}
    if text.startswith("/") and intent in ("affirm", "deny"):  # the read-back's buttons
        return {READ_BACK: intent == "affirm"}
    flat = normalize(text)
    if _NO.match(flat):
        rest = _NO.sub("", flat, count=1).lstrip("，,。 ：:是")
        if reports.describes_something(rest) and not _FACT_NAMES.search(rest):
            return {"problem": rest, READ_BACK: None}
        return {READ_BACK: False}
    if _WRONG.search(flat):  # "电话不对": which fact, but not its new value
        return {READ_BACK: False}
    if _YES.match(flat) and not re.sub(r"[\W_]", "", _YES.sub("", flat)):
        return {READ_BACK: True}
    return {READ_BACK: flat}  # neither: validation turns it down and the read-back comes again


def read(text: str, asked: str | None, intent: str | None, slots: Sequence[str],
         current: Mapping[str, Any], report_text: str | None = None) -> dict[str, Any]:
    """The form facts this message gives: {slot: value}. A value for the asked
    slot that cannot be right (a phone number that is not one) is still
    returned, so the form's validation can say so and ask again; an empty
    result means the message is an interruption for the dialogue rules.
    `report_text` is the part of the message that describes the fault or
    grievance when the form opens (the whole message unless it held several
    requests)."""
    if intent in INTERRUPTIONS or not normalize(text):
        return {}
    facts = _typed_facts(text, slots, asked, current)
    if intent == MAYBE_DANGEROUS and (asked is None or asked not in facts):
        return {}
    if asked is None:  # the form opens on this message
        for slot in FREE_TEXT:
            if slot in slots and not current.get(slot):
                facts[slot] = report_text or text
        return facts
    if asked == READ_BACK:
        return _read_back_answer(text, intent, facts)
    if asked in facts:
        return facts
    # a question with substance ("那个啥" is a filler, not a question): answered, then the form resumes
    interruption = intent == "faq" and is_question(text) and reports.describes_something(text, min_chars=4)
    if asked in FREE_TEXT and not (interruption and not facts):
        return {**facts, asked: normalize(text)}
    if facts or interruption:  # another fact than the one asked is taken, and the question comes again
        return facts
    return {asked: normalize(text)}  # an answer to the question, to be validated
