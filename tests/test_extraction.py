import pytest

from bot import extraction
from bot.extraction import find_phone_candidates, find_ticket_numbers, normalize_phone, parse_location
from bot.privacy import mask_phone, mask_phones


@pytest.mark.parametrize("text, value, parts", [
    ("3栋502卫生间漏水", "3栋502", ("3", None, "502")),
    ("8-2-1102 厨房下水道堵了", "8栋2单元1102", ("8", "2", "1102")),
    ("12号楼二单元楼道灯不亮", "12栋2单元", ("12", "2", None)),
    ("五栋三单元1201室暖气不热", "5栋3单元1201", ("5", "3", "1201")),
    ("二十一栋的电梯坏了", "21栋", ("21", None, None)),
    ("A座1203 空调漏水", "A栋1203", ("A", None, "1203")),
    ("我住7栋 房间是604室", "7栋604", ("7", None, "604")),
    ("7-1102", "7栋1102", ("7", None, "1102")),
    ("17栋3-1205", "17栋3单元1205", ("17", "3", "1205")),
    ("17号3单元1205", "17栋3单元1205", ("17", "3", "1205")),  # 号 names a building before a unit
    ("3单元1205 17栋", "17栋3单元1205", ("17", "3", "1205")),  # parts from a later mention
    ("17栋的3单元 1205", "17栋3单元1205", ("17", "3", "1205")),
    ("十七号楼三单元一二零五", "17栋3单元1205", ("17", "3", "1205")),  # a room read digit by digit
    ("The tap in building 3 unit 2 room 502 leaks", "3栋2单元502", ("3", "2", "502")),
])
def test_locations_are_parsed_into_parts(text, value, parts):
    loc = parse_location(text)
    assert loc.value == value
    assert (loc.building, loc.unit, loc.room) == parts
    assert extraction.is_usable_location(loc)


def test_location_parts_never_overlap_and_cover_their_words():
    text = "8-2-1102厨房漏水，另外12号楼二单元1201也漏"
    parts = [(p.entity, p.value, text[p.start:p.end]) for p in parse_location(text).parts]
    assert parts == [("building", "8", "8"), ("unit", "2", "2"), ("room", "1102", "1102")]
    text = "3栋楼下 502室"
    assert [(p.entity, text[p.start:p.end]) for p in parse_location(text).parts] == [
        ("building", "3栋"), ("room", "502室")]


def test_compose_location():
    assert extraction.compose_location("3", "2", "502") == "3栋2单元502"
    assert extraction.compose_location(place="东门") == "东门"


def test_public_places_are_locations_but_a_bare_room_is_not_enough():
    assert parse_location("小区东门的路灯坏了").value == "东门"
    assert extraction.is_usable_location(parse_location("地下车库灯不亮"))
    assert not extraction.is_usable_location(parse_location("我家502室"))
    assert parse_location("我家") is None


@pytest.mark.parametrize("raw, digits", [
    ("13812345678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("+86-13812345678", "13812345678"),
    ("0571-88886600", "057188886600"),
    ("010 12345678", "01012345678"),
])
def test_valid_mainland_numbers(raw, digits):
    assert normalize_phone(raw) == digits


@pytest.mark.parametrize("raw", ["1381234", "23812345678", "138123456789", "12345678"])
def test_invalid_numbers_are_rejected(raw):
    assert normalize_phone(raw) is None


def test_phone_candidates_skip_ticket_and_room_numbers():
    text = "8-2-1102漏水 单号BX-20261122-0007 电话13812345678"
    assert [s.text for s in find_phone_candidates(text)] == ["13812345678"]
    assert [s.text for s in find_phone_candidates("电话1381234")] == ["1381234"]


def test_ticket_numbers_are_normalised():
    assert [s.text for s in find_ticket_numbers("查一下bx20261122 0007和TS-20261101-0002")] == [
        "BX-20261122-0007", "TS-20261101-0002"]


def test_masking():
    assert mask_phone("13812345678") == "138＊＊＊＊5678"
    assert mask_phone("057188886600") == "0571＊＊＊＊6600"
    assert mask_phones("联系13812345678或0571-88886600，房号8-2-1102") == \
        "联系138＊＊＊＊5678或0571＊＊＊＊6600，房号8-2-1102"


def test_spoken_digits_and_facts_masked_for_the_intent_classifier():
    assert extraction.spoken_digits("电话一三九 幺二三四 五六七八") == "电话13912345678"
    assert extraction.spoken_digits("三栋") == "三栋"  # short runs are words, not numbers
    assert extraction.mask_facts("5栋2单元301 水管漏水 电话13924681357") == " § 水管漏水 电话 ¶ "
