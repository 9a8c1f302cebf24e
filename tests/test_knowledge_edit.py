"""Trainers' saves (bot/console/knowledge_edit.py) and the review queue (bot/console/review.py),
on a knowledge copy and a fresh database."""
from __future__ import annotations

import stat

import pytest

from bot import faq, knowledge
from bot.console import knowledge_edit, review
from bot.knowledge import KnowledgeError


def test_a_saved_entry_is_used_at_once_and_the_file_stays_tidy(database, knowledge_copy):
    knowledge_edit.save_faq_entry({"id": "parcel_room", "topic": "快递", "questions": ["快递驿站在哪里", "驿站几点关门"],
                                   "answer": "快递驿站在{community_name}北门旁。"}, "trainer-li")
    assert faq.answer({"id": "parcel_room", "confidence": 0.9, "answerable": True}).endswith("北门旁。")
    assert "快递驿站在哪里" in faq.entry("parcel_room").questions  # trains the classifier at the next training
    assert not list(knowledge_copy.glob(".faq.yml.*"))  # no temp file left behind
    text = (knowledge_copy / "faq.yml").read_text(encoding="utf-8")
    assert text.startswith("# FAQ knowledge base.")  # the header comment is kept
    [version] = knowledge_edit.versions("faq.yml")
    assert version.saved_by == "trainer-li"
    changed = [line for line in version.diff.splitlines()[2:] if line[:1] in "+-"]
    assert changed == ["+  - id: parcel_room", "+    topic: 快递", "+    questions: [快递驿站在哪里, 驿站几点关门]",
                       "+    answer: 快递驿站在{community_name}北门旁。"]  # the diff is the change, nothing more


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o640], ids=oct)
def test_a_save_keeps_the_files_permissions(database, knowledge_copy, mode):
    """The saved file replaces the old one by a rename: it keeps the old file's
    mode, not the temporary file's 0600 (readable by its owner only)."""
    path = knowledge_copy / "faq.yml"
    path.chmod(mode)
    knowledge_edit.set_faq_retired("heating", True, "t")
    assert stat.S_IMODE(path.stat().st_mode) == mode and "retired: true" in path.read_text(encoding="utf-8")


def test_a_file_written_afresh_is_readable_by_all(knowledge_copy):
    path = knowledge_copy / "emotion.yml"
    text = path.read_text(encoding="utf-8")
    path.unlink()
    knowledge_edit._write_atomically("emotion.yml", text)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and path.read_text(encoding="utf-8") == text


def test_a_question_written_in_traditional_characters_is_still_a_duplicate(database, knowledge_copy):
    with pytest.raises(KnowledgeError, match="与问答“fee_payment_ways”重复（写作“物业费在哪里交”）"):
        knowledge_edit.save_faq_entry({"id": "x", "questions": ["物業費在哪裡交？"], "answer": "答"}, "t")
    assert knowledge_edit.versions() == []


def test_ids_and_unchanged_saves_are_checked(database, knowledge_copy):
    with pytest.raises(KnowledgeError, match="只能包含英文字母"):
        knowledge_edit.save_faq_entry({"id": "停车", "questions": ["问"], "answer": "答"}, "t")
    current = next(e for e in knowledge_edit.faq_entries_raw() if e["id"] == "fee_cycle")
    with pytest.raises(KnowledgeError, match="内容没有变化"):
        knowledge_edit.save_faq_entry(current, "t")


def test_a_revert_is_refused_while_later_changes_sit_on_top(database, knowledge_copy):
    first = knowledge_edit.set_faq_retired("heating", True, "t")
    assert "heating" not in [e.id for e in knowledge.faq_entries()]
    second = knowledge_edit.set_faq_retired("fee_cycle", True, "t")
    with pytest.raises(knowledge_edit.ConflictError, match=f"第 {first.id} 版之后又有修改"):
        knowledge_edit.revert(first.id, "t")
    knowledge_edit.revert(second.id, "t")
    knowledge_edit.revert(first.id, "t")
    assert {"heating", "fee_cycle"} <= {e.id for e in knowledge.faq_entries()}


def test_a_stale_editor_is_refused(database, knowledge_copy):
    stale = knowledge_edit.fingerprint(knowledge_edit.read_text("emotion.yml"))
    text = knowledge_edit.read_text("emotion.yml")
    knowledge_edit.save_text("emotion.yml", text + "# 备注\n", "a", "备注", based_on=stale)
    with pytest.raises(knowledge_edit.ConflictError):
        knowledge_edit.save_text("emotion.yml", text + "# 另一个备注\n", "b", "备注", based_on=stale)


def test_review_items_mask_phones_and_merge_replies(database, knowledge_copy):
    item = review.record("c1", "我电话13812345678，快递柜坏了", "已联系快递公司", "wang")
    again = review.record("c1", "我电话13812345678，快递柜坏了", "明天修好", "wang")
    assert again.id == item.id and "13812345678" not in again.question
    assert [i.answer for i in review.pending()] == ["已联系快递公司\n明天修好"]
    review.accept(item.id, "li", "parcel_locker", topic="快递")
    assert review.pending() == []
    assert again.question in faq.entry("parcel_locker").questions
    with pytest.raises(KnowledgeError, match="不在待审核队列"):
        review.discard(item.id, "li")


@pytest.mark.parametrize("name", knowledge_edit.EDITABLE)
def test_the_files_are_kept_in_the_layout_the_workbench_writes(knowledge_copy, name):
    """So a trainer's first save shows only their change in the diff."""
    assert knowledge_edit.dump(name, knowledge_edit.read_data(name)) == knowledge_edit.read_text(name)
