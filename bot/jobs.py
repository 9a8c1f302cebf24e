"""Durable jobs: work due at a time (a satisfaction survey, its reminder, a
call task), kept in the database so that it survives a restart of any process.

A job is scheduled under a unique key, so scheduling it twice does nothing.
Workers claim due jobs with one conditional UPDATE (`... WHERE status =
'pending'`): with several workers, on one server or several, each job runs
once. A job whose worker died while running it is handed out again after
`STALE_MINUTES`; a failing job is tried again later, `MAX_ATTEMPTS` times; one
that cannot start yet is postponed without using up an attempt.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import utcnow
from bot.db import session_scope
from bot.models import Job

MAX_ATTEMPTS = 5
STALE_MINUTES = 10
RETRY_MINUTES = (1, 5, 15, 60)  # wait before the 2nd, 3rd, ... attempt


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    key: str
    payload: dict
    attempts: int


def schedule(session: Session, kind: str, key: str, run_at: datetime, payload: dict) -> None:
    """Add a job in the caller's transaction (so it is kept exactly when the
    change that asks for it is). A key already scheduled is left as it is."""
    exists = session.execute(select(Job.id).where(Job.key == key)).first()
    if exists is None:
        session.add(Job(kind=kind, key=key, run_at=run_at, status="pending", attempts=0,
                        payload=json.dumps(payload, ensure_ascii=False)))


def schedule_now(kind: str, key: str, run_at: datetime, payload: dict) -> bool:
    """Add a job in a transaction of its own; False when the key was taken."""
    try:
        with session_scope() as session:
            if session.execute(select(Job.id).where(Job.key == key)).first():
                return False
            schedule(session, kind, key, run_at, payload)
        return True
    except IntegrityError:  # another process scheduled the same key meanwhile
        return False


def claim_due(worker: str, limit: int = 10, now: datetime | None = None) -> list[ClaimedJob]:
    """Due jobs this worker now owns (oldest first). Jobs left running by a dead
    worker for STALE_MINUTES are handed out again."""
    now = now or utcnow()
    with session_scope() as session:
        session.execute(update(Job).where(
            Job.status == "running", Job.claimed_at < now - timedelta(minutes=STALE_MINUTES)
        ).values(status="pending"))
    with session_scope() as session:
        due = session.execute(select(Job.id).where(Job.status == "pending", Job.run_at <= now)
                              .order_by(Job.run_at, Job.id).limit(limit)).scalars().all()
    claimed = []
    for job_id in due:
        with session_scope() as session:
            won = session.execute(update(Job).where(Job.id == job_id, Job.status == "pending").values(
                status="running", claimed_by=worker, claimed_at=now, attempts=Job.attempts + 1)).rowcount
            if won == 1:
                job = session.get(Job, job_id)
                claimed.append(ClaimedJob(job.id, job.kind, job.key, json.loads(job.payload), job.attempts))
    return claimed


def finish(job: ClaimedJob) -> None:
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job.id).values(status="done", finished_at=utcnow()))


def retry_later(job: ClaimedJob, error: str, now: datetime | None = None) -> str:
    """Put a failed job back for a later attempt, or mark it failed after
    MAX_ATTEMPTS; returns the new status."""
    now = now or utcnow()
    status = "failed" if job.attempts >= MAX_ATTEMPTS else "pending"
    wait = RETRY_MINUTES[min(job.attempts, len(RETRY_MINUTES)) - 1]
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job.id).values(
            status=status, last_error=error[:500], run_at=now + timedelta(minutes=wait),
            finished_at=now if status == "failed" else None))
    return status


def postpone(job: ClaimedJob, minutes: float, reason: str, now: datetime | None = None) -> None:
    """Put a job back for later without counting the attempt (the work could
    not start yet, e.g. the resident is talking to a person)."""
    now = now or utcnow()
    with session_scope() as session:
        session.execute(update(Job).where(Job.id == job.id).values(
            status="pending", run_at=now + timedelta(minutes=minutes), attempts=Job.attempts - 1,
            last_error=reason[:500]))


def cancel(keys: list[str]) -> None:
    """Jobs no longer wanted (a survey was answered: no reminder, no call)."""
    with session_scope() as session:
        session.execute(update(Job).where(Job.key.in_(keys), Job.status == "pending")
                        .values(status="cancelled", finished_at=utcnow()))
