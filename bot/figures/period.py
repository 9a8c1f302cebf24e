"""The period a dashboard figure covers: whole local days in the community's
time zone (bot/clock.py), an optional building, day or week buckets. It gives
SQL its UTC bounds and, for counting per day, runs of days of equal length
(days are 23 or 25 hours long where clocks change)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy.sql.elements import ColumnElement

from bot import clock
from bot.figures.sql import whole_days

MAX_DAYS = 366
BUCKETS = ("day", "week")
DEFAULT_DAYS = 30
WEEKLY_FROM_DAYS = 63  # a longer period is shown per week unless asked otherwise


class PeriodError(ValueError):
    """A period no figure can be built for; the message (for the user) says why."""


def local_midnight(day: date) -> datetime:
    """The UTC (naive) moment a local day begins."""
    return datetime.combine(day, time(), tzinfo=clock.zone()).astimezone(timezone.utc).replace(tzinfo=None)


def epoch(at: datetime) -> float:
    """Seconds since 1970 of a naive UTC time (Rasa's event timestamps)."""
    return at.replace(tzinfo=timezone.utc).timestamp()


@dataclass(frozen=True)
class DayRun:
    """Consecutive days of the period that are all `seconds` long, from `start`
    (UTC) to `end`; the first is day number `first` of the period."""

    start: datetime
    end: datetime
    first: int
    seconds: int

    def day_of(self, column: ColumnElement) -> ColumnElement:
        """SQL: which day of this run a row's time falls on (0 for the first)."""
        return whole_days(column, epoch(self.start), self.seconds)


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive
    building: str | None = None
    bucket: str = "day"

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return local_midnight(self.first)

    @property
    def end(self) -> datetime:
        """Exclusive: the moment the day after `last` begins."""
        return local_midnight(self.last + timedelta(days=1))

    def day_runs(self) -> list[DayRun]:
        bounds = [local_midnight(self.first + timedelta(days=i)) for i in range(self.days + 1)]
        runs: list[DayRun] = []
        for i in range(self.days):
            seconds = int((bounds[i + 1] - bounds[i]).total_seconds())
            if runs and runs[-1].seconds == seconds:
                runs[-1] = DayRun(runs[-1].start, bounds[i + 1], runs[-1].first, seconds)
            else:
                runs.append(DayRun(bounds[i], bounds[i + 1], i, seconds))
        return runs

    def bucket_of(self, day: int) -> int:
        """The bucket of day number `day` of the period (weeks begin on Monday)."""
        return day if self.bucket == "day" else (day + self.first.weekday()) // 7

    @property
    def bucket_title(self) -> str:
        """The heading of a column of buckets."""
        return "日期" if self.bucket == "day" else "周（起始日）"

    def bucket_starts(self) -> list[date]:
        """The first day of each bucket, in order."""
        days = [self.first + timedelta(days=i) for i in range(self.days)]
        return days if self.bucket == "day" else [d for d in days if d == self.first or d.weekday() == 0]

    def as_dict(self) -> dict:
        return {"from": self.first.isoformat(), "to": self.last.isoformat(), "building": self.building,
                "bucket": self.bucket, "buckets": [d.isoformat() for d in self.bucket_starts()],
                "timezone": clock.timezone_name()}


def parse_day(text: str, name: str) -> date:
    """A YYYY-MM-DD date; `name` says which in the error."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(f"{name}“{text[:20]}”不是有效日期，请写成 YYYY-MM-DD，例如 2026-11-01") from None


def parse_period(first: str | None, last: str | None, building: str | None = None,
                 bucket: str | None = None, today: date | None = None) -> Period:
    """A period from the query's texts: `to` defaults to today (local), `from`
    to the 30 days ending then; buckets default to days up to 9 weeks, else weeks."""
    today = today or datetime.now(clock.zone()).date()
    end = parse_day(last, "结束日期") if last else today
    start = parse_day(first, "开始日期") if first else end - timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise PeriodError("结束日期不能早于开始日期")
    days = (end - start).days + 1
    if days > MAX_DAYS:
        raise PeriodError(f"时间段最长 {MAX_DAYS} 天（现在是 {days} 天），请缩短后再试")
    if bucket and bucket not in BUCKETS:
        raise PeriodError("汇总方式只能是 day（按天）或 week（按周）")
    building = (building or "").strip() or None
    if building and len(building) > 8:
        raise PeriodError("楼栋编号最多 8 个字符")
    return Period(start, end, building, bucket or ("week" if days > WEEKLY_FROM_DAYS else "day"))
