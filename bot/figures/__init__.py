"""Report builders for the service dashboard (客服数字驾驶舱): plain functions
from stored rows to figures, with no web framework and no Rasa. Each group
takes a Period (period.py: local dates, a building, day or week buckets) and
returns a dict whose tables are Table objects (table.py: rows and how each
column reads, exported as CSV); bot/console/dashboard_routes.py serves them.

tickets       ticket_volume.py   tickets per day/week by kind and category; building x category
deadlines     deadlines.py       share of each response-level deadline met on time; late and at-risk tickets now
handoffs      handoff_times.py   waiting now, first response and resolution times, bot resolution, reasons
satisfaction  satisfaction.py    CSAT, mean, response rate, distribution, trend, low scores
faq           faq_usage.py       most asked entries, questions passed on
"""
from __future__ import annotations

from typing import Any, Callable

from bot.figures import deadlines, faq_usage, handoff_times, satisfaction, ticket_volume
from bot.figures.period import Period
from bot.figures.table import Table

# group → build(period, limit): `limit` cuts long lists (the page), None keeps every row (CSV).
GROUPS: dict[str, Callable[[Period, int | None], dict[str, Any]]] = {
    "tickets": lambda period, limit: ticket_volume.build(period),
    "deadlines": lambda period, limit: deadlines.build(period, limit=limit),
    "handoffs": lambda period, limit: handoff_times.build(period),
    "satisfaction": lambda period, limit: satisfaction.build(period, limit=limit),
    "faq": lambda period, limit: faq_usage.build(period, limit=limit),
}


def as_json(report: dict[str, Any]) -> dict[str, Any]:
    """A report with its tables as JSON (columns, rows, total)."""
    return {key: value.as_json() if isinstance(value, Table) else value for key, value in report.items()}
