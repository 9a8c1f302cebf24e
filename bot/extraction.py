"""Structured facts in residents' messages: locations (楼栋/单元/房号 or a public
place), phone numbers and ticket numbers. Pure regular expressions over
normalised (Simplified, half-width) text, so results do not depend on how jieba
cuts the words."""
from __future__ import annotations

import re
from dataclasses import dataclass

from bot import knowledge

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,3}|[零〇一二两三四五六七八九十]{1,3})"


def cn_number(token: str) -> int | None:
    """'12' → 12, '十二' → 12, '二十一' → 21, '五' → 5."""
    if token.isdigit():
        return int(token)
    if not token or any(ch not in CN_DIGITS and ch != "十" for ch in token):
        return None
    if "十" in token:
        tens, _, ones = token.partition("十")
        return (CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (CN_DIGITS.get(ones, 0) if ones else 0)
    value = 0
    for ch in token:
        value = value * 10 + CN_DIGITS[ch]
    return value


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Part:
    """One piece of a location, as an entity: '3栋' → Part('building', '3', 0, 2)."""

    entity: str  # building | unit | room | place
    value: str
    start: int
    end: int


def compose_location(building: str | None = None, unit: str | None = None,
                     room: str | None = None, place: str | None = None) -> str:
    """The canonical form of a location: 3栋2单元502, 12栋2单元, 东门."""
    return "".join([f"{building}栋" if building else "", f"{unit}单元" if unit else "",
                    room or "", place or ""])


@dataclass(frozen=True)
class Location:
    parts: tuple[Part, ...]

    def _part(self, entity: str) -> str | None:
        return next((p.value for p in self.parts if p.entity == entity), None)

    @property
    def building(self) -> str | None:
        return self._part("building")

    @property
    def unit(self) -> str | None:
        return self._part("unit")

    @property
    def room(self) -> str | None:
        return self._part("room")

    @property
    def landmark(self) -> str | None:
        return self._part("place")

    @property
    def start(self) -> int:
        return min(p.start for p in self.parts)

    @property
    def end(self) -> int:
        return max(p.end for p in self.parts)

    @property
    def value(self) -> str:
        return compose_location(self.building, self.unit, self.room, self.landmark)


# "号" alone names a building only when a unit follows ("17号3单元"): "502号" is a room.
_BUILDING = rf"(?P<B>(?P<b>{_NUM}|[A-Za-z])\s*(?:号楼|栋|幢|座|#楼|#|号(?=\s*{_NUM}\s*单元)))"
_UNIT = rf"(?P<U>(?P<u>{_NUM})\s*单元)"
_ROOM = r"(?P<R>(?P<r>\d{3,4}|[零〇一二三四五六七八九幺洞]{3,4}(?![十百千]))\s*(?:室|号|房)?)"
_ENGLISH = re.compile(
    r"(?P<B>(?:building|bldg\.?|block|blk\.?|tower)\s*#?(?P<b>\d{1,3}))"
    r"(?:[\s,]*(?P<U>(?:unit|entrance)\s*#?(?P<u>\d{1,2})))?"
    r"(?:[\s,]*(?P<R>(?:room|rm\.?|flat|apt\.?|apartment|#)\s*(?P<r>\d{3,4})))?", re.IGNORECASE)
_PATTERNS = [
    _ENGLISH,
    re.compile(rf"{_BUILDING}\s*(?P<U>(?P<u>\d{{1,2}}))-(?P<R>(?P<r>\d{{3,4}}))(?![\d-])"),  # 17栋3-1205
    re.compile(r"(?<![\d-])(?P<B>(?P<b>\d{1,3}))-(?:(?P<U>(?P<u>\d{1,2}))-)?(?P<R>(?P<r>\d{3,4}))(?![\d-])"),
    re.compile(rf"{_BUILDING}\s*的?\s*(?:{_UNIT})?\s*的?\s*(?:{_ROOM})?"),
    re.compile(rf"{_UNIT}\s*(?:{_ROOM})?"),
    re.compile(r"(?<!\d)(?P<R>(?P<r>\d{3,4})\s*(?:室|房间|房))(?!\d)"),
]
_PIECES = {"building": ("B", "b"), "unit": ("U", "u"), "room": ("R", "r")}


def _num_str(token: str) -> str | None:
    if token.isalpha() and token.isascii():
        return token.upper()
    n = cn_number(token)
    return str(n) if n is not None else None


def find_locations(text: str) -> list[Location]:
    """Every location mentioned, in order of appearance."""
    found: list[Location] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if not m.group(0).strip() or not free(m.start(), m.end()):
                continue
            parts = []
            for entity, (whole, number) in _PIECES.items():
                if whole in pattern.groupindex and m.group(whole):
                    value = spoken_digits(m.group(number), 3) if entity == "room" else _num_str(m.group(number))
                    if value:
                        parts.append(Part(entity, value, *m.span(whole)))
            if parts:
                found.append(Location(tuple(parts)))
                taken.append((m.start(), m.end()))
    landmarks = sorted(knowledge.community_facts().get("landmarks", []), key=len, reverse=True)
    for name in landmarks:
        for m in re.finditer(re.escape(name), text):
            if free(m.start(), m.end()):
                found.append(Location((Part("place", name, m.start(), m.end()),)))
                taken.append((m.start(), m.end()))
    return sorted(found, key=lambda loc: loc.start)


def parse_location(text: str) -> Location | None:
    """The location a message names: the first building/unit/room mention,
    its missing parts taken from later mentions ("3栋 ... 502室", "3单元1205
    17栋"), else the first public place. None when there is none."""
    locations = find_locations(text)
    structured = [loc for loc in locations if not loc.landmark]
    if not structured:
        return locations[0] if locations else None
    parts = list(structured[0].parts)
    for later in structured[1:]:
        parts += [p for p in later.parts if p.entity not in {q.entity for q in parts}]
    return Location(tuple(sorted(parts, key=lambda p: list(_PIECES).index(p.entity))))


def is_usable_location(loc: Location | None) -> bool:
    """A crew can find it: a building (with or without room) or a public place."""
    return bool(loc and (loc.building or loc.landmark))


# --- phone numbers -------------------------------------------------------------

_SPOKEN = {"幺": "1", "洞": "0", **{ch: str(n) for ch, n in CN_DIGITS.items()}}
_SPOKEN_CHARS = "".join(_SPOKEN)


def spoken_digits(text: str, at_least: int = 7) -> str:
    """Runs of `at_least` or more Chinese digits read one by one, as voice input
    writes a phone or room number ("一三九 幺二三四…", "八零三"), in Arabic digits."""
    run = re.compile(rf"[{_SPOKEN_CHARS}](?:[\s,，、-]*[{_SPOKEN_CHARS}]){{{at_least - 1},}}")
    return run.sub(lambda m: "".join(_SPOKEN.get(ch, "") for ch in m.group(0)), text)


PHONE_CANDIDATE = re.compile(r"(?<![A-Za-z0-9-])(?:\+?86[\s-]?)?\d[\d\s-]{5,16}\d(?![A-Za-z0-9-])")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{2,3}\d{7,8}")


def normalize_phone(raw: str) -> str | None:
    """'138 1234 5678' / '+86-13812345678' / '0571-88886600' → digits, or None
    when it is not a valid mainland mobile or landline number."""
    digits = re.sub(r"[\s-]", "", raw)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    if _MOBILE.fullmatch(digits) or _LANDLINE.fullmatch(digits):
        return digits
    return None


def find_phone_candidates(text: str) -> list[Span]:
    """Digit runs that look meant as a phone number (7+ digits), valid or not,
    leaving out ticket numbers and dashed room numbers."""
    blocked = [(s.start, s.end) for s in find_ticket_numbers(text)]
    blocked += [(p.start, p.end) for loc in find_locations(text) for p in loc.parts
                if p.entity != "place"]
    spans = []
    for m in PHONE_CANDIDATE.finditer(text):
        raw = m.group(0).strip()
        if sum(ch.isdigit() for ch in raw) < 7:
            continue
        if any(not (m.end() <= s or m.start() >= e) for s, e in blocked):
            continue
        spans.append(Span(m.start(), m.start() + len(raw), raw))
    return spans


def mask_facts(text: str) -> str:
    """Places as "§" and phone numbers as "¶": what kind of message it is does
    not depend on which flat or number it names (the intent classifier reads this)."""
    text = spoken_digits(text)
    spans = [(loc.start, loc.end, "§") for loc in find_locations(text)]
    spans += [(s.start, s.end, "¶") for s in find_phone_candidates(text)]
    for start, end, mark in sorted(spans, reverse=True):
        text = text[:start] + f" {mark} " + text[end:]
    return text


def phone_tail(text: str) -> str | None:
    """The last four digits of a phone as a resident gives them to prove who they
    are: '5678', '后四位 5678', or a whole number (its last four)."""
    runs = re.findall(r"\d+", re.sub(r"(?<=\d)[\s-]+(?=\d)", "", text or ""))
    run = next((r for r in runs if len(r) == 4 or len(r) >= 7), None)
    return run[-4:] if run else None


# --- ticket numbers ------------------------------------------------------------

_TICKET = re.compile(r"(?<![A-Za-z])(BX|TS)\s*-?\s*(\d{8})\s*-?\s*(\d{4})(?!\d)", re.IGNORECASE)


def find_ticket_numbers(text: str) -> list[Span]:
    """Ticket numbers, normalised to BX-20261122-0007 in `text`."""
    return [
        Span(m.start(), m.end(), f"{m.group(1).upper()}-{m.group(2)}-{m.group(3)}")
        for m in _TICKET.finditer(text)
    ]
