"""Accounts, roles and sessions: the module, the admin command, and the agent API."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text

from bot.console import accounts
from conftest import ROOT
from http_helpers import Tab


def test_passwords_are_hashed_and_checked(database):
    assert not accounts.any_account()  # the run command then says how to make the first one
    accounts.create_account("wang", "correct horse", "agent")
    assert accounts.any_account()
    with create_engine(database).connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM accounts")).scalar_one()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.sign_in("wang", "wrong horse") is None
    assert accounts.sign_in("nobody", "correct horse") is None
    token, person = accounts.sign_in("wang", "correct horse")
    assert person == accounts.Person("wang", "agent") and accounts.person_for(token) == person


@pytest.mark.parametrize("username, password, role, message", [
    ("", "long enough", "agent", "username is empty"),
    ("li", "short", "agent", "at least 8"),
    ("li", "long enough", "boss", "role must be one of"),
])
def test_bad_accounts_are_refused(database, username, password, role, message):
    with pytest.raises(accounts.AccountError, match=message):
        accounts.create_account(username, password, role)


def test_duplicate_names_are_refused(database):
    accounts.create_account("zhao", "long enough", "trainer")
    with pytest.raises(accounts.AccountError, match="exists already"):
        accounts.create_account("zhao", "other password", "agent")


def test_sessions_expire_and_end_on_sign_out(database):
    accounts.create_account("sun", "long enough", "agent")
    token, _ = accounts.sign_in("sun", "long enough", now=datetime(2026, 1, 1, 8, 0))
    assert accounts.person_for(token, now=datetime(2026, 1, 1, 15, 59)) is not None
    assert accounts.person_for(token, now=datetime(2026, 1, 1, 16, 0)) is None  # 8 hours
    token, _ = accounts.sign_in("sun", "long enough")
    accounts.sign_out(token)
    assert accounts.person_for(token) is None


ATTACKER, OFFICE = "203.0.113.7", "198.51.100.20"
LOCKOUT = timedelta(minutes=accounts.LOCKOUT_MINUTES)


def test_wrong_passwords_lock_the_name_only_for_the_address_they_come_from():
    throttle, start = accounts.SignInThrottle(), datetime(2026, 1, 1, 8, 0)
    for minute in range(accounts.MAX_FAILED_SIGN_INS):
        assert not throttle.locked(ATTACKER, "wang", start + timedelta(minutes=minute))
        throttle.failed(ATTACKER, "wang", start + timedelta(minutes=minute))
    later = start + timedelta(minutes=5)
    assert throttle.locked(ATTACKER, "wang", later) and throttle.locked(ATTACKER, " wang ", later)
    assert not throttle.locked(OFFICE, "wang", later)  # the real wang still signs in
    assert not throttle.locked(ATTACKER, "li", later)
    assert not throttle.locked(ATTACKER, "wang", start + timedelta(minutes=4) + LOCKOUT + timedelta(seconds=1))
    for _ in range(accounts.MAX_FAILED_SIGN_INS - 1):
        throttle.failed(OFFICE, "zhao", start)
    throttle.succeeded(OFFICE, "zhao")  # a right password clears the count
    throttle.failed(OFFICE, "zhao", start)
    assert not throttle.locked(OFFICE, "zhao", start)


def test_guessing_across_names_locks_the_address():
    throttle, start = accounts.SignInThrottle(), datetime(2026, 1, 1, 8, 0)
    per_name = accounts.MAX_FAILED_SIGN_INS - 1  # never enough to lock one name
    for i in range(accounts.MAX_FAILED_PER_ADDRESS):
        assert not throttle.locked(ATTACKER, f"user{i // per_name}", start)
        throttle.failed(ATTACKER, f"user{i // per_name}", start)
    assert throttle.locked(ATTACKER, "anyone", start) and not throttle.locked(OFFICE, "anyone", start)
    throttle.succeeded(ATTACKER, "user0")  # signing in to one's own account does not reset it
    assert throttle.locked(ATTACKER, "anyone", start)
    assert not throttle.locked(ATTACKER, "anyone", start + LOCKOUT + timedelta(seconds=1))


def test_the_throttle_forgets_failures_that_no_longer_count():
    throttle, start = accounts.SignInThrottle(), datetime(2026, 1, 1, 8, 0)
    for i in range(100):
        throttle.failed(f"10.0.0.{i}", f"user{i}", start)
    throttle.failed(ATTACKER, "wang", start + LOCKOUT + timedelta(seconds=1))
    assert len(throttle._failures) == 2  # (ATTACKER, "wang") and ATTACKER's own count


def test_roles():
    agent, trainer, admin = (accounts.Person("x", r) for r in ("agent", "trainer", "admin"))
    assert agent.may("agent") and not agent.may("trainer") and not agent.may("admin")
    assert trainer.may("trainer") and not trainer.may("agent")
    assert all(admin.may(area) for area in ("agent", "trainer", "admin"))


def test_the_admin_command_creates_the_first_account(tmp_path):
    env = dict(os.environ, DATABASE_URL=f"sqlite:///{tmp_path}/a.db", WUYE_PASSWORD="first admin pw")
    done = subprocess.run([sys.executable, "-m", "bot.console.accounts", "create", "--username", "boss",
                           "--role", "admin"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0 and "created admin account 'boss'" in done.stdout
    again = subprocess.run([sys.executable, "-m", "bot.console.accounts", "create", "--username", "boss",
                            "--role", "admin"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert again.returncode != 0 and "exists already" in again.stderr


def test_signing_in_to_the_agent_api(server, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    name = f"agent-{uuid.uuid4().hex[:6]}"
    accounts.create_account(name, "agent password", "agent")
    accounts.create_account(name + "-t", "trainer password", "trainer")

    tab = Tab(server.agent_url)
    assert tab.call("/agent/handoffs")[0] == 401
    assert tab.call("/auth/login", {"username": name, "password": "nope nope"})[0] == 401
    assert tab.call("/auth/login", {"username": name})[0] == 400
    status, me = tab.call("/auth/login", {"username": name, "password": "agent password"})
    assert status == 200 and me == {"username": name, "role": "agent"}
    from bot.handoffs import REASON_NAMES
    from bot.models import STATUS_NAMES
    from bot.tickets import DEADLINE_NAMES
    assert tab.call("/auth/me")[1] == {"username": name, "role": "agent", "timezone": "Asia/Shanghai",
                                       "statuses": STATUS_NAMES, "deadlines": DEADLINE_NAMES,
                                       "reasons": REASON_NAMES}
    assert tab.call("/agent/handoffs")[0] == 200
    assert tab.call("/auth/logout", {})[0] == 200
    assert tab.call("/agent/handoffs")[0] == 401

    trainer = Tab(server.agent_url)
    assert trainer.call("/auth/login", {"username": name + "-t", "password": "trainer password"})[0] == 200
    status, refused = trainer.call("/agent/handoffs")
    assert status == 403 and "trainer" in refused["error"]


def test_the_session_cookie_is_httponly_and_strict(server, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    name = f"agent-{uuid.uuid4().hex[:6]}"
    accounts.create_account(name, "agent password", "agent")
    request = urllib.request.Request(server.agent_url + "/auth/login", headers={"Content-Type": "application/json"},
                                     data=json.dumps({"username": name, "password": "agent password"}).encode())
    with urllib.request.urlopen(request, timeout=20) as reply:
        cookie = reply.headers["Set-Cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "max-age=28800" in cookie


def test_an_expired_session_is_refused(server, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", server.db_url)
    name = f"agent-{uuid.uuid4().hex[:6]}"
    accounts.create_account(name, "agent password", "agent")
    token, _ = accounts.sign_in(name, "agent password", now=datetime.utcnow() - timedelta(hours=9))
    request = urllib.request.Request(server.agent_url + "/agent/handoffs", headers={"Cookie": f"wuye_session={token}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=20)
    assert refused.value.code == 401
