"""Fuzzing the real servers (bench/fuzz.py): no request makes the REST webhook
answer 5xx or a server stop, and no mobile number sent is logged in clear.
FUZZ_COUNT sets how many requests (default 300), FUZZ_SEED which ones (default 0)."""
from __future__ import annotations

import os

from bench import fuzz


def test_the_log_scan_finds_a_number_however_it_was_logged(tmp_path):
    log = tmp_path / "rasa.log"
    log.write_text("earlier 13900001111\n", encoding="utf-8")
    offset = log.stat().st_size
    with log.open("a", encoding="utf-8") as out:
        out.write('text "\\u53f7\\u780113812345678" slot 139 1234 5678 and １３７１２３４５６７８ '
                  'state "\\uff11\\uff13\\uff16\\uff11\\uff12\\uff13\\uff14\\uff15\\uff16\\uff17\\uff18" '
                  'masked 135＊＊＊＊5678\n')
    found = fuzz._numbers_in(log, offset, {11})
    assert {"13812345678", "13912345678", "13712345678", "13612345678"} <= found
    assert not any(number.startswith("135") for number in found)
    assert "13900001111" not in found  # written before the run


def test_no_request_breaks_a_server_or_leaks_a_phone(server):
    count = int(os.environ.get("FUZZ_COUNT", "300"))
    logs = fuzz.default_logs(server.url)
    assert all(path.exists() for path in logs), logs
    result = fuzz.run(server.url, count, int(os.environ.get("FUZZ_SEED", "0")), logs=logs,
                      pids={proc.args[2]: proc.pid for proc in server.procs}, deadline=max(600.0, count * 2.0))
    print(result.summary())
    assert result.sent == count, result.summary()
    assert result.server_errors == [], result.summary()
    assert result.connection_errors == [], result.summary()
    assert result.deaths == [], result.summary()
    assert result.clear_phones == [], result.summary()
