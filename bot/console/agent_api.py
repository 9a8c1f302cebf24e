"""Agent API: the HTTP JSON service human agents (客服专员) work through.

    python -m bot.console.agent_api [--port 5056]

Every route under /agent needs a person with the agent permission (an agent or
an admin, signed in through /auth/login: an HttpOnly session cookie), or the
service credential `Authorization: Bearer $AGENT_API_TOKEN`. Accounts are made
with `python -m bot.console.accounts create`.
Every request that changes something (POST, PUT, PATCH, DELETE) must send
JSON and, from a browser, come from the console's own pages
(bot.http_json.refuse_write); a body field of the wrong type is a 400.
Conversations live in Rasa: this service reads transcripts and sends replies
through Rasa's HTTP API ($RASA_URL, $RASA_AUTH_TOKEN), so a reply reaches the
resident on the channel they wrote from (`output_channel=latest`).
This module is the app (sign-in, auth middleware, security headers, the
page); the /agent routes are agent_routes.py, the /trainer routes workbench_api.py,
the /dashboard routes (managers and admins) dashboard_routes.py.

POST  /auth/login                           {"username", "password"} → session cookie
POST  /auth/logout
GET   /auth/me
GET   /agent/handoffs                       waiting handoffs, most urgent then oldest first
GET   /agent/conversations/<id>             transcript (phones masked) and the handoff
POST  /agent/conversations/<id>/take        {"agent"}; the queue shows who has it
POST  /agent/conversations/<id>/reply       {"text", "agent"}; refused if it holds 禁忌用语
POST  /agent/conversations/<id>/resolve     {"agent"}; the bot takes over again
GET   /agent/tickets?status=&kind=&flagged= tickets, phones masked; also &building=&overdue=&category=
                                            &from=&to= (dates opened, YYYY-MM-DD, community time zone)
GET   /agent/tickets/<number>               one ticket with its history
PATCH /agent/tickets/<number>               {"status", "note", "agent"}
POST  /agent/suggest                        {"conversation_id"} or {"message", "ticket_no"?, "intent"?,
                                            "category"?, "emotion"?, "urgency"?, "agent_said"?} → 3 replies
POST  /agent/check                          {"draft"} → findings (kind, words, rewrite) and the rewritten draft
GET   /dashboard/...                        the service dashboard's figures (dashboard_routes.py)
"""
from __future__ import annotations

import argparse
import hmac
import logging
import os
from pathlib import Path

import aiohttp
from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse, file, json, redirect

from bot import agent_models, clock, handoffs, tickets
from bot.console import accounts, agent_routes, dashboard_routes, workbench_api
from bot.console.accounts import Person
from bot.figures.period import PeriodError
from bot.http_json import InvalidBody, body, error, field, refuse_write
from bot.models import STATUS_NAMES
from bot.privacy import install_log_masking
from bot.rasa_client import RasaClient
from bot.settings import ROOT

logger = logging.getLogger(__name__)
COOKIE = "wuye_session"
# Which permission (bot.console.accounts.PERMISSIONS) each part of the service needs.
AREAS = {"/agent": "agent", "/trainer": "trainer", "/dashboard": "dashboard"}
CONSOLE_DIR = Path(__file__).parent / "web"
# URL name under /console/ → file in CONSOLE_DIR; nothing else is served.
CONSOLE_FILES = {"": "index.html", "console.js": "console.js", "console.css": "console.css",
                 "dashboard.js": "dashboard.js"}
# The dashboard's charts: Apache ECharts from npm, pinned by charts/package-lock.json (scripts/env.sh).
ECHARTS = ROOT / "charts" / "node_modules" / "echarts" / "dist" / "echarts.min.js"
SERVICE = Person("service", "admin")


def client_address(request: Request) -> str:
    """The peer's address; a proxy's X-Forwarded-For or Forwarded header counts
    only when Sanic is told to trust it (SANIC_PROXIES_COUNT, SANIC_REAL_IP_HEADER
    or SANIC_FORWARDED_SECRET)."""
    return request.remote_addr or request.ip


def create_app(rasa: RasaClient, token: str) -> Sanic:
    app = Sanic("wuye_agent_api")

    @app.after_server_start
    async def train_console_models(app: Sanic, loop) -> None:
        """The wording check and suggestion models, trained (or loaded) before the first agent needs them."""
        loop.run_in_executor(None, lambda: (agent_models.wording_model(), agent_models.situation_model()))
    throttle = accounts.SignInThrottle()

    def by_service(request: Request) -> bool:
        given = (request.headers.get("authorization") or "").removeprefix("Bearer ").strip()
        return bool(given) and hmac.compare_digest(given.encode(), token.encode())

    def who(request: Request) -> Person | None:
        return SERVICE if by_service(request) else accounts.person_for(request.cookies.get(COOKIE))

    @app.middleware("request")
    async def guard_writes(request: Request) -> HTTPResponse | None:
        return refuse_write(request, scripted=by_service(request))

    @app.middleware("request")
    async def authenticate(request: Request) -> HTTPResponse | None:
        area = next((a for prefix, a in AREAS.items() if request.path.startswith(prefix)), None)
        if area is None:
            return None
        person = who(request)
        if person is None:
            return error(401, "请先登录（或提供服务令牌）")
        if not person.may(area):
            return error(403, f"角色 {person.role} 无权使用此功能（{area}）")
        request.ctx.person = person
        return None

    @app.middleware("response")
    async def page_headers(request: Request, response: HTTPResponse) -> None:
        # No inline or foreign script may run in the console, whatever a message holds.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "frame-ancestors 'none'")
        response.headers["X-Content-Type-Options"] = "nosniff"

    def actor(request: Request, data: dict) -> str:
        """Who did it: the signed-in person; the service names its agent in the body."""
        agent, person = field(data, "agent"), request.ctx.person
        return (agent or "客服") if person is SERVICE else person.username

    @app.post("/auth/login")
    async def login(request: Request) -> HTTPResponse:
        data = body(request)
        username, password, address = field(data, "username"), field(data, "password"), client_address(request)
        if not username or not password:
            return error(400, "请输入用户名和密码")
        if throttle.locked(address, username):
            return error(429, f"连续登录失败次数过多，请 {accounts.LOCKOUT_MINUTES} 分钟后再试")
        signed_in = accounts.sign_in(username, password)
        if signed_in is None:
            throttle.failed(address, username)
            return error(401, "用户名或密码不正确")
        throttle.succeeded(address, username)
        session_token, person = signed_in
        reply = json({"username": person.username, "role": person.role})
        reply.cookies[COOKIE] = session_token
        reply.cookies[COOKIE]["httponly"] = True
        reply.cookies[COOKIE]["samesite"] = "Strict"
        reply.cookies[COOKIE]["max-age"] = accounts.SESSION_HOURS * 3600
        return reply

    @app.post("/auth/logout")
    async def logout(request: Request) -> HTTPResponse:
        accounts.sign_out(request.cookies.get(COOKIE))
        reply = json({"signed_out": True})
        del reply.cookies[COOKIE]
        return reply

    @app.get("/auth/me")
    async def me(request: Request) -> HTTPResponse:
        person = accounts.person_for(request.cookies.get(COOKIE))
        if person is None:
            return error(401, "尚未登录")
        return json({"username": person.username, "role": person.role, "timezone": clock.timezone_name(),
                     # the page names ticket statuses, deadlines and handoff reasons from here only
                     "statuses": STATUS_NAMES, "deadlines": tickets.DEADLINE_NAMES,
                     "reasons": handoffs.REASON_NAMES})

    @app.get("/health")
    async def health(request: Request) -> HTTPResponse:
        return json({"status": "ok"})

    app.blueprint(agent_routes.blueprint(rasa, actor))

    @app.get("/")
    async def home(request: Request) -> HTTPResponse:
        return redirect("/console/")

    @app.get("/console")
    async def console_root(request: Request) -> HTTPResponse:
        return redirect("/console/")

    @app.get("/console/echarts.min.js")
    async def echarts(request: Request) -> HTTPResponse:
        if not ECHARTS.exists():
            return error(503, "图表组件未安装：请运行 npm ci --prefix charts（scripts/run.sh 会自动安装）")
        return await file(ECHARTS, mime_type="application/javascript", headers={"Cache-Control": "max-age=3600"})

    @app.get("/console/<name>")
    async def console_page(request: Request, name: str) -> HTTPResponse:
        if name not in CONSOLE_FILES:
            return error(404, "没有这个页面")
        return await file(CONSOLE_DIR / CONSOLE_FILES[name])

    app.blueprint(workbench_api.blueprint(rasa, actor))
    app.blueprint(dashboard_routes.blueprint())

    @app.exception(InvalidBody)
    async def invalid_body(request: Request, exception: InvalidBody) -> HTTPResponse:
        return error(400, str(exception))

    @app.exception(PeriodError)
    async def invalid_period(request: Request, exception: PeriodError) -> HTTPResponse:
        return error(400, str(exception))

    @app.exception(aiohttp.ClientError)
    async def rasa_unreachable(request: Request, exception: Exception) -> HTTPResponse:
        logger.error("Rasa API call failed: %s", exception)
        return error(502, "对话服务器没有响应，请稍后再试")

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default=os.environ.get("BIND_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=5056)
    args = parser.parse_args()
    install_log_masking()
    token = os.environ.get("AGENT_API_TOKEN")
    if not token:
        raise SystemExit("AGENT_API_TOKEN must be set")
    rasa = RasaClient.from_environment()
    create_app(rasa, token).run(host=args.host, port=args.port, access_log=False)


if __name__ == "__main__":
    main()
