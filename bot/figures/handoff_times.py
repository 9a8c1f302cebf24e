"""Handoffs to people (转人工) opened in the period: how long residents waited
for a first answer and for the end of the handoff (median and p90, in calendar
time and counting office hours only), the bot's resolution rate (conversations
with no handoff) and the handoff rate per reason. Handoffs belong to no
building, so the building filter does not apply."""
from __future__ import annotations

from typing import Any, Sequence

from sqlalchemy import func, select

from bot import handoffs
from bot.db import session_scope
from bot.figures.conversations import residents_writing
from bot.figures.durations import OfficeClock, percentile
from bot.figures.period import Period
from bot.figures.sql import epoch_seconds, plain_rows
from bot.figures.table import Column, Table, ratio
from bot.models import Handoff

TIMES = (Column("measure", "指标"), Column("count", "次数", "count"), Column("median", "中位数", "seconds"),
         Column("p90", "P90", "seconds"), Column("median_office", "中位数（仅计工作时间）", "seconds"),
         Column("p90_office", "P90（仅计工作时间）", "seconds"))
REASONS = (Column("reason_name", "转人工原因"), Column("count", "次数", "count"),
           Column("rate", "占会话比例", "share"))


def _times(measure: str, spans: Sequence[tuple[int, int]], office: OfficeClock) -> dict[str, Any]:
    """Percentiles of spans given in seconds since 1970."""
    calendar = [end - start for start, end in spans]
    working = [office.seconds(start, end) for start, end in spans]
    return {"measure": measure, "count": len(spans),
            "median": percentile(calendar, 0.5), "p90": percentile(calendar, 0.9),
            "median_office": percentile(working, 0.5), "p90_office": percentile(working, 0.9)}


def build(period: Period) -> dict[str, Any]:
    """{"waiting_now", "handoffs", "conversations", "bot_resolved",
    "bot_resolution_rate", "times" (first response, resolution), "reasons"}."""
    in_period = [Handoff.created_at >= period.start, Handoff.created_at < period.end]
    times = [epoch_seconds(column) for column in (Handoff.created_at, func.coalesce(
        Handoff.first_reply_at, Handoff.taken_at), Handoff.resolved_at)]
    with session_scope() as session:
        waiting = session.execute(select(func.count()).where(Handoff.status == "waiting")).scalar_one()
        reasons = dict(session.execute(
            select(Handoff.reason, func.count()).where(*in_period).group_by(Handoff.reason)).all())
        rows = plain_rows(session.connection(), select(Handoff.conversation_id, *times).where(*in_period))
    conversations = residents_writing(period)
    handed = {conversation for conversation, _, _, _ in rows}
    first = [(created, answered) for _, created, answered, _ in rows if answered is not None]
    resolved = [(created, done) for _, created, _, done in rows if done is not None]
    office = OfficeClock.covering([t for span in first + resolved for t in span])
    bot_resolved = len(conversations - handed)
    known = list(handoffs.REASONS) + sorted(set(reasons) - set(handoffs.REASONS))
    return {
        "waiting_now": waiting, "handoffs": sum(reasons.values()), "conversations": len(conversations),
        "bot_resolved": bot_resolved, "bot_resolution_rate": ratio(bot_resolved, len(conversations)),
        "times": Table(TIMES, [_times("首次响应", first, office), _times("处理完成", resolved, office)]),
        "reasons": Table(REASONS, [{"reason": r, "reason_name": handoffs.REASON_NAMES.get(r, r), "count": reasons.get(r, 0),
                                    "rate": ratio(reasons.get(r, 0), len(conversations))} for r in known]),
    }
