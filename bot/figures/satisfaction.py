"""Satisfaction follow-ups (回访) of tickets: the response rate of surveys sent
in the period, and over the ratings given in it the CSAT (share of 4-5), the
mean, the distribution 1-5, a trend per day or week and the low scores with
their tickets and comments (phones masked)."""
from __future__ import annotations

from typing import Any

from sqlalchemy import case, func, select

from bot import knowledge
from bot.db import session_scope
from bot.figures.period import Period
from bot.figures.table import Column, Table, ratio
from bot.figures.ticket_volume import building_name, in_period
from bot.models import Survey, Ticket
from bot.privacy import mask_phones

SATISFIED = 4  # a rating of 4 or 5 counts as satisfied
DISTRIBUTION = (Column("score_name", "评分"), Column("count", "份数", "count"), Column("share", "占比", "share"))
LOW = (Column("number", "工单号"), Column("score", "评分", "count"), Column("comment", "评价内容"),
       Column("category_name", "类别"), Column("building_name", "楼栋"), Column("answered_at", "评价时间", "time"))


def _surveys(*columns):
    return select(*columns).select_from(Survey).join(Ticket, Ticket.id == Survey.ticket_id)


def _trend_columns(period: Period) -> tuple[Column, ...]:
    return (Column("bucket", period.bucket_title), Column("answered", "评价数", "count"),
            Column("csat", "满意率（4-5分）", "share"), Column("mean", "平均分", "number"))


def build(period: Period, limit: int | None = None) -> dict[str, Any]:
    """{"sent", "answered_of_sent", "response_rate", "answered", "csat", "mean",
    "distribution", "trend", "low_scores" (at most `limit` rows)}."""
    answered = in_period(period, Survey.answered_at) + [Survey.score.isnot(None)]
    low = Survey.score <= knowledge.sla().survey_low_score
    with session_scope() as session:
        sent, replied = session.execute(_surveys(func.count(), func.count(Survey.answered_at)).where(
            *in_period(period, Survey.sent_at))).one()
        scores = dict(session.execute(_surveys(Survey.score, func.count()).where(*answered)
                                      .group_by(Survey.score)).all())
        per_bucket: dict[int, list[int]] = {}
        for run in period.day_runs():
            day = run.day_of(Survey.answered_at)
            for index, count, satisfied, total in session.execute(
                    _surveys(day, func.count(), func.sum(case((Survey.score >= SATISFIED, 1), else_=0)),
                             func.sum(Survey.score))
                    .where(*answered, Survey.answered_at >= run.start, Survey.answered_at < run.end).group_by(day)):
                sums = per_bucket.setdefault(period.bucket_of(run.first + index), [0, 0, 0])
                for i, value in enumerate((count, satisfied, total)):
                    sums[i] += int(value or 0)
        low_total = session.execute(_surveys(func.count()).where(*answered, low)).scalar_one()
        low_rows = session.execute(_surveys(
            Ticket.number, Survey.score, Survey.comment, Ticket.category_name, Ticket.building, Survey.answered_at)
            .where(*answered, low).order_by(Survey.answered_at.desc(), Survey.id.desc()).limit(limit)).all()
    count = sum(scores.values())
    satisfied = sum(n for score, n in scores.items() if score >= SATISFIED)
    trend = []
    for i, start in enumerate(period.bucket_starts()):
        n, good, total = per_bucket.get(i, (0, 0, 0))
        trend.append({"bucket": start.isoformat(), "answered": n, "csat": ratio(good, n), "mean": ratio(total, n)})
    return {
        "sent": sent, "answered_of_sent": replied, "response_rate": ratio(replied, sent),
        "answered": count, "csat": ratio(satisfied, count),
        "mean": ratio(sum(score * n for score, n in scores.items()), count),
        "distribution": Table(DISTRIBUTION, [{"score": s, "score_name": f"{s}分", "count": scores.get(s, 0),
                                              "share": ratio(scores.get(s, 0), count)} for s in range(1, 6)]),
        "trend": Table(_trend_columns(period), trend),
        "low_scores": Table(LOW, [{"number": r.number, "score": r.score, "comment": mask_phones(r.comment or ""),
                                   "category_name": r.category_name, "building": r.building,
                                   "building_name": building_name(r.building),
                                   "answered_at": r.answered_at} for r in low_rows], total=low_total),
    }
