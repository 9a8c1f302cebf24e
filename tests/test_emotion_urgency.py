"""Emotion and urgency on messages written for these tests (not the dev set)."""
import pytest

from bot import emotion, routing


@pytest.mark.parametrize("text, cue", [
    ("你们就是一群骗钱的", "骗钱"),
    ("再不修好我就发抖音", "发抖音"),
    ("这都第三次了 你们到底管不管", "到底管不管"),
    ("我要打12345投诉你们", "12345"),
    ("气死我了，忍无可忍", "忍无可忍"),
    ("你們這垃圾物業", "垃圾物业"),            # Traditional characters
    ("电梯里困着一个老人 救命", "救命"),
])
def test_high_emotion_and_its_cues(text, cue):
    result = emotion.assess(text)
    assert result.level == "high" and cue in result.cues and 0.5 <= result.score <= 1


@pytest.mark.parametrize("text", [
    "我不生气，就是问问物业费怎么交",
    "邻居说\"垃圾物业\"，我想问问这样说对吗",
    "没有要曝光的意思 只是问一下进度",
    "楼道灯坏了 麻烦修一下",
    "物业费可以按年交吗",
    "3栋502卫生间漏水了 电话13812345678",  # 12345 inside a phone number is no threat
])
def test_calm_messages_stay_normal(text):
    assert emotion.assess(text).level == "normal"


def test_a_long_outpouring_adds_a_little():
    short = emotion.assess("楼上天天很吵，说了几次")
    long = emotion.assess("楼上天天很吵，" * 30)
    assert long.score > short.score and any(c.startswith("长篇留言") for c in long.cues)
    assert long.level == "normal"  # length alone is not anger


def test_text_rules_add_to_the_score():
    calm = emotion.assess("快点修")
    assert calm.level == "normal"
    shouted = emotion.assess("快点修！！！ HELP")
    assert shouted.score > calm.score and "!!!" in shouted.cues and "HELP" in shouted.cues
    assert "shouting" in shouted.emotions


@pytest.mark.parametrize("text, level", [
    ("楼下着火了", 1),
    ("闻到很重的天然气味", 1),
    ("有人从楼梯摔下来受伤了", 1),
    ("我被困在电梯里", 2),
    ("厨房水管爆了", 2),
    ("整栋楼停电了", 2),
])
def test_urgent_words_and_their_level(text, level):
    assert routing.urgent_keyword(text)[0] == level


@pytest.mark.parametrize("text", ["没有着火，只是问问灭火器在哪", "电梯有异响", "马桶漏水", "邻居说\"着火了\"是开玩笑"])
def test_no_false_emergencies(text):
    assert routing.urgent_keyword(text) is None
