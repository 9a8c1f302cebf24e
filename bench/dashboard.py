"""Dashboard speed: a year of a large community's service (100,000 tickets,
20,000 handoffs, their surveys, FAQ answers, questions passed on and Rasa's
conversation events) generated into SQLite and into a throwaway PostgreSQL
cluster; then every /dashboard request over HTTP, through the console's own
server process, for the last 30 and the last 365 days. Target: p95 <= 500 ms.

    python -m bench --dashboard-only
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import Engine

from bot import clock, db, knowledge, sla, training
from bot.clock import utcnow
from bot.models import OPEN_STATUSES, FaqAnswer, Handoff, Survey, Ticket, UnansweredQuestion

TICKETS, HANDOFFS, CONVERSATIONS = 100_000, 20_000, 120_000
TARGET_MS = 500
REPEATS = 20
PORT, PG_PORT = 18256, 55442
GROUPS = ("tickets", "deadlines", "handoffs", "satisfaction", "faq")
BUILDINGS = [str(b) for b in range(1, 31)]
REASONS = {"request": 40, "misunderstood": 25, "emotion": 20, "stuck": 10, "emergency": 5}
SCORES = {1: 4, 2: 5, 3: 11, 4: 30, 5: 50}
COMMENTS = ["师傅很专业，谢谢", "来得有点慢", "修好了又坏了", "态度很好", "电话一直打不通 13812345678", "还行"]


def _moments(rng: random.Random, now: datetime, count: int) -> list[datetime]:
    """Times over the last 365 days, busier in the day than at night, oldest first."""
    hours = [1, 1, 1, 1, 1, 2, 4, 7, 10, 10, 9, 8, 7, 8, 9, 9, 8, 8, 9, 9, 7, 5, 3, 2]
    picked = []
    for _ in range(count):
        day = now - timedelta(days=rng.randrange(365))
        start = day.replace(hour=0, minute=0, second=0, microsecond=0)
        picked.append(min(now, start + timedelta(hours=rng.choices(range(24), hours)[0], seconds=rng.randrange(3600))))
    return sorted(picked)


def _after(rng: random.Random, at: datetime, minutes: float, on_time: float) -> datetime:
    """A time the deadline of `minutes` was met: within it `on_time` of the time."""
    share = rng.uniform(0.1, 1.0) if rng.random() < on_time else rng.uniform(1.0, 3.0)
    return at + timedelta(minutes=minutes * share)


def _tickets(rng: random.Random, now: datetime) -> Iterator[dict]:
    routes = knowledge.routing()
    levels = knowledge.sla().levels
    for i, at in enumerate(_moments(rng, now, TICKETS)):
        kind = "repair" if rng.random() < 0.8 else "complaint"
        category = rng.choice(routes.repair if kind == "repair" else routes.complaint)
        level = rng.choices((1, 2, 3), (2, 4, 94))[0] if kind == "repair" else 3
        due = sla.deadlines(level, at)
        spec = levels[level]
        met = {"responded_at": _after(rng, at, spec.respond_minutes, 0.9),
               "onsite_at": _after(rng, at, spec.onsite_minutes, 0.85) if spec.onsite_minutes else None,
               "resolved_at": _after(rng, at, spec.resolve_minutes, 0.85)}
        stuck = rng.random() < 0.003  # never taken: the overdue list's old tickets
        met = {k: (v if v and v <= now and not stuck else None) for k, v in met.items()}
        status = ("closed" if rng.random() < 0.9 else "resolved") if met.get("resolved_at") else \
            "in_progress" if met.get("onsite_at") else "assigned" if met.get("responded_at") else "open"
        yield {"number": f"{'BX' if kind == 'repair' else 'TS'}-{i:08d}", "kind": kind, "category": category.id,
               "category_name": category.name, "team": category.team, "team_name": routes.teams[category.team],
               "urgency": level, "status": status, "description": "基准测试", "channel": "rest",
               "building": rng.choice(BUILDINGS) if rng.random() < 0.95 else None,
               "reporter_id": f"rest:r{rng.randrange(CONVERSATIONS)}", "created_at": at, "flagged": False,
               "respond_by": due.respond_by, "onsite_by": due.onsite_by, "resolve_by": due.resolve_by, **met}


def _surveys(rng: random.Random, resolved: list[tuple[int, datetime]], now: datetime) -> Iterator[dict]:
    for ticket_id, done in resolved:
        sent = done + timedelta(hours=1)
        if sent > now or rng.random() > 0.9:
            continue
        answered = sent + timedelta(hours=rng.uniform(0.1, 48)) if rng.random() < 0.5 else None
        answered = answered if answered and answered <= now else None
        score = rng.choices(list(SCORES), list(SCORES.values()))[0] if answered else None
        yield {"ticket_id": ticket_id, "conversation_id": f"r{ticket_id}", "channel": "rest", "sent_at": sent,
               "answered_at": answered, "score": score,
               "comment": rng.choice(COMMENTS) if answered and rng.random() < 0.3 else None}


def _conversations(rng: random.Random, now: datetime) -> Iterator[tuple[str, datetime, int]]:
    """(sender id, start, turns) of each conversation."""
    for i, at in enumerate(_moments(rng, now, CONVERSATIONS)):
        yield f"r{i}", at, rng.choice((1, 2, 2, 3, 3, 4, 5))


def _events(conversations: list[tuple[str, datetime, int]]) -> Iterator[dict]:
    """Rasa's rows for each turn: the resident's message, the action, the reply, listening again."""
    for sender, at, turns in conversations:
        for turn in range(turns):
            stamp = (at + timedelta(minutes=turn)).timestamp()
            for offset, (kind, action) in enumerate((("user", None), ("action", "action_respond"),
                                                     ("bot", None), ("action", "action_listen"))):
                yield {"sender_id": sender, "type_name": kind, "timestamp": stamp + offset * 0.1,
                       "action_name": action, "data": "{}"}


def _handoffs(rng: random.Random, conversations: list[tuple[str, datetime, int]], now: datetime) -> Iterator[dict]:
    for sender, at, _ in rng.sample(conversations, HANDOFFS):
        created = at + timedelta(minutes=1)
        taken = created + timedelta(minutes=rng.expovariate(1 / 6))
        reply = taken + timedelta(minutes=rng.uniform(0, 3))
        resolved = reply + timedelta(minutes=rng.uniform(5, 60))
        waiting = resolved > now or rng.random() < 0.002
        yield {"conversation_id": sender, "channel": "rest", "reason": rng.choices(list(REASONS), list(REASONS.values()))[0],
               "summary": "基准测试", "status": "waiting" if waiting else "resolved", "created_at": created,
               "taken_at": taken if taken <= now else None, "first_reply_at": reply if reply <= now else None,
               "resolved_at": None if waiting else resolved}


def _faq(rng: random.Random, conversations: list[tuple[str, datetime, int]]) -> tuple[list[dict], list[dict]]:
    entries = [e.id for e in knowledge.faq_entries()]
    popularity = [1 / (rank + 1) for rank in range(len(entries))]  # a few entries are asked most
    questions = [f"请问{place}{ask}" for place in ("会所", "地下车库", "南门", "快递柜", "游泳池", "儿童乐园", "充电桩", "垃圾房")
                 for ask in ("几点开门", "在哪里", "怎么收费", "可以用吗", "归谁管", "能办卡吗", "有人吗", "坏了找谁")]
    answers, passed = [], []
    for sender, at, turns in conversations:
        for turn in range(turns):
            roll = rng.random()
            if roll < 0.45:
                answers.append({"faq_id": rng.choices(entries, popularity)[0], "conversation_id": sender,
                                "at": at + timedelta(minutes=turn)})
            elif roll < 0.49:
                passed.append({"text": rng.choice(questions), "reporter_id": f"rest:{sender}", "channel": "rest",
                               "created_at": at + timedelta(minutes=turn)})
    return answers, passed


def _insert(engine: Engine, table, rows: Iterator[dict] | list[dict], chunk: int = 5000) -> int:
    count, batch = 0, []
    with engine.begin() as connection:
        for row in rows:
            batch.append(row)
            if len(batch) == chunk:
                connection.execute(table.insert(), batch)
                count, batch = count + len(batch), []
        if batch:
            connection.execute(table.insert(), batch)
            count += len(batch)
    return count


def populate(url: str, conversations_url: str, now: datetime) -> dict[str, int]:
    """Migrate, then write a year of rows (the same on every database: a fixed seed)."""
    from rasa.core.tracker_store import SQLTrackerStore  # Rasa's own `events` table, as it creates it
    rng = random.Random(7)
    db.migrate(url)
    engine, conversation_store = create_engine(url), create_engine(conversations_url)
    SQLTrackerStore.SQLEvent.__table__.create(conversation_store, checkfirst=True)
    counts = {"tickets": _insert(engine, Ticket.__table__, _tickets(rng, now))}
    with engine.connect() as connection:
        resolved = connection.execute(select(Ticket.id, Ticket.resolved_at).where(Ticket.resolved_at.isnot(None))).all()
    counts["surveys"] = _insert(engine, Survey.__table__, _surveys(rng, resolved, now))
    conversations = list(_conversations(rng, now))
    counts["conversation events"] = _insert(conversation_store, SQLTrackerStore.SQLEvent.__table__, _events(conversations))
    counts["handoffs"] = _insert(engine, Handoff.__table__, _handoffs(rng, conversations, now))
    answers, passed = _faq(rng, conversations)
    counts["FAQ answers"] = _insert(engine, FaqAnswer.__table__, answers)
    counts["questions passed on"] = _insert(engine, UnansweredQuestion.__table__, passed)
    with engine.connect() as connection:
        counts["open tickets"] = connection.execute(
            select(func.count()).where(Ticket.status.in_(OPEN_STATUSES))).scalar_one()
    return counts


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def _get(url: str, token: str) -> float:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
    return (time.perf_counter() - started) * 1000


def _console(env: dict[str, str], log: Path) -> subprocess.Popen:
    """The console's server process (bot.console.agent_api), up and with its own models trained."""
    proc = subprocess.Popen([sys.executable, "-m", "bot.console.agent_api", "--port", str(PORT)], env=env,
                            cwd=training.ROOT, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 300
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}/agent/check", data=json.dumps({"draft": "您好"}).encode(),
                                     headers={"Content-Type": "application/json",
                                              "Authorization": f"Bearer {env['AGENT_API_TOKEN']}"})
    while True:  # /agent/check answers once the wording model is loaded: no training while timing
        try:
            urllib.request.urlopen(request, timeout=300).read()
            return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the console did not start; see {log}")
            time.sleep(0.5)


def measure(name: str, url: str, conversations_url: str, var: Path) -> list[tuple[str, float, float]]:
    """Every dashboard request's median and p95 (ms) against the database at `url`."""
    token = "bench-dashboard"
    env = dict(os.environ, DATABASE_URL=url, CONVERSATIONS_DATABASE_URL=conversations_url, AGENT_API_TOKEN=token,
               VAR_DIR=str(var), LOG_LEVEL="WARNING")
    proc = _console(env, var / f"console-{name}.log")
    today = datetime.now(clock.zone()).date()
    results = []
    try:
        requests = [("buildings", "/dashboard/buildings")]
        for days in (30, 365):
            period = f"from={today - timedelta(days=days - 1)}&to={today}"
            requests += [(f"{group} ({days} d)", f"/dashboard/{group}?{period}") for group in GROUPS]
            requests.append((f"tickets, one building ({days} d)", f"/dashboard/tickets?{period}&building=7"))
        for label, path in requests:
            base = f"http://127.0.0.1:{PORT}{path}"
            _get(base, token)  # warm-up
            times = [_get(base, token) for _ in range(REPEATS)]
            results.append((label, percentile(times, 50), percentile(times, 95)))
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    return results


def report(name: str, counts: dict[str, int], seconds: float, results: list[tuple[str, float, float]]) -> None:
    print(f"\n== Dashboard on {name}: " + ", ".join(f"{n:,} {k}" for k, n in counts.items())
          + f" (generated in {seconds:.0f} s); {REPEATS} requests each over HTTP, target p95 <= {TARGET_MS} ms")
    for label, median, p95 in results:
        flag = "" if p95 <= TARGET_MS else "  ** over target"
        print(f"   {label:<34} median {median:7.1f} ms   p95 {p95:7.1f} ms{flag}")


def run() -> None:
    from tests.postgres_cluster import installed, throwaway_cluster
    now = utcnow()
    var = training.BUILD_DIR / "bench-dashboard"  # the console's models stay trained between runs
    var.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        url, conversations = f"sqlite:///{tmp}/wuye.db", f"sqlite:///{tmp}/conversations.db"
        started = time.perf_counter()
        counts = populate(url, conversations, now)
        report("SQLite", counts, time.perf_counter() - started, measure("sqlite", url, conversations, var))
    if not installed():
        print("\n== Dashboard on PostgreSQL: skipped, the server programs are not installed (apt-get install postgresql)")
        return
    with throwaway_cluster(PG_PORT) as url:
        started = time.perf_counter()
        counts = populate(url, url, now)
        report("PostgreSQL", counts, time.perf_counter() - started, measure("postgresql", url, url, var))
