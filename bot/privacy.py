"""Privacy: phone numbers are masked wherever a person reads them (`mask_phone`,
`mask_phones`; in clear only on the ticket itself) and never reach a log in
clear (信息管理三原则: store masked), and neither do the services' secrets.

Two layers: every log record a process creates is masked in the process
(`install_log_masking`), and the supervisor (bot/serve.py) masks every line its
children write, whatever wrote it: tracebacks, warnings, access logs, C
libraries (`LogMasker`).
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from bot.extraction import PHONE_CANDIDATE, spoken_digits

MASK = "＊"  # full-width: reads like *, but web chat Markdown does not turn it into bold


def mask_phone(phone: str) -> str:
    """13812345678 → 138＊＊＊＊5678; landlines keep area code and last 4 digits."""
    digits = re.sub(r"\D", "", phone)
    if len(digits) <= 4:
        return MASK * len(digits)
    head = 3 if digits.startswith("1") else min(4, len(digits) - 4)
    return digits[:head] + MASK * (len(digits) - head - 4) + digits[-4:]


def mask_phones(text: str) -> str:
    """Every phone-like number in free text masked (for logs and read-backs),
    spoken ones too (一三九… becomes 139＊＊＊＊…)."""
    return PHONE_CANDIDATE.sub(
        lambda m: mask_phone(m.group(0)) if sum(c.isdigit() for c in m.group(0)) >= 7 else m.group(0),
        spoken_digits(text),
    )


_installed = False
HIDDEN = "＊＊＊"

# A log line may hold a number in forms a resident's text does not: right after a
# JSON escape that ends in a digit (电 is \u7535), as escaped or raw full-width
# digits, or behind a country code with no separator (8613812345678).
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_STAND_IN = "\ue000"  # an escape, while numbers are looked for (it holds no digit)
_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")
_LOG_PHONE = re.compile(r"(?<!\d)(?:\+?86[\s-]?)?(?:1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}"
                        r"|0\d{2,3}[\s-]?\d{3,4}[\s-]?\d{4})(?!\d)")
# A secret in a URL or a header, whoever's it is: ?token=..., Authorization: Bearer ...
_SECRET_FIELDS = re.compile(r"(?i)((?:[?&]token=)|(?:bearer\s+)|(?:secret[-_]token[\"']?\s*[:=]\s*[\"']?))"
                            r"[^\s&\"',;)]+")


def mask_log_text(text: str) -> str:
    """Every mobile- or landline-shaped number in a log line masked, whatever
    surrounds it or however it is written."""
    escapes: list[str] = []

    def stand_in(match: re.Match) -> str:
        code = int(match.group(1), 16)
        if 0xFF10 <= code <= 0xFF19:  # an escaped full-width digit: a digit
            return str(code - 0xFF10)
        escapes.append(match.group(0))
        return _STAND_IN

    plain = _ESCAPE.sub(stand_in, spoken_digits(text.translate(_FULL_WIDTH)))
    masked = _LOG_PHONE.sub(lambda m: mask_phone(m.group(0)), plain)
    if masked == plain:
        return text
    restore = iter(escapes)
    return re.sub(_STAND_IN, lambda _: next(restore), masked)


class LogMasker:
    """Masks phone numbers, the given secrets and token-shaped fields in text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return _SECRET_FIELDS.sub(lambda m: m.group(1) + HIDDEN, mask_log_text(text))


def install_log_masking() -> None:
    """Mask phone numbers and token fields in every log record this process creates."""
    global _installed
    if _installed:
        return
    base_factory = logging.getLogRecordFactory()
    mask = LogMasker()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return record
        masked = mask(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
