"""Rows the dashboard tests put in a database (through the ORM, with fixed local
times), and their removal from the shared servers' database afterwards."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select

from bot import sla
from bot.db import session_scope
from bot.models import FaqAnswer, Handoff, Survey, Ticket, TicketEvent, UnansweredQuestion

ZONE = ZoneInfo("Asia/Shanghai")  # knowledge/community.yml


def local(text: str) -> datetime:
    """A community-time moment as the database holds it (naive UTC)."""
    return datetime.fromisoformat(text).replace(tzinfo=ZONE).astimezone(timezone.utc).replace(tzinfo=None)


def add_ticket(session, number: str, kind: str, category: str, name: str, building: str | None, level: int,
               created: str | datetime, status: str, responded: float | None = None, onsite: float | None = None,
               resolved: float | None = None) -> Ticket:
    """A ticket opened at local time `created` (or a UTC datetime), its
    deadlines met so many minutes after it was opened."""
    at = local(created) if isinstance(created, str) else created
    due = sla.deadlines(level, at)

    def after(minutes: float | None) -> datetime | None:
        return at + timedelta(minutes=minutes) if minutes is not None else None

    ticket = Ticket(number=number, kind=kind, category=category, category_name=name, team="t", team_name="班组",
                    urgency=level, status=status, description="测试", building=building, channel="rest",
                    reporter_id="rest:dashboard-test", created_at=at, respond_by=due.respond_by,
                    onsite_by=due.onsite_by, resolve_by=due.resolve_by, responded_at=after(responded),
                    onsite_at=after(onsite), resolved_at=after(resolved))
    session.add(ticket)
    session.flush()
    return ticket


def remove(building: str, conversations: tuple[str, ...] = ()) -> None:
    """Every row a test added: its building's tickets (with their history and
    surveys), its conversations' handoffs, FAQ answers and passed-on questions."""
    ids = select(Ticket.id).where(Ticket.building == building).scalar_subquery()
    statements = [delete(Survey).where(Survey.ticket_id.in_(ids)),
                  delete(TicketEvent).where(TicketEvent.ticket_id.in_(ids)),
                  delete(Ticket).where(Ticket.building == building),
                  delete(Handoff).where(Handoff.conversation_id.in_(conversations)),
                  delete(FaqAnswer).where(FaqAnswer.conversation_id.in_(conversations)),
                  delete(UnansweredQuestion).where(UnansweredQuestion.reporter_id.in_(
                      [f"rest:{c}" for c in conversations]))]
    with session_scope() as session:
        for statement in statements:
            session.execute(statement.execution_options(synchronize_session=False))
