"""Tickets opened in the period: per day or week by kind and category (a
stacked bar chart), and a heat map of building x category."""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from bot.db import session_scope
from bot.figures.period import Period
from bot.figures.table import Column, Table
from bot.models import Ticket

KIND_NAMES = {"repair": "报修", "complaint": "投诉"}
NO_BUILDING = "未注明楼栋"


def in_period(period: Period, at: ColumnElement = Ticket.created_at) -> list:
    """WHERE clauses: `at` (by default when the ticket was opened) in the period,
    and the ticket in the period's building if one is chosen."""
    return [at >= period.start, at < period.end] + ([Ticket.building == period.building] if period.building else [])


def building_name(building: str | None) -> str:
    return f"{building}栋" if building else NO_BUILDING


def buildings() -> list[str]:
    """Every building a ticket names, in natural order (for the page's picker)."""
    with session_scope() as session:
        found = session.execute(select(Ticket.building).distinct().where(Ticket.building.isnot(None))).scalars()
        return sorted(found, key=building_order)


def category_key(kind: str, category: str) -> str:
    """One column per kind and category (both kinds have a 绿化 category)."""
    return f"{kind}:{category}"


def building_order(building: str | None) -> tuple:
    """Buildings in natural order (2 before 10), those with no building last."""
    if building is None:
        return (2, 0, "")
    digits = re.match(r"\d+", building)
    return (0, int(digits.group()), building) if digits else (1, 0, building)


def _category_columns(names: dict[str, str], counts: Counter) -> tuple[Column, ...]:
    """A count column per kind and category: repairs first, each kind's busiest first."""
    keys = sorted(names, key=lambda k: (k.split(":")[0] != "repair", -counts[k], k))
    return tuple(Column(k, f"{KIND_NAMES.get(k.split(':')[0], k)}·{names[k]}", "count") for k in keys)


def _per_bucket(session: Session, period: Period) -> tuple[dict[tuple[int, str], int], dict[str, str]]:
    counts: dict[tuple[int, str], int] = Counter()
    names: dict[str, str] = {}
    for run in period.day_runs():
        day = run.day_of(Ticket.created_at)
        rows = session.execute(
            select(day, Ticket.kind, Ticket.category, func.max(Ticket.category_name), func.count())
            .where(*in_period(period), Ticket.created_at >= run.start, Ticket.created_at < run.end)
            .group_by(day, Ticket.kind, Ticket.category))
        for index, kind, category, name, count in rows:
            key = category_key(kind, category)
            counts[period.bucket_of(run.first + index), key] += count
            names[key] = name
    return counts, names


def _heat_map(session: Session, period: Period) -> Table:
    rows = session.execute(
        select(Ticket.building, Ticket.kind, Ticket.category, func.max(Ticket.category_name), func.count())
        .where(*in_period(period)).group_by(Ticket.building, Ticket.kind, Ticket.category)).all()
    names = {category_key(kind, category): name for _, kind, category, name, _ in rows}
    totals: Counter = Counter()
    cells: dict[str | None, dict[str, Any]] = {}
    for building, kind, category, _, count in rows:
        key = category_key(kind, category)
        totals[key] += count
        cells.setdefault(building, {"building": building, "building_name": building_name(building)})[key] = count
    columns = (Column("building_name", "楼栋"),) + _category_columns(names, totals)
    ordered = [cells[b] for b in sorted(cells, key=building_order)]
    return Table(columns, [{c.key: row.get(c.key, 0) for c in columns} | {"building": row["building"]}
                           for row in ordered])


def build(period: Period) -> dict[str, Any]:
    """{"totals": per kind, "volume": a row per bucket, "heatmap": a row per building}."""
    with session_scope() as session:
        counts, names = _per_bucket(session, period)
        heat_map = _heat_map(session, period)
    per_key: Counter = Counter()
    for (_, key), count in counts.items():
        per_key[key] += count
    columns = (Column("bucket", period.bucket_title),) + _category_columns(names, per_key)
    volume = Table(columns, [{"bucket": start.isoformat(), **{c.key: counts.get((i, c.key), 0) for c in columns[1:]}}
                             for i, start in enumerate(period.bucket_starts())])
    totals = {kind: sum(n for key, n in per_key.items() if key.startswith(f"{kind}:")) for kind in KIND_NAMES}
    return {"totals": {**totals, "all": sum(per_key.values())}, "volume": volume, "heatmap": heat_map}
