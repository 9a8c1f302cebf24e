"""A resident waiting for a person (bot/handoffs.py): notices at most every few
minutes and never once an agent has the conversation; outside office hours with
nobody signed in, a call-back time instead of a wait; office hours (bot/clock.py)."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import clock, handoffs
from bot.clock import utcnow
from bot.console import accounts
from conftest import set_office_hours


def request(conversation: str = "c1", urgency: int | None = None, reason: str = "request"):
    return handoffs.HandoffRequest(conversation_id=conversation, channel="rest", reason=reason,
                                   summary="转人工", urgency=urgency)


@pytest.fixture
def desk_closed(knowledge_copy):
    """Office hours that exclude the present moment, whatever time the test runs."""
    hour = datetime.now(clock.zone()).hour
    set_office_hours(knowledge_copy, *(("13:00", "14:00") if hour < 12 else ("01:00", "02:00")))


@pytest.fixture
def desk_open(knowledge_copy):
    set_office_hours(knowledge_copy, "00:00", "24:00")


def test_office_hours_in_the_community_time_zone(knowledge_copy):
    set_office_hours(knowledge_copy, "08:30", "18:00")  # Asia/Shanghai, UTC+8
    assert clock.in_office_hours(datetime(2026, 11, 25, 0, 30))  # 08:30 local
    assert not clock.in_office_hours(datetime(2026, 11, 25, 10, 0))  # 18:00 local
    assert clock.next_opening(datetime(2026, 11, 25, 12, 0)) == datetime(2026, 11, 26, 0, 30)
    assert clock.next_opening(datetime(2026, 11, 24, 23, 0)) == datetime(2026, 11, 25, 0, 30)
    set_office_hours(knowledge_copy, "00:00", "24:00")
    assert clock.in_office_hours(datetime(2026, 11, 25, 15, 59, 59))


def test_notices_are_rate_limited_and_stop_when_an_agent_takes_over(database, desk_open):
    handoffs.open_handoff(request())
    start = utcnow()
    first = handoffs.notice_while_waiting("c1", None, now=start)
    assert first == handoffs.WaitingNotice(handoffs.wait_minutes(None))
    assert handoffs.notice_while_waiting("c1", None, now=start + timedelta(seconds=30)) is None
    later = handoffs.notice_while_waiting("c1", None, now=start + timedelta(minutes=3))
    assert later is not None and later.minutes == handoffs.wait_minutes(None) - 3
    handoffs.take("c1", "小李")
    assert handoffs.notice_while_waiting("c1", None, now=start + timedelta(minutes=10)) is None
    assert handoffs.notice_while_waiting("nobody-waits", None) is None


def test_an_urgent_message_while_waiting_raises_the_handoff(database, desk_open):
    handoffs.open_handoff(request())
    handoffs.notice_while_waiting("c1", 1)
    [waiting] = handoffs.queue()
    assert waiting.urgency == 1


def test_after_hours_with_nobody_signed_in_a_handoff_becomes_a_call_back(database, desk_closed):
    handoff = handoffs.open_handoff(request())
    assert handoff.callback_by == clock.next_opening(handoff.created_at) + timedelta(
        minutes=handoffs.wait_minutes(None))
    notice = handoffs.notice_while_waiting("c1", None)
    assert notice.callback_by == handoff.callback_by
    assert handoffs.open_handoff(request("c2", urgency=1, reason="emergency")).callback_by is None


def test_after_hours_a_signed_in_agent_still_answers(database, desk_closed):
    accounts.create_account("duty", "duty password", "agent")
    accounts.sign_in("duty", "duty password")
    assert handoffs.open_handoff(request()).callback_by is None


def test_first_reply_keeps_the_first_time(database, desk_open):
    handoffs.open_handoff(request())
    first = handoffs.take("c1", "小李", replying=True).first_reply_at
    again = handoffs.take("c1", "小王", replying=True)
    assert again.first_reply_at == first and again.taken_by == "小王"
