"""Service-level deadlines from the response level (knowledge/sla.yml)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot import knowledge


def promised(onsite_by: datetime | None, resolve_by: datetime) -> datetime:
    """What a resident is told to expect: staff on site where the level sets a
    time for it, otherwise the resolution."""
    return onsite_by or resolve_by


@dataclass(frozen=True)
class Deadlines:
    respond_by: datetime
    resolve_by: datetime
    onsite_by: datetime | None

    @property
    def promised(self) -> datetime:
        return promised(self.onsite_by, self.resolve_by)


def deadlines(level: int, opened_at: datetime) -> Deadlines:
    spec = knowledge.sla().levels[level]
    onsite = opened_at + timedelta(minutes=spec.onsite_minutes) if spec.onsite_minutes else None
    resolve = opened_at + timedelta(minutes=spec.resolve_minutes)
    return Deadlines(
        respond_by=opened_at + timedelta(minutes=spec.respond_minutes),
        resolve_by=resolve,
        onsite_by=onsite,
    )


def complaint_followup(opened_at: datetime) -> datetime:
    return opened_at + timedelta(hours=knowledge.sla().complaint_followup_hours)
