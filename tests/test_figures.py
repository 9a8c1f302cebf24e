"""The dashboard's report builders (bot/figures/) on known rows in a fresh
SQLite database, with fixed times: every figure's exact value, the building
filter, day and week buckets, and empty periods (None, never a division by zero)."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import yaml
from sqlalchemy import Column, Float, Integer, MetaData, String, Table, create_engine

from bot import settings
from bot.db import session_scope
from bot.figures import as_json, deadlines, faq_usage, handoff_times, satisfaction, ticket_volume
from bot.figures.durations import OfficeClock, percentile
from bot.figures.period import Period, PeriodError, epoch, parse_period
from bot.models import FaqAnswer, Handoff, Survey, Ticket, UnansweredQuestion
from dashboard_data import add_ticket, local

SLA = {
    "levels": {1: {"name": "一级", "respond_minutes": 1, "onsite_minutes": 5, "resolve_minutes": 240},
               2: {"name": "二级", "respond_minutes": 5, "onsite_minutes": 5, "resolve_minutes": 240},
               3: {"name": "三级", "respond_minutes": 15, "resolve_minutes": 1440}},
    "complaint_followup_hours": 72, "at_risk_share": 0.3, "office_hours": {"opens": "08:30", "closes": "18:00"},
    "waiting_notice_minutes": 2, "survey": {"reminder_after_hours": 24, "call_after_hours": 72, "low_score": 2},
}
PERIOD = Period(date(2026, 11, 2), date(2026, 11, 15))  # Monday to Sunday, two weeks
NOW = local("2026-11-16 12:00")


@pytest.fixture
def community(knowledge_copy, database):
    """A fresh database and knowledge whose sla.yml is this test's own."""
    (knowledge_copy / "sla.yml").write_text(yaml.safe_dump(SLA, allow_unicode=True), encoding="utf-8")
    return knowledge_copy


def seed_tickets() -> dict[str, Ticket]:
    with session_scope() as s:
        made = {
            "T1": add_ticket(s, "BX-1", "repair", "water", "给排水", "3", 3, "2026-11-03 09:00", "closed", 10, None, 20 * 60),
            "T2": add_ticket(s, "BX-2", "repair", "water", "给排水", "3", 3, "2026-11-03 10:00", "closed", 30, None, 30 * 60),
            "T3": add_ticket(s, "BX-3", "repair", "electric", "电力照明", "10", 3, "2026-11-04 08:00", "assigned", 5),
            "T4": add_ticket(s, "TS-4", "complaint", "noise", "噪音扰民", "3", 3, "2026-11-09 20:00", "open"),
            "T5": add_ticket(s, "BX-5", "repair", "lift", "电梯", "3", 1, "2026-11-10 14:00", "closed", 0.5, 4, 180),
            "T6": add_ticket(s, "BX-6", "repair", "lift", "电梯", "10", 2, "2026-11-12 14:00", "closed", 6, 10, 300),
            "T7": add_ticket(s, "BX-7", "repair", "water", "给排水", None, 3, "2026-11-15 23:30", "open"),
            "T8": add_ticket(s, "BX-8", "repair", "water", "给排水", "3", 3, "2026-11-01 23:59", "open"),
            "T9": add_ticket(s, "BX-9", "repair", "electric", "电力照明", "10", 3, "2026-11-15 16:00", "assigned", 5),
            "T10": add_ticket(s, "BX-10", "repair", "water", "给排水", "3", 3, "2026-11-16 08:00", "open", 1),
        }
    return made


@pytest.mark.usefixtures("community")
def test_ticket_volume_and_heat_map():
    seed_tickets()
    report = ticket_volume.build(PERIOD)
    assert report["totals"] == {"repair": 7, "complaint": 1, "all": 8}  # T8 and T10 are outside the period
    volume = report["volume"]
    assert [c.key for c in volume.columns] == ["bucket", "repair:water", "repair:electric", "repair:lift",
                                               "complaint:noise"]
    assert [c.title for c in volume.columns][1:] == ["报修·给排水", "报修·电力照明", "报修·电梯", "投诉·噪音扰民"]
    rows = {r["bucket"]: r for r in volume.rows}
    assert len(volume.rows) == 14 and volume.rows[0]["bucket"] == "2026-11-02"
    assert rows["2026-11-03"]["repair:water"] == 2
    assert rows["2026-11-04"]["repair:electric"] == 1
    assert rows["2026-11-09"]["complaint:noise"] == 1
    assert rows["2026-11-15"]["repair:water"] == 1 and rows["2026-11-15"]["repair:electric"] == 1  # 23:30 local
    assert sum(sum(v for k, v in r.items() if k != "bucket") for r in volume.rows) == 8
    heat = report["heatmap"]
    assert [(r["building"], r["building_name"]) for r in heat.rows] == [("3", "3栋"), ("10", "10栋"), (None, "未注明楼栋")]
    assert {k: v for k, v in heat.rows[0].items() if k.startswith(("repair", "complaint"))} == {
        "repair:water": 2, "repair:electric": 0, "repair:lift": 1, "complaint:noise": 1}
    assert heat.rows[1]["repair:electric"] == 2 and heat.rows[1]["repair:lift"] == 1
    assert heat.rows[2]["repair:water"] == 1

    weekly = ticket_volume.build(Period(date(2026, 11, 2), date(2026, 11, 15), bucket="week"))["volume"]
    assert [r["bucket"] for r in weekly.rows] == ["2026-11-02", "2026-11-09"]
    assert (weekly.rows[0]["repair:water"], weekly.rows[0]["repair:electric"], weekly.rows[0]["repair:lift"]) == (2, 1, 0)
    assert (weekly.rows[1]["repair:water"], weekly.rows[1]["repair:lift"], weekly.rows[1]["complaint:noise"]) == (1, 2, 1)
    # A period from a Wednesday: its first week is cut short.
    midweek = ticket_volume.build(Period(date(2026, 11, 4), date(2026, 11, 15), bucket="week"))
    assert [r["bucket"] for r in midweek["volume"].rows] == ["2026-11-04", "2026-11-09"]
    assert midweek["totals"]["all"] == 6 and midweek["volume"].rows[0]["repair:electric"] == 1

    in_3 = ticket_volume.build(Period(date(2026, 11, 2), date(2026, 11, 15), building="3"))
    assert in_3["totals"] == {"repair": 3, "complaint": 1, "all": 4}
    assert [r["building"] for r in in_3["heatmap"].rows] == ["3"]
    assert ticket_volume.buildings() == ["3", "10"]


@pytest.mark.usefixtures("community")
def test_deadlines_met_on_time_per_level_and_the_late_and_at_risk_lists():
    seed_tickets()
    report = deadlines.build(PERIOD, now=NOW)
    shares = {(r["level"], r["deadline"]): (r["counted"], r["met"], r["share"]) for r in report["levels"].rows}
    assert shares == {
        (1, "respond"): (1, 1, 1.0), (1, "onsite"): (1, 1, 1.0), (1, "resolve"): (1, 1, 1.0),
        (2, "respond"): (1, 0, 0.0), (2, "onsite"): (1, 0, 0.0), (2, "resolve"): (1, 0, 0.0),
        # T1, T3, T9 answered in time; T2 late; T4 and T7 never answered and past due.
        (3, "respond"): (6, 3, 0.5),
        # T1 in time; T2 late; T3 and T4 open past due; T7 and T9 not due yet (not counted).
        (3, "resolve"): (4, 1, 0.25),
    }
    overdue = report["overdue"]
    assert [r["number"] for r in overdue.rows] == ["BX-8", "BX-3", "TS-4", "BX-7"]  # soonest due first, any age
    assert [r["deadline"] for r in overdue.rows] == ["respond", "resolve", "respond", "respond"]
    assert overdue.rows[1]["due"] == local("2026-11-05 08:00") and overdue.rows[1]["seconds"] == (NOW - local("2026-11-05 08:00")).total_seconds()
    assert overdue.rows[0]["level_name"] == "三级" and overdue.rows[0]["building_name"] == "3栋"
    assert overdue.total == 4
    at_risk = report["at_risk"]
    assert [(r["number"], r["deadline"], r["due"], r["seconds"]) for r in at_risk.rows] == [
        ("BX-9", "resolve", local("2026-11-16 16:00"), 4 * 3600)]

    in_3 = deadlines.build(Period(PERIOD.first, PERIOD.last, building="3"), now=NOW)
    assert [r["number"] for r in in_3["overdue"].rows] == ["BX-8", "TS-4"] and in_3["at_risk"].rows == []
    assert {(r["level"], r["deadline"]): r["counted"] for r in in_3["levels"].rows}[(3, "respond")] == 3
    cut = deadlines.build(PERIOD, now=NOW, limit=2)["overdue"]
    assert len(cut.rows) == 2 and cut.total == 4


def seed_handoffs() -> None:
    def handoff(conversation: str, reason: str, created: str, status: str, **times: str) -> Handoff:
        return Handoff(conversation_id=conversation, channel="rest", reason=reason, summary="测试", status=status,
                       created_at=local(created), **{k: local(v) for k, v in times.items()})

    with session_scope() as s:
        s.add_all([
            handoff("c1", "request", "2026-11-03 17:00", "resolved", taken_at="2026-11-03 17:10",
                    first_reply_at="2026-11-03 17:05", resolved_at="2026-11-03 17:30"),
            handoff("c2", "emotion", "2026-11-03 17:50", "resolved", taken_at="2026-11-04 08:40",
                    resolved_at="2026-11-04 09:00"),
            handoff("c3", "emergency", "2026-11-08 07:00", "waiting", first_reply_at="2026-11-08 07:02"),
            handoff("c4", "request", "2026-11-10 12:00", "waiting"),
            handoff("c9", "request", "2026-11-01 10:00", "waiting"),  # before the period, still waiting
            handoff("c1", "misunderstood", "2026-11-05 10:00", "resolved", first_reply_at="2026-11-05 10:30",
                    resolved_at="2026-11-06 10:00"),
        ])


def fake_conversations(tmp_path, monkeypatch) -> None:
    """Rasa's `events` table, as its SQL tracker store makes it, with a few rows."""
    url = f"sqlite:///{tmp_path / 'conversations.db'}"
    monkeypatch.setenv("CONVERSATIONS_DATABASE_URL", url)
    events = Table("events", MetaData(), Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                   Column("type_name", String(255)), Column("timestamp", Float), Column("data", String))
    engine = create_engine(url)
    events.create(engine)
    at = lambda text: local(text).replace(tzinfo=timezone.utc).timestamp()  # noqa: E731
    rows = [(f"c{i}", "user", at(f"2026-11-{2 + i:02d} 09:00")) for i in range(1, 9)]
    rows += [("c1", "user", at("2026-11-05 09:59")), ("c1", "bot", at("2026-11-05 10:00")),
             ("c10", "bot", at("2026-11-05 10:00")),     # the bot alone is no conversation
             ("c11", "user", at("2026-11-01 23:59")),    # before the period
             ("c12", "user", at("2026-11-16 00:00")),    # the moment the period ends
             ("c13", "user", at("2026-11-02 00:00"))]    # the moment it begins
    with engine.begin() as conn:
        conn.execute(events.insert(), [{"sender_id": s, "type_name": t, "timestamp": ts} for s, t, ts in rows])


@pytest.mark.usefixtures("community")
def test_handoff_times_in_calendar_and_office_hours_and_the_bot_resolution_rate(tmp_path, monkeypatch):
    seed_handoffs()
    fake_conversations(tmp_path, monkeypatch)
    report = handoff_times.build(PERIOD)
    assert report["waiting_now"] == 3 and report["handoffs"] == 5
    times = {r["measure"]: r for r in report["times"].rows}
    # First answers: 300 s (the reply, not the later take), 53400 s (overnight), 120 s (Sunday 07:02), 1800 s.
    assert times["首次响应"] == pytest.approx({"measure": "首次响应", "count": 4, "median": 1050.0, "p90": 37920.0,
                                            "median_office": 750.0, "p90_office": 1620.0})
    # Resolved: 1800 s, 54600 s (600 + 1800 in office hours), a day (28800 + 5400 in office hours).
    assert times["处理完成"] == pytest.approx({"measure": "处理完成", "count": 3, "median": 54600.0, "p90": 80040.0,
                                            "median_office": 2400.0, "p90_office": 27840.0})
    # c1..c8 and c13 wrote in the period; c1..c4 were handed to a person.
    assert report["conversations"] == 9 and report["bot_resolved"] == 5
    assert report["bot_resolution_rate"] == pytest.approx(5 / 9)
    reasons = {r["reason"]: (r["count"], r["rate"]) for r in report["reasons"].rows}
    assert reasons == {"emergency": (1, 1 / 9), "emotion": (1, 1 / 9), "request": (2, 2 / 9),
                       "misunderstood": (1, 1 / 9), "stuck": (0, 0.0), "survey_low": (0, 0.0),
                       "survey_call": (0, 0.0)}
    assert report["reasons"].rows[2]["reason_name"] == "要求人工"


def seed_surveys(made: dict[str, Ticket]) -> None:
    def survey(ticket: str, sent: str, answered: str | None = None, score: int | None = None,
               comment: str | None = None) -> Survey:
        return Survey(ticket_id=made[ticket].id, conversation_id="c", channel="rest", sent_at=local(sent),
                      answered_at=local(answered) if answered else None, score=score, comment=comment)

    with session_scope() as s:
        s.add_all([
            survey("T1", "2026-11-04 10:00", "2026-11-04 11:00", 5),
            survey("T2", "2026-11-05 10:00", "2026-11-05 12:00", 2, "师傅迟到了，电话13812345678打不通"),
            survey("T5", "2026-11-10 18:00", "2026-11-11 09:00", 4),
            survey("T6", "2026-11-12 20:00", "2026-11-13 09:00", 1, "太慢"),
            survey("T3", "2026-11-06 10:00"),
            survey("T8", "2026-11-01 10:00", "2026-11-02 09:00", 5),  # sent before the period, answered in it
        ])


@pytest.mark.usefixtures("community")
def test_satisfaction():
    seed_surveys(seed_tickets())
    report = satisfaction.build(PERIOD)
    assert (report["sent"], report["answered_of_sent"], report["response_rate"]) == (5, 4, 0.8)
    assert (report["answered"], report["csat"], report["mean"]) == (5, 0.6, 3.4)
    assert [(r["score"], r["count"], r["share"]) for r in report["distribution"].rows] == [
        (1, 1, 0.2), (2, 1, 0.2), (3, 0, 0.0), (4, 1, 0.2), (5, 2, 0.4)]
    low = report["low_scores"]
    assert [(r["number"], r["score"], r["comment"]) for r in low.rows] == [
        ("BX-6", 1, "太慢"), ("BX-2", 2, "师傅迟到了，电话138＊＊＊＊5678打不通")]
    trend = {r["bucket"]: (r["answered"], r["csat"], r["mean"]) for r in report["trend"].rows if r["answered"]}
    assert trend == {"2026-11-02": (1, 1.0, 5.0), "2026-11-04": (1, 1.0, 5.0), "2026-11-05": (1, 0.0, 2.0),
                     "2026-11-11": (1, 1.0, 4.0), "2026-11-13": (1, 0.0, 1.0)}
    assert report["trend"].rows[1] == {"bucket": "2026-11-03", "answered": 0, "csat": None, "mean": None}
    weekly = satisfaction.build(Period(PERIOD.first, PERIOD.last, bucket="week"))["trend"].rows
    assert [(r["answered"], r["csat"], r["mean"]) for r in weekly] == [(3, pytest.approx(2 / 3), 4.0), (2, 0.5, 2.5)]

    in_3 = satisfaction.build(Period(PERIOD.first, PERIOD.last, building="3"))
    assert (in_3["sent"], in_3["response_rate"], in_3["answered"], in_3["csat"], in_3["mean"]) == (3, 1.0, 4, 0.75, 4.0)
    assert [r["number"] for r in in_3["low_scores"].rows] == ["BX-2"]


@pytest.mark.usefixtures("community")
def test_most_asked_and_passed_on():
    first_question = {e["id"]: e["questions"][0] for e in yaml.safe_load(
        (settings.KNOWLEDGE_DIR / "faq.yml").read_text(encoding="utf-8"))["entries"]}
    with session_scope() as s:
        for faq_id, when in [("fee_payment_ways", "2026-11-03 10:00"), ("fee_payment_ways", "2026-11-04 10:00"),
                             ("fee_payment_ways", "2026-11-15 23:00"), ("parking_visitor", "2026-11-05 10:00"),
                             ("parking_visitor", "2026-11-06 10:00"), ("parking_visitor", "2026-11-20 10:00"),
                             ("gone_entry", "2026-11-07 10:00")]:
            s.add(FaqAnswer(faq_id=faq_id, conversation_id="c", at=local(when)))
        for text, when in [("你们有没有游泳池", "2026-11-03 10:00"), ("你们有没有游泳池", "2026-11-08 10:00"),
                           ("我电话13912345678能登记吗", "2026-11-09 10:00"), ("楼下能开店吗", "2026-10-30 10:00")]:
            s.add(UnansweredQuestion(text=text, reporter_id="rest:c", channel="rest", created_at=local(when)))
    report = faq_usage.build(PERIOD)
    assert (report["answered"], report["passed_on"]) == (6, 3) and report["answered_share"] == pytest.approx(6 / 9)
    assert [(r["faq_id"], r["question"], r["count"]) for r in report["most_asked"].rows] == [
        ("fee_payment_ways", first_question["fee_payment_ways"], 3),
        ("parking_visitor", first_question["parking_visitor"], 2), ("gone_entry", faq_usage.GONE, 1)]
    passed = report["passed_on_questions"]
    assert [(r["text"], r["count"], r["last_at"]) for r in passed.rows] == [
        ("你们有没有游泳池", 2, local("2026-11-08 10:00")), ("我电话139＊＊＊＊5678能登记吗", 1, local("2026-11-09 10:00"))]
    cut = faq_usage.build(PERIOD, limit=1)
    assert (len(cut["most_asked"].rows), cut["most_asked"].total) == (1, 3)
    assert (len(cut["passed_on_questions"].rows), cut["passed_on_questions"].total) == (1, 2)


@pytest.mark.usefixtures("community")
def test_an_empty_period_has_zero_counts_and_no_rates(tmp_path, monkeypatch):
    made = seed_tickets()
    seed_surveys(made)
    seed_handoffs()
    fake_conversations(tmp_path, monkeypatch)
    empty = Period(date(2025, 1, 1), date(2025, 1, 31), bucket="week")
    volume = ticket_volume.build(empty)
    assert volume["totals"] == {"repair": 0, "complaint": 0, "all": 0} and volume["heatmap"].rows == []
    assert [c.key for c in volume["volume"].columns] == ["bucket"] and len(volume["volume"].rows) == 5
    levels = deadlines.build(empty, now=NOW)["levels"].rows
    assert all(r["counted"] == 0 and r["met"] == 0 and r["share"] is None for r in levels) and len(levels) == 8
    handed = handoff_times.build(empty)
    assert (handed["handoffs"], handed["conversations"], handed["bot_resolution_rate"]) == (0, 0, None)
    assert all(r["count"] == 0 and r["median"] is None and r["p90_office"] is None for r in handed["times"].rows)
    assert all(r["rate"] is None for r in handed["reasons"].rows)
    rated = satisfaction.build(empty)
    assert (rated["sent"], rated["response_rate"], rated["answered"], rated["csat"], rated["mean"]) == (0, None, 0, None, None)
    assert all(r["share"] is None for r in rated["distribution"].rows) and rated["low_scores"].rows == []
    asked = faq_usage.build(empty)
    assert (asked["answered"], asked["passed_on"], asked["answered_share"]) == (0, 0, None)
    as_json(volume)  # serialisable with nothing in it


@pytest.mark.usefixtures("community")
def test_no_conversation_store_yet_means_no_conversations(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVERSATIONS_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    report = handoff_times.build(PERIOD)
    assert (report["conversations"], report["bot_resolution_rate"]) == (0, None)


def test_percentiles_interpolate_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.5
    assert percentile([10.0, 20.0, 30.0, 40.0, 50.0], 0.9) == 46.0


@pytest.mark.usefixtures("community")
def test_office_hours_are_counted_every_day_in_the_community_time_zone():
    clock = OfficeClock(date(2026, 11, 6), date(2026, 11, 10))
    seconds = lambda start, end: clock.seconds(epoch(local(start)), epoch(local(end)))  # noqa: E731
    assert seconds("2026-11-06 17:00", "2026-11-09 09:00") == 3600 + 2 * 34200 + 1800
    assert seconds("2026-11-07 19:00", "2026-11-08 08:00") == 0
    assert seconds("2026-11-08 12:00", "2026-11-08 12:00") == 0
    assert seconds("2026-11-05 12:00", "2026-11-06 09:00") == 1800  # before the clock's first day: nothing


def test_period_parsing_and_its_errors():
    today = date(2026, 11, 16)
    default = parse_period(None, None, today=today)
    assert (default.first, default.last, default.bucket, default.building) == (date(2026, 10, 18), today, "day", None)
    assert parse_period("2025-11-16", "2026-11-16", " 3 ", today=today).bucket == "week"  # 366 days
    assert parse_period("2026-11-01", "2026-11-07", "3", "week").building == "3"
    for first, last, bucket, message in [("2026-13-01", None, None, "开始日期"), ("2026-11-01", "11/30", None, "结束日期"),
                                         ("2026-11-10", "2026-11-09", None, "不能早于"),
                                         ("2025-11-15", "2026-11-16", None, "366"),
                                         ("2026-11-01", "2026-11-02", "month", "按周")]:
        with pytest.raises(PeriodError, match=message):
            parse_period(first, last, None, bucket, today=today)
    with pytest.raises(PeriodError, match="楼栋"):
        parse_period(None, None, "123456789", today=today)


def test_days_are_counted_in_local_time_where_clocks_change(knowledge_copy, database):
    """Europe/Berlin: 25 October 2026 has 25 hours; its last hour is still that day."""
    community = knowledge_copy / "community.yml"
    community.write_text(community.read_text(encoding="utf-8").replace("Asia/Shanghai", "Europe/Berlin"),
                         encoding="utf-8")
    period = Period(date(2026, 10, 24), date(2026, 10, 27))
    assert [(r.first, r.seconds) for r in period.day_runs()] == [(0, 86400), (1, 90000), (2, 86400)]
    with session_scope() as s:
        for number, utc in [("BX-1", datetime(2026, 10, 25, 22, 30)),   # 23:30 on the 25th, local
                            ("BX-2", datetime(2026, 10, 25, 23, 30)),   # 00:30 on the 26th
                            ("BX-3", datetime(2026, 10, 23, 22, 0))]:   # midnight starting the 24th
            add_ticket(s, number, "repair", "water", "给排水", None, 3, utc, "closed")
    rows = ticket_volume.build(period)["volume"].rows
    assert [r.get("repair:water", 0) for r in rows] == [1, 1, 1, 0]
