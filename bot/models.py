"""Database tables (SQLAlchemy ORM). Named so they never clash with the Rasa SQL
tracker store's own `events` table."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String,
                        Text, false, true)
from sqlalchemy.orm import declarative_base, relationship

Base = declarative_base()

OPEN_STATUSES = ("open", "assigned", "in_progress")
STATUS_NAMES = {
    "open": "已受理，等待派单",
    "assigned": "已派单，等待上门",
    "in_progress": "处理中",
    "resolved": "已处理，等待回访确认",
    "closed": "已办结",
}


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (Index("ix_tickets_building_created_at", "building", "created_at"),)  # the dashboard

    id = Column(Integer, primary_key=True)
    number = Column(String(20), unique=True, nullable=False, index=True)
    kind = Column(String(10), nullable=False)  # repair | complaint
    category = Column(String(32), nullable=False)
    category_name = Column(String(32), nullable=False)
    team = Column(String(32), nullable=False)
    team_name = Column(String(64), nullable=False)
    urgency = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False, default="open", index=True)
    description = Column(Text, nullable=False)
    location = Column(String(64))
    building = Column(String(8))
    unit = Column(String(8))
    room = Column(String(8))
    contact_phone = Column(String(20))  # in clear on the ticket only; masked elsewhere
    reporter_name = Column(String(32))
    visit_time = Column(String(64))
    channel = Column(String(32), nullable=False)
    reporter_id = Column(String(128), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False, index=True)
    respond_by = Column(DateTime, nullable=False)
    onsite_by = Column(DateTime)
    resolve_by = Column(DateTime, nullable=False)
    followup_by = Column(DateTime)
    flagged = Column(Boolean, nullable=False, default=False, server_default=false())  # a person must look at it
    # When each deadline was met: the first step of the history that meets it
    # (kept here so reports need not scan the history).
    responded_at = Column(DateTime)  # left "open": someone took it
    onsite_at = Column(DateTime)     # "in_progress" or later: staff at the scene
    resolved_at = Column(DateTime)   # "resolved" or "closed"

    history = relationship("TicketEvent", back_populates="ticket", order_by="TicketEvent.id",
                           cascade="all, delete-orphan")


class TicketEvent(Base):
    """One step of a ticket's status history."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False)
    actor = Column(String(64), nullable=False)
    note = Column(Text)

    ticket = relationship("Ticket", back_populates="history")


class TicketSequence(Base):
    """Last number handed out per prefix and day (BX-20261122-0007)."""

    __tablename__ = "ticket_sequences"

    prefix = Column(String(4), primary_key=True)
    day = Column(String(8), primary_key=True)
    last_value = Column(Integer, nullable=False)


class UnansweredQuestion(Base):
    """A question the knowledge base could not answer, for trainers to review."""

    __tablename__ = "unanswered_questions"

    id = Column(Integer, primary_key=True)
    text = Column(Text, nullable=False)
    reporter_id = Column(String(128), nullable=False)
    channel = Column(String(32), nullable=False)
    best_faq_id = Column(String(64))
    best_score = Column(Float)
    created_at = Column(DateTime, nullable=False, default=datetime.utcnow, index=True)


class Handoff(Base):
    """A conversation handed to a human agent, and why."""

    __tablename__ = "handoffs"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False, index=True)  # Rasa sender id
    channel = Column(String(32), nullable=False)
    reason = Column(String(16), nullable=False)  # see handoffs.REASONS
    urgency = Column(Integer)
    emotion_score = Column(Float)
    emotion_cues = Column(Text)  # JSON list
    summary = Column(Text, nullable=False)
    ticket_number = Column(String(20))
    status = Column(String(16), nullable=False, default="waiting", index=True)  # waiting | resolved
    created_at = Column(DateTime, nullable=False, index=True)
    resolved_at = Column(DateTime)
    resolved_by = Column(String(64))
    taken_by = Column(String(64))  # the agent who took the conversation
    taken_at = Column(DateTime)
    first_reply_at = Column(DateTime)  # an agent's first message to the resident
    acknowledged_at = Column(DateTime)  # last "your message is received" while waiting
    callback_by = Column(DateTime)  # set: nobody could answer now, call the resident back by then


class Attachment(Base):
    """A photo a resident sent of a fault, stored with the ticket."""

    __tablename__ = "ticket_attachments"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, index=True)
    content_type = Column(String(64), nullable=False)
    size = Column(Integer, nullable=False)
    data = Column(LargeBinary, nullable=False)
    channel = Column(String(32), nullable=False)
    created_at = Column(DateTime, nullable=False)


class Account(Base):
    """A person who works in the consoles: agent (客服), trainer (培训师) or admin."""

    __tablename__ = "accounts"

    id = Column(Integer, primary_key=True)
    username = Column(String(64), unique=True, nullable=False)
    password_hash = Column(String(255), nullable=False)  # argon2id, never the password
    role = Column(String(16), nullable=False)
    active = Column(Boolean, nullable=False, default=True, server_default=true())
    created_at = Column(DateTime, nullable=False)


class LoginSession(Base):
    """A signed-in session; only a hash of its token is stored."""

    __tablename__ = "login_sessions"

    token_hash = Column(String(64), primary_key=True)
    account_id = Column(Integer, ForeignKey("accounts.id"), nullable=False, index=True)
    created_at = Column(DateTime, nullable=False)
    expires_at = Column(DateTime, nullable=False)


class KnowledgeVersion(Base):
    """One saved version of a knowledge file: who saved it, when, and the text
    before and after (so the change can be shown and reverted)."""

    __tablename__ = "knowledge_versions"

    id = Column(Integer, primary_key=True)
    file = Column(String(64), nullable=False, index=True)
    saved_at = Column(DateTime, nullable=False)
    saved_by = Column(String(64), nullable=False)
    summary = Column(String(255), nullable=False)
    before = Column(Text, nullable=False)
    after = Column(Text, nullable=False)


class ReviewItem(Base):
    """A resident's question and the answer an agent gave during a handoff,
    waiting for a trainer to accept it into the FAQ or discard it."""

    __tablename__ = "review_items"

    id = Column(Integer, primary_key=True)
    conversation_id = Column(String(128), nullable=False)
    question = Column(Text, nullable=False)
    answer = Column(Text, nullable=False)
    agent = Column(String(64), nullable=False)
    created_at = Column(DateTime, nullable=False)
    status = Column(String(16), nullable=False, default="pending")  # pending | accepted | discarded
    faq_id = Column(String(64))
    decided_by = Column(String(64))
    decided_at = Column(DateTime)


class Job(Base):
    """A piece of work due at a time (a satisfaction survey, its reminder, a
    call task), kept in the database so it survives restarts; `key` makes
    scheduling it twice a no-op, and claiming it is one conditional UPDATE so two
    workers never run it both."""

    __tablename__ = "jobs"

    id = Column(Integer, primary_key=True)
    kind = Column(String(32), nullable=False)
    key = Column(String(128), unique=True, nullable=False)
    payload = Column(Text, nullable=False)  # JSON
    run_at = Column(DateTime, nullable=False, index=True)
    status = Column(String(16), nullable=False, default="pending")  # pending | running | done | failed | cancelled
    attempts = Column(Integer, nullable=False, default=0)
    claimed_by = Column(String(64))
    claimed_at = Column(DateTime)
    finished_at = Column(DateTime)
    last_error = Column(Text)


class Survey(Base):
    """The satisfaction follow-up (回访) of one ticket: sent once, answered 1-5
    with an optional comment, reminded once, then a call task for an agent."""

    __tablename__ = "surveys"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id"), nullable=False, unique=True)
    conversation_id = Column(String(128), nullable=False, index=True)
    channel = Column(String(32), nullable=False)
    sent_at = Column(DateTime, index=True)
    reminded_at = Column(DateTime)
    call_task_at = Column(DateTime)
    score = Column(Integer)
    comment = Column(Text)
    answered_at = Column(DateTime, index=True)


class FaqAnswer(Base):
    """A question the bot answered from the FAQ (which entry, when): the most
    asked entries on the dashboard."""

    __tablename__ = "faq_answers"

    id = Column(Integer, primary_key=True)
    faq_id = Column(String(64), nullable=False)
    conversation_id = Column(String(128), nullable=False)
    at = Column(DateTime, nullable=False, index=True)
