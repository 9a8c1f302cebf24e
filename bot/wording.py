"""The check of an agent's draft for forbidden wording (禁忌用语): the
trainers' listed phrases, caught with their own alternative unless the draft
reads clearly polite (我不知道具体时间，我马上帮您确认), and a trained model
that recognises the kinds by meaning (推诿 shirking, 搪塞
stalling, 顶撞 rudeness, 敷衍 dismissal, blaming the resident, leaking
privacy). Each finding names its kind and offers a compliant rewrite."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from bot import agent_models, knowledge
from bot.text import to_simplified


@dataclass(frozen=True)
class Finding:
    phrase: str  # the words of the draft that break the rule
    start: int
    end: int
    alternative: str  # what to write instead
    kind: str
    kind_name: str
    listed: bool  # a trainers' listed phrase, else the model's reading

    def as_dict(self) -> dict:
        return asdict(self)


def _listed(text: str, draft: str) -> list[Finding]:
    """Listed phrases, longest first, never overlapping."""
    library = knowledge.phrase_library()
    taken: list[tuple[int, int]] = []
    findings = []
    for rule in sorted(library.forbidden, key=lambda r: len(r.phrase), reverse=True):
        start = text.find(rule.phrase)
        while start != -1:
            end = start + len(rule.phrase)
            if all(end <= s or start >= e for s, e in taken):
                findings.append(Finding(draft[start:end], start, end, rule.alternative, rule.kind,
                                        library.kind(rule.kind).name, True))
                taken.append((start, end))
            start = text.find(rule.phrase, end)
    return findings


def check(draft: str) -> tuple[list[Finding], str]:
    """Every finding in a draft, in order, and the draft rewritten with the alternatives."""
    simplified = to_simplified(draft)
    text = simplified if len(simplified) == len(draft) else draft
    model = agent_models.wording_model()
    sentences = model.sentences(text)

    def sentence_of(finding: Finding):
        return next((v for v in sentences if v.start <= finding.start < v.end + 1), sentences[0])
    # A listed phrase is caught unless its sentence reads clearly polite ("我不知道具体时间，我马上帮您确认").
    findings = [f for f in _listed(text, draft) if sentence_of(f).probability >= model.listed_at]
    library = knowledge.phrase_library()
    for verdict in sentences:
        if verdict.kind and not any(f.start < verdict.end and verdict.start < f.end for f in findings):
            kind = library.kind(verdict.kind)
            findings.append(Finding(draft[verdict.start:verdict.end], verdict.start, verdict.end, kind.rewrite,
                                    kind.id, kind.name, False))
    findings.sort(key=lambda f: f.start)
    rewrite, cursor = [], 0
    for f in findings:
        rewrite += [draft[cursor:f.start], f.alternative]
        cursor = f.end
    rewrite.append(draft[cursor:])
    return findings, "".join(rewrite)
