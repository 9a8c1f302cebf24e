"""Trainer workbench API (培训师工作台): the routes under /trainer, for a
signed-in trainer or admin (the agent API's sign-in and service token).

GET  /trainer/faq                          every entry (retired ones too) and the file's fingerprint
PUT  /trainer/faq/<id>                     {"topic", "questions", "answer", "based_on"?}: add or edit
POST /trainer/faq/<id>/retire              {"retired": true|false}
GET  /trainer/files/<name>                 phrases.yml / emotion.yml / faq.yml as data and as text
PUT  /trainer/files/<name>                 {"data" (the forms) or "text" (the text editor), "based_on", "summary"?}
GET  /trainer/versions?file=               saved versions, newest first, with diffs
POST /trainer/versions/<id>/revert
POST /trainer/try                          {"text"} → intent, confidence, FAQ match, emotion, urgency
GET  /trainer/review                       the learning loop's pending items
POST /trainer/review/<id>/accept           {"faq_id", "answer"?, "topic"?}
POST /trainer/review/<id>/discard
POST /trainer/retrain                      train in the background, then swap the model in
GET  /trainer/retrain                      progress, and the model Rasa is using now

Invalid saves answer 422 with the validator's message; a save based on an
older version of the file answers 409; a body field of the wrong type, 400.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, json

from bot import faq
from bot.console import knowledge_edit, retraining, review
from bot.http_json import body, error, field
from bot.knowledge import KnowledgeError
from bot.console.knowledge_edit import ConflictError, NotEditable

MAX_TRY = 2000


def blueprint(rasa: Any, actor: Callable[[Request, dict], str]) -> Blueprint:
    """`rasa` is the agent API's RasaClient; `actor` names who made a request."""
    bp = Blueprint("trainer", url_prefix="/trainer")

    retrainer = retraining.Retrainer(rasa.swap_model)

    def saved(version: knowledge_edit.Version) -> HTTPResponse:
        return json({"saved": True, "version": version.as_dict(), "fingerprint": version.fingerprint})

    @bp.exception(ConflictError)
    async def conflict(request: Request, exception: ConflictError) -> HTTPResponse:
        return error(409, str(exception))

    @bp.exception(NotEditable)
    async def not_editable(request: Request, exception: NotEditable) -> HTTPResponse:
        return error(404, str(exception))

    @bp.exception(KnowledgeError)
    async def invalid(request: Request, exception: KnowledgeError) -> HTTPResponse:
        return error(422, str(exception))

    @bp.get("/faq")
    async def faq_list(request: Request) -> HTTPResponse:
        return json({"entries": knowledge_edit.faq_entries_raw(),
                     "fingerprint": knowledge_edit.fingerprint(knowledge_edit.read_text("faq.yml"))})

    @bp.put("/faq/<entry_id>")
    async def faq_save(request: Request, entry_id: str) -> HTTPResponse:
        data = body(request)
        questions = field(data, "questions", list, str)  # a list, or one question a line
        if isinstance(questions, list) and not all(isinstance(q, str) for q in questions):
            return error(400, "“questions”必须是字符串列表")
        entry = {"id": entry_id, "topic": field(data, "topic"), "questions": questions,
                 "answer": field(data, "answer"), "retired": field(data, "retired", bool)}
        return saved(knowledge_edit.save_faq_entry(entry, actor(request, data), field(data, "based_on")))

    @bp.post("/faq/<entry_id>/retire")
    async def faq_retire(request: Request, entry_id: str) -> HTTPResponse:
        data = body(request)
        return saved(knowledge_edit.set_faq_retired(entry_id, field(data, "retired", bool) is not False,
                                                    actor(request, data)))

    @bp.get("/files/<name>")
    async def file_get(request: Request, name: str) -> HTTPResponse:
        text = knowledge_edit.read_text(name)
        return json({"file": name, "text": text, "data": knowledge_edit.read_data(name),
                     "fingerprint": knowledge_edit.fingerprint(text)})

    @bp.put("/files/<name>")
    async def file_save(request: Request, name: str) -> HTTPResponse:
        data = body(request)
        summary, based_on = field(data, "summary") or f"编辑 {name}", field(data, "based_on")
        content, text, who = field(data, "data", dict), field(data, "text"), actor(request, data)
        if content is not None:
            version = knowledge_edit.save_data(name, content, who, summary, based_on)
        elif text is not None:
            version = knowledge_edit.save_text(name, text, who, summary, based_on)
        else:
            return error(400, "缺少要保存的内容（data 或 text）")
        return saved(version)

    @bp.get("/versions")
    async def version_list(request: Request) -> HTTPResponse:
        name = request.args.get("file") or None
        return json({"versions": [v.as_dict() for v in knowledge_edit.versions(name)]})

    @bp.post("/versions/<version_id:int>/revert")
    async def version_revert(request: Request, version_id: int) -> HTTPResponse:
        return saved(knowledge_edit.revert(version_id, actor(request, body(request))))

    @bp.post("/try")
    async def try_it(request: Request) -> HTTPResponse:
        text = (field(body(request), "text") or "").strip()
        if not text:
            return error(400, "内容为空")
        parsed = await rasa.parse(text[:MAX_TRY])
        best = parsed.get("faq_entry") or {}
        entry = faq.entry(best.get("id"))
        return json({
            "intent": (parsed.get("intent") or {}).get("name"),
            "confidence": (parsed.get("intent") or {}).get("confidence"),
            "ranking": [{"intent": r.get("name"), "confidence": r.get("confidence")}
                        for r in (parsed.get("intent_ranking") or [])[:5]],
            "faq": {"id": entry.id, "score": best.get("confidence"), "answers": faq.answer(best) is not None,
                    "answer": entry.answer} if entry else None,
            "emotion": parsed.get("emotion"), "urgency": parsed.get("urgency"),
            "entities": [{"entity": e.get("entity"), "value": e.get("value")}
                         for e in parsed.get("entities") or []],
        })

    @bp.get("/review")
    async def review_list(request: Request) -> HTTPResponse:
        return json({"items": [review.as_dict(i) for i in review.pending()]})

    @bp.post("/review/<item_id:int>/accept")
    async def review_accept(request: Request, item_id: int) -> HTTPResponse:
        data = body(request)
        faq_id = (field(data, "faq_id") or "").strip()
        if not faq_id:
            return error(400, "请选择已有问答或填写新问答编号")
        return saved(review.accept(item_id, actor(request, data), faq_id, field(data, "answer"),
                                   field(data, "topic") or ""))

    @bp.post("/review/<item_id:int>/discard")
    async def review_discard(request: Request, item_id: int) -> HTTPResponse:
        review.discard(item_id, actor(request, body(request)))
        return json({"discarded": True})

    @bp.post("/retrain")
    async def retrain_start(request: Request) -> HTTPResponse:
        if not retrainer.start(actor(request, body(request))):
            return error(409, "已有训练在进行中", training=retrainer.status.as_dict())
        return json(retrainer.status.as_dict(), status=202)

    @bp.get("/retrain")
    async def retrain_status(request: Request) -> HTTPResponse:
        in_use = (await rasa.status()).get("model_file") or ""
        return json({**retrainer.status.as_dict(), "model_in_use": Path(in_use).name or None})

    return bp
