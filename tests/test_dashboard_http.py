"""The dashboard's HTTP side against the real servers: who may read it, bad
periods refused with a reason, CSV exports Excel can open, and the ticket list
filtered by building and category (where a heat-map cell leads). The rows it
adds are in a building of its own, removed afterwards."""
from __future__ import annotations

import csv
import re
import io
import urllib.error
import uuid
from email.message import Message

import pytest

from bot.db import session_scope
from dashboard_data import add_ticket, remove
from http_helpers import AGENT_TOKEN, Tab

PERIOD = "from=2026-06-01&to=2026-06-30"
GROUPS = ("tickets", "deadlines", "handoffs", "satisfaction", "faq")
PATHS = ["/dashboard/buildings", *(f"/dashboard/{g}?{PERIOD}" for g in GROUPS),
         f"/dashboard/deadlines?{PERIOD}&format=csv&table=levels"]


def signed_in(server, staff, role: str) -> Tab:
    tab = Tab(server.agent_url)
    username, password = staff[role]
    assert tab.call("/auth/login", {"username": username, "password": password})[0] == 200
    return tab


def fetch(tab: Tab, path: str) -> tuple[int, Message, bytes]:
    """(status, headers, body) of a GET, whatever its content type."""
    try:
        with tab.opener.open(tab.base + path, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


@pytest.fixture
def building(server, monkeypatch):
    """A building no other test uses, with five tickets opened in June 2026."""
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    name = f"Q{uuid.uuid4().hex[:5]}"
    with session_scope() as s:
        add_ticket(s, f"BX-{name}-1", "repair", "water", "给排水", name, 3, "2026-06-03 09:00", "closed", 10, None, 600)
        add_ticket(s, f"BX-{name}-2", "repair", "water", "给排水", name, 3, "2026-06-10 23:30", "open")
        add_ticket(s, f"BX-{name}-3", "repair", "water", "给排水", name, 3, "2026-06-30 08:00", "assigned", 5)
        add_ticket(s, f"BX-{name}-4", "repair", "electric", "电力照明", name, 3, "2026-06-11 09:00", "closed", 5, None, 60)
        add_ticket(s, f"TS-{name}-5", "complaint", "noise", "噪音扰民", name, 3, "2026-06-12 21:00", "open")
        add_ticket(s, f"BX-{name}-6", "repair", "water", "给排水", name, 3, "2026-07-01 09:00", "closed", 5, None, 60)
    yield name
    remove(name)


def test_only_managers_and_admins_read_the_dashboard(server, staff):
    anonymous = Tab(server.agent_url)
    for path in PATHS:
        assert fetch(anonymous, path)[0] == 401, path
    for role, expected in (("manager", 200), ("admin", 200), ("agent", 403), ("trainer", 403)):
        tab = signed_in(server, staff, role)
        for path in PATHS:
            status, _, content = fetch(tab, path)
            assert status == expected, (role, path, status)
            if expected == 403:
                assert role in content.decode()
    service = Tab(server.agent_url)
    service.opener.addheaders = [("Authorization", f"Bearer {AGENT_TOKEN}")]
    assert fetch(service, PATHS[1])[0] == 200
    # A manager also reads the agents' queue and tickets behind the figures, but not the workbench.
    manager = signed_in(server, staff, "manager")
    assert manager.call("/agent/tickets")[0] == 200 and manager.call("/trainer/faq")[0] == 403


@pytest.mark.parametrize("query, status, message", [
    ("from=2026-13-01", 400, "开始日期"), ("from=2026-06-01&to=30.06.2026", 400, "结束日期"),
    ("from=2026-06-30&to=2026-06-01", 400, "不能早于"), ("from=2025-01-01&to=2026-06-30", 400, "366"),
    ("bucket=month", 400, "按周"), ("building=123456789", 400, "楼栋"), ("format=xml", 400, "csv"),
    ("format=csv", 400, "table"), ("format=csv&table=nothing", 400, "overdue"),
])
def test_bad_parameters_are_refused_with_a_reason(server, staff, query, status, message):
    manager = signed_in(server, staff, "manager")
    code, body = manager.call(f"/dashboard/deadlines?{query}")
    assert code == status and message in body["error"], body
    assert manager.call("/dashboard/nothing")[0] == 404


def test_the_figures_of_one_building(server, staff, building):
    manager = signed_in(server, staff, "manager")
    status, data = manager.call(f"/dashboard/tickets?{PERIOD}&building={building}")
    assert status == 200 and data["period"]["bucket"] == "day" and len(data["period"]["buckets"]) == 30
    assert data["totals"] == {"repair": 4, "complaint": 1, "all": 5}  # the July ticket is outside
    rows = {r["bucket"]: r for r in data["volume"]["rows"]}
    assert rows["2026-06-10"]["repair:water"] == 1 and rows["2026-06-30"]["repair:water"] == 1
    [row] = data["heatmap"]["rows"]
    assert (row["building"], row["repair:water"], row["repair:electric"], row["complaint:noise"]) == (building, 3, 1, 1)
    weekly = manager.call(f"/dashboard/tickets?{PERIOD}&building={building}&bucket=week")[1]
    assert weekly["period"]["buckets"][:2] == ["2026-06-01", "2026-06-08"] and len(weekly["volume"]["rows"]) == 5
    deadlines = manager.call(f"/dashboard/deadlines?{PERIOD}&building={building}")[1]
    assert [r["number"] for r in deadlines["overdue"]["rows"]] == [
        f"BX-{building}-2", f"TS-{building}-5", f"BX-{building}-3"]
    assert deadlines["overdue"]["columns"][0] == {"key": "number", "title": "工单号", "kind": "text"}


def test_every_table_exports_as_csv_that_excel_reads(server, staff, building):
    manager = signed_in(server, staff, "manager")
    status, headers, content = fetch(manager, f"/dashboard/deadlines?{PERIOD}&building={building}&format=csv&table=overdue")
    assert status == 200 and headers["Content-Type"].startswith("text/csv")
    assert headers["Content-Disposition"] == 'attachment; filename="deadlines-overdue-2026-06-01-2026-06-30.csv"'
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0] == ["工单号", "响应级别", "类别", "楼栋", "时限", "到期时间", "已超时（分钟）"]
    assert [r[0] for r in rows[1:]] == [f"BX-{building}-2", f"TS-{building}-5", f"BX-{building}-3"]
    assert rows[1][2:5] == ["给排水", f"{building}栋", "响应"] and rows[1][5] == "2026-06-10 23:45"
    heat = list(csv.reader(io.StringIO(fetch(manager, f"/dashboard/tickets?{PERIOD}&building={building}"
                                                      "&format=csv&table=heatmap")[2].decode("utf-8-sig"))))
    assert heat[0] == ["楼栋", "报修·给排水", "报修·电力照明", "投诉·噪音扰民"] and heat[1] == [f"{building}栋", "3", "1", "1"]
    for group in GROUPS:
        tables = [key for key, value in manager.call(f"/dashboard/{group}?{PERIOD}")[1].items()
                  if isinstance(value, dict) and "columns" in value]
        assert tables, group
        for table in tables:
            status, headers, content = fetch(manager, f"/dashboard/{group}?{PERIOD}&format=csv&table={table}")
            assert status == 200 and content.startswith(b"\xef\xbb\xbf"), (group, table)
            assert "attachment" in headers["Content-Disposition"]


def test_the_ticket_list_filtered_by_building_category_and_dates(server, staff, building):
    manager = signed_in(server, staff, "manager")
    status, listing = manager.call(f"/agent/tickets?building={building}&kind=repair&category=water&{PERIOD}")
    assert status == 200
    assert [t["number"] for t in listing["tickets"]] == [f"BX-{building}-{i}" for i in (3, 2, 1)]  # newest first
    everything = manager.call(f"/agent/tickets?building={building}&category=water")[1]["tickets"]
    assert len(everything) == 4  # the July ticket too
    june_10 = manager.call(f"/agent/tickets?building={building}&from=2026-06-10&to=2026-06-10")[1]["tickets"]
    assert [t["number"] for t in june_10] == [f"BX-{building}-2"]  # 23:30 local is still the 10th
    code, body = manager.call("/agent/tickets?from=06/10/2026")
    assert code == 400 and "开始日期" in body["error"]


def test_the_page_script_and_the_charts_are_served(server):
    anonymous = Tab(server.agent_url)
    status, headers, script = fetch(anonymous, "/console/dashboard.js")
    assert status == 200 and "dashboardView" in script.decode()
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", script.decode())
    assert "/console/dashboard.js" in fetch(anonymous, "/console/")[2].decode()
    status, headers, charts = fetch(anonymous, "/console/echarts.min.js")  # npm ci --prefix charts
    assert status == 200 and headers["Content-Type"].startswith("application/javascript") and b"echarts" in charts[:2000]
