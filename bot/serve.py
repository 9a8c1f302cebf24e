"""Start the action server, the Rasa server, the agent API and the worker
(durable jobs: satisfaction surveys), keep them running, and chat in the
terminal (or print where to chat and keep running).

    python -m bot.serve [--rasa-port 5005] [--action-port 5055] [--agent-port 5056] [--no-chat]

This process is the supervisor: a child that dies is started again within
seconds (and the restart is logged), and every line a child writes passes
through it on the way to var/log/, phone numbers and secrets masked.

`RASA_AUTH_TOKEN` is required on Rasa's HTTP API (`?token=...`),
`AGENT_API_TOKEN` on the agent API (`Authorization: Bearer ...`) and
`ACTION_SERVER_TOKEN` on the action server (only Rasa calls it); each is
generated for this run when it is not set. `DATABASE_URL` selects the database
for tickets and conversations (default: SQLite files in var/). Servers bind
`BIND_HOST` (default 127.0.0.1).
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Iterator

from bot import db, settings, training
from bot.console import accounts
from bot.privacy import LogMasker

LOG_DIR = settings.VAR_DIR / "log"
RESTART_DELAY = 1.0       # seconds before a dead child is started again...
MAX_RESTART_DELAY = 30.0  # ...doubling while it keeps dying within a minute


def _wait_until_up(url: str, child: "Child", timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.proc.poll() is not None:
            raise RuntimeError(f"{child.name} exited with {child.proc.returncode}; see {child.log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {child.log}")


def endpoints_yaml(action_port: int) -> str:
    """Rasa's endpoints: the action server with its secret header, and the
    conversations in SQL (both read from the environment, never written to disk)."""
    return (f'action_endpoint:\n  url: "http://127.0.0.1:{action_port}/webhook"\n'
            '  headers:\n    X-Action-Token: ${ACTION_SERVER_TOKEN}\n'  # unquoted: Rasa expands
            'tracker_store:\n  type: SQL\n  url: ${CONVERSATIONS_DATABASE_URL}\n')  # plain scalars only


@dataclass
class Child:
    """One supervised server process and the thread that copies its output to its log."""

    name: str
    command: list[str]
    log: Path
    proc: subprocess.Popen = field(init=False)
    started: float = 0.0
    restarts: int = 0

    def spawn(self, env: dict[str, str], mask: LogMasker) -> None:
        self.proc = subprocess.Popen(self.command, cwd=settings.ROOT, env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.started = time.monotonic()
        threading.Thread(target=_copy_masked, args=(self.proc.stdout, self.log, mask),
                         name=f"log-{self.name}", daemon=True).start()


def _copy_masked(stream: IO[bytes], log: Path, mask: LogMasker) -> None:
    """Every line a child writes, masked, into its log file (appended, flushed)."""
    with log.open("a", encoding="utf-8") as out:
        for raw in iter(stream.readline, b""):
            out.write(mask(raw.decode("utf-8", errors="replace")))
            out.flush()


def _note(log: Path, text: str) -> None:
    with log.open("a", encoding="utf-8") as out:
        out.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} [supervisor] {text}\n")


class Servers:
    """The three servers as supervised child processes; a context manager that stops them."""

    def __init__(self, model: Path, rasa_port: int = 5005, action_port: int = 5055,
                 auth_token: str | None = None, env: dict[str, str] | None = None,
                 agent_port: int | None = None, agent_token: str | None = None) -> None:
        self.model = model
        self.rasa_port = rasa_port
        self.action_port = action_port
        self.agent_port = agent_port or rasa_port + 51
        self.auth_token = auth_token
        self.agent_token = agent_token or secrets.token_urlsafe(24)
        self.env = dict(os.environ, RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2",
                        PYTHONUNBUFFERED="1", **(env or {}))
        self.env.setdefault("ACTION_SERVER_TOKEN", secrets.token_urlsafe(24))
        self.children: dict[str, Child] = {}
        self.run_dir = training.BUILD_DIR / "run" / str(rasa_port)
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self._held: set[str] = set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def agent_url(self) -> str:
        return f"http://127.0.0.1:{self.agent_port}"

    @property
    def action_url(self) -> str:
        return f"http://127.0.0.1:{self.action_port}"

    @property
    def procs(self) -> list[subprocess.Popen]:
        return [child.proc for child in self.children.values()]

    def _mask(self) -> LogMasker:
        return LogMasker(self.env.get(name) for name in (
            "RASA_AUTH_TOKEN", "AGENT_API_TOKEN", "ACTION_SERVER_TOKEN", "TELEGRAM_BOT_TOKEN",
            "TELEGRAM_WEBHOOK_SECRET", "CONVERSATIONS_DATABASE_URL", "DATABASE_URL"))

    def _start_child(self, name: str, module_args: list[str]) -> Child:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        child = Child(name, [sys.executable, "-m", *module_args], LOG_DIR / f"{name}-{self.rasa_port}.log")
        child.log.write_text("", encoding="utf-8")
        child.spawn(self.env, self._mask())
        self.children[name] = child
        return child

    def start(self, timeout: float = 180) -> "Servers":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.run_dir / "endpoints.yml"
        endpoints.write_text(endpoints_yaml(self.action_port))
        # Rasa reads the token too: the model-swap route (bot/channels/model_swap.py) checks it.
        self.env.update(RASA_URL=self.url, RASA_AUTH_TOKEN=self.auth_token or "",
                        AGENT_API_TOKEN=self.agent_token,
                        CONVERSATIONS_DATABASE_URL=settings.conversations_url(self.env))
        host = self.env.get("BIND_HOST", "127.0.0.1")
        actions = self._start_child(
            "actions", ["bot.actions.server", "--host", host, "--port", str(self.action_port)])
        rasa_args = ["rasa", "run", "--enable-api", "-i", host, "-p", str(self.rasa_port),
                     "-m", str(self.model), "--endpoints", str(endpoints),
                     "--credentials", "credentials.yml"]
        if self.auth_token:
            rasa_args += ["--auth-token", self.auth_token]
        rasa = self._start_child("rasa", rasa_args)
        agent = self._start_child("agent-api", ["bot.console.agent_api", "--host", host, "--port", str(self.agent_port)])
        worker = self._start_child("worker", ["bot.worker", "--name", f"worker-{self.rasa_port}"])
        try:
            for child in (actions, rasa, agent, worker):
                self._wait_up(child, timeout)
        except BaseException:
            self.stop()  # `with` calls stop() only once start() has returned
            raise
        self._watcher = threading.Thread(target=self._watch, name="supervisor", daemon=True)
        self._watcher.start()
        return self

    def _watch(self) -> None:
        """Start again, within seconds, any child that died."""
        while not self._stopping.wait(0.5):
            for child in list(self.children.values()):
                code = child.proc.poll()
                if code is None or child.name in self._held or self._stopping.is_set():
                    continue
                quick = time.monotonic() - child.started < 60
                delay = min(RESTART_DELAY * 2 ** child.restarts, MAX_RESTART_DELAY) if quick else RESTART_DELAY
                child.restarts = child.restarts + 1 if quick else 0
                _note(child.log, f"{child.name} exited with code {code}; starting it again in {delay:.0f} s")
                print(f"  [supervisor] {child.name} exited with code {code}; restarting", file=sys.stderr)
                if self._stopping.wait(delay):
                    return
                child.spawn(self.env, self._mask())

    def _wait_up(self, child: Child, timeout: float) -> None:
        """Until the child's health URL answers; the worker serves none, so it
        counts as up once it has lived a second."""
        urls = {"actions": f"{self.action_url}/health", "rasa": f"{self.url}/",
                "agent-api": f"{self.agent_url}/health"}
        if child.name in urls:
            _wait_until_up(urls[child.name], child, timeout)
        else:
            time.sleep(1)
            if child.proc.poll() is not None:
                raise RuntimeError(f"{child.name} exited with {child.proc.returncode}; see {child.log}")

    def restart(self, name: str, timeout: float = 300) -> None:
        """Stop one server and wait until the supervisor has it answering again."""
        child = self.children[name]
        old = child.proc
        os.killpg(old.pid, signal.SIGTERM)
        old.wait(timeout=30)
        deadline = time.monotonic() + timeout
        while child.proc is old and time.monotonic() < deadline:
            time.sleep(0.2)
        self._wait_up(child, max(1.0, deadline - time.monotonic()))

    @contextmanager
    def down(self, name: str, timeout: float = 300) -> Iterator[None]:
        """One server stopped for the block (maintenance, or a test of an outage);
        started again, and answering, after it."""
        child = self.children[name]
        self._held.add(name)
        try:
            if child.proc.poll() is None:
                os.killpg(child.proc.pid, signal.SIGTERM)
            child.proc.wait(timeout=30)
            yield
        finally:
            child.spawn(self.env, self._mask())
            self._held.discard(name)
            self._wait_up(child, timeout)

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher:
            self._watcher.join(timeout=5)
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.children.clear()

    def __enter__(self) -> "Servers":
        return self.start()

    def __exit__(self, exc_type: type | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--agent-port", type=int, default=5056)
    parser.add_argument("--no-chat", action="store_true", help="do not open the terminal chat")
    args = parser.parse_args()

    db.migrate()
    # Stopped by the service manager like Ctrl-C: the servers are stopped with us.
    signal.signal(signal.SIGTERM, _interrupt)
    token = os.environ.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24)
    agent_token = os.environ.get("AGENT_API_TOKEN") or secrets.token_urlsafe(24)
    print("==> starting the action server, the Rasa server, the agent API and the worker (about 30 s)")
    with Servers(training.model_path(), args.rasa_port, args.action_port, token,
                 agent_port=args.agent_port, agent_token=agent_token) as servers:
        generated = "" if os.environ.get("AGENT_API_TOKEN") else "  (generated; set AGENT_API_TOKEN to choose)"
        first_account = "" if accounts.any_account() else (
            "\n               no accounts yet: python -m bot.console.accounts create --username NAME --role admin")
        print(f"\n  物业客服助手 is running.\n"
              f"  Web chat:    {servers.url}/webhooks/webchat/\n"
              f"  REST chat:   POST {servers.url}/webhooks/rest/webhook  "
              f'{{"sender": "you", "message": "物业费怎么交"}}\n'
              f"  Rasa API:    {servers.url}/  (?token= required)\n"
              f"  Console:     {servers.agent_url}/console/  (agents and trainers sign in){first_account}\n"
              f"  Agent API:   {servers.agent_url}/agent/handoffs  "
              f"Authorization: Bearer {agent_token}{generated}\n"
              f"  Logs:        {LOG_DIR}\n")
        try:
            if sys.stdin.isatty() and not args.no_chat:
                from bot.chat_cli import chat
                chat(servers.url)
            else:
                print("  Press Ctrl-C to stop.")
                while True:  # the supervisor thread keeps the servers up
                    time.sleep(3600)
        except KeyboardInterrupt:
            pass
        print("\n==> stopping")


if __name__ == "__main__":
    main()
