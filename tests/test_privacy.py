"""Phone numbers and secrets never reach a log in clear, whatever writes the line."""
from __future__ import annotations

import sys
import time

import pytest

from bot.privacy import LogMasker, mask_log_text
from bot.serve import Child


def test_the_masker_hides_phones_secrets_and_token_fields():
    mask = LogMasker(["s3cret-token-value", None, ""])
    line = ('POST /webhooks/model_swap/?token=abcdefgh123 failed; Authorization: Bearer xyz987654; '
            'key s3cret-token-value; 电话13812345678, "text": "\\u8bdd13912345678", 0571-8888 6600')
    masked = mask(line)
    for clear in ("abcdefgh123", "xyz987654", "s3cret-token-value", "13812345678", "13912345678", "8888 6600"):
        assert clear not in masked
    assert "138＊＊＊＊5678" in masked and "?token=＊＊＊" in masked


@pytest.mark.parametrize("line, clear", [
    ('{"text": "\\u8bdd18612345678"}', "18612345678"),
    ('{"text": "\\u7535\\u8bdd 13812345678"}', "13812345678"),
    ('"\\u753514412621080"', "14412621080"),  # 电 ends in a digit
    ('"\\u6211138-1234-5678"', "138-1234-5678"),
    ("我电话8613206786418，门禁卡丢了", "3206786418"),
    ("+86 13812345678", "13812345678"),
    ('"\\uff11\\uff13\\uff13\\uff11\\uff19\\uff19\\uff13\\uff10\\uff16\\uff19\\uff17"', "\\uff19\\uff17"),
    ("请回电１３３１９９３０６９７", "１９９３０６９７"),
    ('"tel": "0571-8888 6600"', "8888 6600"),
])
def test_numbers_are_masked_however_a_log_line_holds_them(line, clear):
    masked = mask_log_text(line)
    assert clear not in masked and "＊＊＊＊" in masked


def test_log_masking_leaves_other_numbers_and_escapes_alone():
    line = '{"ticket": "BX-20261122-0007", "room": "8-2-1102", "text": "\\u8bdd\\u4e86", "n": 1234567}'
    assert mask_log_text(line) == line


def test_every_line_a_supervised_process_writes_is_masked(tmp_path):
    """Tracebacks, warnings and raw writes: what logging-level masking misses."""
    script = ("import sys, warnings\n"
              "warnings.warn('resident 13812345678 said hi')\n"
              "sys.stdout.write('raw write 13912345678 key abcdef123456\\n')\n"
              "raise RuntimeError('ticket for 13712345678 failed')\n")
    child = Child("probe", [sys.executable, "-c", script], tmp_path / "probe.log")
    child.spawn({"PATH": "/usr/bin:/bin"}, LogMasker(["abcdef123456"]))
    child.proc.wait(timeout=60)
    deadline = time.monotonic() + 30  # the copying thread finishes after the process
    while "RuntimeError" not in child.log.read_text(encoding="utf-8") and time.monotonic() < deadline:
        time.sleep(0.1)
    log = child.log.read_text(encoding="utf-8")
    assert "UserWarning" in log and "Traceback" in log and "RuntimeError" in log
    for clear in ("13812345678", "13912345678", "13712345678", "abcdef123456"):
        assert clear not in log


def test_spoken_phone_numbers_are_masked_too():
    from bot.privacy import mask_log_text, mask_phones
    assert mask_phones("电话一三九一二三四五六七八 明天在家") == "电话139＊＊＊＊5678 明天在家"
    assert "一三九一二三四五六七八" not in mask_log_text("user said: 电话一三九一二三四五六七八")
    assert "13912345678" not in mask_log_text("user said: 电话一三九一二三四五六七八")
