"""Tickets against a real SQLite database built by the migrations."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import pytest
from sqlalchemy import select

from bot import clock, tickets
from bot.db import session_scope
from bot.models import Ticket


def report(**overrides):
    values = dict(kind="repair", description="3栋502卫生间漏水", channel="rest",
                  reporter_id="rest:alice", phone="13812345678", location="3栋502",
                  building="3", room="502")
    values.update(overrides)
    return tickets.Report(**values)


def test_a_repair_ticket_holds_every_fact(database):
    at = datetime(2026, 11, 22, 2, 0)  # 10:00 in Shanghai
    ticket = tickets.open_ticket(report(), at=at)
    with session_scope() as s:
        row = s.execute(select(Ticket).where(Ticket.number == ticket.number)).scalar_one()
        assert row.number == "BX-20261122-0001"
        assert (row.kind, row.category, row.team_name, row.urgency) == ("repair", "water", "水电维修组", 3)
        assert (row.location, row.building, row.room) == ("3栋502", "3", "502")
        assert row.contact_phone == "13812345678"
        assert row.reporter_id == "rest:alice" and row.channel == "rest"
        assert row.resolve_by > row.respond_by > row.created_at
        assert [(e.status, e.actor) for e in row.history] == [("open", "assistant")]


def test_numbers_count_per_prefix_and_local_day(database):
    morning = datetime(2026, 11, 22, 1, 0)
    numbers = [tickets.open_ticket(report(), at=morning).number for _ in range(2)]
    numbers.append(tickets.open_ticket(report(kind="complaint", description="楼上太吵"), at=morning).number)
    numbers.append(tickets.open_ticket(report(), at=datetime(2026, 11, 22, 17, 0)).number)  # 01:00 next day local
    assert numbers == ["BX-20261122-0001", "BX-20261122-0002", "TS-20261122-0001", "BX-20261123-0001"]


def test_concurrent_reports_never_share_a_number(database):
    at = datetime(2026, 11, 22, 3, 0)
    with ThreadPoolExecutor(max_workers=8) as pool:
        numbers = list(pool.map(lambda _: tickets.open_ticket(report(), at=at).number, range(24)))
    assert sorted(numbers) == [f"BX-20261122-{i:04d}" for i in range(1, 25)]


def test_a_complaint_gets_a_follow_up_time(database):
    ticket = tickets.open_ticket(report(kind="complaint", description="保安态度很差"))
    assert ticket.number.startswith("TS-")
    assert ticket.team_name == "客服中心"
    assert (ticket.followup_by - ticket.created_at).total_seconds() == 72 * 3600


def test_residents_only_see_their_own_tickets(database):
    mine = tickets.open_ticket(report())
    theirs = tickets.open_ticket(report(reporter_id="rest:bob"))
    assert tickets.ticket_of("rest:alice", mine.number).number == mine.number
    assert tickets.ticket_of("rest:alice", theirs.number) is None
    assert [t.number for t in tickets.tickets_of("rest:alice")] == [mine.number]
    assert tickets.tickets_of("rest:nobody") == []


def test_status_changes_are_kept_in_the_history(database):
    ticket = tickets.open_ticket(report())
    tickets.add_status(ticket.number, "assigned", "dispatcher", "王师傅")
    with session_scope() as s:
        row = s.execute(select(Ticket).where(Ticket.number == ticket.number)).scalar_one()
        assert row.status == "assigned"
        assert [e.status for e in row.history] == ["open", "assigned"]
    with pytest.raises(ValueError):
        tickets.add_status(ticket.number, "teleported", "x")


def test_a_report_survives_a_database_outage(database, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/nope.db")
    with pytest.raises(tickets.TicketStoreDown):
        tickets.open_ticket(report(description="停电了 4栋", phone="13812345678"))
    assert tickets.replay_spool() == [] and tickets.spooled()  # still down: kept for the next try
    assert "13812345678" not in caplog.text  # no SQL parameters in the log
    monkeypatch.setenv("DATABASE_URL", database)
    [replayed] = tickets.replay_spool()
    assert replayed.description == "停电了 4栋" and replayed.number.endswith("0001")
    assert not tickets.spooled()
    later = tickets.open_ticket(report(description="另一件事"))
    assert later.number.endswith("0002")
    assert tickets.replay_spool() == []


def test_a_bad_line_in_the_spool_is_kept_aside_and_blocks_nothing(database, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/missing-dir/nope.db")
    for text_ in ("燃气味很重 5栋", "2栋电梯坏了"):
        with pytest.raises(tickets.TicketStoreDown):
            tickets.open_ticket(report(description=text_))
    spool = tickets._spool_path()
    good = spool.read_text(encoding="utf-8").splitlines()
    # A crash mid-write leaves a truncated line between two good ones.
    spool.write_text(good[0] + "\n" + good[1][:40] + "\n" + "[1, 2]\n" + good[1] + "\n", encoding="utf-8")
    monkeypatch.setenv("DATABASE_URL", database)
    created = tickets.replay_spool()
    assert [t.description for t in created] == ["燃气味很重 5栋", "2栋电梯坏了"]
    rejected = spool.with_suffix(".rejected.jsonl").read_text(encoding="utf-8").splitlines()
    assert rejected == [good[1][:40], "[1, 2]"] and not tickets.spooled()
    assert tickets.open_ticket(report(description="又一件事")).number.endswith("0003")


def test_local_time_text():
    now = datetime(2026, 11, 22, 2, 0)
    assert clock.local_time_text(datetime(2026, 11, 22, 9, 30), now) == "今天 17:30"
    assert clock.local_time_text(datetime(2026, 11, 23, 1, 15), now) == "明天 09:15"
    assert clock.local_time_text(datetime(2026, 11, 25, 1, 15), now) == "11月25日 09:15"


def test_upgrading_a_database_with_tickets_keeps_them(tmp_path, monkeypatch):
    from alembic import command

    from bot.db import alembic_config, migrate
    url = f"sqlite:///{tmp_path}/old.db"
    command.upgrade(alembic_config(url), "0001")
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setattr("bot.settings.VAR_DIR", tmp_path)
    from sqlalchemy import create_engine, text
    with create_engine(url).begin() as conn:
        conn.execute(text(
            "INSERT INTO tickets (number, kind, category, category_name, team, team_name, urgency, status,"
            " description, channel, reporter_id, created_at, respond_by, resolve_by) VALUES ('BX-20261101-0001',"
            " 'repair', 'water', '给排水', 'water_electric', '水电维修组', 3, 'open', '漏水', 'rest', 'rest:old',"
            " '2026-11-01 01:00:00', '2026-11-01 01:15:00', '2026-11-02 01:00:00')"))
    migrate(url)
    [old] = tickets.tickets_of("rest:old")
    assert old.number == "BX-20261101-0001" and old.flagged is False
