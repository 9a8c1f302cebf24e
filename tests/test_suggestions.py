"""Reply suggestions that fit the situation (bot/suggestions.py)."""
from datetime import datetime

import pytest

from bot import suggestions, tickets
from bot.suggestions import Situation


pytestmark = pytest.mark.usefixtures("console_models")


def functions_for(situation, ticket=None):
    return [s["scenario"] for s in suggestions.suggest(situation, ticket)]


def test_emergencies_come_first():
    assert functions_for(Situation(("着火了 楼道全是烟",), intent="emergency", urgency=1))[0] == "emergency_fire_gas"
    assert functions_for(Situation(("电梯困人了 孩子在里面",), intent="emergency", category="lift", urgency=2))[0] == "emergency_lift"


def test_an_angry_resident_whose_repair_is_late_gets_no_greeting(database):
    ticket = tickets.open_ticket(tickets.Report(kind="repair", description="厨房漏水", channel="rest",
                                                reporter_id="rest:x"), at=datetime(2026, 11, 1, 2, 0))
    situation = Situation(("报修一个星期了都没人来 你们还干不干了",), intent="complaint", category="repair_delay",
                          emotion="high", ticket_kind="repair", ticket_status="open", overdue=True,
                          agent_said=("您好，我是人工客服",))
    replies = suggestions.suggest(situation, ticket)
    functions = [s["scenario"] for s in replies]
    assert "greeting" not in functions and {"repair_delay", "angry_escalation"} & set(functions)
    assert all("{" not in s["text"] for s in replies)
    assert any(ticket.number in s["text"] or ticket.team_name in s["text"] for s in replies)  # the ticket's facts


def test_a_leak_reaching_the_flat_below_gets_leak_wording_not_noise():
    functions = functions_for(Situation(("我家卫生间漏水 已经漏到楼下了",), intent="repair_request", category="water"))
    assert functions[0] == "leak_to_neighbour" and "noise" not in functions


def test_replies_needing_a_ticket_are_not_offered_without_one():
    for suggestion in suggestions.suggest(Situation(("报修好几天了还没修",), category="repair_delay")):
        assert "{" not in suggestion["text"]


def test_a_situation_is_read_from_the_conversation():
    events = [
        {"event": "user", "text": "你好"},
        {"event": "bot", "text": "您好", "metadata": {"utter_action": "utter_greet"}},
        {"event": "user", "text": "楼上天天半夜蹦迪", "parse_data": {
            "intent": {"name": "complaint"}, "emotion": {"level": "normal"},
            "urgency": {"level": 3, "intent": "complaint"},
            "entities": [{"entity": "category", "value": "noise"}]}},
        {"event": "bot", "text": "我来处理", "metadata": {"agent": "li"}},
    ]
    situation = suggestions.situation_of(events, None)
    assert situation.resident == ("你好", "楼上天天半夜蹦迪")
    assert (situation.intent, situation.category, situation.emotion, situation.urgency) == ("complaint", "noise", "normal", 3)
    assert situation.agent_said == ("我来处理",)


def test_every_intent_and_category_the_assistant_knows_gets_three_fitting_replies():
    import yaml
    from bot import knowledge, settings
    intents = yaml.safe_load((settings.ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"]
    routing = knowledge.routing()
    categories = [c.id for c in routing.repair + routing.complaint]
    for intent in intents:
        for category in categories:
            replies = suggestions.suggest(Situation(("你好，想反映个情况",), intent=intent, category=category))
            assert len(replies) == 3 and all("{" not in r["text"] for r in replies), (intent, category)
