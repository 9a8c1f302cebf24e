"""Durations for the dashboard: percentiles over a list of seconds, and how
many of the seconds between two times fell in office hours (sla.yml's
office_hours, every day, in the community's time zone)."""
from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date, datetime, time, timedelta, timezone
from typing import Sequence

from bot import clock, knowledge


def percentile(values: Sequence[float], share: float) -> float | None:
    """The `share` (0..1) quantile, interpolating linearly between the closest
    ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=clock.zone()).astimezone(timezone.utc).replace(tzinfo=None)


class OfficeClock:
    """Office seconds between UTC times within the local days `first`..`last`."""

    def __init__(self, first: date, last: date) -> None:
        sla = knowledge.sla()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self._opens = [_utc(d, sla.office_opens) for d in days]
        self._closes = [_utc(d, sla.office_closes) for d in days]
        self._before = [0.0]  # office seconds before each day's opening
        for opens, closes in zip(self._opens, self._closes):
            self._before.append(self._before[-1] + (closes - opens).total_seconds())

    @classmethod
    def covering(cls, spans: Sequence[tuple[datetime, datetime]]) -> "OfficeClock":
        """A clock for every local day any of the (start, end) spans touches."""
        zone = clock.zone()
        local = [t.replace(tzinfo=timezone.utc).astimezone(zone).date() for span in spans for t in span]
        today = datetime.now(zone).date()
        return cls(min(local, default=today), max(local, default=today))

    def _since_first_opening(self, at: datetime) -> float:
        day = bisect_right(self._opens, at) - 1
        if day < 0:
            return 0.0
        inside = (min(at, self._closes[day]) - self._opens[day]).total_seconds()
        return self._before[day] + inside

    def seconds(self, start: datetime, end: datetime) -> float:
        return self._since_first_opening(end) - self._since_first_opening(start)
