"""Service-level deadlines from the response level (knowledge/sla.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import knowledge


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime
    onsite_by: datetime | None
    promised: datetime  # what the resident is told: on-site time if set, else resolution


def deadlines(level: int, opened_at: datetime) -> Deadlines:
    spec = knowledge.sla().levels[level]
    onsite = opened_at + timedelta(minutes=spec.onsite_minutes) if spec.onsite_minutes else None
    resolve = opened_at + timedelta(minutes=spec.resolve_minutes)
    return Deadlines(
        respond_by=opened_at + timedelta(minutes=spec.respond_minutes),
        resolve_by=resolve,
        onsite_by=onsite,
        promised=onsite or resolve,
    )


def complaint_followup(opened_at: datetime) -> datetime:
    return opened_at + timedelta(hours=knowledge.sla().complaint_followup_hours)
