"""Rasa NLU graph components: thin adapters over bot.text and bot.extraction.

The Rasa server imports this package to load the pipeline, so process-wide
settings for that server are made here: phone numbers masked in every log
record, and Rasa's per-call JSON-schema re-check replaced (bot/nlu/rasa_fixes.py).
"""
from bot.nlu import rasa_fixes
from bot.privacy import install_log_masking

install_log_masking()
rasa_fixes.apply()
