"""Trainers' edits to `knowledge/`: validated, atomic, versioned saves.

Every save goes through `save_text`: the new text must parse and validate with
the same parser the assistant uses (knowledge.PARSERS), it replaces the file in
one rename (readers see the old file or the new one, never half of each), and
the text before and after is kept in `knowledge_versions` with who and when, so
any change can be shown as a diff and reverted. The assistant re-reads a file
when it changes, so a saved FAQ answer is live at once.
"""
from __future__ import annotations

import difflib
import hashlib
import os
import stat
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from threading import Lock
from typing import Any

import yaml
from sqlalchemy import select

from bot import knowledge, settings
from bot.db import session_scope
from bot.knowledge import KnowledgeError
from bot.models import KnowledgeVersion
from bot.clock import utcnow

EDITABLE = ("faq.yml", "phrases.yml", "emotion.yml")
NEW_FILE_MODE = 0o644  # rw-r--r--, as git checks the files out
_save_lock = Lock()


class ConflictError(KnowledgeError):
    """The file changed since the editor loaded it."""


class NotEditable(KnowledgeError):
    """The file is not one a trainer edits in the workbench."""


@dataclass(frozen=True)
class Version:
    id: int
    file: str
    saved_at: datetime
    saved_by: str
    summary: str
    diff: str
    fingerprint: str  # of the file as this version left it

    def as_dict(self) -> dict:
        return {"id": self.id, "file": self.file, "saved_at": self.saved_at.isoformat() + "Z",
                "saved_by": self.saved_by, "summary": self.summary, "diff": self.diff}


def _path(name: str) -> Path:
    if name not in EDITABLE:
        raise NotEditable(f"{name} 不能在工作台编辑")
    return settings.KNOWLEDGE_DIR / name


def read_text(name: str) -> str:
    return _path(name).read_text(encoding="utf-8")


def fingerprint(text: str) -> str:
    """What an editor sends back to show which version its edit is based on."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def validate(name: str, text: str) -> None:
    """Raise KnowledgeError saying what is wrong with `text` as file `name`."""
    _path(name)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"（第 {mark.line + 1} 行第 {mark.column + 1} 列）" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise KnowledgeError(f"{name}：格式错误，不是有效的 YAML{where}：{problem}") from None
    knowledge.PARSERS[name](data)


def _diff(before: str, after: str, name: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        f"{name} (before)", f"{name} (after)", n=1))


def _mode(path: Path) -> int:
    """The permission bits a new version of the file gets: those it has now."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return NEW_FILE_MODE


def _write_atomically(name: str, text: str) -> None:
    path = _path(name)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fchmod(out.fileno(), _mode(path))
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def save_text(name: str, text: str, actor: str, summary: str, based_on: str | None = None) -> Version:
    """Validate and save a whole file; `based_on` (a fingerprint) guards against
    overwriting someone else's save made in the meantime."""
    text = text.replace("\r\n", "\n")
    if not text.endswith("\n"):
        text += "\n"
    validate(name, text)
    with _save_lock:
        before = read_text(name)
        if based_on and based_on != fingerprint(before):
            raise ConflictError(f"{name} 在您编辑期间已被他人修改，请刷新后重新编辑")
        if before == text:
            raise KnowledgeError("内容没有变化")
        with session_scope() as session:
            row = KnowledgeVersion(file=name, saved_at=utcnow(), saved_by=actor,
                                   summary=summary[:255], before=before, after=text)
            session.add(row)
            session.flush()
            _write_atomically(name, text)  # last: a failed database write leaves the file alone
            return _version(row)


def _version(row: KnowledgeVersion) -> Version:
    return Version(row.id, row.file, row.saved_at, row.saved_by, row.summary,
                   _diff(row.before, row.after, row.file), fingerprint(row.after))


def versions(name: str | None = None, limit: int = 50) -> list[Version]:
    query = select(KnowledgeVersion).order_by(KnowledgeVersion.id.desc()).limit(limit)
    if name:
        query = query.where(KnowledgeVersion.file == name)
    with session_scope() as session:
        return [_version(v) for v in session.execute(query).scalars()]


def revert(version_id: int, actor: str) -> Version:
    """Undo one saved version: the file goes back to the text before it (saved
    as a new version, so the revert can itself be reverted)."""
    with session_scope() as session:
        old = session.get(KnowledgeVersion, version_id)
        if old is None:
            raise KnowledgeError(f"没有第 {version_id} 版")
        name, before, after = old.file, old.before, old.after
    try:
        return save_text(name, before, actor, f"撤销第{version_id}版", based_on=fingerprint(after))
    except ConflictError:
        raise ConflictError(f"{name} 在第 {version_id} 版之后又有修改，请先撤销后面的修改") from None


# --- writing a file from data ----------------------------------------------------------

class _Dumper(yaml.SafeDumper):
    """Short word lists on one line ([你好, 您好]), everything else in blocks,
    list items indented under their key."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        return super().increase_indent(flow, False)


def _represent_list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    short = all(isinstance(x, (str, int, float)) and len(str(x)) <= 24 for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=bool(data) and short)


_Dumper.add_representer(list, _represent_list)


def _header(name: str) -> str:
    """The comment lines that open the file (the trainers' explanation), kept on every save."""
    lines = read_text(name).splitlines(keepends=True)
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    return "".join(header)


def dump(name: str, data: dict[str, Any]) -> str:
    """File `name` as it will be written for `data`: its opening comments, then YAML."""
    return _header(name) + yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False,
                                     width=10_000, default_flow_style=False)


def read_data(name: str) -> dict[str, Any]:
    data = yaml.safe_load(read_text(name))
    return data if isinstance(data, dict) else {}


def save_data(name: str, data: dict[str, Any], actor: str, summary: str,
              based_on: str | None = None) -> Version:
    """Save structured data (what the workbench's forms send) as file `name`."""
    if not isinstance(data, dict):
        raise KnowledgeError(f"{name}：内容必须是一个映射")
    return save_text(name, dump(name, data), actor, summary, based_on)


# --- FAQ entries, edited one at a time ------------------------------------------------

def faq_entries_raw() -> list[dict[str, Any]]:
    """Every entry in faq.yml as written, retired ones included."""
    return list(read_data("faq.yml").get("entries") or [])


def _save_entries(entries: list[dict[str, Any]], actor: str, summary: str,
                  based_on: str | None = None) -> Version:
    return save_data("faq.yml", {"entries": entries}, actor, summary, based_on)


def _clean_entry(entry: dict[str, Any]) -> dict[str, Any]:
    questions = entry.get("questions")
    if isinstance(questions, str):
        questions = questions.splitlines()
    if not isinstance(questions, list):
        raise KnowledgeError("问法必须是一个列表")
    cleaned = {"id": str(entry.get("id") or "").strip(), "topic": str(entry.get("topic") or "").strip(),
               "questions": [str(q).strip() for q in questions if str(q).strip()],
               "answer": str(entry.get("answer") or "").strip()}
    if entry.get("retired"):
        cleaned["retired"] = True
    return cleaned


def save_faq_entry(entry: dict[str, Any], actor: str, based_on: str | None = None) -> Version:
    """Add an entry, or replace the one with the same id."""
    entry = _clean_entry(entry)
    if not entry["id"]:
        raise KnowledgeError("请填写问答编号（英文字母、数字和下划线）")
    if not entry["id"].replace("_", "").isalnum() or not entry["id"].isascii():
        raise KnowledgeError(f"编号“{entry['id']}”只能包含英文字母、数字和下划线")
    entries = faq_entries_raw()
    ids = [e.get("id") for e in entries]
    if entry["id"] in ids:
        entries[ids.index(entry["id"])] = entry
        summary = f"修改问答 {entry['id']}"
    else:
        entries.append(entry)
        summary = f"新增问答 {entry['id']}"
    return _save_entries(entries, actor, summary, based_on)


def _position(entries: list[dict[str, Any]], entry_id: str) -> int:
    ids = [e.get("id") for e in entries]
    if entry_id not in ids:
        raise KnowledgeError(f"没有编号为“{entry_id}”的问答")
    return ids.index(entry_id)


def set_faq_retired(entry_id: str, retired: bool, actor: str) -> Version:
    entries = faq_entries_raw()
    i = _position(entries, entry_id)
    entries[i] = _clean_entry({**entries[i], "retired": retired})
    return _save_entries(entries, actor, f"{'停用' if retired else '恢复'}问答 {entry_id}")


def add_faq_question(entry_id: str, question: str, actor: str) -> Version:
    """Add one question variant to an existing entry (from the review queue)."""
    entries = faq_entries_raw()
    i = _position(entries, entry_id)
    entries[i] = _clean_entry(entries[i])
    entries[i]["questions"].append(question)
    return _save_entries(entries, actor, f"修改问答 {entry_id}")
