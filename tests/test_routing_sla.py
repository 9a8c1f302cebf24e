from datetime import datetime, timedelta

import pytest

from bot import routing, sla


@pytest.mark.parametrize("text, category, team, level", [
    ("卫生间漏水", "water", "水电维修组", 3),
    ("家里跳闸了", "electric", "水电维修组", 3),
    ("电梯按钮没反应", "lift", "特种设备组", 3),
    ("单元门禁刷不开", "access", "工程维修组", 3),
    ("有人被困在电梯里", "lift", "特种设备组", 2),
    ("水管爆了 水漫到客厅", "water", "水电维修组", 2),
    ("整个小区停水了", "water", "水电维修组", 2),
    ("楼道里冒烟了", "other_repair", "工程维修组", 1),
    ("門禁壞了", "access", "工程维修组", 3),
    ("不知道什么东西响", "other_repair", "工程维修组", 3),
])
def test_repairs_are_routed_by_the_table(text, category, team, level):
    route = routing.route_repair(text)
    assert (route.category, route.team_name, route.urgency) == (category, team, level)


@pytest.mark.parametrize("text, category, team", [
    ("楼上装修噪音太大了", "noise", "秩序维护部（安保）"),
    ("有人把车停在消防通道", "parking", "秩序维护部（安保）"),
    ("垃圾桶满了没人清", "hygiene", "保洁组"),
    ("维修工态度很差", "staff", "客服中心"),
    ("物业费涨价不合理", "fees", "财务部"),
    ("你们到底管不管", "other_complaint", "客服中心"),
    ("你们这垃圾物业 说了多少遍了", "other_complaint", "客服中心"),
    ("垃圾站好几天没清了", "hygiene", "保洁组"),
])
def test_complaints_are_routed_by_the_table(text, category, team):
    route = routing.route_complaint(text)
    assert (route.category, route.team_name) == (category, team)


def test_ordinary_repairs_are_never_raised_to_level_one():
    for text in ["电梯有异响", "暖气片不热", "马桶漏水", "楼顶漏雨", "家里没电了"]:
        assert routing.urgency_of(text) == 3


def test_deadlines_follow_the_level():
    opened = datetime(2026, 11, 22, 8, 0)
    level1, level3 = sla.deadlines(1, opened), sla.deadlines(3, opened)
    assert level1.respond_by == opened + timedelta(minutes=1)
    assert level1.promised == level1.onsite_by == opened + timedelta(minutes=5)
    assert level3.onsite_by is None
    assert level3.promised == level3.resolve_by == opened + timedelta(hours=24)
    assert sla.complaint_followup(opened) == opened + timedelta(hours=72)
