"""The durable job store (bot/jobs.py): scheduled once per key, claimed once
even by workers in separate processes, handed out again when a worker died,
retried with a growing wait."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import func, select

from bot import jobs
from bot.clock import utcnow
from bot.db import session_scope
from bot.models import Job
from conftest import ROOT


def job_rows() -> list[Job]:
    with session_scope() as session:
        return list(session.execute(select(Job).order_by(Job.id)).scalars())


def test_a_key_is_scheduled_once(database):
    now = utcnow()
    assert jobs.schedule_now("survey", "survey:1", now, {"ticket_id": 1})
    assert not jobs.schedule_now("survey", "survey:1", now + timedelta(hours=1), {"ticket_id": 1})
    [job] = job_rows()
    assert (job.kind, job.status, json.loads(job.payload), job.run_at) == ("survey", "pending", {"ticket_id": 1}, now)


def test_only_due_jobs_are_claimed_and_each_once(database):
    now = utcnow()
    jobs.schedule_now("survey", "due", now - timedelta(seconds=1), {"n": 1})
    jobs.schedule_now("survey", "later", now + timedelta(minutes=5), {"n": 2})
    [claimed] = jobs.claim_due("w1", now=now)
    assert (claimed.key, claimed.payload, claimed.attempts) == ("due", {"n": 1}, 1)
    assert jobs.claim_due("w2", now=now) == []
    jobs.finish(claimed)
    assert {j.key: j.status for j in job_rows()} == {"due": "done", "later": "pending"}
    assert [j.key for j in jobs.claim_due("w2", now=now + timedelta(minutes=6))] == ["later"]


def test_workers_in_separate_processes_never_run_a_job_twice(database):
    now = utcnow()
    for n in range(120):
        jobs.schedule_now("survey", f"job:{n}", now - timedelta(seconds=n), {"n": n})
    script = ("import json, sys\nfrom bot import jobs\nids = []\n"
              "while True:\n    got = jobs.claim_due(sys.argv[1], limit=7)\n    if not got: break\n"
              "    ids += [j.id for j in got]\nprint(json.dumps(ids))\n")
    env = dict(os.environ, DATABASE_URL=database)
    workers = [subprocess.Popen([sys.executable, "-c", script, f"w{i}"], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True) for i in range(3)]
    claimed = [json.loads(w.communicate(timeout=120)[0]) for w in workers]
    every = [job_id for ids in claimed for job_id in ids]
    assert len(every) == len(set(every)) == 120
    with session_scope() as session:
        owners = dict(session.execute(select(Job.claimed_by, func.count()).group_by(Job.claimed_by)).all())
    assert sum(owners.values()) == 120 and set(owners) <= {"w0", "w1", "w2"}


def test_a_job_left_running_by_a_dead_worker_is_handed_out_again(database):
    now = utcnow()
    jobs.schedule_now("survey", "k", now, {})
    [first] = jobs.claim_due("died", now=now)
    assert jobs.claim_due("other", now=now + timedelta(minutes=jobs.STALE_MINUTES - 1)) == []
    [again] = jobs.claim_due("other", now=now + timedelta(minutes=jobs.STALE_MINUTES + 1))
    assert (again.id, again.attempts) == (first.id, 2)


def test_a_failing_job_is_retried_later_then_given_up(database):
    now = utcnow()
    jobs.schedule_now("survey", "k", now, {})
    at = now
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        [job] = jobs.claim_due("w", now=at)
        assert job.attempts == attempt
        status = jobs.retry_later(job, "ConnectionError: Rasa is down", now=at)
        [row] = job_rows()
        if attempt < jobs.MAX_ATTEMPTS:
            assert status == "pending"
            assert row.run_at == at + timedelta(minutes=jobs.RETRY_MINUTES[attempt - 1])
            assert jobs.claim_due("w", now=row.run_at - timedelta(seconds=1)) == []
            at = row.run_at
        else:
            assert status == row.status == "failed"
            assert row.last_error == "ConnectionError: Rasa is down"


def test_cancelled_jobs_do_not_run(database):
    now = utcnow()
    jobs.schedule_now("survey_reminder", "survey_reminder:9", now, {"ticket_id": 9})
    jobs.cancel(["survey_reminder:9"])
    assert jobs.claim_due("w", now=now + timedelta(days=1)) == []
    assert [j.status for j in job_rows()] == ["cancelled"]


def test_a_job_that_cannot_start_yet_is_postponed_without_using_an_attempt(database):
    now = utcnow()
    jobs.schedule_now("survey", "k", now, {})
    for _ in range(jobs.MAX_ATTEMPTS + 2):
        [job] = jobs.claim_due("w", now=now)
        jobs.postpone(job, 10, "the resident is with a person", now=now)
        now += timedelta(minutes=10)
    [row] = job_rows()
    assert (row.status, row.attempts, row.run_at) == ("pending", 0, now)
