"""FAQ retrieval on phrasings written for this test (not the dev set)."""
import pytest

from bot import faq


@pytest.mark.parametrize("question, entry_id", [
    ("物业费一平米收多少", "fee_standard"),
    ("可以用微信付物业费吗", "fee_payment_ways"),
    ("发票怎么开", "fee_invoice"),
    ("装修押金退不退", "renovation_deposit"),
    ("周日能装修吗", "renovation_hours"),
    ("月卡停车多少钱", "parking_monthly"),
    ("门禁卡掉了", "access_card_lost"),
    ("管理处在哪", "office_location"),
    ("夜里有急事打什么电话", "duty_phone"),
    ("小区能不能养狗", "pet_rules"),
    ("厨余垃圾怎么分", "garbage_sorting"),
    ("旧床垫扔哪", "bulky_waste"),
    ("公共收益在哪看", "public_revenue"),
    ("物業費怎麼繳", "fee_payment_ways"),
])
def test_questions_find_their_entry(question, entry_id):
    match, answer = faq.answer(question)
    assert match.entry.id == entry_id
    assert answer and "{" not in answer


@pytest.mark.parametrize("question", ["明天天气怎么样", "股票会涨吗", "", "😀😀😀"])
def test_unrelated_questions_get_no_answer(question):
    assert faq.answer(question)[1] is None
