"""The learning loop's review queue: what agents answered in place of the bot,
waiting for a trainer to turn it into FAQ knowledge or discard it."""
from __future__ import annotations

from sqlalchemy import select

from bot.console import knowledge_edit
from bot.db import session_scope
from bot.privacy import mask_phones
from bot.knowledge import KnowledgeError
from bot.models import ReviewItem
from bot.clock import utcnow


def record(conversation_id: str, question: str, answer: str, agent: str) -> ReviewItem | None:
    """Queue an agent's answer to a resident's question. Further replies to the
    same question in the same conversation are added to the one pending item."""
    question, answer = mask_phones(question.strip()), mask_phones(answer.strip())
    if not question or not answer:
        return None
    with session_scope() as session:
        item = session.execute(select(ReviewItem).where(
            ReviewItem.conversation_id == conversation_id, ReviewItem.question == question,
            ReviewItem.status == "pending")).scalar_one_or_none()
        if item:
            item.answer = f"{item.answer}\n{answer}"
        else:
            item = ReviewItem(conversation_id=conversation_id, question=question, answer=answer,
                              agent=agent, created_at=utcnow(), status="pending")
            session.add(item)
        session.flush()
        return item


def pending() -> list[ReviewItem]:
    with session_scope() as session:
        return list(session.execute(select(ReviewItem).where(ReviewItem.status == "pending")
                                    .order_by(ReviewItem.id)).scalars())


def _decide(item_id: int, status: str, trainer: str, faq_id: str | None = None) -> None:
    with session_scope() as session:
        item = session.get(ReviewItem, item_id)
        item.status, item.decided_by, item.decided_at, item.faq_id = status, trainer, utcnow(), faq_id


def _pending_item(item_id: int) -> ReviewItem:
    with session_scope() as session:
        item = session.get(ReviewItem, item_id)
    if item is None or item.status != "pending":
        raise KnowledgeError(f"第 {item_id} 条不在待审核队列中（可能已处理）")
    return item


def accept(item_id: int, trainer: str, faq_id: str, answer: str | None = None,
           topic: str = "") -> knowledge_edit.Version:
    """Accept into FAQ entry `faq_id`: an existing entry gains the question as a
    variant; otherwise a new entry is made with the (edited) answer."""
    item = _pending_item(item_id)
    existing = {e.get("id") for e in knowledge_edit.faq_entries_raw()}
    if faq_id in existing:
        version = knowledge_edit.add_faq_question(faq_id, item.question, trainer)
    else:
        version = knowledge_edit.save_faq_entry(
            {"id": faq_id, "topic": topic, "questions": [item.question], "answer": answer or item.answer},
            trainer)
    _decide(item_id, "accepted", trainer, faq_id)
    return version


def discard(item_id: int, trainer: str) -> None:
    _pending_item(item_id)
    _decide(item_id, "discarded", trainer)


def as_dict(item: ReviewItem) -> dict:
    return {"id": item.id, "conversation_id": item.conversation_id, "question": item.question,
            "answer": item.answer, "agent": item.agent, "created_at": item.created_at.isoformat() + "Z",
            "status": item.status, "faq_id": item.faq_id}
