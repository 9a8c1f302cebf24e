"""Repair (报修) and complaint (投诉) tickets: numbering, routing, deadlines,
status history, and lookups that only ever show residents their own tickets.

When the database cannot be reached the report is appended to a spool file and
turned into a ticket as soon as the database answers again, so nothing a
resident reported is lost.
"""
from __future__ import annotations

import fcntl
import json
import logging
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

from bot import clock, jobs, knowledge, routing, settings, sla
from bot.privacy import mask_phone
from bot.db import session_scope
from bot.models import OPEN_STATUSES, STATUS_NAMES, Ticket, TicketEvent, TicketSequence

logger = logging.getLogger(__name__)

PREFIXES = {"repair": "BX", "complaint": "TS"}
# A ticket's deadlines, in order, and the names people read (the console and
# the dashboard take them from here).
DEADLINE_NAMES = {"respond": "响应", "onsite": "上门", "resolve": "处理"}
# Which statuses meet each deadline (the first such step is kept on the ticket).
MEETS = {"responded_at": ("assigned", "in_progress", "resolved", "closed"),
         "onsite_at": ("in_progress", "resolved", "closed"),
         "resolved_at": ("resolved", "closed")}


class TicketStoreDown(RuntimeError):
    """The database is unreachable; the report was spooled, not lost."""


@dataclass(frozen=True)
class Report:
    """What a resident told us, as the conversation collected it."""

    kind: str  # repair | complaint
    description: str
    channel: str
    reporter_id: str
    phone: str | None = None
    location: str | None = None
    building: str | None = None
    unit: str | None = None
    room: str | None = None
    visit_time: str | None = None
    reporter_name: str | None = None
    urgency: int | None = None  # the response level the NLU found, if more urgent than the words' own


def _next_number(session: Session, prefix: str, at: datetime) -> str:
    """Per-prefix, per-day counter. The UPDATE takes the row (PostgreSQL) or the
    database (SQLite) write lock, so concurrent callers never share a number."""
    day = at.replace(tzinfo=timezone.utc).astimezone(clock.zone()).strftime("%Y%m%d")
    bumped = session.execute(
        update(TicketSequence)
        .where(TicketSequence.prefix == prefix, TicketSequence.day == day)
        .values(last_value=TicketSequence.last_value + 1)
    )
    if bumped.rowcount == 0:
        try:
            with session.begin_nested():
                session.add(TicketSequence(prefix=prefix, day=day, last_value=1))
        except IntegrityError:  # another writer created the day's row first
            return _next_number(session, prefix, at)
    value = session.execute(
        select(TicketSequence.last_value).where(
            TicketSequence.prefix == prefix, TicketSequence.day == day)
    ).scalar_one()
    return f"{prefix}-{day}-{value:04d}"


def _build(session: Session, report: Report, at: datetime) -> Ticket:
    route = (routing.route_repair if report.kind == "repair" else routing.route_complaint)(
        report.description)
    urgency = min(route.urgency, report.urgency or 3)
    due = sla.deadlines(urgency, at)
    ticket = Ticket(
        number=_next_number(session, PREFIXES[report.kind], at),
        kind=report.kind,
        category=route.category,
        category_name=route.category_name,
        team=route.team,
        team_name=route.team_name,
        urgency=urgency,
        status="open",
        description=report.description,
        location=report.location,
        building=report.building,
        unit=report.unit,
        room=report.room,
        contact_phone=report.phone,
        reporter_name=report.reporter_name,
        visit_time=report.visit_time,
        channel=report.channel,
        reporter_id=report.reporter_id,
        created_at=at,
        respond_by=due.respond_by,
        onsite_by=due.onsite_by,
        resolve_by=due.resolve_by,
        followup_by=sla.complaint_followup(at) if report.kind == "complaint" else None,
    )
    ticket.history.append(
        TicketEvent(at=at, status="open", actor="assistant",
                    note=f"{report.channel} 渠道自助登记，派往{route.team_name}")
    )
    session.add(ticket)
    session.flush()
    return ticket


def _spool_path() -> Path:
    return settings.VAR_DIR / "pending_reports.jsonl"


@contextmanager
def _spool_locked() -> Iterator[Path]:
    """The spool file, held exclusively (threads and processes alike)."""
    path = _spool_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_suffix(".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _spool(report: Report, at: datetime) -> None:
    line = json.dumps({"at": at.isoformat(), "report": asdict(report)}, ensure_ascii=False)
    with _spool_locked() as path, path.open("a", encoding="utf-8") as f:
        f.write(line + "\n")


def spooled() -> bool:
    """Are reports waiting for the database?"""
    return _spool_path().exists()


def replay_spool() -> list[Ticket]:
    """Turn spooled reports into tickets, oldest first, one transaction each;
    returns the tickets created. A line that cannot be read is moved to
    pending_reports.rejected.jsonl (and logged) instead of blocking the rest;
    when the database is still down, the remaining lines stay for the next try."""
    created: list[Ticket] = []
    with _spool_locked() as path:
        if not path.exists():
            return created
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        done = 0
        for number, line in enumerate(lines, 1):
            try:
                item = json.loads(line)
                report, at = Report(**item["report"]), datetime.fromisoformat(item["at"])
            except (ValueError, KeyError, TypeError):
                logger.error("spooled report on line %d cannot be read; kept aside in %s",
                             number, path.with_suffix(".rejected.jsonl").name)
                with path.with_suffix(".rejected.jsonl").open("a", encoding="utf-8") as f:
                    f.write(line + "\n")
                done = number
                continue
            try:
                with session_scope() as session:
                    created.append(_build(session, report, at))
            except SQLAlchemyError as error:
                logger.warning("ticket store still unreachable (%s); %d report(s) wait",
                               type(error).__name__, len(lines) - done)
                break
            done = number
        rest = lines[done:]
        if rest:
            path.write_text("".join(line + "\n" for line in rest), encoding="utf-8")
        else:
            path.unlink()
    if created:
        logger.info("created %d ticket(s) from the spool", len(created))
    return created


def promised_time_text(ticket: Ticket) -> str:
    """When the crew is promised on site (else done by), as residents read it."""
    return clock.local_time_text(sla.promised(ticket.onsite_by, ticket.resolve_by))


def reporter_id(channel: str, sender: str) -> str:
    """Who a ticket belongs to: a sender on one channel ("telegram:12345")."""
    return f"{channel}:{sender}"


def sender_of(ticket: Ticket) -> str:
    """The conversation (Rasa sender id) a ticket was reported from."""
    return ticket.reporter_id.removeprefix(f"{ticket.channel}:")


def open_ticket(report: Report, at: datetime | None = None) -> Ticket:
    """Create the ticket a report calls for. Raises TicketStoreDown (after
    spooling the report) when the database is unreachable."""
    at = at or clock.utcnow()
    try:
        with session_scope() as session:
            return _build(session, report, at)
    except SQLAlchemyError as error:
        logger.error("ticket store unreachable (%s); report spooled", type(error).__name__)
        _spool(report, at)
        raise TicketStoreDown() from None


def tickets_of(reporter_id: str, limit: int = 3) -> list[Ticket]:
    """A resident's most recent tickets, open ones first."""
    with session_scope() as session:
        rows = session.execute(
            select(Ticket).where(Ticket.reporter_id == reporter_id)
            .order_by(Ticket.created_at.desc(), Ticket.id.desc())
        ).scalars().all()
    rows.sort(key=lambda t: t.status not in OPEN_STATUSES)  # stable: keeps recency order
    return rows[:limit]


def ticket_of(reporter_id: str, number: str) -> Ticket | None:
    """One ticket by number, only if this resident reported it."""
    ticket = find(number)
    return ticket if ticket is not None and ticket.reporter_id == reporter_id else None


def add_status(number: str, status: str, actor: str, note: str | None = None) -> Ticket | None:
    """Move a ticket to a new status, keeping the step in its history; None when
    there is no such ticket."""
    if status not in STATUS_NAMES:
        raise ValueError(f"unknown status {status!r}")
    with session_scope() as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number.upper())).scalar_one_or_none()
        if ticket is None:
            return None
        now = clock.utcnow()
        ticket.status = status
        ticket.history.append(TicketEvent(at=now, status=status, actor=actor, note=note))
        finished = status in MEETS["resolved_at"] and ticket.resolved_at is None
        for column, statuses in MEETS.items():
            if status in statuses and getattr(ticket, column) is None:
                setattr(ticket, column, now)
        if finished:  # the satisfaction follow-up (回访), once per ticket (bot/surveys.py)
            jobs.schedule(session, "survey", f"survey:{ticket.id}", now, {"ticket_id": ticket.id})
        ticket.history  # loaded for the caller
        return ticket


def status_text(ticket: Ticket) -> str:
    return STATUS_NAMES.get(ticket.status, ticket.status)


def list_tickets(status: str | None = None, kind: str | None = None, flagged: bool | None = None,
                 building: str | None = None, overdue: bool | None = None, category: str | None = None,
                 opened_from: datetime | None = None, opened_before: datetime | None = None,
                 limit: int = 200) -> list[Ticket]:
    """Tickets for agents, newest first, optionally filtered. Overdue: still
    open and past its resolve-by time. Opened: from and before UTC times."""
    query = select(Ticket).order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(limit)
    if status:
        query = query.where(Ticket.status == status)
    if kind:
        query = query.where(Ticket.kind == kind)
    if category:
        query = query.where(Ticket.category == category)
    if opened_from:
        query = query.where(Ticket.created_at >= opened_from)
    if opened_before:
        query = query.where(Ticket.created_at < opened_before)
    if flagged is not None:
        query = query.where(Ticket.flagged == flagged)
    if building:
        query = query.where(Ticket.building == building)
    if overdue is not None:
        late = Ticket.status.in_(OPEN_STATUSES) & (Ticket.resolve_by < clock.utcnow())
        query = query.where(late if overdue else ~late)
    with session_scope() as session:
        return list(session.execute(query).scalars())


def find(number: str) -> Ticket | None:
    with session_scope() as session:
        ticket = session.execute(select(Ticket).where(Ticket.number == number.upper())).scalar_one_or_none()
        if ticket:
            ticket.history  # load while the session is open
        return ticket


def is_overdue(ticket: Ticket) -> bool:
    """Still open and past its resolve-by time."""
    return ticket.status in OPEN_STATUSES and ticket.resolve_by < clock.utcnow()


def next_deadline(ticket: Ticket) -> tuple[str, datetime] | None:
    """The first deadline the ticket has not met yet: ("respond" | "onsite" |
    "resolve", due time); None once it is resolved or closed."""
    if ticket.status not in OPEN_STATUSES:
        return None
    for name, due, met in (("respond", ticket.respond_by, ticket.responded_at),
                           ("onsite", ticket.onsite_by, ticket.onsite_at),
                           ("resolve", ticket.resolve_by, ticket.resolved_at)):
        if due is not None and met is None:
            return name, due
    return None


def deadline_state(ticket: Ticket, now: datetime | None = None) -> str:
    """"late" past its next deadline, "at_risk" with less than sla.yml's
    at_risk_share of that deadline's time left, "on_time", or "done"."""
    upcoming = next_deadline(ticket)
    if upcoming is None:
        return "done"
    now = now or clock.utcnow()
    due = upcoming[1]
    if due <= now:
        return "late"
    return "at_risk" if due - now < (due - ticket.created_at) * knowledge.sla().at_risk_share else "on_time"


def needing_attention(max_level: int = 2) -> list[Ticket]:
    """Open tickets of level 1..max_level that are at risk or late: pushed to
    the top of the agents' queue. Most urgent, then soonest due."""
    with session_scope() as session:
        rows = session.execute(select(Ticket).where(
            Ticket.status.in_(OPEN_STATUSES), Ticket.urgency <= max_level)).scalars().all()
    now = clock.utcnow()
    found = [t for t in rows if deadline_state(t, now) in ("at_risk", "late")]
    return sorted(found, key=lambda t: (t.urgency, next_deadline(t)[1]))


def _next_deadline_dict(ticket: Ticket) -> dict | None:
    upcoming = next_deadline(ticket)
    return {"kind": upcoming[0], "due": upcoming[1].isoformat() + "Z"} if upcoming else None


def as_dict(ticket: Ticket, phone_in_clear: bool = False) -> dict:
    """A ticket for agents. The phone is in clear only on the ticket's own page."""
    def iso(value: datetime | None) -> str | None:
        return value.isoformat() + "Z" if value else None

    phone = ticket.contact_phone or ""
    data = {
        "number": ticket.number, "kind": ticket.kind, "category": ticket.category,
        "category_name": ticket.category_name, "team": ticket.team, "team_name": ticket.team_name,
        "urgency": ticket.urgency, "status": ticket.status, "status_name": status_text(ticket),
        "flagged": bool(ticket.flagged), "description": ticket.description, "location": ticket.location,
        "building": ticket.building,
        "contact_phone": phone if phone_in_clear else mask_phone(phone) if phone else None,
        "channel": ticket.channel, "created_at": iso(ticket.created_at), "respond_by": iso(ticket.respond_by),
        "onsite_by": iso(ticket.onsite_by), "resolve_by": iso(ticket.resolve_by),
        "followup_by": iso(ticket.followup_by),
        "overdue": is_overdue(ticket), "deadline_state": deadline_state(ticket),
        "next_deadline": _next_deadline_dict(ticket),
    }
    if phone_in_clear:
        data["history"] = [{"at": iso(e.at), "status": e.status, "actor": e.actor, "note": e.note}
                           for e in ticket.history]
    return data
