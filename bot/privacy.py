"""Privacy: phone numbers never reach a log in clear (信息管理三原则: store
masked), and neither do the services' secrets.

Two layers: every log record a process creates is masked in the process
(`install_log_masking`), and the supervisor (bot/serve.py) masks every line its
children write, whatever wrote it: tracebacks, warnings, access logs, C
libraries (`LogMasker`).
"""
from __future__ import annotations

import logging
import re
from typing import Iterable

from bot.extraction import mask_phones_in_log

_installed = False
HIDDEN = "＊＊＊"
# A secret in a URL or a header, whoever's it is: ?token=..., Authorization: Bearer ...
_SECRET_FIELDS = re.compile(r"(?i)((?:[?&]token=)|(?:bearer\s+)|(?:secret[-_]token[\"']?\s*[:=]\s*[\"']?))"
                            r"[^\s&\"',;)]+")


class LogMasker:
    """Masks phone numbers, the given secrets and token-shaped fields in text."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        # Longest first, so a secret that contains another is hidden whole.
        self.secrets = sorted({s for s in secrets if s and len(s) >= 6}, key=len, reverse=True)

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return _SECRET_FIELDS.sub(lambda m: m.group(1) + HIDDEN, mask_phones_in_log(text))


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
