"""Emotion (trained score, lexicon cues) and response levels (hazard concepts,
trained model, safety question), on messages written for these tests."""
import pytest

from bot import emergency, emotion, hazards
from bot.understanding.models import UrgencyModel


@pytest.mark.parametrize("text, cue", [
    ("你们就是一群骗钱的", "骗钱"),
    ("再不修好我就发抖音", "发抖音"),
    ("这都第三次了 你们到底管不管", "到底管不管"),
    ("我要打12345投诉你们", "12345"),
    ("气死我了，忍无可忍！", "忍无可忍"),
    ("你們這垃圾物業", "垃圾物业"),            # Traditional characters
])
def test_upset_messages_are_high_and_explained_by_their_cues(nlu, text, cue):
    result = nlu(text)["emotion"]
    assert result["level"] == "high" and 0.5 <= result["score"] <= 1
    assert cue in result["cues"]


@pytest.mark.parametrize("text", [
    "报修都一个礼拜了 到现在连个人影都没有",       # anger without a listed word
    "别跟我说什么流程 我就问今天能不能修好",
    "叫你们经理出来跟我说",
])
def test_anger_without_a_listed_word_is_high(nlu, text):
    assert nlu(text)["emotion"]["level"] == "high"


@pytest.mark.parametrize("text", [
    "我不生气，就是问问物业费怎么交",
    "没有要曝光的意思 只是问一下进度",
    "楼道灯坏了 麻烦修一下",
    "物业费可以按年交吗",
    "3栋502卫生间漏水了 电话13812345678",
    "楼上晚上有点吵 麻烦帮忙提醒一下 谢谢",
])
def test_calm_messages_stay_normal(nlu, text):
    assert nlu(text)["emotion"]["level"] == "normal"


def test_the_lexicon_explains_without_deciding():
    calm = emotion.assess("快点修")
    shouted = emotion.assess("快点修！！！ HELP")
    assert not calm.cues and "!!!" in shouted.cues and "HELP" in shouted.cues
    assert "shouting" in shouted.emotions


@pytest.mark.parametrize("text, level", [
    ("楼下着火了", 1),
    ("闻到很重的天然气味", 1),
    ("厨房燃气好像泄漏了", 1),
    ("有人从楼梯摔下来受伤了", 1),
    ("我被困在电梯里", 2),
    ("水管爆了 水哗哗往外喷", 2),
    ("整栋楼停电了", 2),
])
def test_hazard_concepts_and_their_level(text, level):
    assert hazards.match(text).hazard.level == level


@pytest.mark.parametrize("text", ["没有着火，只是问问灭火器在哪", "电梯有异响", "马桶漏水",
                                  "邻居说\"着火了\"是开玩笑", "燃气费在哪交"])
def test_no_hazard_in_ordinary_words(text):
    assert hazards.match(text) is None


@pytest.mark.parametrize("text, level", [
    ("楼道里好多烟 看不清路", 1),
    ("我爸在卫生间摔倒了 头在流血", 1),
    ("电梯卡在两层中间 我家孩子在里面", 2),
    ("楼上的水哗哗往我家流 天花板都在滴", 2),
])
def test_emergencies_get_their_level_in_the_pipeline(nlu, text, level):
    parsed = nlu(text)
    assert parsed["intent"]["name"] == "emergency"
    assert parsed["urgency"]["level"] <= level


@pytest.mark.parametrize("text", ["电梯有点异响 麻烦看看", "水龙头一直滴水", "燃气灶打不着火了", "楼道灯不亮了"])
def test_ordinary_repairs_are_not_raised(nlu, text):
    parsed = nlu(text)
    assert parsed["urgency"]["level"] in (3, None) and parsed["intent"]["name"] == "repair_request"


class _Fixed:
    """A classifier that always gives the same probabilities."""

    def __init__(self, probs: dict[str, float]) -> None:
        self.probs = probs

    def rank(self, text: str, top: int = 10):
        return sorted(self.probs.items(), key=lambda kv: kv[1], reverse=True)


def test_an_unsure_model_asks_the_fitting_safety_question():
    model = UrgencyModel(_Fixed({"1": 0.3, "2": 0.05, "none": 0.65}), raise_at=0.6, ask_at=0.2)
    unsure = model.assess("厨房有股焦糊味")
    assert unsure.level is None and unsure.if_yes == 1 and "明火或烟" in unsure.ask
    sure = UrgencyModel(_Fixed({"1": 0.7, "2": 0.1, "none": 0.2}), raise_at=0.6, ask_at=0.2)
    assert sure.assess("厨房有股焦糊味").level == 1
    calm = UrgencyModel(_Fixed({"1": 0.05, "2": 0.05, "none": 0.9}), raise_at=0.6, ask_at=0.2)
    assert calm.assess("厨房有股焦糊味").ask is None
    concept = calm.assess("厨房着火了")  # the concept wins over a calm model
    assert concept.level == 1 and "火情" in concept.reason


@pytest.mark.parametrize("answer, intent, clear", [
    ("没有", "deny", True), ("都没有", None, True), ("no", None, True), ("没事 就是有点味", None, True),
    ("有", "affirm", False), ("没有人 但是有烟", None, False), ("不知道", None, False),
    ("没有明火 不过烟越来越大了", None, False), ("", None, False), ("着火了", None, False),
])
def test_only_a_clear_no_is_all_clear(answer, intent, clear):
    assert emergency.is_all_clear(answer, intent) is clear
