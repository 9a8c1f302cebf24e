"""Custom Rasa NLU components for Chinese residents' messages.

- TextNormalizer: Traditional → Simplified, half-width, folded spaces, and a
  length cap, before anything tokenizes.
- PropertyEntityExtractor: location parts, phones, ticket numbers and fault
  categories from bot.extraction / bot.routing (regexes, not jieba spans).
- ResidentIntentClassifier, FaqEntryClassifier, EmotionClassifier,
  UrgencyClassifier: thin adapters over the trained models of bot.understanding
  (jieba words and character n-grams, logistic regression), which add the
  intent, "faq_entry", "emotion" and "urgency" to every parse result.
"""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import extraction, routing
from bot.text import MAX_RESIDENT_CHARS, normalize
from bot.understanding import datasets, ratings, requests
from bot.understanding.classifier import TextClassifier
from bot.understanding.models import EmotionModel, FaqModel, UrgencyModel


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites the message text into the form the rest of the pipeline expects.
    The resident's own words stay in the tracker (UserUttered.text)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "TextNormalizer":
        return cls()

    @staticmethod
    def _normalize(message: Message) -> None:
        text = message.get(TEXT)
        if text is not None:
            message.set(TEXT, normalize(text)[:MAX_RESIDENT_CHARS])

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._normalize(example)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class PropertyEntityExtractor(GraphComponent, EntityExtractorMixin):
    """Entities, never overlapping: building, unit, room, place (a public spot),
    phone, ticket_no, and category (on the keyword that names it)."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "PropertyEntityExtractor":
        return cls()

    def _entity(self, name: str, value: Any, start: int, end: int) -> Dict[Text, Any]:
        return {"entity": name, "value": value, "start": start, "end": end,
                "confidence_entity": 1.0}

    def _entities(self, text: str) -> List[Dict[Text, Any]]:
        found = []
        for span in extraction.find_ticket_numbers(text):
            found.append(self._entity("ticket_no", span.text, span.start, span.end))
        for span in extraction.find_phone_candidates(text):
            value = extraction.normalize_phone(span.text) or span.text
            found.append(self._entity("phone", value, span.start, span.end))
        location = extraction.parse_location(text)
        for part in location.parts if location else ():
            found.append(self._entity(part.entity, part.value, part.start, part.end))
        category = routing.category_of(text)
        if category:
            found.append(self._entity("category", *category))
        return sorted(found, key=lambda e: e["start"])

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            entities = self.add_extractor_name(self._entities(text))
            message.set(ENTITIES, message.get(ENTITIES, []) + entities, add_to_output=True)
        return messages


class _TrainedComponent(GraphComponent):
    """A component around one model of bot.understanding: trained with the
    pipeline, stored in the Rasa model file (pickled), applied to each message."""

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any = None) -> None:
        self.config = config
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "_TrainedComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "_TrainedComponent":
        with model_storage.read_from(resource) as folder:
            model = pickle.loads((Path(folder) / "model.pkl").read_bytes())
        return cls(config, model_storage, resource, model)

    def fit(self, training_data: TrainingData) -> Any:
        raise NotImplementedError

    def apply(self, message: Message) -> None:
        raise NotImplementedError

    def train(self, training_data: TrainingData) -> Resource:
        self.model = self.fit(training_data)
        with self._storage.write_to(self._resource) as folder:
            (Path(folder) / "model.pkl").write_bytes(pickle.dumps(self.model))
        return self._resource

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self.apply(message)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class ResidentIntentClassifier(_TrainedComponent, IntentClassifier):
    """The intent and its ranking, from Rasa's NLU training data (data/nlu/ and
    the FAQ question variants as `faq`)."""

    def fit(self, training_data: TrainingData) -> TextClassifier:
        examples = [e for e in training_data.intent_examples if e.get(TEXT)]
        return TextClassifier().fit([extraction.mask_facts(e.get(TEXT)) for e in examples],
                                    [e.get(INTENT) for e in examples])

    def apply(self, message: Message) -> None:
        text = message.get(TEXT) or ""
        ranking = self.model.rank(extraction.mask_facts(text))
        if not any(ch.isalnum() for ch in text):  # emoji or punctuation only: nothing to go on
            ranking = [(name, 0.0) for name, _ in ranking]
        found = self._several_requests(text)
        lead = requests.first(found) if found else None
        if found:  # the request taken up first leads; the others ride along in "requests"
            message.set("requests", found, add_to_output=True)
        elif ranking[0][0] == "inform" or ranking[0][1] < requests.MIN_CONFIDENCE:
            # "4栋… 水龙头渗水 电话… 明天在家" reads as facts: the fault among them decides
            lead = self._request_among_facts(text)
        if ratings.read_rating(text):  # "5分", "4分 师傅很准时": an answer to the satisfaction survey
            lead = {"intent": "rate_service", "confidence": 1.0}
        if lead:
            ranking = [(lead["intent"], lead["confidence"])] + [(n, c) for n, c in ranking if n != lead["intent"]]
        message.set(INTENT, {"name": ranking[0][0], "confidence": ranking[0][1]}, add_to_output=True)
        message.set(INTENT_RANKING_KEY, [{"name": n, "confidence": c} for n, c in ranking],
                    add_to_output=True)

    def _best_of_each(self, parts: List[str]) -> List[tuple]:
        best = [ranking[0] for ranking in self.model.rank_many([extraction.mask_facts(p) for p in parts], top=1)]
        return [(part, intent, confidence) for part, (intent, confidence) in zip(parts, best)]

    def _several_requests(self, text: str) -> List[Dict[Text, Any]] | None:
        parts = requests.clauses(text)
        return requests.several(self._best_of_each(parts)) if len(parts) > 1 else None

    def _request_among_facts(self, text: str) -> Dict[Text, Any] | None:
        parts = requests.phrases(text)
        return requests.request_among_facts(self._best_of_each(parts)) if len(parts) > 1 else None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class FaqEntryClassifier(_TrainedComponent):
    """"faq_entry": {"id", "confidence", "answerable", "ranking"}: which entry of
    knowledge/faq.yml a question asks about. The answer itself is read live from
    the knowledge file when the assistant replies."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_wrong_answers": 0.015}

    def fit(self, training_data: TrainingData) -> FaqModel:
        return FaqModel.train(*datasets.faq_examples(), max_wrong=self.config["max_wrong_answers"])

    def apply(self, message: Message) -> None:
        message.set("faq_entry", self.model.guess(message.get(TEXT) or "").as_dict(), add_to_output=True)
        for request in message.get("requests") or ():
            if request["intent"] == "faq":
                request["faq_entry"] = self.model.guess(request["text"]).as_dict()


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmotionClassifier(_TrainedComponent):
    """"emotion": {"level", "score", "cues", "emotions"}: the score is the
    trained model's calibrated probability (data/emotion/), high from the
    threshold where precision and recall balance in cross-validation; the cues are the
    lexicon's words (knowledge/emotion.yml) that explain it to agents."""

    def fit(self, training_data: TrainingData) -> EmotionModel:
        return EmotionModel.train(*datasets.emotion_examples())

    def apply(self, message: Message) -> None:
        message.set("emotion", self.model.assess(message.get(TEXT) or "").as_dict(), add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UrgencyClassifier(_TrainedComponent):
    """"urgency": {"level", "reason", "ask", "if_yes", "probability"} (三级响应),
    from hazard concepts (knowledge/hazards.yml) and a trained model
    (data/urgency/). At level 1 or 2 the intent becomes `emergency` whatever
    the classifiers said; when the message might be dangerous it becomes
    `possible_emergency`, and the assistant asks its safety question first."""

    REPORT_INTENTS = ("repair_request", "complaint")
    # Short conversational turns (算了不报了, 好的, 谢谢): the model reads too little in
    # them to raise a level or ask a safety question; a hazard concept still raises them.
    CONVERSATIONAL = ("stop", "affirm", "deny", "greet", "goodbye", "thank", "check_ticket_status", "rate_service")

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"max_ordinary_raised": 0.01, "max_ordinary_asked": 0.04}

    def fit(self, training_data: TrainingData) -> UrgencyModel:
        return UrgencyModel.train(*datasets.urgency_examples(),
                                  max_raised=self.config["max_ordinary_raised"],
                                  max_asked=self.config["max_ordinary_asked"])

    def apply(self, message: Message) -> None:
        intent = (message.get(INTENT) or {}).get("name")
        urgency = self.model.assess(message.get(TEXT) or "", model_decides=intent not in self.CONVERSATIONAL)
        result = urgency.as_dict()
        result["intent"] = intent  # what the message is about, whatever the level
        if urgency.level:
            message.set(INTENT, {"name": "emergency", "confidence": 1.0}, add_to_output=True)
        elif result["ask"]:
            message.set(INTENT, {"name": "possible_emergency", "confidence": 1.0}, add_to_output=True)
        elif intent in self.REPORT_INTENTS:
            result.update(level=3, reason="一般报修或投诉")
        message.set("urgency", result, add_to_output=True)
