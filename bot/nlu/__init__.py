"""Rasa NLU graph components: thin adapters over bot.text and bot.extraction.

Importing this package (the Rasa server does, to load the pipeline) masks phone
numbers in every log record of that process."""
from bot.privacy import install_log_masking

install_log_masking()
