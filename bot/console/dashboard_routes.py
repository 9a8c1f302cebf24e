"""The service dashboard's routes (/dashboard/...), for managers and admins: one
JSON document per figure group of bot/figures, any of its tables as CSV. A
blueprint of bot.console.agent_api, which signs people in.

GET /dashboard/buildings                       buildings named on tickets, for the picker
GET /dashboard/<group>?from=&to=&building=&bucket=
    group: tickets | deadlines | handoffs | satisfaction | faq; dates YYYY-MM-DD in the
    community's time zone (default: the last 30 days), bucket day | week
GET /dashboard/<group>?...&format=csv&table=<name>   one table, UTF-8 CSV with a BOM (Excel)

A bad date, `to` before `from` or a period over 366 days is a 400 with the reason.
"""
from __future__ import annotations

import asyncio

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json, raw

from bot import figures
from bot.figures import ticket_volume
from bot.figures.period import parse_period
from bot.figures.table import Table
from bot.http_json import error

SHOWN = 100  # rows of a long list on the page; its CSV has every row


def blueprint() -> Blueprint:
    bp = Blueprint("dashboard", url_prefix="/dashboard")

    @bp.get("/buildings")
    async def buildings(request: Request) -> HTTPResponse:
        return json({"buildings": await asyncio.to_thread(ticket_volume.buildings)})

    @bp.get("/<group>")
    async def group_figures(request: Request, group: str) -> HTTPResponse:
        if group not in figures.GROUPS:
            return error(404, f"没有这组数据“{group}”（可选：{'、'.join(figures.GROUPS)}）")
        args = request.args
        period = parse_period(args.get("from"), args.get("to"), args.get("building"), args.get("bucket"))
        export = args.get("format") or "json"
        if export not in ("json", "csv"):
            return error(400, "format 只能是 json 或 csv")
        report = await asyncio.to_thread(figures.GROUPS[group], period, None if export == "csv" else SHOWN)
        if export == "json":
            return json({"period": period.as_dict(), **figures.as_json(report)})
        tables = [key for key, value in report.items() if isinstance(value, Table)]
        name = args.get("table")
        if name not in tables:
            return error(400, f"请用 table 参数指明要导出的表（可选：{'、'.join(tables)}）")
        filename = f"{group}-{name}-{period.first}-{period.last}.csv"
        return raw(report[name].csv_text().encode("utf-8"), content_type="text/csv; charset=utf-8",
                   headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    return bp
