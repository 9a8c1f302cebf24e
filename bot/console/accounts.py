"""Accounts for the people who work in the consoles, their roles, and sign-in
sessions. Passwords are hashed with argon2id (argon2-cffi); a session token is
given to the browser once and only its SHA-256 is stored.

    python -m bot.console.accounts create --username NAME --role admin   # password: prompt or $WUYE_PASSWORD
"""
from __future__ import annotations

import argparse
import getpass
import hashlib
import os
import secrets
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from bot.db import session_scope
from bot.models import Account, LoginSession
from bot.clock import utcnow

ROLES = ("agent", "trainer", "manager", "admin")
# What each role may open: "agent" = the agent API and console, "trainer" = the
# knowledge workbench, "dashboard" = the service figures (a manager also reads
# the agents' queue and tickets behind them), "admin" = accounts. An admin may do everything.
PERMISSIONS = {"agent": {"agent"}, "trainer": {"trainer"}, "manager": {"dashboard", "agent"},
               "admin": {"agent", "trainer", "dashboard", "admin"}}
SESSION_HOURS = 8
MIN_PASSWORD = 8
MAX_FAILED_SIGN_INS = 5  # per client address and username, then a pause of LOCKOUT_MINUTES
MAX_FAILED_PER_ADDRESS = 20  # per client address, whatever the usernames
LOCKOUT_MINUTES = 15

_hasher = PasswordHasher()


class AccountError(ValueError):
    """A request about accounts that cannot be done; the message says why."""


@dataclass(frozen=True)
class Person:
    username: str
    role: str

    def may(self, area: str) -> bool:
        return area in PERMISSIONS.get(self.role, set())


def create_account(username: str, password: str, role: str) -> Person:
    username = username.strip()
    if not username:
        raise AccountError("username is empty")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"password must have at least {MIN_PASSWORD} characters")
    try:
        with session_scope() as session:
            session.add(Account(username=username, password_hash=_hasher.hash(password), role=role,
                                active=True, created_at=utcnow()))
    except IntegrityError:
        raise AccountError(f"account '{username}' exists already") from None
    return Person(username, role)


def any_account() -> bool:
    with session_scope() as session:
        return session.execute(select(Account.id).limit(1)).first() is not None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def sign_in(username: str, password: str, now: datetime | None = None) -> tuple[str, Person] | None:
    """(session token, person) for a right password; None otherwise."""
    now = now or utcnow()
    with session_scope() as session:
        account = session.execute(select(Account).where(Account.username == username.strip())
                                  ).scalar_one_or_none()
        if account is None or not account.active:
            _hasher.hash(password)  # spend the same time whether or not the name exists
            return None
        try:
            _hasher.verify(account.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
        token = secrets.token_urlsafe(32)
        session.add(LoginSession(token_hash=_token_hash(token), account_id=account.id, created_at=now,
                                 expires_at=now + timedelta(hours=SESSION_HOURS)))
        return token, Person(account.username, account.role)


def person_for(token: str | None, now: datetime | None = None) -> Person | None:
    """Who a session token belongs to, while the session has not expired."""
    if not token:
        return None
    with session_scope() as session:
        row = session.execute(
            select(Account.username, Account.role, LoginSession.expires_at, Account.active)
            .join(LoginSession, LoginSession.account_id == Account.id)
            .where(LoginSession.token_hash == _token_hash(token))
        ).one_or_none()
    if row is None or not row.active or row.expires_at <= (now or utcnow()):
        return None
    return Person(row.username, row.role)


def sign_out(token: str | None) -> None:
    if token:
        with session_scope() as session:
            session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


class SignInThrottle:
    """Slows password guessing without letting a stranger lock anyone out.
    Failures are counted per client address: MAX_FAILED_SIGN_INS for one
    username lock that (address, username) pair, MAX_FAILED_PER_ADDRESS across
    usernames lock the address, each for LOCKOUT_MINUTES after the failures.
    The same username from another address is never refused. Kept in the
    process's memory (the console service is one process)."""

    def __init__(self) -> None:
        # (address, username) → failure times; (address, None) counts every username.
        self._failures: dict[tuple[str, str | None], list[datetime]] = {}

    def _count(self, key: tuple[str, str | None], now: datetime | None) -> int:
        cutoff = (now or utcnow()) - timedelta(minutes=LOCKOUT_MINUTES)
        recent = [t for t in self._failures.pop(key, []) if t > cutoff]
        if recent:
            self._failures[key] = recent
        return len(recent)

    def locked(self, address: str, username: str, now: datetime | None = None) -> bool:
        return (self._count((address, username.strip()), now) >= MAX_FAILED_SIGN_INS
                or self._count((address, None), now) >= MAX_FAILED_PER_ADDRESS)

    def failed(self, address: str, username: str, now: datetime | None = None) -> None:
        now = now or utcnow()
        for key in list(self._failures):  # forget what no longer counts, so memory stays small
            self._count(key, now)
        for key in ((address, username.strip()), (address, None)):
            self._failures.setdefault(key, []).append(now)

    def succeeded(self, address: str, username: str) -> None:
        """A right password clears that pair's count; the address's stays, so one
        account's owner cannot reset it while guessing at others."""
        self._failures.pop((address, username.strip()), None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an account (the first one: --role admin)")
    create.add_argument("--username", required=True)
    create.add_argument("--role", choices=ROLES, required=True)
    args = parser.parse_args()
    from bot import db
    db.migrate()
    password = os.environ.get("WUYE_PASSWORD") or getpass.getpass("password: ")
    try:
        person = create_account(args.username, password, args.role)
    except AccountError as error:
        sys.exit(f"not created: {error}")
    print(f"created {person.role} account '{person.username}'")


if __name__ == "__main__":
    main()
