"""The satisfaction follow-up (bot/surveys.py) with a fake messenger: scheduled
when a ticket is first finished, sent once, answered, reminded, then a call
task; and the worker that runs it (bot/worker.py)."""
from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import handoffs, surveys, tickets, worker
from bot.clock import utcnow
from bot.db import session_scope
from bot.models import Job, Survey, Ticket
from bot.understanding.ratings import Rating, read_rating


class FakeMessenger:
    def __init__(self, busy: bool = False) -> None:
        self.said: list[tuple[str, str, dict]] = []
        self.is_busy = busy

    async def say(self, conversation_id: str, response: str, slots: dict) -> None:
        self.said.append((conversation_id, response, slots))

    async def busy(self, conversation_id: str) -> bool:
        return self.is_busy


def new_ticket(sender: str = "alice", kind: str = "repair") -> Ticket:
    return tickets.open_ticket(tickets.Report(
        kind=kind, description="3栋502卫生间漏水", channel="rest", reporter_id=f"rest:{sender}",
        phone="13812345678", location="3栋502", building="3", room="502"))


def job_keys() -> dict[str, str]:
    with session_scope() as session:
        return {j.key: j.status for j in session.execute(select(Job)).scalars()}


def survey_of(ticket: Ticket) -> Survey:
    with session_scope() as session:
        return session.execute(select(Survey).where(Survey.ticket_id == ticket.id)).scalar_one()


def run(ticket_job: str, messenger: FakeMessenger, ticket: Ticket, **kwargs) -> None:
    asyncio.run(surveys.HANDLERS[ticket_job]({"ticket_id": ticket.id}, messenger, **kwargs))


def sent_survey(ticket: Ticket, messenger: FakeMessenger | None = None) -> FakeMessenger:
    messenger = messenger or FakeMessenger()
    tickets.add_status(ticket.number, "resolved", "王师傅")
    run("survey", messenger, ticket)
    return messenger


@pytest.mark.parametrize("text, rating", [
    ("5分", Rating(5, None)), ("4分 师傅很准时", Rating(4, "师傅很准时")), ("打2分，太慢了", Rating(2, "太慢了")),
    ("非常满意", Rating(5, None)), ("不满意。", Rating(2, None)), ("五星", Rating(5, None)),
    ("3分钟了还没人来", None), ("满意吗", None), ("6分", None), ("厨房漏水", None),
])
def test_survey_answers_are_read_by_what_they_are(text, rating):
    assert read_rating(text) == rating


def test_the_first_finish_schedules_one_survey(database):
    ticket = new_ticket()
    tickets.add_status(ticket.number, "assigned", "派单员")
    assert job_keys() == {}
    tickets.add_status(ticket.number, "resolved", "王师傅")
    tickets.add_status(ticket.number, "in_progress", "王师傅")  # reopened ...
    tickets.add_status(ticket.number, "closed", "王师傅")  # ... and finished again: still one survey
    assert job_keys() == {f"survey:{ticket.id}": "pending"}


def test_the_survey_is_sent_once_with_the_ticket_and_its_follow_ups_scheduled(database):
    ticket = new_ticket()
    messenger = sent_survey(ticket)
    assert messenger.said == [("alice", "utter_ask_satisfaction",
                               {"survey_ticket": ticket.number, "survey_subject": ticket.category_name})]
    survey = survey_of(ticket)
    with session_scope() as session:
        due = {j.kind: j.run_at for j in session.execute(select(Job)).scalars()}
    assert due["survey_reminder"] - survey.sent_at == timedelta(hours=24)
    assert due["survey_call"] - survey.sent_at == timedelta(hours=72)
    run("survey", messenger, ticket)  # a job that runs again (e.g. after a crash) sends nothing more
    assert len(messenger.said) == 1


def test_a_busy_conversation_is_asked_later(database):
    ticket = new_ticket()
    tickets.add_status(ticket.number, "resolved", "王师傅")
    with pytest.raises(surveys.NotNow):
        run("survey", FakeMessenger(busy=True), ticket)
    assert survey_of(ticket).sent_at is None
    messenger = FakeMessenger()
    run("survey", messenger, ticket)
    assert [s[1] for s in messenger.said] == ["utter_ask_satisfaction"]


def test_a_good_score_closes_the_ticket_and_stops_the_follow_ups(database):
    ticket = new_ticket()
    sent_survey(ticket)
    outcome = surveys.record("alice", Rating(5, "师傅很准时"))
    assert (outcome.kind, outcome.ticket_number, outcome.score) == ("thanks", ticket.number, 5)
    found = tickets.find(ticket.number)
    assert found.status == "closed" and found.history[-1].note == "回访评分 5 分：师傅很准时"
    survey = survey_of(ticket)
    assert (survey.score, survey.comment) == (5, "师傅很准时")
    assert job_keys()[f"survey_reminder:{ticket.id}"] == job_keys()[f"survey_call:{ticket.id}"] == "cancelled"
    assert surveys.record("alice", Rating(3, None)).kind == "already"  # once per ticket
    assert surveys.record("alice", Rating(5, "下次也找他")).kind == "comment"
    assert survey_of(ticket).comment == "师傅很准时\n下次也找他" and survey_of(ticket).score == 5


def test_a_low_score_reopens_the_ticket(database):
    ticket = new_ticket()
    sent_survey(ticket)
    outcome = surveys.record("alice", Rating(2, "还在漏"))
    assert outcome.kind == "low"
    found = tickets.find(ticket.number)
    assert found.status == "open" and found.history[-1].actor == "回访"
    assert found.resolved_at is not None  # the first resolution still counts for the deadline


def test_no_survey_no_rating(database):
    assert surveys.record("nobody", Rating(5, None)).kind == "none"
    ticket = new_ticket("bob")
    tickets.add_status(ticket.number, "resolved", "王师傅")  # scheduled, not sent yet
    assert surveys.record("bob", Rating(5, None)).kind == "none"


def test_no_answer_one_reminder_then_a_call_task(database):
    ticket = new_ticket()
    messenger = sent_survey(ticket)
    run("survey_reminder", messenger, ticket)
    run("survey_reminder", messenger, ticket)
    assert [s[1] for s in messenger.said] == ["utter_ask_satisfaction", "utter_remind_satisfaction"]
    run("survey_call", messenger, ticket)
    [task] = handoffs.queue()
    assert (task.reason, task.ticket_number, task.conversation_id) == ("survey_call", ticket.number, "alice")
    assert "请电话回访" in task.summary
    run("survey_call", messenger, ticket)
    assert len(handoffs.queue()) == 1


def test_an_answered_survey_gets_no_reminder_and_no_call(database):
    ticket = new_ticket()
    messenger = sent_survey(ticket)
    surveys.record("alice", Rating(4, None))
    run("survey_reminder", messenger, ticket)
    run("survey_call", messenger, ticket)
    assert len(messenger.said) == 1 and handoffs.queue() == []


def test_the_worker_runs_due_jobs_and_puts_back_what_cannot_run_yet(database):
    ticket = new_ticket()
    tickets.add_status(ticket.number, "resolved", "王师傅")
    assert asyncio.run(worker.run_due("w", FakeMessenger(busy=True))) == 1
    with session_scope() as session:
        job = session.execute(select(Job).where(Job.key == f"survey:{ticket.id}")).scalar_one()
        assert job.status == "pending" and job.attempts == 0
        assert job.run_at > utcnow() + timedelta(minutes=worker.POSTPONE_MINUTES - 1)
        job.run_at = utcnow()
    messenger = FakeMessenger()
    assert asyncio.run(worker.run_due("w", messenger)) == 1
    assert job_keys()[f"survey:{ticket.id}"] == "done"
    assert [s[1] for s in messenger.said] == ["utter_ask_satisfaction"]
    assert asyncio.run(worker.run_due("w", messenger)) == 0  # the reminder is not due for a day
