"""Rasa NLU graph components: thin adapters over bot.text and bot.extraction.

The Rasa server imports this package to load the pipeline, so process-wide
settings for that server are made here: phone numbers masked in every log
record, Rasa's per-call overheads removed (bot/nlu/rasa_fixes.py), and the
guards that keep every resident answered (bot/nlu/server_guards.py).
"""
from bot.nlu import rasa_fixes, server_guards
from bot.privacy import install_log_masking

install_log_masking()
rasa_fixes.apply()
server_guards.apply()
