"""Custom Rasa NLU components for Chinese residents' messages.

- TextNormalizer: Traditional → Simplified, half-width, folded spaces, and a
  length cap, before anything tokenizes.
- CleanJiebaTokenizer: Rasa's JiebaTokenizer without blank tokens
  (RasaHQ/rasa#7910: they misalign features).
- PropertyEntityExtractor: location parts, phones, ticket numbers and fault
  categories from bot.extraction / bot.routing (regexes, not jieba spans).
- EmotionDetector: the "emotion" field of every parse result (bot.emotion).
- UrgencyClassifier: the "urgency" field, and the `emergency` intent at
  response levels 1-2 (bot.routing's level keywords).
"""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

import jieba
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.nlu.tokenizers.tokenizer import Token
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import emotion, extraction, routing
from bot.text import MAX_RESIDENT_CHARS, normalize

jieba.setLogLevel(logging.WARNING)



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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class CleanJiebaTokenizer(JiebaTokenizer):
    """JiebaTokenizer that never emits whitespace-only tokens."""

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        return [t for t in super().tokenize(message, attribute) if t.text.strip()]


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


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EmotionDetector(GraphComponent):
    """Adds "emotion": {"level", "score", "cues", "emotions"} to every parse result."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "EmotionDetector":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            message.set("emotion", emotion.assess(message.get(TEXT)).as_dict(), add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class UrgencyClassifier(GraphComponent):
    """Adds "urgency": {"level": 1|2|3|null, "reason"} (三级响应). At level 1 or 2
    the intent becomes `emergency` whatever the classifiers said, as the
    FallbackClassifier overrides low-confidence intents: urgency outranks topic."""

    REPORT_INTENTS = ("repair_request", "complaint")

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "UrgencyClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            urgent = routing.urgent_keyword(message.get(TEXT) or "")
            intent = (message.get(INTENT) or {}).get("name")
            if urgent:
                level, word = urgent
                message.set("urgency", {"level": level, "reason": word}, add_to_output=True)
                message.set(INTENT, {"name": "emergency", "confidence": 1.0}, add_to_output=True)
            elif intent in self.REPORT_INTENTS:
                message.set("urgency", {"level": 3, "reason": "一般报修或投诉"}, add_to_output=True)
            else:
                message.set("urgency", {"level": None, "reason": None}, add_to_output=True)
        return messages
