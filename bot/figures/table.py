"""A figure's table: rows, and columns that say how each value reads (a count,
a share, a duration, a time), so the page and the CSV export show them alike."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot import clock

@dataclass(frozen=True)
class Column:
    key: str
    title: str
    kind: str = "text"  # text | count | number | share | seconds (exported as minutes) | time


@dataclass(frozen=True)
class Table:
    """`rows` may hold more keys than the columns (the page uses them, e.g. to
    link a cell); `total` counts every row when the list was cut short."""

    columns: tuple[Column, ...]
    rows: list[dict[str, Any]]
    total: int | None = None

    def as_json(self) -> dict:
        return {"columns": [{"key": c.key, "title": c.title, "kind": c.kind} for c in self.columns],
                "rows": [{k: _json_value(v) for k, v in row.items()} for row in self.rows],
                "total": len(self.rows) if self.total is None else self.total}

    def csv_text(self) -> str:
        """UTF-8 text with a byte-order mark, so Excel reads the Chinese right."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([f"{c.title}（分钟）" if c.kind == "seconds" else c.title for c in self.columns])
        for row in self.rows:
            writer.writerow([_csv_value(row.get(c.key), c.kind) for c in self.columns])
        return "\ufeff" + out.getvalue()


def _json_value(value: Any) -> Any:
    return value.isoformat() + "Z" if isinstance(value, datetime) else value


def _csv_value(value: Any, kind: str) -> str:
    if value is None:
        return ""
    if kind == "share":
        return f"{value * 100:.1f}%"
    if kind == "number":
        return f"{value:.2f}"
    if kind == "seconds":
        return f"{value / 60:.1f}"
    if kind == "time":
        return value.replace(tzinfo=timezone.utc).astimezone(clock.zone()).strftime("%Y-%m-%d %H:%M")
    return str(value)


def ratio(part: float, whole: float) -> float | None:
    """part / whole (a share, a mean), or None when there is nothing to divide by."""
    return part / whole if whole else None
