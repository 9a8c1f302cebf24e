"""The knowledge loader: validation, live reload, and surviving a trainer's typo."""
import os

import pytest

from bot import faq, knowledge


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
    assert "每季度" not in (faq.answer("快递放哪里")[1] or "")
    path.write_text(path.read_text(encoding="utf-8").replace(
        'answer: 快递请到{parcel_room}领取', 'answer: 快递每季度统一到{parcel_room}领取'), encoding="utf-8")
    _touch_later(path)
    assert "快递每季度统一" in faq.answer("快递放哪里")[1]


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
