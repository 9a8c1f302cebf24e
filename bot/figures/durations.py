"""Durations for the dashboard: percentiles over a list of seconds, and how
many of the seconds between two times fell in office hours (sla.yml's
office_hours, every day, in the community's time zone). Times are seconds
since 1970 (sql.epoch_seconds), cheaper by the ten thousand than datetimes."""
from __future__ import annotations

import math
import time as clock_time
from bisect import bisect_right
from datetime import date, datetime, time, timedelta
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


def _epoch(day: date, at: time) -> float:
    return datetime.combine(day, at, tzinfo=clock.zone()).timestamp()


class OfficeClock:
    """Office seconds between two times within the local days `first`..`last`."""

    def __init__(self, first: date, last: date) -> None:
        sla = knowledge.sla()
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        self._opens = [_epoch(d, sla.office_opens) for d in days]
        self._closes = [_epoch(d, sla.office_closes) for d in days]
        self._before = [0.0]  # office seconds before each day's opening
        for opens, closes in zip(self._opens, self._closes):
            self._before.append(self._before[-1] + closes - opens)

    @classmethod
    def covering(cls, times: Sequence[float]) -> "OfficeClock":
        """A clock for every local day from the earliest to the latest of `times`."""
        ends = (min(times), max(times)) if times else (clock_time.time(),) * 2
        return cls(*(datetime.fromtimestamp(t, clock.zone()).date() for t in ends))

    def _since_first_opening(self, at: float) -> float:
        day = bisect_right(self._opens, at) - 1
        if day < 0:
            return 0.0
        return self._before[day] + min(at, self._closes[day]) - self._opens[day]

    def seconds(self, start: float, end: float) -> float:
        return self._since_first_opening(end) - self._since_first_opening(start)
