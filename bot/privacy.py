"""Privacy: phone numbers never reach a log in clear (信息管理三原则: store masked)."""
from __future__ import annotations

import logging

from bot.extraction import mask_phones_in_log

_installed = False


def install_log_masking() -> None:
    """Mask phone numbers in every log record this process creates."""
    global _installed
    if _installed:
        return
    base_factory = logging.getLogRecordFactory()

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = base_factory(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: leave it to the handler to report
            return record
        masked = mask_phones_in_log(message)
        if masked != message:
            record.msg, record.args = masked, ()
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
