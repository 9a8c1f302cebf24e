"""The knowledge loader: validation, live reload, and surviving a trainer's typo."""
import os

import pytest
import yaml

from bot import faq, knowledge
from http_helpers import Tab


def _touch_later(path):
    # Make sure the modification time differs even on coarse file systems.
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def test_the_shipped_knowledge_is_valid_and_covers_the_trade():
    knowledge.check_all()
    entries = knowledge.faq_entries()
    assert len(entries) >= 60
    topics = {e.topic for e in entries}
    for topic in ["物业费", "公共收益", "装修", "停车", "门禁", "快递", "服务中心", "入住", "宠物", "垃圾分类", "访客"]:
        assert topic in topics
    assert all(len(e.questions) >= 3 for e in entries)


def test_answers_are_filled_from_community_facts():
    facts = knowledge.community_facts()
    entry = next(e for e in knowledge.faq_entries() if e.id == "fee_standard")
    rendered = knowledge.render(entry.answer)
    assert facts["fee_residential"] in rendered and "{" not in rendered


def test_an_edited_answer_is_live_without_restart(knowledge_copy):
    path = knowledge_copy / "faq.yml"
    chosen = {"id": "parcel", "confidence": 0.9, "answerable": True}  # what the classifier says
    assert "每季度" not in faq.answer(chosen)
    path.write_text(path.read_text(encoding="utf-8").replace(
        'answer: 快递请到{parcel_room}领取', 'answer: 快递每季度统一到{parcel_room}领取'), encoding="utf-8")
    _touch_later(path)
    assert "快递每季度统一" in faq.answer(chosen)


def test_malformed_yaml_keeps_the_last_good_version(knowledge_copy, caplog):
    path = knowledge_copy / "faq.yml"
    good = knowledge.faq_entries()
    path.write_text("entries: [ {id: broken, questions: [", encoding="utf-8")
    _touch_later(path)
    assert knowledge.faq_entries() == good
    assert "keeping the last good faq.yml" in caplog.text
    with pytest.raises(knowledge.KnowledgeError, match="不是有效的 YAML"):
        knowledge.check_all()


@pytest.mark.parametrize("bad, message", [
    ('entries: [{id: a, questions: [问], answer: ""}]', "答案为空"),
    ('entries: [{id: a, questions: [问], answer: "{no_such_fact}"}]', "不存在的小区信息"),
    ('entries: [{id: a, questions: [问], answer: "{oops"}]', "占位符不完整"),
    ('entries: [{id: a, questions: [问], answer: x}, {id: a, questions: [答], answer: y}]', "编号重复"),
    ('entries: [{id: a, questions: [问], answer: x}, {id: b, questions: [问], answer: y}]', "与问答“a”重复"),
    ('entries: [{id: a, questions: [""], answer: x}]', "问法是空的"),
])
def test_faq_validation_errors_name_the_problem(knowledge_copy, bad, message):
    (knowledge_copy / "faq.yml").write_text(bad, encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match=message):
        knowledge.check_all()


def test_routing_must_name_known_teams(knowledge_copy):
    path = knowledge_copy / "routing.yml"
    path.write_text(path.read_text(encoding="utf-8").replace("team: gardening", "team: nobody"), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match="没有名为“nobody”的班组"):
        knowledge.check_all()


def _faq_with_answer(answer: str) -> str:
    return yaml.safe_dump({"entries": [{"id": "pay_online", "questions": ["网上怎么缴费"], "answer": answer}]},
                          allow_unicode=True)


LIVE_MARKUP = [
    ("<a href='https://pay.example.cn'>点这里缴费</a>", "网页标签“<a”"),
    ("缴费成功<script>alert(1)</script>", "网页标签“<script”"),
    ('<IMG SRC=x onerror="alert(1)">', "网页标签“<img”"),
    ("<b>重要</b>通知", "网页标签“<b”"),
    ("通知<!-- 隐藏 -->", "网页标签“<!”"),
    ("[点这里缴费](javascript:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](JaVaScRiPt:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](java\tscript:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](java&#x09;script:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](&#106;avascript:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](javascript&colon;alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](java\u200bscript:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费](javascript\\:alert(1))", "不安全的链接“javascript:”"),
    ("[点这里缴费]( data:text/html;base64,PHNjcmlwdD4=)", "不安全的链接“data:”"),
    ("[点这里](VBScript:msgbox(1))", "不安全的链接“vbscript:”"),
    ("[账单](file:///etc/passwd)", "不安全的链接“file:”"),
    ("复制到地址栏打开 javascript:alert(1)", "不安全的链接“javascript:”"),
    ("下载地址 ftp://files.example.cn/bill", "不安全的链接“ftp:”"),
    ("<weixin:pay>", "不安全的链接“weixin:”"),
]


@pytest.mark.parametrize("answer, problem", LIVE_MARKUP)
def test_answers_with_live_html_or_unsafe_links_are_refused(knowledge_copy, answer, problem):
    (knowledge_copy / "faq.yml").write_text(_faq_with_answer(answer), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError) as refused:
        knowledge.check_all()
    assert str(refused.value).startswith("faq.yml 问答“pay_online” 的答案：含有" + problem)


@pytest.mark.parametrize("answer", [
    "[在线缴费](https://pay.example.cn/bill?id=1)", "请拨打 [客服电话](tel:057188886600)",
    "意见请发 <mailto:service@example.cn> 或 http://example.cn", "办公时间 8:30-18:00，WiFi: jinxiu",
    "水温<5度 或 a < b 时请联系我们", "{office_hours}，电话 {service_phone}",
])
def test_plain_text_and_safe_links_are_still_accepted(knowledge_copy, answer):
    (knowledge_copy / "faq.yml").write_text(_faq_with_answer(answer), encoding="utf-8")
    knowledge.check_all()


def test_a_question_with_markup_is_refused_naming_the_question(knowledge_copy):
    (knowledge_copy / "faq.yml").write_text(yaml.safe_dump({"entries": [
        {"id": "pay_online", "questions": ["怎么缴费<img src=x>"], "answer": "在小程序缴费"}]},
        allow_unicode=True), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError, match="问答“pay_online” 的问法“怎么缴费<img src=x>”：含有网页标签"):
        knowledge.check_all()


def _set_facts(knowledge_copy, **facts: str) -> None:
    path = knowledge_copy / "community.yml"
    path.write_text(yaml.safe_dump({**yaml.safe_load(path.read_text(encoding="utf-8")), **facts},
                                   allow_unicode=True), encoding="utf-8")


def test_a_community_fact_with_a_live_link_is_refused(knowledge_copy):
    _set_facts(knowledge_copy, payment_ways="[微信缴费](javascript:alert(document.cookie))")
    with pytest.raises(knowledge.KnowledgeError,
                       match="community.yml 小区信息“payment_ways”：含有不安全的链接“javascript:”"):
        knowledge.check_all()


def test_a_link_made_only_by_filling_in_a_fact_is_refused(knowledge_copy):
    _set_facts(knowledge_copy, pay_tail="script:alert(1))")  # harmless on its own
    (knowledge_copy / "faq.yml").write_text(_faq_with_answer("[点这里缴费](java{pay_tail}"), encoding="utf-8")
    with pytest.raises(knowledge.KnowledgeError,
                       match="问答“pay_online” 的答案（填入小区信息后）：含有不安全的链接“javascript:”"):
        knowledge.check_all()


def test_the_workbench_refuses_to_save_a_live_link(server, staff):
    tab = Tab(server.agent_url)
    username, password = staff["trainer"]
    assert tab.call("/auth/login", {"username": username, "password": password})[0] == 200
    on_disk = (server.knowledge_dir / "faq.yml").read_bytes()
    status, body = tab.call("/trainer/faq/pay_online", {"topic": "缴费", "questions": ["网上怎么交物业费呢"],
                                                         "answer": "[点这里缴费](java\tscript:alert(1))"}, "PUT")
    assert status == 422
    assert body["error"].startswith("faq.yml 问答“pay_online” 的答案：含有不安全的链接“javascript:”")
    assert (server.knowledge_dir / "faq.yml").read_bytes() == on_disk


def test_urgency_negations_are_hazards_own_so_an_emotion_edit_cannot_change_them(knowledge_copy):
    from bot import hazards
    lexicon = knowledge_copy / "emotion.yml"
    text = lexicon.read_text(encoding="utf-8")
    lexicon.write_text(text[:text.index("negations:")] + "negations: []\n" + text[text.index("\n", text.index("negations:")) + 1:],
                       encoding="utf-8")
    assert knowledge.emotion_lexicon().negations == ()
    assert hazards.match("没有着火，就是问问") is None and hazards.match("着火了") is not None
