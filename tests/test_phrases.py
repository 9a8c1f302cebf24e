"""The agents' phrase library: coverage, suggestions, forbidden wording."""
from datetime import datetime

from bot import knowledge, phrases, tickets


def test_the_library_covers_the_trade():
    library = knowledge.phrase_library()
    assert len(library.scenarios) >= 15 and all(len(s.replies) >= 3 for s in library.scenarios)
    assert len(library.forbidden) >= 20 and all(f.alternative for f in library.forbidden)


def test_no_recommended_wording_is_itself_forbidden():
    library = knowledge.phrase_library()
    for text in [r for s in library.scenarios for r in s.replies] + [f.alternative for f in library.forbidden]:
        findings, _ = phrases.check(text)
        assert findings == [], (text, findings)


def test_suggestions_fit_the_message_and_fill_the_ticket(database):
    ticket = tickets.open_ticket(tickets.Report(kind="complaint", description="楼上半夜太吵",
                                                channel="rest", reporter_id="rest:x"),
                                 at=datetime(2026, 11, 22, 2, 0))
    suggestions = phrases.suggest("楼上半夜太吵了 睡不着", ticket)
    assert len(suggestions) == 3 and suggestions[0]["scenario"] == "neighbour_noise"
    angry = phrases.suggest("你们这垃圾物业 我要去媒体曝光", ticket)
    assert angry[0]["scenario"] == "angry_escalation"
    complaint = phrases.suggest("对你们的处理结果不满意", ticket, intent="complaint")
    assert any(ticket.number in s["text"] for s in complaint)
    assert all("{" not in s["text"] for s in suggestions + angry + complaint)


def test_replies_needing_a_ticket_are_not_offered_without_one():
    for suggestion in phrases.suggest("报修好几天了还没修", None):
        assert "{" not in suggestion["text"]


def test_check_finds_every_forbidden_phrase_with_its_position():
    draft = "这不是我的事，等着吧。不清楚，问财务吧"
    findings, rewrite = phrases.check(draft)
    assert [(f.phrase, draft[f.start:f.end]) for f in findings] == [
        ("这不是我的事", "这不是我的事"), ("等着吧", "等着吧"), ("不清楚", "不清楚"), ("问财务吧", "问财务吧")]
    assert phrases.check(rewrite)[0] == []
    traditional = "這不是我的事"
    assert phrases.check(traditional)[0][0].phrase == "这不是我的事"
    assert phrases.check("好的，我马上帮您处理")[0] == []
