"""Fuzzing the REST webhook of running servers with odd and hostile input.

    python -m bench.fuzz --rasa http://127.0.0.1:5005 [--count 300] [--seed 0] [--workers 1]

Each request is one of the kinds in `KINDS`: Unicode from every plane, lone
surrogates (as JSON escapes and as raw bytes), RTL and zero-width marks, emoji,
control characters and NUL, 1 MB bodies, broken JSON, JSON that is not an
object, missing/empty/non-string/huge `sender`, non-string `message`,
HTML/SQL/format strings and Rasa's /intent syntax, Traditional Chinese, and
residents' messages carrying mobile numbers, over a bounded set of senders.
Request `i` of seed `s` is always the same (`probe(s, i)`), so a failure can be
sent again.

The run records every 5xx and connection error, checks after each request that
Rasa (`GET /`) and the action server (`GET /health`, Rasa's port + 50) still
answer, and afterwards reads what the servers logged during the run for any
mobile number it sent in clear. It only ever sends to 127.0.0.1, and every loop
is bounded by the count, a per-request timeout and an overall deadline.
"""
from __future__ import annotations

import argparse
import codecs
import json
import random
import re
import threading
import time
import unicodedata
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import urlsplit

from bot import settings
from bot.privacy import mask_phone
from bot.privacy import mask_log_text

HOST = "127.0.0.1"
MB = 1024 * 1024
MISSING = object()  # a key left out of the request body
LOG_NAMES = ("rasa", "actions", "agent-api")  # bot/serve.py's log files: var/log/<name>-<rasa port>.log


@dataclass(frozen=True)
class Probe:
    """One request: its kind, its exact body, and the mobile numbers in it."""
    index: int
    kind: str
    body: bytes
    phones: tuple[str, ...] = ()

    def describe(self, limit: int = 120) -> str:
        """The body as sent (bytes that are not UTF-8 as \\x escapes), cut, phones masked."""
        text = mask_log_text(self.body.decode("utf-8", "backslashreplace"))
        for phone in self.phones:
            text = text.replace(phone, mask_phone(phone)).replace(phone.translate(FULL_WIDTH), mask_phone(phone))
        more = f" …({len(self.body)} bytes in all)" if len(text) > limit else ""
        return f"#{self.index} {self.kind}: {text[:limit]!r}{more}"


@dataclass(frozen=True)
class Finding:
    """A request and what went wrong after it."""
    probe: str
    kind: str
    outcome: str


@dataclass
class FuzzResult:
    """What a run sent, what came back, and every problem found."""
    count: int
    seed: int
    sent: int = 0
    elapsed: float = 0.0
    stopped_early: str = ""
    kinds: Counter = field(default_factory=Counter)
    statuses: Counter = field(default_factory=Counter)
    server_errors: list[Finding] = field(default_factory=list)      # 5xx answers
    connection_errors: list[Finding] = field(default_factory=list)  # no HTTP answer at all
    deaths: list[Finding] = field(default_factory=list)             # a server stopped answering
    clear_phones: list[Finding] = field(default_factory=list)       # a sent number in clear in a log

    @property
    def ok(self) -> bool:
        return self.sent == self.count and not (self.server_errors or self.connection_errors
                                                or self.deaths or self.clear_phones)

    def summary(self) -> str:
        statuses = ", ".join(f"{s or 'none'}×{n}" for s, n in sorted(self.statuses.items(), key=str))
        lines = [f"== Fuzz: {self.sent} of {self.count} requests (seed {self.seed}) in {self.elapsed:.0f} s; "
                 f"HTTP status {statuses}" + (f"; stopped early: {self.stopped_early}" if self.stopped_early else ""),
                 "requests by kind: " + ", ".join(f"{k} {n}" for k, n in self.kinds.most_common())]
        for title, findings in (("5xx answers", self.server_errors), ("connection errors", self.connection_errors),
                                ("servers that stopped answering", self.deaths),
                                ("sent phone numbers in clear in a log", self.clear_phones)):
            lines.append(f"{title}: {len(findings)}" + _by_kind(findings))
        return "\n".join(lines)


def _by_kind(findings: list[Finding]) -> str:
    """How many per kind, and the first example of each."""
    counts = Counter(f.kind for f in findings)
    firsts = {f.kind: f for f in reversed(findings)}
    return "".join(f"\n  {kind} ×{n}, e.g. {firsts[kind].probe}\n      → {firsts[kind].outcome}"
                   for kind, n in counts.most_common())


# --- the requests --------------------------------------------------------------------

def _body(sender: Any, message: Any, ascii_only: bool = True, **extra: Any) -> bytes:
    data = {k: v for k, v in (("sender", sender), ("message", message)) if v is not MISSING}
    return json.dumps({**data, **extra}, ensure_ascii=ascii_only).encode()


def _mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"


FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _written(rng: random.Random, phone: str) -> str:
    """A mobile number the ways residents type it."""
    return rng.choice([phone, f"{phone[:3]} {phone[3:7]} {phone[7:]}", f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
                       f"+86 {phone}", f"+86-{phone}", f"86{phone}", phone.translate(FULL_WIDTH)])


def _place(rng: random.Random) -> str:
    return rng.choice([f"{rng.randint(1, 30)}栋{rng.randint(1, 3)}单元{rng.randint(1, 33)}0{rng.randint(1, 4)}",
                       f"{rng.randint(1, 30)}-{rng.randint(1, 3)}-{rng.randint(101, 3304)}", "东门", "地下车库"])


RESIDENT = ["{place}卫生间漏水了，电话{phone}", "我家{place}停电了 手机{phone} 快点来人",
            "投诉楼上装修太吵，我的号码是{phone}，请回电", "电梯困人了！！！{place} 联系我{phone}",
            "请回电{phone}，物业费怎么交", "{phone}", "我电话{phone}，门禁卡丢了", "报修：{place}，{phone}，下水道堵了",
            "你们这垃圾物业！！{place}漏水三天了没人管，打我电话{phone}", "/inform{{\"phone\": \"{phone}\"}}"]
TRADITIONAL = ["{place}廁所漏水了，電話{phone}", "物業費怎麼繳？我手機{phone}", "樓上裝修太吵了，請回電{phone}",
               "門禁卡不見了怎麼辦", "電梯壞了，{place}，聯繫電話{phone}", "快遞放哪裡", "停車費多少錢一個月"]
INJECTIONS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[点我](javascript:alert(1))",
              "' OR '1'='1", "1; DROP TABLE tickets; --", "\" OR 1=1 --", "'; DELETE FROM accounts; --",
              "{0}", "{0!r}{1}", "{phone}", "{community_name}", "{__class__.__mro__}", "%s%s%s%n", "%(phone)s",
              "%d %x %p", "{{7*7}}", "${7*7}", "${jndi:ldap://127.0.0.1/a}", "../../../../etc/passwd",
              "/restart", "/affirm", "/session_start", "/nlu_fallback", "/repair_request{\"location\": \"<b>\"}",
              "/faq{\"x\": [1, {\"y\": null}]}", "/deny{", "EXTERNAL: x", "\\u0000", "null", "[]", "{}"]
ZERO_WIDTH_BIDI = "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c"
EMOJI = ["😀", "😡", "🔥", "💧", "🚨", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇨🇳", "👍🏽", "1️⃣", "🧑🏿‍🔧", "❤️", "🈶", "𠮷"]
ODD_SENDERS = [MISSING, "", None, 0, 12345678901234567890, 1.5, True, [], ["resident"], {}, {"id": 1},
               "s" * 100_000, "\x00", "\u202eevil", "😀", "../../etc/passwd", " ", "\ud800"]
ODD_MESSAGES = [MISSING, None, 0, -1, 1.5, 1e308, True, [], ["物业费怎么交"], {}, {"text": "物业费怎么交"}, "", " ", "\n"]
BROKEN_JSON = [b"", b" ", b"{", b"}", b"{\"sender\": \"a\", \"message\": }", b"{'sender': 'a', 'message': 'hi'}",
               b"{\"sender\": \"a\", \"message\": \"hi\",}", b"{\"sender\": \"a\", \"message\": \"hi\"",
               b"{\"sender\": \"a\", \"message\": \"hi\"} trailing", b"\x00\x01\x02", b"NaN", b"Infinity",
               b"{\"sender\": \"a\", \"message\": NaN}", b"{\"message\": \"\\ud800\\u\"}", b"\xef\xbb\xbf{}",
               b"sender=a&message=hi", b"[" * 100_000, b"{\"a\":" * 50_000, b"<xml/>", b"\"unterminated"]
NOT_OBJECTS = [[], [{"sender": "a", "message": "你好"}], "物业费怎么交", 42, -0.0, 3.14, None, True, False, {}]


def _random_char(rng: random.Random) -> str:
    """Any code point but a surrogate, every plane equally likely."""
    while True:
        point = rng.randrange(17) * 0x10000 + rng.randrange(0x10000)
        if not 0xD800 <= point <= 0xDFFF:
            return chr(point)


def _unicode_planes(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    text = "".join(_random_char(rng) for _ in range(rng.randint(1, 200)))
    return _body(sender, text, rng.random() < 0.5), ()


def _lone_surrogates(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    lone = chr(rng.randrange(0xD800, 0xE000))
    text = rng.choice(["物业费{}怎么交", "{}", "{}{}", "漏水{}"]).replace("{}", lone)
    return _body(sender, text), ()  # JSON's \udxxx escape, which json.dumps writes for a lone surrogate


def _invalid_utf8(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    bad = rng.choice([b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xff\xfe", b"\xc3", b"\xe6\xbc", b"\xc0\xaf", b"\x80"])
    return b'{"sender": "' + sender.encode() + b'", "message": "\xe6\xbc\x8f' + bad + b'"}', ()


def _bidi_zero_width(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    words = list(rng.choice(["物业费怎么交", "3栋502漏水了", "你好", "快递放哪里"]))
    text = "".join(ch + "".join(rng.choices(ZERO_WIDTH_BIDI, k=rng.randint(0, 3))) for ch in words)
    return _body(sender, text, rng.random() < 0.5), ()


def _emoji(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    text = "".join(rng.choices(EMOJI, k=rng.randint(1, 30))) + rng.choice(["", "漏水了", "物业费"])
    return _body(sender, text, rng.random() < 0.5), ()


def _control(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    controls = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]]
    text = "".join(rng.choice(["物", "业", "费", *controls]) for _ in range(rng.randint(1, 50)))
    return _body(sender, rng.choice([text, "\x00", "物业\x00费怎么交", "\x00" * 1000]), rng.random() < 0.5), ()


def _huge_body(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    unit = rng.choice(["漏水", "a", "😀", "\u200b", "1"])
    choice = rng.randrange(3)
    if choice == 0:  # a 1 MB message
        return _body(sender, unit * (MB // len(json.dumps(unit).encode())), rng.random() < 0.5), ()
    if choice == 1:  # 1 MB of an extra field
        return _body(sender, "你好", pad="x" * MB), ()
    return bytes(rng.randrange(256) for _ in range(4096)) * (MB // 4096), ()  # 1 MB of noise


def _broken_json(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    return rng.choice(BROKEN_JSON), ()


def _not_an_object(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    return json.dumps(rng.choice(NOT_OBJECTS)).encode(), ()


def _odd_sender(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    return _body(rng.choice(ODD_SENDERS), rng.choice(["物业费怎么交", "你好", "3栋502漏水了"])), ()


def _odd_message(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    return _body(sender, rng.choice(ODD_MESSAGES)), ()


def _injection(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
    return _body(sender, rng.choice(INJECTIONS), rng.random() < 0.5), ()


def _with_phone(templates: list[str]) -> Callable[[random.Random, str], tuple[bytes, tuple[str, ...]]]:
    def make(rng: random.Random, sender: str) -> tuple[bytes, tuple[str, ...]]:
        phone = _mobile(rng)
        template = rng.choice(templates)
        text = template.format(place=_place(rng), phone=_written(rng, phone))
        return _body(sender, text, rng.random() < 0.5), (phone,) if "{phone}" in template else ()
    return make


# kind → (how often, relative; how to make one). A 1 MB body costs the servers most.
KINDS: dict[str, tuple[float, Callable[[random.Random, str], tuple[bytes, tuple[str, ...]]]]] = {
    "unicode_planes": (1, _unicode_planes), "lone_surrogate": (1, _lone_surrogates),
    "invalid_utf8": (1, _invalid_utf8), "bidi_zero_width": (1, _bidi_zero_width), "emoji": (1, _emoji),
    "control_chars": (1, _control), "huge_1mb": (0.3, _huge_body), "broken_json": (1, _broken_json),
    "json_not_object": (1, _not_an_object), "odd_sender": (1, _odd_sender), "odd_message": (1, _odd_message),
    "injection": (1, _injection), "traditional": (1, _with_phone(TRADITIONAL)),
    "resident_with_phone": (2, _with_phone(RESIDENT)),
}


def probe(seed: int, index: int, senders: int = 20) -> Probe:
    """Request `index` of a run with `seed`: the same every time."""
    rng = random.Random(f"{seed}:{index}")
    kind = rng.choices(list(KINDS), weights=[w for w, _ in KINDS.values()])[0]
    body, phones = KINDS[kind][1](rng, f"fuzz-{seed}-{rng.randrange(senders)}")
    return Probe(index, kind, body, phones)


# --- talking to the servers ------------------------------------------------------------

class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # a 3xx stays an answer: nothing is ever sent anywhere but HOST


_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirects())


def _local(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme != "http" or parts.hostname != HOST or not parts.port:
        raise ValueError(f"the fuzzer only sends to http://{HOST}:<port>, not {url!r}")
    return f"http://{HOST}:{parts.port}"


def _request(url: str, body: bytes | None, timeout: float) -> tuple[int | None, str]:
    """(HTTP status, "") or (None, what went wrong) when no HTTP answer came."""
    request = urllib.request.Request(url, data=body, method="GET" if body is None else "POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with _opener.open(request, timeout=timeout) as response:
            response.read()
            return response.status, ""
    except urllib.error.HTTPError as error:
        error.read()
        return error.code, ""
    except Exception as error:  # refused, reset, timed out, a broken answer ...
        reason = getattr(error, "reason", error)
        return None, f"{type(reason).__name__}: {reason}"


def _process_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


class _Run:
    """One fuzzing run's shared state; several workers may send at once."""

    def __init__(self, rasa: str, result: FuzzResult, senders: int, timeout: float, deadline: float,
                 pids: Mapping[str, int]) -> None:
        self.rasa, self.action = rasa, f"http://{HOST}:{urlsplit(rasa).port + 50}"
        self.result, self.senders, self.timeout = result, senders, timeout
        self.deadline, self.pids = deadline, pids
        self.next_index = 0
        self.phones: dict[str, Probe] = {}
        self.dead: set[str] = set()
        self.lock = threading.Lock()

    def take(self) -> int | None:
        with self.lock:
            if self.next_index >= self.result.count or "rasa" in self.dead:
                return None
            if time.monotonic() > self.deadline:
                self.result.stopped_early = "the deadline passed"
                return None
            self.next_index += 1
            return self.next_index - 1

    def down(self) -> dict[str, str]:
        """Each server that is not running or not answering, and why."""
        problems = {}
        for name, url in (("rasa", f"{self.rasa}/"), ("actions", f"{self.action}/health")):
            status, error = _request(url, None, min(self.timeout, 10.0))
            if status != 200:
                problems[name] = f"GET {urlsplit(url).path} answered {error or status}"
        for name, pid in self.pids.items():
            if not _process_alive(pid):
                problems[f"process {name}"] = f"process {pid} is gone"
        return problems

    def send(self, index: int) -> None:
        p = probe(self.result.seed, index, self.senders)
        status, error = _request(f"{self.rasa}/webhooks/rest/webhook", p.body, self.timeout)
        down = self.down()
        with self.lock:
            result = self.result
            result.sent += 1
            result.kinds[p.kind] += 1
            result.statuses[status] += 1
            self.phones.update((phone, p) for phone in p.phones)
            if status is None:
                result.connection_errors.append(Finding(p.describe(), p.kind, error))
            elif status >= 500:
                result.server_errors.append(Finding(p.describe(), p.kind, f"HTTP {status}"))
            for name in down.keys() - self.dead:
                result.deaths.append(Finding(p.describe(), p.kind, f"{name} after it: {down[name]}"))
            self.dead |= down.keys()

    def work(self) -> None:
        while (index := self.take()) is not None:
            self.send(index)


# --- phone numbers in the logs ------------------------------------------------------------

_DIGIT_RUN = re.compile(r"[0-9](?:[ \-]?[0-9])+")
_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")  # JSON's (and repr's) \uff11


def _readable(text: str) -> str:
    """Log text as a person would read it: escapes decoded, full-width digits folded."""
    return unicodedata.normalize("NFKC", _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text))


def _numbers_in(path: Path, offset: int, lengths: set[int]) -> set[str]:
    """Every digit string of the given lengths inside the digit runs of the
    file past `offset`, read in pieces that overlap a little."""
    found: set[str] = set()
    decoder, tail = codecs.getincrementaldecoder("utf-8")(errors="replace"), ""
    with path.open("rb") as log:
        log.seek(offset)
        while chunk := log.read(4 * MB):
            text = tail + decoder.decode(chunk)
            for run in _DIGIT_RUN.findall(_readable(text)):
                digits = run.replace(" ", "").replace("-", "")
                found.update(digits[i:i + n] for n in lengths for i in range(len(digits) - n + 1))
            tail = text[-256:]
    return found


def _clear_phones(logs: Mapping[Path, int], phones: Mapping[str, Probe]) -> list[Finding]:
    findings = []
    for path, offset in logs.items():
        if path.exists():
            for phone in sorted(_numbers_in(path, offset, {len(p) for p in phones}) & phones.keys()):
                sent = phones[phone]
                findings.append(Finding(sent.describe(), sent.kind, f"{mask_phone(phone)} in clear in {path.name}"))
    return findings


def default_logs(rasa_url: str) -> list[Path]:
    """The log files bot/serve.py writes for the servers on that Rasa port."""
    port = urlsplit(rasa_url).port
    return [settings.VAR_DIR / "log" / f"{name}-{port}.log" for name in LOG_NAMES]


def run(rasa_url: str, count: int, seed: int = 0, *, workers: int = 1, senders: int = 20, timeout: float = 30.0,
        deadline: float = 900.0, logs: Iterable[Path] | None = None, pids: Mapping[str, int] | None = None,
        ) -> FuzzResult:
    """Send `count` requests (at most `deadline` seconds) to the REST webhook of
    the servers at `rasa_url`, `workers` at a time; `logs` default to
    `default_logs`, `pids` (name → process id) are checked for being alive too."""
    rasa = _local(rasa_url)
    result = FuzzResult(count, seed)
    state = _Run(rasa, result, senders, timeout, time.monotonic() + deadline, pids or {})
    if down := state.down():
        raise RuntimeError(f"the servers are not answering before the run: {down}")
    offsets = {path: path.stat().st_size if path.exists() else 0
               for path in (default_logs(rasa) if logs is None else logs)}
    started = time.monotonic()
    threads = [threading.Thread(target=state.work, daemon=True) for _ in range(max(1, workers))]
    for thread in threads:
        thread.start()
    last = state.deadline + timeout + 30  # the last request, then its two liveness checks
    for thread in threads:
        thread.join(max(0.0, last - time.monotonic()))
    result.elapsed = time.monotonic() - started
    if "rasa" in state.dead and result.sent < count:
        result.stopped_early = "Rasa stopped answering"
    if any(thread.is_alive() for thread in threads):
        result.stopped_early = "a request was still waiting long after the deadline"
    time.sleep(0.5)  # let the servers' last log lines reach their files
    result.clear_phones = _clear_phones(offsets, state.phones)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa", required=True, help=f"the Rasa server, e.g. http://{HOST}:5005")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--deadline", type=float, default=900.0, help="seconds for the whole run")
    parser.add_argument("--log", type=Path, action="append", help="a server log to search (default: var/log/)")
    args = parser.parse_args()
    result = run(args.rasa, args.count, args.seed, workers=args.workers, timeout=args.timeout,
                 deadline=args.deadline, logs=args.log)
    print(result.summary())
    raise SystemExit(0 if result.ok else 1)


if __name__ == "__main__":
    main()
