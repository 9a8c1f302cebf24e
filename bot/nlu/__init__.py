"""Rasa NLU graph components: thin adapters over bot.text and bot.extraction."""
