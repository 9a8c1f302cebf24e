"""Photos of a fault, stored with the resident's most recent open ticket."""
from __future__ import annotations

from sqlalchemy import func, select

from bot.db import session_scope
from bot.models import OPEN_STATUSES, Attachment, Ticket
from bot.clock import utcnow

MAX_BYTES = 5 * 1024 * 1024  # Telegram photos are far smaller; anything bigger is refused
MAX_PER_TICKET = 10


class AttachmentRefused(ValueError):
    """The photo cannot be stored; the message says why, for the resident."""


def attach_photo(reporter_id: str, data: bytes, channel: str,
                 content_type: str = "image/jpeg") -> str:
    """Store a photo with the reporter's latest open ticket; returns its number."""
    if not data:
        raise AttachmentRefused("照片是空的，请重新发送。")
    if len(data) > MAX_BYTES:
        raise AttachmentRefused(f"照片太大了（上限 {MAX_BYTES // 1024 // 1024} MB），请压缩后再发。")
    with session_scope() as session:
        ticket = session.execute(
            select(Ticket).where(Ticket.reporter_id == reporter_id, Ticket.status.in_(OPEN_STATUSES))
            .order_by(Ticket.created_at.desc(), Ticket.id.desc()).limit(1)
        ).scalar_one_or_none()
        if ticket is None:
            raise AttachmentRefused("您还没有进行中的工单。请先用文字说明哪里出了问题，登记后再发照片。")
        count = session.execute(select(func.count()).select_from(Attachment)
                                .where(Attachment.ticket_id == ticket.id)).scalar_one()
        if count >= MAX_PER_TICKET:
            raise AttachmentRefused(f"这张工单已经有 {MAX_PER_TICKET} 张照片了，足够师傅判断情况。")
        session.add(Attachment(ticket_id=ticket.id, content_type=content_type, size=len(data),
                               data=data, channel=channel, created_at=utcnow()))
        return ticket.number

