"""Start the action server, the Rasa server and the agent API, wait until they
answer, and chat in the terminal (or print where to chat and keep running).

    python -m bot.serve [--rasa-port 5005] [--action-port 5055] [--agent-port 5056] [--no-chat]

`RASA_AUTH_TOKEN` is required on Rasa's HTTP API (`?token=...`) and
`AGENT_API_TOKEN` on the agent API (`Authorization: Bearer ...`); either one is
generated for this run and printed when it is not set. `DATABASE_URL` selects
the ticket database (default: SQLite in var/).
"""
from __future__ import annotations

import argparse
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import TracebackType

from bot import accounts, db, settings, training

LOG_DIR = settings.VAR_DIR / "log"


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {log}")


class Servers:
    """Both servers as child processes; a context manager that stops them."""

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
                        **(env or {}))
        self.procs: list[subprocess.Popen] = []
        self.run_dir = training.BUILD_DIR / "run" / str(rasa_port)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    @property
    def agent_url(self) -> str:
        return f"http://127.0.0.1:{self.agent_port}"

    def _spawn(self, name: str, args: list[str]) -> tuple[subprocess.Popen, Path]:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = LOG_DIR / f"{name}-{self.rasa_port}.log"
        proc = subprocess.Popen([sys.executable, "-m", *args], cwd=settings.ROOT, env=self.env,
                                stdout=log.open("w"), stderr=subprocess.STDOUT,
                                start_new_session=True)
        self.procs.append(proc)
        return proc, log

    def start(self, timeout: float = 180) -> "Servers":
        self.run_dir.mkdir(parents=True, exist_ok=True)
        endpoints = self.run_dir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{self.action_port}/webhook"\n')
        # Rasa reads the token too: the model-swap route (bot/channels/model_swap.py) checks it.
        self.env.update(RASA_URL=self.url, RASA_AUTH_TOKEN=self.auth_token or "",
                        AGENT_API_TOKEN=self.agent_token)
        actions, actions_log = self._spawn(
            "actions", ["rasa_sdk", "--actions", "bot.actions", "--port", str(self.action_port)])
        rasa_args = ["rasa", "run", "--enable-api", "-i", "127.0.0.1", "-p", str(self.rasa_port),
                     "-m", str(self.model), "--endpoints", str(endpoints),
                     "--credentials", "credentials.yml"]
        if self.auth_token:
            rasa_args += ["--auth-token", self.auth_token]
        rasa, rasa_log = self._spawn("rasa", rasa_args)
        agent, agent_log = self._spawn("agent-api", ["bot.agent_api", "--port", str(self.agent_port)])
        _wait_until_up(f"http://127.0.0.1:{self.action_port}/health", actions, timeout, actions_log)
        _wait_until_up(f"{self.url}/", rasa, timeout, rasa_log)
        _wait_until_up(f"{self.agent_url}/health", agent, timeout, agent_log)
        return self

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs.clear()

    def __enter__(self) -> "Servers":
        return self.start()

    def __exit__(self, exc_type: type | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-port", type=int, default=5005)
    parser.add_argument("--action-port", type=int, default=5055)
    parser.add_argument("--agent-port", type=int, default=5056)
    parser.add_argument("--no-chat", action="store_true", help="do not open the terminal chat")
    args = parser.parse_args()

    db.migrate()
    token = os.environ.get("RASA_AUTH_TOKEN") or secrets.token_urlsafe(24)
    agent_token = os.environ.get("AGENT_API_TOKEN") or secrets.token_urlsafe(24)
    print("==> starting the action server, the Rasa server and the agent API (about 30 s)")
    with Servers(training.model_path(), args.rasa_port, args.action_port, token,
                 agent_port=args.agent_port, agent_token=agent_token) as servers:
        generated = "" if os.environ.get("AGENT_API_TOKEN") else "  (generated; set AGENT_API_TOKEN to choose)"
        first_account = "" if accounts.any_account() else (
            "\n               no accounts yet: python -m bot.accounts create --username NAME --role admin")
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
                while all(p.poll() is None for p in servers.procs):
                    time.sleep(1)
        except KeyboardInterrupt:
            pass
        print("\n==> stopping")


if __name__ == "__main__":
    main()
