"""Time for every process: naive UTC as the database holds it, and the
community's time zone (knowledge/community.yml) in which people read times."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from bot import knowledge


def utcnow() -> datetime:
    """Naive UTC, the form every datetime column holds."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def timezone_name() -> str:
    """The community's time zone (community.yml), in which people read times."""
    return str(knowledge.community_facts().get("timezone", "Asia/Shanghai"))


def zone() -> ZoneInfo:
    return ZoneInfo(timezone_name())


def local_time_text(at: datetime, now: datetime | None = None) -> str:
    """A resident-facing time: '今天 17:30', '明天 09:15' or '11月26日 09:15'."""
    local = at.replace(tzinfo=timezone.utc).astimezone(zone())
    today = (now or utcnow()).replace(tzinfo=timezone.utc).astimezone(zone()).date()
    days = (local.date() - today).days
    prefix = {0: "今天", 1: "明天"}.get(days, f"{local.month}月{local.day}日")
    return f"{prefix} {local:%H:%M}"


def _local(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc).astimezone(zone())


def in_office_hours(at: datetime) -> bool:
    """Is the service desk staffed at `at` (naive UTC)? sla.yml's office_hours, every day."""
    hours = knowledge.sla()
    return hours.office_opens <= _local(at).time() < hours.office_closes


def next_opening(at: datetime) -> datetime:
    """When the service desk next opens after `at` (naive UTC; `at` itself if open)."""
    if in_office_hours(at):
        return at
    local = _local(at)
    opening = datetime.combine(local.date(), knowledge.sla().office_opens, tzinfo=zone())
    if local.time() >= knowledge.sla().office_closes:
        opening = datetime.combine(local.date() + timedelta(days=1), knowledge.sla().office_opens, tzinfo=zone())
    return opening.astimezone(timezone.utc).replace(tzinfo=None)
