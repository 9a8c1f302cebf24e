"""Time for every process: naive UTC as the database holds it, and the
community's time zone (knowledge/community.yml) in which people read times."""
from __future__ import annotations

from datetime import datetime, timezone
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
