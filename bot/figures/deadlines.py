"""Response-level work (三级响应): per level, the share of each deadline
(respond, on site where the level has one, resolve) met on time among tickets
opened in the period whose deadline has passed or was met; and the open
tickets late or at risk now (bot.tickets.deadline_state)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, select

from bot import clock, knowledge, tickets
from bot.db import session_scope
from bot.figures.period import Period
from bot.figures.table import Column, Table, ratio
from bot.figures.ticket_volume import building_name, building_order, in_period
from bot.models import OPEN_STATUSES, Ticket

DEADLINES = {"respond": (tickets.DEADLINE_NAMES["respond"], Ticket.respond_by, Ticket.responded_at),
             "onsite": (tickets.DEADLINE_NAMES["onsite"], Ticket.onsite_by, Ticket.onsite_at),
             "resolve": (tickets.DEADLINE_NAMES["resolve"], Ticket.resolve_by, Ticket.resolved_at)}
SHARES = (Column("level_name", "响应级别"), Column("deadline_name", "时限"),
          Column("counted", "应计工单", "count"), Column("met", "按时完成", "count"),
          Column("share", "按时率", "share"))
WATCH = (Column("number", "工单号"), Column("level_name", "响应级别"), Column("category_name", "类别"),
         Column("building_name", "楼栋"), Column("deadline_name", "时限"), Column("due", "到期时间", "time"))


def _on_time(now: datetime) -> list:
    """Per deadline: (tickets counted, tickets that met it in time) as SQL sums."""
    sums = []
    for _, due, met in DEADLINES.values():
        counted = and_(due.isnot(None), (met.isnot(None)) | (due <= now))
        sums += [func.sum(case((counted, 1), else_=0)), func.sum(case((met <= due, 1), else_=0))]
    return sums


def _shares(period: Period, now: datetime) -> Table:
    with session_scope() as session:
        found = {row[0]: row[1:] for row in session.execute(
            select(Ticket.urgency, *_on_time(now)).where(*in_period(period)).group_by(Ticket.urgency))}
    rows = []
    for level in sorted(knowledge.sla().levels.values(), key=lambda lv: lv.level):
        sums = found.get(level.level, (0,) * 2 * len(DEADLINES))
        for i, (name, (title, _, _)) in enumerate(DEADLINES.items()):
            if name == "onsite" and level.onsite_minutes is None:
                continue
            counted, met = int(sums[2 * i] or 0), int(sums[2 * i + 1] or 0)
            rows.append({"level": level.level, "level_name": level.name, "deadline": name, "deadline_name": title,
                         "counted": counted, "met": met, "share": ratio(met, counted)})
    return Table(SHARES, rows)


def _watch_lists(period: Period, now: datetime, limit: int | None) -> dict[str, Table]:
    """Open tickets late or at risk now, whenever they were opened, soonest due first."""
    where = [Ticket.status.in_(OPEN_STATUSES)] + ([Ticket.building == period.building] if period.building else [])
    with session_scope() as session:
        rows = session.execute(select(
            Ticket.number, Ticket.urgency, Ticket.category_name, Ticket.building, Ticket.status, Ticket.created_at,
            Ticket.respond_by, Ticket.responded_at, Ticket.onsite_by, Ticket.onsite_at, Ticket.resolve_by,
            Ticket.resolved_at).where(*where)).all()
    levels = knowledge.sla().levels
    lists: dict[str, list[dict]] = {"late": [], "at_risk": []}
    for row in rows:
        state = tickets.deadline_state(row, now)  # a row has every field the rule reads
        if state in lists:
            name, due = tickets.next_deadline(row)
            lists[state].append({
                "number": row.number, "level": row.urgency,
                "level_name": levels[row.urgency].name if row.urgency in levels else str(row.urgency),
                "category_name": row.category_name, "building": row.building,
                "building_name": building_name(row.building), "deadline": name,
                "deadline_name": DEADLINES[name][0], "due": due, "seconds": abs((now - due).total_seconds())})
    titles = {"late": "已超时", "at_risk": "剩余时间"}
    tables = {}
    for state, found in lists.items():
        found.sort(key=lambda r: (r["due"], building_order(r["building"]), r["number"]))
        columns = WATCH + (Column("seconds", titles[state], "seconds"),)
        tables[state] = Table(columns, found[:limit], total=len(found))
    return tables


def build(period: Period, now: datetime | None = None, limit: int | None = None) -> dict[str, Any]:
    """{"levels": share met on time per level and deadline, "overdue" and
    "at_risk": open tickets now (at most `limit` rows each)}."""
    now = now or clock.utcnow()
    lists = _watch_lists(period, now, limit)
    return {"levels": _shares(period, now), "overdue": lists["late"], "at_risk": lists["at_risk"],
            "now": now.isoformat() + "Z"}
