"""Training data stays independent of the dev set; the model hash covers what it must."""
import re

import yaml

from bot import knowledge, training
from bot.text import normalize
from conftest import DEV_SET, ROOT


def _key(text: str) -> str:
    return re.sub(r"[\W_]", "", normalize(text))


def _training_examples() -> list[str]:
    examples = []
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            examples += [line.strip()[2:] for line in block["examples"].splitlines() if line.strip()]
    return examples + [q for e in knowledge.faq_entries() for q in e.questions]


def test_no_training_example_copies_a_dev_message():
    dev = {_key(line.split("\t")[0]) for line in DEV_SET.read_text(encoding="utf-8").splitlines()[1:]}
    copied = [ex for ex in _training_examples() if _key(ex) in dev]
    assert copied == []


def test_main_intents_have_hundreds_of_examples():
    counts = {}
    for path in (ROOT / "data" / "nlu").glob("*.yml"):
        for block in yaml.safe_load(path.read_text(encoding="utf-8"))["nlu"]:
            counts[block["intent"]] = counts.get(block["intent"], 0) + len(block["examples"].strip().splitlines())
    counts["faq"] += len({q for e in knowledge.faq_entries() for q in e.questions})
    assert counts["faq"] >= 300 and counts["repair_request"] >= 200 and counts["complaint"] >= 150


def test_dictionary_and_questions_change_the_model_hash_but_answers_do_not(knowledge_copy):
    before = training.model_hash()
    faq = knowledge_copy / "faq.yml"
    faq.write_text(faq.read_text(encoding="utf-8").replace("物业服务中心可以免费寄存", "物业服务中心可免费寄存"),
                   encoding="utf-8")
    assert training.model_hash() == before
    (knowledge_copy / "dictionary" / "property_terms.txt").write_text("公摊 30 n\n", encoding="utf-8")
    after_dictionary = training.model_hash()
    assert after_dictionary != before
    faq.write_text(faq.read_text(encoding="utf-8").replace("[物业费多少钱一平,", "[物业费多少钱一平米,"), encoding="utf-8")
    assert training.model_hash() != after_dictionary
