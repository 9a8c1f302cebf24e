"""The FAQ in the period: the entries the bot answered most (faq_answers, with
each entry's first question from knowledge/faq.yml) and the questions it
passed on (unanswered_questions, phones masked, the same words counted once).
Neither belongs to a building, so the building filter does not apply."""
from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot import knowledge
from bot.db import session_scope
from bot.figures.period import Period
from bot.figures.table import Column, Table, ratio
from bot.models import FaqAnswer, UnansweredQuestion
from bot.privacy import mask_phones

GONE = "（该问答已停用或删除）"
MOST_ASKED = (Column("faq_id", "问答编号"), Column("question", "问题"), Column("topic", "主题"),
              Column("count", "回答次数", "count"))
PASSED_ON = (Column("text", "业主的问题"), Column("count", "次数", "count"), Column("last_at", "最近一次", "time"))


def build(period: Period, limit: int | None = None) -> dict[str, Any]:
    """{"answered", "passed_on", "answered_share", "most_asked", "passed_on_questions"}
    (each list at most `limit` rows)."""
    when = UnansweredQuestion.created_at
    with session_scope() as session:
        asked = session.execute(
            select(FaqAnswer.faq_id, func.count().label("n"))
            .where(FaqAnswer.at >= period.start, FaqAnswer.at < period.end)
            .group_by(FaqAnswer.faq_id).order_by(func.count().desc(), FaqAnswer.faq_id)).all()
        grouped = (select(UnansweredQuestion.text, func.count().label("n"), func.max(when).label("last_at"))
                   .where(when >= period.start, when < period.end).group_by(UnansweredQuestion.text))
        passed = session.execute(grouped.order_by(func.count().desc(), func.max(when).desc()).limit(limit)).all()
        passed_total, passed_count = session.execute(
            select(func.count(), func.coalesce(func.sum(grouped.subquery().c.n), 0))).one()
    entries = {e.id: e for e in knowledge.faq_entries()}
    answered = sum(n for _, n in asked)
    return {
        "answered": answered, "passed_on": int(passed_count),
        "answered_share": ratio(answered, answered + int(passed_count)),
        "most_asked": Table(MOST_ASKED, [
            {"faq_id": faq_id, "question": entries[faq_id].questions[0] if faq_id in entries else GONE,
             "topic": entries[faq_id].topic if faq_id in entries else "", "count": n}
            for faq_id, n in asked[:limit]], total=len(asked)),
        "passed_on_questions": Table(PASSED_ON, [{"text": mask_phones(text), "count": n, "last_at": last_at}
                                                 for text, n, last_at in passed], total=passed_total),
    }
