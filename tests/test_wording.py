"""The forbidden-wording check (bot/wording.py): listed phrases, the trained
model's kinds by meaning, rewrites; and the library it reads."""
import pytest

from bot import agent_models, knowledge, wording


pytestmark = pytest.mark.usefixtures("console_models")


def test_the_library_covers_the_trade():
    library = knowledge.phrase_library()
    assert len(library.scenarios) >= 25 and all(len(s.replies) >= 3 for s in library.scenarios)
    assert len(library.forbidden) >= 20 and all(f.alternative for f in library.forbidden)
    assert {k.id for k in library.kinds} == {"shirking", "stalling", "rudeness", "dismissal", "blaming", "privacy"}


def test_no_recommended_wording_is_itself_forbidden():
    library = knowledge.phrase_library()
    ticket = {"ticket_no": "BX-20261125-0001", "team": "水电维修组", "eta": "今天 18:00", "category": "给排水",
              "followup": "明天 10:00"}
    values = {**knowledge.community_facts(), **ticket}
    texts = [knowledge.fill(r, values) for s in library.scenarios for r in s.replies]  # as agents see them
    texts += [f.alternative for f in library.forbidden] + [k.rewrite for k in library.kinds]
    flagged = [t for t in texts if wording.check(t)[0]]
    assert flagged == []


@pytest.mark.parametrize("draft, kinds", [
    ("这事不归我们物业管，你去找开发商", {"shirking"}),
    ("你自己想办法吧", {"shirking", "dismissal"}),  # pushing it back is both
    ("过几天再说吧", {"stalling"}),
    ("你到底想怎样", {"rudeness"}),
    ("找我也没用", {"dismissal"}),
    ("谁让你自己不关窗户的", {"blaming"}),
    ("他电话是13912345678，你自己打给他", {"privacy"}),
])
def test_rule_breaking_drafts_phrased_another_way_are_caught_by_kind(draft, kinds):
    findings, rewrite = wording.check(draft)
    assert len(findings) == 1 and findings[0].kind in kinds
    assert findings[0].kind_name == knowledge.phrase_library().kind(findings[0].kind).name
    assert findings[0].alternative in rewrite and not wording.check(rewrite)[0]


@pytest.mark.parametrize("draft", [
    "这不是您的责任，我们来处理",
    "按照规定需要先办申请，我把材料清单发给您",
    "我不知道具体的上门时间，我马上帮您确认",
    "为了保护业主隐私，我们不能提供他的电话，但可以帮您转达",
    "好的，我马上帮您处理",
])
def test_polite_replies_that_share_words_with_forbidden_ones_pass(draft):
    assert wording.check(draft)[0] == []


def test_listed_phrases_keep_their_own_alternative_and_position():
    draft = "这不是我的事，等着吧。"
    findings, rewrite = wording.check(draft)
    assert [(f.phrase, f.listed, draft[f.start:f.end]) for f in findings] == [
        ("这不是我的事", True, "这不是我的事"), ("等着吧", True, "等着吧")]
    assert rewrite == "这件事我来帮您联系负责的同事，请您稍等，我会在约定时间内给您答复。"
    assert wording.check("這不是我的事")[0][0].kind == "shirking"  # Traditional characters


def test_the_model_is_kept_on_disk_and_retrained_when_its_inputs_change(tmp_path, knowledge_copy, monkeypatch):
    from bot import settings
    monkeypatch.setattr(settings, "VAR_DIR", tmp_path)
    monkeypatch.setattr(agent_models, "_loaded", {})
    agent_models.wording_model()
    saved = sorted((tmp_path / "models").glob("wording-*.pkl"))
    assert len(saved) == 1
    text = (knowledge_copy / "phrases.yml").read_text(encoding="utf-8")
    (knowledge_copy / "phrases.yml").write_text(
        text.replace("examples: []", "examples:\n  - {draft: 这个我们管不了你另请高明, kind: shirking}"), encoding="utf-8")
    assert knowledge.phrase_library().examples[0].kind == "shirking"
    agent_models.wording_model()
    assert len(sorted((tmp_path / "models").glob("wording-*.pkl"))) == 2
